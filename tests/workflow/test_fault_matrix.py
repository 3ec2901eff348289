"""Nothing lost: every fault, through the real workflow, keeps the invariants.

For each fault a whole collection runs (ASL in moto's engine, handlers, simulator) and the test
checks: every listed repository is exactly once in repositories.json or errors.json; every
count equals the simulator's truth; the ledger's status, progress and counts are right; the
number of GitHub requests stays bounded.
"""

from __future__ import annotations

import io
import logging
import time

import pytest
from botocore.exceptions import ClientError

from ghstats import limits, names
from ghstats.ledger import Ledger
from ghstats.storage import S3ObjectStore
from tests.workflow.helpers import assert_every_repo_once, assert_matches_truth, org_keys, outputs

ORG_SIZE = 120
BATCH = 30
BATCHES = ORG_SIZE // BATCH
CLEAN_REQUESTS = 1 + 2 + BATCHES  # preflight + listing pages + batches


def collect(aws, sim, **extra):
    return aws.run({"orgs": ["acme"], "batch_size": BATCH, "max_concurrency": 2, "api_url": sim.url, **extra})


def assert_complete(aws, sim, outcome, *, errors=frozenset(), status="SUCCEEDED"):
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    out = outputs(aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "acme") | set(errors))
    assert set(out["errors"]["errors"]) == set(errors)
    assert_matches_truth(out, sim)
    run = aws.ledger().get_run(outcome.run_id)
    total = len(org_keys(sim, "acme") | set(errors))
    assert run["status"] == (names.PARTIAL if errors else status)
    assert (run["batches_done"], run["batches_total"]) == (run["batches_total"], -(-total // BATCH))
    assert (run["repos_ok"], run["repos_failed"]) == (total - len(errors), len(errors))
    return out, run


@pytest.fixture
def sim(make_sim):
    return make_sim({"acme": ORG_SIZE})


@pytest.mark.parametrize("fault, waits", [
    (dict(kind="rate_limited"), None),
    (dict(kind="rate_limit_new"), None),
    (dict(kind="secondary_403", retry_after=90), [90]),
    (dict(kind="secondary_429", retry_after=15), [15]),
    (dict(kind="secondary_graphql"), [60]),
])
def test_rate_limits_mid_run_wait_then_complete(sim, local_aws, engine_delays, fault, waits):
    from simulator import Fault

    sim.add_fault(Fault(fault.pop("kind"), on_request=5, **fault))  # a batch request
    outcome = collect(local_aws, sim)
    assert_complete(local_aws, sim, outcome)
    assert len(engine_delays.waits) == 1 and (waits is None or engine_delays.waits == waits)
    assert engine_delays.waits[0] >= 1
    assert sim.count(kind="graphql") == CLEAN_REQUESTS + 1


@pytest.mark.parametrize("kind", ["bad_gateway_json", "bad_gateway_html", "malformed_json", "drop_connection"])
def test_server_side_failures_split_and_complete(sim, local_aws, engine_delays, kind):
    from simulator import Fault

    sim.add_fault(Fault(kind, on_request=5))
    outcome = collect(local_aws, sim)
    assert_complete(local_aws, sim, outcome)
    assert sim.count(kind="graphql") == CLEAN_REQUESTS + 2  # the failed request, then two halves
    assert engine_delays.retries == []


def test_query_slower_than_the_client_timeout(make_sim, engine_delays):
    from ghstats_cli.local_aws import LocalAws
    from simulator import Fault
    from tests.conftest import TOKEN

    sim = make_sim({"acme": ORG_SIZE})
    sim.add_fault(Fault("slow", on_request=5, delay_s=2.0))
    with LocalAws({"GITHUB_TOKEN": TOKEN}, client_timeout=(2.0, 0.5)) as aws:
        outcome = collect(aws, sim)
        assert_complete(aws, sim, outcome)
    deadline = time.monotonic() + 5  # the slow answer is recorded when the simulator finishes it
    while sim.count(kind="graphql") < CLEAN_REQUESTS + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sim.count(kind="graphql") == CLEAN_REQUESTS + 2


def test_repos_deleted_renamed_or_forbidden_after_listing(sim, local_aws):
    from simulator import Fault

    keys = sorted(org_keys(sim, "acme"))
    deleted, renamed, forbidden = keys[3], keys[40], keys[77]

    def change_github_after_listing(handler):
        def run(event, context, **kwargs):
            answer = handler(event, context, **kwargs)
            sim.delete_repo(deleted)
            sim.rename_repo(renamed, "renamed-meanwhile")
            return answer
        return run

    local_aws.wrappers["ListRepos"] = change_github_after_listing
    sim.add_fault(Fault("forbidden", repo=forbidden, times=None))
    outcome = collect(local_aws, sim)
    assert outcome.status == "SUCCEEDED", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    listed = set(keys)
    assert_every_repo_once(out, listed)
    assert {k: e["type"] for k, e in out["errors"]["errors"].items()} == {deleted: "NOT_FOUND", forbidden: "FORBIDDEN"}
    assert out["repositories"]["repositories"][renamed]["name_with_owner"] == "acme/renamed-meanwhile"
    run = local_aws.ledger().get_run(outcome.run_id)
    assert (run["status"], run["repos_ok"], run["repos_failed"]) == ("PARTIAL", ORG_SIZE - 2, 2)
    assert sim.count(kind="graphql") == CLEAN_REQUESTS  # no batch loops on its bad repos


def test_token_revoked_mid_run_fails_fast(sim, local_aws, engine_delays):
    from simulator import Fault

    sim.add_fault(Fault("unauthorized", on_request=5, times=None))
    outcome = collect(local_aws, sim, max_concurrency=1)
    assert (outcome.status, outcome.error) == ("FAILED", "GitHubAuthError")
    assert engine_delays.retries == [] and engine_delays.waits == []
    run = local_aws.ledger().get_run(outcome.run_id)
    assert run["status"] == "FAILED" and "revoked" in run["cause"]
    assert sim.count(kind="graphql") <= CLEAN_REQUESTS  # nothing hammered after the 401


def test_s3_write_failure_is_retried_and_nothing_doubles(sim, local_aws, engine_delays, monkeypatch):
    real_put = S3ObjectStore.put_json
    failed = []

    def flaky_put(self, key, value, **kwargs):
        if "/results/" in key and not failed:
            failed.append(key)
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "PutObject")
        return real_put(self, key, value, **kwargs)

    monkeypatch.setattr(S3ObjectStore, "put_json", flaky_put)
    outcome = collect(local_aws, sim)
    assert_complete(local_aws, sim, outcome)
    assert len(failed) == 1 and len(engine_delays.retries) == 1
    assert sim.count(kind="graphql") == CLEAN_REQUESTS + 1  # the batch whose write failed asked again


def test_dynamodb_throttling_is_retried_and_counted_once(sim, local_aws, engine_delays, monkeypatch):
    real_done = Ledger.batch_done
    throttled = []

    def throttled_done(self, *args, **kwargs):
        if not throttled:
            throttled.append(args)
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "TransactWriteItems")
        return real_done(self, *args, **kwargs)

    monkeypatch.setattr(Ledger, "batch_done", throttled_done)
    outcome = collect(local_aws, sim)
    _, run = assert_complete(local_aws, sim, outcome)
    assert len(throttled) == 1 and len(engine_delays.retries) == 1
    assert sim.count(kind="graphql") == CLEAN_REQUESTS  # the result was stored: the retry reused it
    assert run["points_used"] == sim.points_used()


