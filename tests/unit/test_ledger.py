"""The ledger's conditional updates: repeats never count twice, stale events never win."""

import boto3
import pytest
from moto import mock_aws

from ghstats import names
from ghstats.ledger import Ledger
from ghstats_cli.local_aws import TABLE, create_table


@pytest.fixture
def ledger(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        create_table(dynamodb)
        yield Ledger(dynamodb.Table(TABLE), now=lambda: 1_700_000_000)


def start(ledger, run_id, started_at, orgs=("acme",)):
    ledger._table.put_item(Item={"pk": names.run_pk(run_id), "sk": "RUN", "run_id": run_id, "status": "RUNNING",
                                 "started_at": started_at, "gsi1pk": "RUNS", "gsi1sk": names.time_order(started_at, run_id)})
    ledger.record_run_plan(run_id, started_at, list(orgs), planning_points=2)
    ledger.record_owner_plan(run_id, orgs[0], {"0000-00000": 50, "0000-00001": 7}, 57, [], listing_points=1)


def test_batch_done_counts_once(ledger):
    start(ledger, "r1", "2026-01-01T00:00:00Z")
    ledger.batch_started("r1", "0000-00000")
    assert ledger.batch_done("r1", "0000-00000", 49, 1, 4) is True
    assert ledger.batch_done("r1", "0000-00000", 49, 1, 4) is False  # the retry after a crash
    ledger.batch_started("r1", "0000-00000")  # a late duplicate does not reopen a DONE batch
    run = ledger.get_run("r1")
    # the planning step's 2 points, the listing's 1, the batch's 4
    assert (run["batches_done"], run["repos_ok"], run["repos_failed"], run["points_used"]) == (1, 49, 1, 7)
    batches = {b["batch_id"]: b for b in ledger.get_batches("r1")}
    assert batches["0000-00000"]["status"] == "DONE" and batches["0000-00000"]["attempts"] == 1
    assert batches["0000-00001"]["status"] == "PENDING" and batches["0000-00000"]["expires_at"] > 1_700_000_000


def test_failed_batch_lists_its_dead_letter(ledger):
    start(ledger, "r1", "2026-01-01T00:00:00Z")
    ledger.batch_failed("r1", "0000-00001", "GitHubServerError", "GitHub answered 502", "runs/r1/failures/batch-0000-00001.json")
    assert ledger.get_run("r1")["failure_keys"] == ["runs/r1/failures/batch-0000-00001.json"]
    assert {b["batch_id"]: b["status"] for b in ledger.get_batches("r1")}["0000-00001"] == "FAILED"


def test_execution_events_unordered_and_repeated(ledger):
    start(ledger, "r1", "2026-01-01T00:00:00Z")
    assert ledger.apply_execution_status("r1", "FAILED", 0, error="GitHubServerError", cause="502") is True
    assert ledger.apply_execution_status("r1", "RUNNING", 0) is False  # late RUNNING of the same attempt
    assert ledger.apply_execution_status("r1", "FAILED", 0, error="x") is False  # repeated delivery
    assert ledger.get_run("r1")["status"] == "FAILED"
    assert ledger.apply_execution_status("r1", "RUNNING", 1) is True  # the redrive
    run = ledger.get_run("r1")
    assert (run["status"], run["redrive_count"], "error" in run) == ("RUNNING", 1, False)
    assert ledger.apply_execution_status("r1", "FAILED", 0, error="old") is False  # stale first attempt


def test_last_runs_overall_and_per_org(ledger):
    start(ledger, "r1", "2026-01-01T00:00:00Z", orgs=("acme",))
    start(ledger, "r2", "2026-01-02T00:00:00Z", orgs=("globex",))
    start(ledger, "r3", "2026-01-03T00:00:00Z", orgs=("acme", "globex"))
    assert [r["run_id"] for r in ledger.last_runs(10)] == ["r3", "r2", "r1"]
    assert [r["run_id"] for r in ledger.last_runs(2)] == ["r3", "r2"]
    assert [r["run_id"] for r in ledger.last_runs(10, org="ACME")] == ["r3", "r1"]


def test_transaction_conflict_is_not_taken_for_already_done(ledger, monkeypatch):
    from botocore.exceptions import ClientError

    start(ledger, "r1", "2026-01-01T00:00:00Z")

    def conflict(**_):
        raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                           "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}]}, "TransactWriteItems")

    monkeypatch.setattr(ledger._client, "transact_write_items", conflict)
    with pytest.raises(ClientError):
        ledger.batch_done("r1", "0000-00000", 1, 0, 1)


def test_planning_again_never_reopens_or_recounts_a_done_batch(ledger):
    # Given a run whose first batch is done (measured before: a re-plan put it back to PENDING and
    # the reused result was counted again: "2/2 batches done" with one batch done)
    start(ledger, "r1", "2026-01-01T00:00:00Z")
    ledger.batch_started("r1", "0000-00000")
    ledger.batch_done("r1", "0000-00000", 50, 0, 1)
    # When the plans are written again and the reused result reported again
    ledger.record_run_plan("r1", "2026-01-01T00:00:00Z", ["acme"], planning_points=2)
    assert ledger.record_owner_plan("r1", "acme", {"0000-00000": 50, "0000-00001": 7}, 57, [], listing_points=1) is False
    assert ledger.batch_done("r1", "0000-00000", 50, 0, 1) is False
    # Then the batch stays DONE and is counted once, and the owner's batches and points once
    batches = {b["batch_id"]: b for b in ledger.get_batches("r1")}
    assert batches["0000-00000"]["status"] == "DONE" and batches["0000-00001"]["status"] == "PENDING"
    run = ledger.get_run("r1")
    assert (run["batches_done"], run["batches_total"], run["repos_total"], run["points_used"]) == (1, 2, 57, 4)


def test_owners_listed_side_by_side_add_up_and_a_failed_listing_is_kept_until_it_is_listed(ledger):
    start(ledger, "r1", "2026-01-01T00:00:00Z", orgs=("acme", "globex", "initech"))
    ledger.note_listing("r1", "globex", 100)
    ledger.note_listing("r1", "acme", 100)
    ledger.note_listing("r1", "globex", 140)  # each owner sets its own entry
    ledger.owner_failed("r1", "globex", "GitHubServerError", "GitHub answered 502", "runs/r1/failures/listing-globex.json")
    assert ledger.record_owner_plan("r1", "initech", {"0002-00000": 3}, 3, ["initech: a warning"],
                                    org_failed=None) is True
    run = ledger.get_run("r1")
    assert run["listing"] == {"acme": 100, "globex": 140} and run["listing_pages"] == 3
    assert (run["owners_total"], run["owners_listed"], run["batches_total"], run["repos_total"]) == (3, 2, 3, 60)
    assert run["warnings"] == ["initech: a warning"] and run["failure_keys"] == ["runs/r1/failures/listing-globex.json"]
    owners = {o["owner_name"]: o for o in ledger.get_owners("r1")}
    assert (owners["globex"]["status"], owners["globex"]["error"]) == ("FAILED", "GitHubServerError")
    # the redrive lists globex: it is listed (its error gone), and counted once
    assert ledger.record_owner_plan("r1", "globex", {"0001-00000": 40}, 40, [], org_failed="globex") is True
    ledger.owner_failed("r1", "globex", "late", "a late failure of an earlier attempt", None)  # never undoes LISTED
    globex = {o["owner_name"]: o for o in ledger.get_owners("r1")}["globex"]
    assert globex["status"] == "LISTED" and "error" not in globex
    run = ledger.get_run("r1")
    assert (run["owners_listed"], run["batches_total"], run["orgs_failed"]) == (3, 4, ["globex"])


ARN_A = "arn:aws:states:us-east-1:1:execution:sm:a"
ARN_B = "arn:aws:states:us-east-1:1:execution:sm:b"


def test_record_start_takes_the_lock_once_per_collection(ledger):
    assert ledger.record_start("a", ARN_A, "2026-01-01T00:00:00Z", {"orgs": []}, "h1", "default") == "started"
    assert ledger.record_start("a", ARN_A, "2026-01-01T00:00:00Z", {"orgs": []}, "h1", "default") == "started"  # a retry
    assert ledger.record_start("b", ARN_B, "2026-01-01T00:01:00Z", {"orgs": []}, "h1", "default") == "locked"
    assert ledger.get_run("b") is None  # refused: nothing written
    assert ledger.record_start("b", ARN_B, "2026-01-01T00:01:00Z", {"orgs": []}, "h1", "other") == "started"
    lock = ledger.get_lock("default")
    assert (lock["run_id"], lock["since"], lock["expires_at"]) == ("a", "2026-01-01T00:00:00Z", 1_700_000_000 + 86_400)
    assert ledger.release_lock("default", ARN_B) is False  # only its holder frees it
    assert ledger.release_lock("default", ARN_A) is True
    assert ledger.record_start("c", ARN_B, "2026-01-01T00:02:00Z", {"orgs": []}, "h1", "default") == "started"


def test_record_start_refuses_a_run_id_with_another_config(ledger):
    assert ledger.record_start("a", ARN_A, "2026-01-01T00:00:00Z", {"batch_size": 50}, "h1", "default") == "started"
    ledger.release_lock("default", ARN_A)
    assert ledger.record_start("a", ARN_B, "2026-01-01T00:05:00Z", {"batch_size": 40}, "h2", "default") == "config_changed"
    run = ledger.get_run("a")
    assert (run["execution_arn"], run["config_hash"]) == (ARN_A, "h1")
    assert ledger.get_lock("default")["expires_at"] == 0  # the lock was not taken either


def test_events_of_another_execution_never_touch_the_run(ledger):
    ledger.record_start("a", ARN_A, "2026-01-01T00:00:00Z", {}, "h1", "default")
    assert ledger.apply_execution_status("a", "FAILED", 0, error="RunInProgress", execution_arn=ARN_B) is False
    assert ledger.get_run("a")["status"] == "RUNNING"
    assert ledger.apply_execution_status("a", "FAILED", 0, error="GitHubServerError", execution_arn=ARN_A) is True


def test_a_step_holds_its_lock_takes_a_freed_one_back_and_is_refused_another_runs(ledger):
    ledger.record_start("a", ARN_A, "2026-01-01T00:00:00Z", {}, "h1", "default")
    assert ledger.hold_lock("default", "a", ARN_A) is None  # its own
    assert ledger.hold_lock("default", "b", ARN_B)["run_id"] == "a"  # another's: refused, who holds it
    ledger.release_lock("default", ARN_A)  # e.g. TrackRun after the first attempt failed
    assert ledger.hold_lock("default", "a", ARN_A) is None  # a redrive takes it back
    assert ledger.get_lock("default")["expires_at"] > 1_700_000_000
    assert ledger.hold_lock("default", "b", ARN_B)["execution_arn"] == ARN_A
