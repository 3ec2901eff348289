"""TrackRun: EventBridge "Step Functions Execution Status Change" events keep the run record true."""

import json

import boto3
import pytest
from moto import mock_aws

from ghstats import names
from ghstats.execution_events import ExecutionStatusDetail, status_change_event
from ghstats.ledger import Ledger
from ghstats_cli.local_aws import LambdaContext, TABLE, create_table
from handlers import track_run
from handlers.dependencies import Dependencies


@pytest.fixture
def deps(monkeypatch):
    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                       "POWERTOOLS_TRACE_DISABLED": "true"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        dynamodb = boto3.resource("dynamodb")
        create_table(dynamodb)
        ledger = Ledger(dynamodb.Table(TABLE))
        ledger._table.put_item(Item={"pk": names.run_pk("weekly-7"), "sk": "RUN", "run_id": "weekly-7", "status": "RUNNING"})
        yield Dependencies(store=None, ledger=ledger, make_client=None)


def event(status, redrive_count=0, **detail):
    return status_change_event({"executionArn": "arn:aws:states:us-east-1:1:execution:sm:weekly-7", "name": "weekly-7",
                                "status": status, "redriveCount": redrive_count, "input": json.dumps({"orgs": ["acme"]}),
                                "startDate": 1_700_000_000_000, "stopDate": 1_700_000_600_000, **detail})


def call(deps, evt):
    return track_run.handler(evt, LambdaContext("TrackRun"), deps=deps)


def test_failure_then_redrive_then_duplicate(deps):
    failed = event("FAILED", error="GitHubServerError", cause='{"errorMessage": "GitHub answered 502"}')
    assert call(deps, failed)["applied"] is True
    run = deps.ledger.get_run("weekly-7")
    assert (run["status"], run["error"], run["finished_at"]) == ("FAILED", "GitHubServerError", "2023-11-14T22:23:20Z")
    assert call(deps, failed)["applied"] is False  # at-least-once delivery
    assert call(deps, event("RUNNING"))["applied"] is False  # the first attempt's late RUNNING
    assert call(deps, event("RUNNING", redrive_count=1, redriveDate=1_700_001_000_000))["applied"] is True
    run = deps.ledger.get_run("weekly-7")
    assert (run["status"], run["redrive_count"], "error" in run) == ("RUNNING", 1, False)


@pytest.mark.parametrize("status", ["TIMED_OUT", "ABORTED"])
def test_timed_out_and_aborted(deps, status):
    assert call(deps, event(status, cause="stopped by an operator"))["applied"] is True
    run = deps.ledger.get_run("weekly-7")
    assert (run["status"], run["error"], run["cause"]) == (status, status, "stopped by an operator")


def finished_by_the_workflow(deps, status="PARTIAL"):
    """What RecordFinish writes: the status, no track_rank."""
    deps.ledger._table.update_item(Key={"pk": names.run_pk("weekly-7"), "sk": "RUN"},
                                   UpdateExpression="SET #s = :p, finished_at = :f",
                                   ExpressionAttributeNames={"#s": "status"},
                                   ExpressionAttributeValues={":p": status, ":f": "2023-11-14T22:23:20Z"})


def test_succeeded_keeps_partial(deps):
    finished_by_the_workflow(deps)
    call(deps, event("SUCCEEDED"))
    assert deps.ledger.get_run("weekly-7")["status"] == "PARTIAL"


@pytest.mark.parametrize("finished", ["PARTIAL", "SUCCEEDED"])
@pytest.mark.parametrize("redrive_count", [0, 1])
def test_running_that_arrives_after_the_finish_is_stale(deps, finished, redrive_count):
    finished_by_the_workflow(deps, finished)
    late = event("RUNNING", redrive_count=redrive_count, redriveDate=1_700_001_000_000)
    assert call(deps, late)["applied"] is False
    assert call(deps, event("SUCCEEDED", redrive_count=redrive_count))["applied"] is True
    run = deps.ledger.get_run("weekly-7")
    assert (run["status"], run["finished_at"], run["redrive_count"]) == (finished, "2023-11-14T22:23:20Z", redrive_count)


