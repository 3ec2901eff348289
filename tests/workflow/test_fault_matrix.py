"""Nothing lost: every fault, through the real workflow, keeps the invariants.

For each fault a whole collection runs (ASL in moto's engine, handlers, simulator) and the test
checks: every listed repository is exactly once in repositories.json or errors.json; every
count equals the simulator's truth; the ledger's status, progress and counts are right; the
number of GitHub requests stays bounded.
"""

from __future__ import annotations

import logging
import time

import pytest
from botocore.exceptions import ClientError

from ghstats import names
from ghstats.ledger import Ledger
from ghstats.storage import S3ObjectStore
from tests.conftest import TOKEN
from tests.workflow.helpers import (assert_every_repo_once, assert_matches_truth, default_org_walk_paths, only_collectors,
                                   org_keys, outputs)

ORG_SIZE = 120
BATCH = 30
BATCHES = ORG_SIZE // BATCH
CLEAN_REQUESTS = 1 + 1 + 2 + BATCHES  # preflight + counting + listing pages + batches
RESET_IN = 900  # seconds from the start of a test to the token's budget reset (below the 3600 cap)


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
    # every request GitHub saw is counted once, rate limited and failed ones too (GraphQL, and the
    # REST requests of the org-level collectors)
    assert out["summary"]["api"]["requests"] == run["requests"] == sim.count()
    assert out["summary"]["api"]["rest_requests"] == sim.count(kind="rest")
    return out, run


def dead_letters(aws, run):
    """The run record's failure_keys, each with its dead letter (which must exist)."""
    letters = {key: aws.get_json(key) for key in run.get("failure_keys", [])}
    assert None not in letters.values(), letters
    return letters


def time_rate_limited_batches(aws):
    """(start, end) wall-clock times of each QueryBatch invocation that answered rate_limited."""
    spans = []

    def timed(handler):
        def run(event, context, **kwargs):
            start = time.time()
            answer = handler(event, context, **kwargs)
            if answer["status"] == names.ANSWER_RATE_LIMITED:
                spans.append((start, time.time()))
            return answer
        return run

    aws.wrappers["QueryBatch"] = timed
    return spans


@pytest.fixture
def sim(make_sim):
    return make_sim({"acme": ORG_SIZE})


@pytest.mark.parametrize("fault", [
    dict(kind="rate_limited"),  # GraphQL: 200 with a RATE_LIMITED error, remaining 0
    dict(kind="rate_limit_new"),  # GraphQL's newer shape: the real headers, remaining > 0
    dict(kind="primary_rest", api="graphql"),  # REST's shape: 403, remaining 0 and a reset time
])
def test_primary_limit_mid_run_waits_until_the_reset_then_completes(sim, local_aws, engine_delays, fault):
    from simulator import Fault

    reset = sim.set_budget(TOKEN, reset_in=RESET_IN).reset
    spans = time_rate_limited_batches(local_aws)
    sim.add_fault(Fault(fault.pop("kind"), on_request=6, **fault))  # a batch request
    outcome = collect(local_aws, sim)
    assert_complete(local_aws, sim, outcome)
    # one wait, of the time from GitHub's answer until the reset (+1 s: the reset second itself)
    [(start, end)] = spans
    [wait] = engine_delays.waits
    assert int(reset - end) + 1 <= wait <= int(reset - start) + 1
    assert sim.count(kind="graphql") == CLEAN_REQUESTS + 1


@pytest.mark.parametrize("fault, wait", [
    (dict(kind="secondary_403", retry_after=90), 90),
    (dict(kind="secondary_429", retry_after=15), 15),
    (dict(kind="secondary_graphql"), 60),  # no retry-after: GitHub's documented minute
])
def test_secondary_limit_mid_run_waits_retry_after_then_completes(sim, local_aws, engine_delays, fault, wait):
    from simulator import Fault

    sim.add_fault(Fault(fault.pop("kind"), on_request=6, **fault))  # a batch request
    outcome = collect(local_aws, sim)
    assert_complete(local_aws, sim, outcome)
    assert engine_delays.waits == [wait]
    assert sim.count(kind="graphql") == CLEAN_REQUESTS + 1