def test_lambda_dying_after_writing_its_result_is_not_double_counted(sim, local_aws, engine_delays):
    died = []
    sandbox_timeout = type("Sandbox.Timedout", (Exception,), {})

    def die_once_after_work(handler):
        def run(event, context, **kwargs):
            answer = handler(event, context, **kwargs)
            if event["batch_id"] == "00001" and not died:
                died.append(event["batch_id"])
                raise sandbox_timeout("Task timed out after 300.00 seconds")
            return answer
        return run

    local_aws.wrappers["QueryBatch"] = die_once_after_work
    outcome = collect(local_aws, sim)
    _, run = assert_complete(local_aws, sim, outcome)
    assert died == ["00001"] and len(engine_delays.retries) == 1
    assert sim.count(kind="graphql") == CLEAN_REQUESTS
    assert local_aws.invocations["QueryBatch"] == BATCHES + 1
    batch = {b["batch_id"]: b for b in local_aws.ledger().get_batches(outcome.run_id)}["00001"]
    assert (batch["status"], batch["attempts"]) == ("DONE", 1)


def test_org_that_does_not_exist_fails_with_its_name(sim, local_aws, engine_delays):
    outcome = local_aws.run({"orgs": ["acme", "no-such-org"], "api_url": sim.url})
    assert (outcome.status, outcome.error) == ("FAILED", "OrgNotFound")
    assert "no-such-org" in outcome.cause and engine_delays.retries == []
    assert local_aws.ledger().get_run(outcome.run_id)["status"] == "FAILED"