def test_statuses_the_record_does_not_keep_are_ignored(deps):
    call(deps, event("FAILED", error="GitHubServerError"))
    assert call(deps, event("PENDING_REDRIVE"))["applied"] is False
    assert call(deps, event("RUNNING", redrive_count=1))["applied"] is True
    assert deps.ledger.get_run("weekly-7")["status"] == "RUNNING"


def test_run_id_from_input_for_local_reruns():
    assert ExecutionStatusDetail(name="exec-2", status="RUNNING", input=json.dumps({"run_id": "run-1"})).run_id == "run-1"
    assert ExecutionStatusDetail(name="exec-2", status="RUNNING", input="not json").run_id == "exec-2"


def test_redrive_that_reruns_only_the_announcement_ends_with_the_runs_status(deps):
    # RecordFinish wrote PARTIAL, then AnnounceCompletion failed: the execution FAILED
    finished_by_the_workflow(deps, "PARTIAL")
    assert call(deps, event("FAILED", error="EventBridge.InternalException"))["applied"] is True
    # The redrive re-runs only AnnounceCompletion; RecordFinish does not run again
    assert call(deps, event("RUNNING", redrive_count=1, redriveDate=1_700_001_000_000))["applied"] is True
    assert deps.ledger.get_run("weekly-7")["status"] == "RUNNING"
    done = event("SUCCEEDED", redrive_count=1, output=json.dumps({"status": "PARTIAL", "repos_ok": 9}))
    assert call(deps, done)["applied"] is True
    run = deps.ledger.get_run("weekly-7")
    assert (run["status"], run["redrive_count"], "error" in run, "cause" in run) == ("PARTIAL", 1, False, False)
    assert run["finished_at"] == "2023-11-14T22:23:20Z"  # the execution's stop time


def test_succeeded_without_a_readable_output_leaves_the_status(deps):
    finished_by_the_workflow(deps, "PARTIAL")
    assert call(deps, event("SUCCEEDED", output="not json"))["applied"] is True
    assert deps.ledger.get_run("weekly-7")["status"] == "PARTIAL"


LOCKED_ARN = "arn:aws:states:us-east-1:1:execution:sm:weekly-7"


def hold_lock(deps, arn=LOCKED_ARN, collection="default"):
    deps.ledger._table.put_item(Item={"pk": names.lock_pk(collection), "sk": names.LOCK_SK, "run_id": "weekly-7",
                                      "execution_arn": arn, "since": "2023-11-14T22:13:20Z", "expires_at": 2_000_000_000})


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"])
def test_an_execution_that_ended_frees_its_collections_lock(deps, status):
    hold_lock(deps)
    assert call(deps, event(status, output=json.dumps({"status": "SUCCEEDED"})))["lock"] == "released"
    assert deps.ledger.get_lock("default")["expires_at"] == 0


def test_the_lock_of_another_execution_is_left_alone(deps):
    hold_lock(deps, arn="arn:aws:states:us-east-1:1:execution:sm:other")
    assert call(deps, event("FAILED", error="RunInProgress"))["lock"] is None
    assert deps.ledger.get_lock("default")["expires_at"] == 2_000_000_000


def test_the_collection_name_comes_from_the_input(deps):
    hold_lock(deps, collection="traffic")
    answer = call(deps, event("FAILED", input=json.dumps({"name": "traffic", "orgs": ["acme"]})))
    assert answer["lock"] == "released" and deps.ledger.get_lock("traffic")["expires_at"] == 0


def test_a_redriven_execution_takes_its_lock_back_unless_another_run_holds_it(deps):
    hold_lock(deps)
    call(deps, event("FAILED", error="GitHubServerError"))
    assert call(deps, event("RUNNING", redrive_count=1, redriveDate=1_700_001_000_000))["lock"] == "taken"
    lock = deps.ledger.get_lock("default")
    assert lock["execution_arn"] == LOCKED_ARN and lock["expires_at"] > 0
    # another run took the lock while this one waited for its redrive
    hold_lock(deps, arn="arn:aws:states:us-east-1:1:execution:sm:other")
    assert call(deps, event("RUNNING", redrive_count=2, redriveDate=1_700_002_000_000))["lock"] == "held_by_another"
    assert deps.ledger.get_lock("default")["execution_arn"].endswith(":other")