@pytest.mark.parametrize("kind", ["bad_gateway_json", "bad_gateway_html", "malformed_json", "drop_connection"])
def test_server_side_failures_split_and_complete(sim, local_aws, engine_delays, kind):
    from simulator import Fault

    sim.add_fault(Fault(kind, on_request=6))
    outcome = collect(local_aws, sim)
    assert_complete(local_aws, sim, outcome)
    assert sim.count(kind="graphql") == CLEAN_REQUESTS + 2  # the failed request, then two halves
    assert engine_delays.retries == []


def test_query_slower_than_the_client_timeout(make_sim, engine_delays):
    from ghstats_cli.local_aws import LocalAws
    from simulator import Fault
    from tests.conftest import TOKEN

    sim = make_sim({"acme": ORG_SIZE})
    # Read timeout 3 s against an 8 s answer: wide enough apart that a loaded CI machine times out
    # only the slow one (helpers saw a 0.5 s timeout split a second, merely busy batch at load 9,
    # and 1.5 s against 4 s fail once at load 8).
    sim.add_fault(Fault("slow", on_request=6, delay_s=8.0))
    with LocalAws({"GITHUB_TOKEN": TOKEN}, client_timeout=(2.0, 3.0)) as aws:
        outcome = collect(aws, sim)
        deadline = time.monotonic() + 12  # the slow answer is recorded when the simulator finishes it
        while sim.count(kind="graphql") < CLEAN_REQUESTS + 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert_complete(aws, sim, outcome)
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
    assert_matches_truth(out, sim)  # every other count (the renamed one's too) is GitHub's
    run = local_aws.ledger().get_run(outcome.run_id)
    assert (run["status"], run["repos_ok"], run["repos_failed"]) == ("PARTIAL", ORG_SIZE - 2, 2)
    assert run["batches_done"] == run["batches_total"] == BATCHES
    assert sim.count(kind="graphql") == CLEAN_REQUESTS  # no batch loops on its bad repos