def test_empty_org_succeeds_with_nothing(make_sim, local_aws):
    sim = make_sim({"empty-co": 0})
    outcome = local_aws.run({"orgs": ["empty-co"], "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    assert out["repositories"]["repositories"] == {} and out["errors"]["errors"] == {}
    run = local_aws.ledger().get_run(outcome.run_id)
    assert (run["status"], run["batches_total"], run["repos_ok"]) == ("SUCCEEDED", 0, 0)


def test_org_of_ten_thousand_repos(make_sim, local_aws):
    sim = make_sim({"bigcorp": 10_000})
    outcome = local_aws.run({"orgs": ["bigcorp"], "batch_size": 100, "max_concurrency": 8, "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "bigcorp"))
    assert_matches_truth(out, sim)
    assert sim.count(kind="graphql") == 1 + 100 + 100
    run = local_aws.ledger().get_run(outcome.run_id)
    assert (run["batches_done"], run["repos_ok"]) == (100, 10_000)


@pytest.fixture
def handler_logs():
    """Everything the handlers log, at DEBUG, formatted by Powertools."""
    from handlers.observability import logger

    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(logger.registered_formatter)
    level = logger.log_level
    logger.addHandler(capture)
    logger.setLevel("DEBUG")
    yield stream
    logger.removeHandler(capture)
    logger.setLevel(level)


def test_token_never_appears_in_logs_outputs_or_ledger(make_sim, engine_delays, capfd, caplog, handler_logs):
    from ghstats_cli.local_aws import LocalAws
    from simulator import Fault

    secret = "ghs_super_secret_token_value_0042"
    sim = make_sim({"acme": 60}, tokens=(secret,))
    sim.add_fault(Fault("bad_gateway_json", on_request=4))
    caplog.set_level(logging.DEBUG)
    with LocalAws({"GITHUB_TOKEN": secret}) as aws:
        outcome = aws.run({"orgs": ["acme"], "repos": ["acme/ghost"], "batch_size": 20, "api_url": sim.url})
        assert outcome.status == "SUCCEEDED", outcome.cause
        everything = [aws.s3.get_object(Bucket="ghstats-local", Key=k)["Body"].read().decode()
                      for k in aws.dependencies().store.list_keys("")]
        everything.append(repr(aws.ledger()._table.scan()["Items"]))
        everything.append(repr([e for e in aws.history(outcome.execution_arn)]))
    captured = capfd.readouterr()
    logs = handler_logs.getvalue()
    assert "planned run" in logs and "run aggregated" in logs  # the handlers' logs were captured
    for text in everything + [captured.out, captured.err, caplog.text, logs]:
        assert secret not in text
