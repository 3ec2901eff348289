"""The real ASL in moto's engine + the handlers in-process + the GitHub simulator."""

from __future__ import annotations

from collections import Counter

from ghstats import limits, names
from tests.workflow.helpers import assert_every_repo_once, assert_matches_truth, listing_pages, org_keys, outputs


def test_full_collection_equals_ground_truth(make_sim, local_aws):
    # Given three orgs, excludes, filters and individually named repos
    sim = make_sim({"acme": 230, "globex": 64, "initech": 12})
    sim.add_repo("octo-user", "dotfiles")
    acme = sorted(org_keys(sim, "acme"))
    excluded = acme[:3]
    globex_kept = {r.name_with_owner for r in sim.dataset.repos("globex") if not r.is_fork}
    config = {
        "orgs": [{"name": "acme", "exclude": excluded}, {"name": "globex", "include_forks": False}, "initech"],
        "repos": ["octo-user/dotfiles", acme[10]],  # acme[10] is also listed: collected once
        "batch_size": 40, "max_concurrency": 3, "api_url": sim.url,
    }
    # When the workflow runs
    outcome = local_aws.run(config)
    # Then every repository is collected once with the right counts
    assert outcome.status == "SUCCEEDED", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    expected = (set(acme) - set(excluded)) | globex_kept | org_keys(sim, "initech") | {"octo-user/dotfiles"}
    assert_every_repo_once(out, expected)
    assert out["errors"]["errors"] == {}
    assert_matches_truth(out, sim)
    assert list(out["repositories"]["repositories"]) == sorted(expected, key=str.lower)
    # and the summary's totals are the truth's totals
    summary = out["summary"]
    truth = [sim.dataset.get(k) for k in expected]
    assert summary["totals"]["stars"] == sum(r.stargazers for r in truth)
    assert summary["totals"]["merged_pull_requests"] == sum(r.merged_prs for r in truth)
    assert summary["totals"]["archived"] == sum(r.is_archived for r in truth)
    assert summary["owners"]["globex"]["repos"] == len(globex_kept)
    assert summary["owners"]["octo-user"]["repos"] == 1
    # and GitHub saw exactly: preflight + the counting query + listing pages + one request per
    # batch (of one owner each)
    batches = sum(-(-sum(1 for k in expected if k.split("/")[0] == owner) // 40)
                  for owner in {k.split("/")[0] for k in expected})
    pages = listing_pages(len(acme)) + listing_pages(len(globex_kept)) + listing_pages(12)
    assert sim.count(kind="graphql") == 2 + pages + batches
    assert summary["api"]["requests"] == 2 + pages + batches + sim.count(kind="rest")  # + the alert walks
    assert summary["api"]["rest_requests"] == sim.count(kind="rest")
    assert summary["api"]["points_used"] == sim.points_used()
    # and the ledger says SUCCEEDED with the counts and the output keys
    run = local_aws.ledger().get_run(outcome.run_id)
    assert run["status"] == "SUCCEEDED"
    assert (run["batches_done"], run["batches_total"], run["repos_ok"], run["repos_failed"]) == (batches, batches, len(expected), 0)
    assert run["output_keys"]["repositories"] == names.repositories_key(outcome.run_id)
    assert all(b["status"] == "DONE" and b["attempts"] == 1 for b in local_aws.ledger().get_batches(outcome.run_id))
    # and the dashboard copy and the dataset are written
    assert local_aws.get_json(names.LATEST_REPOSITORIES_KEY) == out["repositories"]
    assert local_aws.invocations["QueryBatch"] == batches
    # and per-batch work objects are tagged for the lifecycle rule, outputs are not
    tags = lambda key: local_aws.s3.get_object_tagging(Bucket="ghstats-local", Key=key)["TagSet"]
    assert tags(names.result_key(outcome.run_id, "0000-00000")) == [{"Key": "ghstats-lifecycle", "Value": "transient"}]
    assert tags(names.batch_key(outcome.run_id, "0000-00000")) == [{"Key": "ghstats-lifecycle", "Value": "transient"}]
    assert tags(names.repositories_key(outcome.run_id)) == []


def test_rate_limited_batch_waits_as_long_as_asked_then_succeeds(make_sim, local_aws, engine_delays):
    from simulator import Fault

    sim = make_sim({"acme": 30})
    sim.add_fault(Fault("secondary_403", on_request=4, retry_after=42))  # 1 preflight, 2 counting, 3 listing, 4 batch
    outcome = local_aws.run({"orgs": ["acme"], "batch_size": 50, "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert engine_delays.waits == [42]
    assert_every_repo_once(outputs(local_aws, outcome.run_id), org_keys(sim, "acme"))
    assert sim.count(kind="graphql") == 5


def test_rate_limit_while_listing_waits_as_asked_then_lists_on_from_that_page(make_sim, local_aws, engine_delays):
    from simulator import Fault

    sim = make_sim({"acme": 150})
    sim.add_fault(Fault("secondary_429", on_request=4, retry_after=77))  # the second listing page
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "batch_size": 50})  # the counts below are of 50
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert engine_delays.waits == [77] and engine_delays.retries == []
    assert_every_repo_once(outputs(local_aws, outcome.run_id), org_keys(sim, "acme"))
    assert local_aws.invocations["ListRepos"] == 2
    # preflight + counting + page 1 + the limited page 2, then page 2 again (no page 1), then 3 batches
    assert sim.count(kind="graphql") == 4 + 1 + 3
    summary = outputs(local_aws, outcome.run_id)["summary"]
    assert summary["api"]["listing_requests"] == 5  # every request of both invocations is accounted


def test_listing_that_runs_short_of_lambda_time_goes_on_in_the_next_invocation(make_sim, local_aws, engine_delays,
                                                                              monkeypatch):
    # Given a ListRepos that is always short of time (its Lambda context never has the margin
    # left): it lists one page per invocation
    monkeypatch.setattr(limits, "LIST_REPOS_SAFETY_MARGIN_S", limits.EXECUTION_TIMEOUT_S)
    sim = make_sim({"acme": 350, "globex": 120})
    outcome = local_aws.run({"orgs": ["acme", "globex"], "batch_size": 50, "api_url": sim.url})
    # Then the listing goes on page after page, without waiting and without fetching a page twice
    assert outcome.status == "SUCCEEDED", outcome.cause
    pages = listing_pages(350) + listing_pages(120)
    # one invocation per page of each org (each org in its own pipeline), and for each org one
    # more that writes its plan (no time left after the last page to write its batches:
    # limits.PLAN_WRITE_S_PER_BATCH) and lists nothing again
    assert local_aws.invocations["ListRepos"] == pages + 2
    assert engine_delays.waits == [] and engine_delays.retries == []
    batches = -(-350 // 50) + -(-120 // 50)  # per owner
    assert sim.count(kind="graphql") == 2 + pages + batches
    out = outputs(local_aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "acme") | org_keys(sim, "globex"))
    assert_matches_truth(out, sim)
    assert out["summary"]["api"]["requests"] == 2 + pages + batches + sim.count(kind="rest")


def test_primary_limit_waits_until_reset(make_sim, local_aws, engine_delays):
    from simulator import Fault

    sim = make_sim({"acme": 10})
    sim.add_fault(Fault("rate_limited", on_request=3))
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert len(engine_delays.waits) == 1 and 1 <= engine_delays.waits[0] <= 3601


def test_502_batch_splits_and_succeeds(make_sim, local_aws, engine_delays):
    from simulator import Fault

    sim = make_sim({"acme": 40})
    sim.add_fault(Fault("bad_gateway_json", on_request=4))  # the batch
    outcome = local_aws.run({"orgs": ["acme"], "batch_size": 40, "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "acme"))
    assert_matches_truth(out, sim)
    assert sim.count(kind="graphql") == 3 + 1 + 2  # the failed batch, then its two halves
    assert engine_delays.retries == []  # split inside the invocation, no Step Functions retry


def test_not_found_repo_ends_in_errors_and_run_is_partial(make_sim, local_aws):
    sim = make_sim({"acme": 20})
    outcome = local_aws.run({"orgs": ["acme"], "repos": ["acme/does-not-exist"], "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "acme") | {"acme/does-not-exist"})
    assert out["errors"]["errors"]["acme/does-not-exist"]["type"] == "NOT_FOUND"
    assert out["summary"]["status"] == "PARTIAL"
    assert local_aws.ledger().get_run(outcome.run_id)["status"] == "PARTIAL"


def test_batch_failing_past_retries_fails_the_execution_then_rerun_fetches_only_the_rest(make_sim, local_aws, engine_delays):
    from simulator import Fault

    # Given one repository whose queries always time out on GitHub's side
    sim = make_sim({"acme": 60})
    broken = sorted(org_keys(sim, "acme"))[45]
    sim.add_fault(Fault("bad_gateway_html", repo=broken, times=None))
    config = {"orgs": ["acme"], "batch_size": 20, "max_concurrency": 1, "api_url": sim.url, "run_id": "run-under-test"}
    # When the workflow runs, the batch splits down to the single repo, retries with backoff, and fails the Map
    outcome = local_aws.run(config, name="first-attempt")
    assert outcome.status == "FAILED"
    assert outcome.error == "States.ExceedToleratedFailureThreshold"  # a Distributed Map's words, as in AWS
    assert len(engine_delays.retries) == limits.QUERY_BATCH_RETRIES
    # FULL jitter: attempt k waits a random time up to min(MaxDelaySeconds, 2 s * 2**k)
    assert all(0 <= d <= min(60, 2 * 2 ** k) for k, d in enumerate(engine_delays.retries)), engine_delays.retries
    run = local_aws.ledger().get_run("run-under-test")
    # the run record says which batch failed and why (TrackRun asks the ledger)
    assert run["status"] == "FAILED" and run["error"] == "GitHubServerError" and "502" in run["cause"]
    assert run["cause"].startswith("batch 0000-00002: ")
    batches = {b["batch_id"]: b for b in local_aws.ledger().get_batches("run-under-test")}
    assert Counter(b["status"] for b in batches.values()) == Counter({"DONE": 2, "FAILED": 1})
    assert batches["0000-00002"]["attempts"] == 1 + limits.QUERY_BATCH_RETRIES
    assert run["failure_keys"] == ["runs/run-under-test/failures/batch-0000-00002.json"]
    dead_letter = local_aws.get_json(run["failure_keys"][0])
    assert dead_letter["request"]["status"] == 502 and broken.split("/")[1] in dead_letter["request"]["query"]
    # When GitHub recovers and the run is run again over the same run id
    sim.clear_faults()
    sim.reset_records()
    again = local_aws.run(config, name="second-attempt")
    # Then only the failed batch is fetched, and the output is complete and right
    assert again.status == "SUCCEEDED", again.cause
    assert sim.count(kind="graphql") == 1
    out = outputs(local_aws, "run-under-test")
    assert_every_repo_once(out, org_keys(sim, "acme"))
    assert_matches_truth(out, sim)
    run = local_aws.ledger().get_run("run-under-test")
    assert (run["status"], run["batches_done"], run["repos_ok"]) == ("SUCCEEDED", 3, 60)
    # and its outputs are those of a clean run, apart from the run's id and start
    clean = local_aws.run({**config, "run_id": "clean-run"}, name="clean")
    assert clean.status == "SUCCEEDED", clean.cause
    clean_out = outputs(local_aws, "clean-run")
    without_run_id = lambda doc: {k: v for k, v in doc.items() if k not in ("run_id", "started_at")}
    assert without_run_id(out["repositories"]) == without_run_id(clean_out["repositories"])
    assert without_run_id(out["errors"]) == without_run_id(clean_out["errors"])
    for part in ("owners", "totals"):
        assert out["summary"][part] == clean_out["summary"][part]


def test_bad_token_fails_fast_with_a_clear_cause(make_sim, local_aws, engine_delays, monkeypatch):
    sim = make_sim({"acme": 10})
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_revoked")
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url})
    assert outcome.status == "FAILED" and outcome.error == "GitHubAuthError"
    assert "invalid, expired or revoked" in outcome.cause
    assert sim.count() == 1 and engine_delays.retries == []
    assert "ghp_revoked" not in outcome.cause


def test_bad_config_fails_before_any_github_call_and_names_every_field(make_sim, local_aws, engine_delays):
    sim = make_sim({"acme": 10})
    config = {"orgs": ["acme", "ACME"], "batch_size": 500, "colour": "blue", "api_url": sim.url}
    outcome = local_aws.run(config)
    assert outcome.status == "FAILED" and outcome.error == "InvalidConfig"
    for field in ("orgs[1].name", "batch_size", "colour"):
        assert field in outcome.cause
    assert sim.count() == 0 and engine_delays.retries == []  # no GitHub call, no retry
    run = local_aws.ledger().get_run(outcome.run_id)
    assert run["status"] == "FAILED" and run["error"] == "InvalidConfig"
    # refused in its first step, it is still among the last runs (`ghstats status`)
    assert [r["run_id"] for r in local_aws.ledger().last_runs()] == [outcome.run_id]


def test_a_long_listing_may_be_rate_limited_more_often_than_the_bound_while_it_moves_on(make_sim, local_aws,
                                                                                      engine_delays):
    from simulator import Fault

    # Given an org of 9 pages whose pages 2..8 are each rate limited once
    sim = make_sim({"acme": 900})
    for request in range(4, 18, 2):  # 1 preflight, 2 counting, 3 page 1, 4 page 2 (limited), 5 page 2, 6 page 3 (limited), ...
        sim.add_fault(Fault("secondary_429", on_request=request, retry_after=30))
    outcome = local_aws.run({"orgs": ["acme"], "batch_size": 50, "api_url": sim.url})
    # Then 7 waits (more than limits.MAX_RATE_LIMIT_WAITS in all, never in a row) and a complete run
    assert limits.MAX_RATE_LIMIT_WAITS < 7
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert engine_delays.waits == [30] * 7
    assert_every_repo_once(outputs(local_aws, outcome.run_id), org_keys(sim, "acme"))
    assert sim.count(kind="graphql") == 2 + 9 + 7 + 18  # every page once, plus the 7 refused tries