def test_token_revoked_mid_run_fails_fast(sim, local_aws, engine_delays):
    from simulator import Fault

    sim.add_fault(Fault("unauthorized", on_request=6, times=None))
    outcome = collect(local_aws, sim, max_concurrency=1)
    # the batches' Distributed Map fails; the run record says why (the batch's error)
    assert (outcome.status, outcome.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert outcome.run_error == "GitHubAuthError"
    assert engine_delays.retries == [] and engine_delays.waits == []
    run = local_aws.ledger().get_run(outcome.run_id)
    assert run["status"] == "FAILED" and "revoked" in run["cause"]
    assert sim.count(kind="graphql") <= CLEAN_REQUESTS  # nothing hammered after the 401
    # the batch that met the 401 is FAILED, and its dead letter is listed on the run
    [failed] = [b for b in local_aws.ledger().get_batches(outcome.run_id) if b["status"] == "FAILED"]
    assert (failed["batch_id"], failed["error"], failed["attempts"]) == ("0000-00001", "GitHubAuthError", 1)
    assert run["failure_keys"] == [failed["failure_key"]] == [names.failure_key(outcome.run_id, "batch-0000-00001")]
    assert dead_letters(local_aws, run)[failed["failure_key"]]["request"]["status"] == 401


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
    # the batch whose result S3 refused kept what it fetched: its retry asks GitHub nothing
    assert sim.count(kind="graphql") == CLEAN_REQUESTS


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
            if event["batch_id"] == "0000-00001" and not died:
                died.append(event["batch_id"])
                raise sandbox_timeout("Task timed out after 300.00 seconds")
            return answer
        return run

    local_aws.wrappers["QueryBatch"] = die_once_after_work
    outcome = collect(local_aws, sim)
    _, run = assert_complete(local_aws, sim, outcome)
    assert died == ["0000-00001"] and len(engine_delays.retries) == 1
    assert sim.count(kind="graphql") == CLEAN_REQUESTS
    assert local_aws.invocations["QueryBatch"] == BATCHES + 1
    batch = {b["batch_id"]: b for b in local_aws.ledger().get_batches(outcome.run_id)}["0000-00001"]
    assert (batch["status"], batch["attempts"]) == ("DONE", 1)


def test_an_org_that_does_not_exist_costs_only_itself(sim, local_aws, engine_delays):
    # Given a config whose second org was renamed or mistyped
    outcome = local_aws.run({"orgs": ["acme", "no-such-org"], "batch_size": BATCH, "api_url": sim.url})
    # Then the other org is collected and the run ends PARTIAL, naming the org and the fix
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "acme"))
    assert_matches_truth(out, sim)
    [entry] = out["errors"]["orgs"]
    assert entry["org"] == "no-such-org" and entry["type"] == "ORG_NOT_FOUND"
    assert entry["github"] == "Could not resolve to an Organization with the login of 'no-such-org'."
    assert "'no-such-org' in 'orgs'" in entry["fix"]
    assert out["summary"]["orgs_failed"] == 1 and out["summary"]["status"] == "PARTIAL"
    run = local_aws.ledger().get_run(outcome.run_id)
    assert (run["status"], run["orgs_failed"], run["repos_ok"]) == ("PARTIAL", ["no-such-org"], ORG_SIZE)
    # and GitHub saw: preflight, the counting query, acme's two pages, the missing org once (no
    # retry), the batches
    assert sim.count(kind="graphql") == 1 + 1 + 2 + 1 + BATCHES and engine_delays.retries == []
    # and acme's org-level collectors, none for the missing org
    assert {r.path.split("?")[0] for r in sim.requests if r.kind == "rest"} == default_org_walk_paths("acme")
    assert out["summary"]["api"]["requests"] == sim.count()


def test_a_bad_token_still_fails_the_run_at_once(make_sim, local_aws, engine_delays):
    sim = make_sim({"acme": 10}, tokens=("ghs_another_token",))
    outcome = local_aws.run({"orgs": ["acme", "no-such-org"], "api_url": sim.url})
    assert (outcome.status, outcome.error) == ("FAILED", "GitHubAuthError")
    assert sim.count() == 1 and local_aws.invocations["PlanRun"] == 1 and "ListRepos" not in local_aws.invocations


def test_a_rate_limit_while_splitting_keeps_the_half_already_fetched(sim, local_aws, engine_delays):
    from simulator import Fault

    # Given a batch that times out (split in halves) and whose second half is rate limited
    sim.add_fault(Fault("bad_gateway_json", on_request=5))  # 1 preflight, 2 counting, 3-4 listing, 5 the first batch
    sim.add_fault(Fault("secondary_403", on_request=7, retry_after=30))  # 6 first half, 7 second half
    outcome = collect(local_aws, sim, max_concurrency=1)
    out, _ = assert_complete(local_aws, sim, outcome)
    assert engine_delays.waits == [30]
    # Then after the wait only the second half is asked for again, never the whole batch
    first_batch = [r for r in sim.requests if r.kind == "graphql"][4:8]
    assert [(r.repos, r.fault) for r in first_batch] == [(30, "bad_gateway_json"), (15, None), (15, "secondary_403"), (15, None)]
    assert sim.count(kind="graphql") == CLEAN_REQUESTS + 3


def last_state_entered(aws, outcome):
    entered = [e["stateEnteredEventDetails"]["name"] for e in aws.history(outcome.execution_arn)
               if "stateEnteredEventDetails" in e]
    return entered[-1]