def test_a_late_end_event_of_the_first_attempt_never_frees_the_lock_its_redrive_took(deps):
    # Found in review: EventBridge delivers out of order; the first attempt's FAILED came after the
    # redrive's RUNNING and freed the redrive's lock, so a new start could run beside it.
    hold_lock(deps)
    assert call(deps, event("RUNNING", redrive_count=1, redriveDate=1_700_001_000_000))["lock"] == "taken"
    late = event("FAILED", error="GitHubServerError")  # stopDate 1_700_000_600_000: before the redrive
    assert call(deps, late)["lock"] is None
    lock = deps.ledger.get_lock("default")
    assert lock["execution_arn"] == LOCKED_ARN and lock["expires_at"] > 0
    # the redrive's own end frees it
    assert call(deps, event("FAILED", redrive_count=1, stopDate=1_700_002_000_000))["lock"] == "released"


def test_an_event_that_is_not_an_execution_status_change_is_refused_whole(deps):
    from pydantic import ValidationError

    # Given an event of another kind, or one whose status is not an execution status
    wrong_kind = {**event("FAILED"), "detail-type": "Step Functions State Machine Status Change"}
    bad_status = event("EXPLODED")
    for evt in (wrong_kind, bad_status):
        with pytest.raises(ValidationError):
            call(deps, evt)
    # Then nothing was written: the run is as it was
    assert deps.ledger.get_run("weekly-7")["status"] == "RUNNING"


def test_a_distributed_maps_threshold_failure_is_recorded_with_the_failed_batchs_error(deps):
    # Given two batches the ledger has FAILED (one after GitHub's 502s) and one DONE
    deps.ledger.record_run_plan("weekly-7", "2026-01-01T00:00:00Z", ["acme"])
    deps.ledger.record_owner_plan("weekly-7", "acme", {"0000-00000": 2, "0000-00001": 2, "0000-00002": 2}, 6, [])
    deps.ledger.batch_failed("weekly-7", "0000-00002", "GitHubAuthError", "the token lost access", None)
    deps.ledger.batch_failed("weekly-7", "0000-00001", "GitHubServerError", "GitHub answered 502", None)
    # When the execution fails with the Distributed Map's own error
    call(deps, event("FAILED", error="States.ExceedToleratedFailureThreshold",
                     cause="The specified tolerated failure threshold was exceeded"))
    # Then the run record says which batch failed first and why, and that another did too
    run = deps.ledger.get_run("weekly-7")
    assert run["error"] == "GitHubServerError"
    assert run["cause"] == "batch 0000-00001: GitHub answered 502 (and 1 more batches failed)"


def test_a_threshold_failure_after_an_owners_listing_failed_names_the_listing_first(deps):
    # Given globex's listing FAILED for good (its batches were never planned) and a batch of acme
    deps.ledger.record_run_plan("weekly-7", "2026-01-01T00:00:00Z", ["acme", "globex"])
    deps.ledger.record_owner_plan("weekly-7", "acme", {"0000-00000": 2}, 2, [])
    deps.ledger.batch_failed("weekly-7", "0000-00000", "GitHubServerError", "GitHub answered 502", None)
    deps.ledger.owner_failed("weekly-7", "globex", "GitHubAuthError", "the token lost access to globex", None)
    # When the execution fails with CollectOwners' threshold error
    call(deps, event("FAILED", error="States.ExceedToleratedFailureThreshold", cause="threshold exceeded"))
    # Then the run names the listing that failed, and the batch that failed too
    run = deps.ledger.get_run("weekly-7")
    assert run["error"] == "GitHubAuthError"
    assert run["cause"] == "listing globex: the token lost access to globex (and 1 more batches failed)"


def test_a_threshold_failure_without_a_failed_batch_keeps_the_maps_words(deps):
    # (an organisation-level work item failed: it has no batch record)
    call(deps, event("FAILED", error="States.ExceedToleratedFailureThreshold", cause="threshold exceeded"))
    run = deps.ledger.get_run("weekly-7")
    assert (run["error"], run["cause"]) == ("States.ExceedToleratedFailureThreshold", "threshold exceeded")