def test_classic_token_without_repo_scope_fails_fast_before_any_batch(make_sim, local_aws, engine_delays):
    # Given a classic token that lacks `repo`: private repositories would be missing from the listing
    sim = make_sim({"acme": 10}, oauth_scopes="read:org")
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url})
    # Then the run fails in its planning step at the preflight, saying what is wrong and how to fix it
    assert (outcome.status, outcome.error) == ("FAILED", "GitHubAuthError")
    assert last_state_entered(local_aws, outcome) == "PlanRun"
    assert "lacks the 'repo' scope" in outcome.cause and "private repositories would be missing" in outcome.cause
    assert TOKEN not in outcome.cause
    # and nothing was listed or queried, nothing retried
    assert sim.count() == 1 and engine_delays.retries == []
    assert "QueryBatch" not in local_aws.invocations and "ListRepos" not in local_aws.invocations
    run = local_aws.ledger().get_run(outcome.run_id)
    assert (run["status"], run["error"]) == ("FAILED", "GitHubAuthError")
    [letter] = dead_letters(local_aws, run).values()
    assert letter["request"]["headers"]["x-oauth-scopes"] == "read:org"


def test_empty_org_succeeds_with_nothing(make_sim, local_aws):
    sim = make_sim({"empty-co": 0})
    outcome = local_aws.run({"orgs": ["empty-co"], "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    assert out["repositories"]["repositories"] == {} and out["errors"]["errors"] == {}
    run = local_aws.ledger().get_run(outcome.run_id)
    assert (run["status"], run["batches_total"], run["batches_done"], run["repos_ok"]) == ("SUCCEEDED", 0, 0, 0)
    # preflight + the counting query + one empty listing page + one (empty) page of each
    # org-level collector
    assert sim.count() == 3 + len(default_org_walk_paths("empty-co"))
    assert local_aws.invocations.get("QueryBatch", 0) == 0


def test_org_of_ten_thousand_repos(make_sim, local_aws):
    sim = make_sim({"bigcorp": 10_000})
    outcome = local_aws.run({"orgs": ["bigcorp"], "batch_size": 100, "max_concurrency": 8, "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "bigcorp"))
    assert_matches_truth(out, sim)
    assert sim.count(kind="graphql") == 2 + 100 + 100
    run = local_aws.ledger().get_run(outcome.run_id)
    assert (run["status"], run["batches_done"], run["batches_total"], run["repos_ok"], run["repos_failed"]) == (
        "SUCCEEDED", 100, 100, 10_000, 0)


def test_token_never_appears_in_logs_outputs_or_ledger(make_sim, engine_delays, capfd, caplog, handler_logs):
    from ghstats_cli.local_aws import LocalAws
    from simulator import Fault

    secret = "ghs_super_secret_token_value_0042"
    sim = make_sim({"acme": 60}, tokens=(secret,))
    broken = sorted(org_keys(sim, "acme"))[25]
    sim.add_fault(Fault("bad_gateway_json", on_request=5))  # absorbed by splitting the batch
    sim.add_fault(Fault("bad_gateway_html", repo=broken, times=None))  # fails for good: a dead letter
    caplog.set_level(logging.DEBUG)
    config = {"orgs": ["acme"], "repos": ["acme/ghost"], "batch_size": 20, "api_url": sim.url, "run_id": "leak-test"}
    with LocalAws({"GITHUB_TOKEN": secret}) as aws:
        failed = aws.run(config, name="fails")
        assert failed.status == "FAILED" and failed.run_error == "GitHubServerError"
        sim.clear_faults()
        outcome = aws.run(config, name="recovers")  # the same run id: the stand-in for a redrive
        assert outcome.status == "SUCCEEDED", outcome.cause
        keys = aws.dependencies().store.list_keys("")
        everything = [aws.s3.get_object(Bucket="ghstats-local", Key=k)["Body"].read().decode() for k in keys]
        everything.append(repr(aws.ledger()._table.scan()["Items"]))
        for execution in (failed, outcome):
            everything.append(repr([e for e in aws.history(execution.execution_arn)]))
        assert [k for k in keys if "/failures/" in k] == aws.ledger().get_run("leak-test")["failure_keys"] != []
    captured = capfd.readouterr()
    logs = handler_logs.getvalue()
    assert "planned run" in logs and "run aggregated" in logs  # the handlers' logs were captured
    for text in everything + [captured.out, captured.err, caplog.text, logs]:
        assert secret not in text


def test_a_step_failing_again_keeps_every_dead_letter(sim, local_aws):
    from simulator import Fault

    broken = sorted(org_keys(sim, "acme"))[BATCH + 3]  # in batch 00001
    sim.add_fault(Fault("unauthorized", repo=broken, times=None))
    config = {"run_id": "twice"}
    first = collect(local_aws, sim, **config)
    second = collect(local_aws, sim, **config)  # the same run id: the stand-in for a redrive
    assert (first.status, first.run_error, second.status, second.run_error) == ("FAILED", "GitHubAuthError") * 2
    run = local_aws.ledger().get_run("twice")
    letters = dead_letters(local_aws, run)
    assert set(letters) == {names.failure_key("twice", "batch-0000-00001"), names.failure_key("twice", "batch-0000-00001", 2)}
    assert all(letter["request"]["status"] == 401 and broken.split("/")[1] in letter["request"]["query"]
               for letter in letters.values())
    batch = {b["batch_id"]: b for b in local_aws.ledger().get_batches("twice")}["0000-00001"]
    assert (batch["status"], batch["failure_key"]) == ("FAILED", names.failure_key("twice", "batch-0000-00001", 2))


def test_a_field_the_credential_may_not_read_is_coverage_not_a_repository_error(sim, local_aws, engine_delays):
    from simulator import Fault

    # Given a repository whose licence GitHub will not show this credential (FORBIDDEN deep in its alias)
    key = sorted(org_keys(sim, "acme"))[7]
    sim.add_fault(Fault("forbidden_field", repo=key, times=None))
    outcome = collect(local_aws, sim, collectors=only_collectors("repository_stats"))
    # Then the repository is collected (its licence empty), not an error, and the coverage says why
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "acme"))
    assert key in out["repositories"]["repositories"] and out["errors"]["errors"] == {}
    assert out["repositories"]["repositories"][key]["license"] is None
    [entry] = local_aws.get_json(names.coverage_key(outcome.run_id))["entries"]
    assert (entry["repo"], entry["collector"], entry["status"]) == (key, "repository_stats", "forbidden")
    assert entry["message"] == "licenseInfo: Resource not accessible by integration"
    assert local_aws.ledger().get_run(outcome.run_id)["collectors"]["repository_stats"] == {
        "records": ORG_SIZE, "failed": 0, "forbidden": 1}
    assert sim.count(kind="graphql") == CLEAN_REQUESTS  # nothing asked again


def test_a_forbidden_field_is_the_coverage_of_each_collector_that_selects_it(sim, local_aws, engine_delays):
    from simulator import Fault

    # Given both repository-level collectors, whose fragments each select the licence
    # (repository_stats as licenseInfo, repository_policy as policyLicense), and a repository
    # whose licence GitHub will not show
    key = sorted(org_keys(sim, "acme"))[7]
    sim.add_fault(Fault("forbidden_field", repo=key, times=None))
    outcome = collect(local_aws, sim, collectors=only_collectors("repository_stats", "repository_policy"))
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    # Then each collector has its own coverage entry, naming its own field, and both keep the record
    entries = local_aws.get_json(names.coverage_key(outcome.run_id))["entries"]
    assert [(e["repo"], e["collector"], e["status"], e["message"]) for e in entries] == [
        (key, "repository_policy", "forbidden", "policyLicense: Resource not accessible by integration"),
        (key, "repository_stats", "forbidden", "licenseInfo: Resource not accessible by integration")]
    policy = local_aws.get_json(names.collector_output_key(outcome.run_id, "repository_policy"))["records"]
    assert set(policy) == org_keys(sim, "acme") and policy[key]["license"] is None
    # and one request per batch served both collectors: the same requests as repository_stats alone
    assert sim.count(kind="graphql") == CLEAN_REQUESTS
