"""Each owner of a run is a pipeline of its own (a child execution of CollectOwners): its
listing, then its batches, then its organisation-level work items. A small org's batches run
while a big org still lists; an owner whose listing fails for good fails the run naming it, and
taking the run up again lists only that owner."""

from __future__ import annotations

import json
import threading

from ghstats import limits, names
from simulator.responses import Response
from tests.workflow.helpers import (assert_every_repo_once, assert_matches_truth, listing_pages, only_collectors,
                                    org_keys, outputs)


def graphql_of(body: bytes) -> dict:
    try:
        return json.loads(body or b"{}")
    except ValueError:
        return {}


def listing_login(request: dict) -> str | None:
    """The org a ListOrgRepos request lists (None: another request)."""
    if "query ListOrgRepos" not in request.get("query", ""):
        return None
    return (request.get("variables") or {}).get("login")


def test_a_small_orgs_batches_run_while_a_big_org_is_still_listing(make_sim, local_aws):
    # Given a big org (5 listing pages) and a small one (1 page, 1 batch), and a GitHub that holds
    # each later page of the big org until the small org's batch has been asked (for 20 s at most)
    sim = make_sim({"big": 450, "small": 30})
    small_asked = threading.Event()
    held: list[bool] = []
    order: list[str] = []  # what GitHub was asked, in the order it answered
    seen_at_small_batch: dict = {}
    answer = sim.handle

    def handle(method, target, headers, body):
        request = graphql_of(body)
        if listing_login(request) == "big" and (request.get("variables") or {}).get("after"):
            held.append(small_asked.wait(timeout=20))
        elif 'repository(owner: "small"' in request.get("query", "") and not small_asked.is_set():
            seen_at_small_batch.update(local_aws.ledger().get_run(run_id[0]) or {})
            small_asked.set()
        response = answer(method, target, headers, body)
        order.append(listing_login(request) and f"page of {listing_login(request)}" or
                     ("batch of small" if 'repository(owner: "small"' in request.get("query", "") else "other"))
        return response

    sim.handle = handle
    run_id: list[str] = []

    def remember_the_run(handler):
        def wrapped(event, context, **kwargs):
            run_id[:] = [event["run_id"]]
            return handler(event, context, **kwargs)
        return wrapped

    local_aws.wrappers["PlanRun"] = remember_the_run
    # When both are collected
    outcome = local_aws.run({"orgs": ["big", "small"], "api_url": sim.url, "batch_size": 50,
                             "collectors": only_collectors("repository_stats")})
    # Then the small org's batch was asked while the big org still listed: no page waited out its
    # 20 s (were the batches started only once every org was listed, page 2 would)
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert held == [True] * (listing_pages(450) - 1)
    assert order.count("page of big") == listing_pages(450)
    assert order.index("batch of small") < len(order) - 1 - order[::-1].index("page of big")
    # and the ledger then said: one owner of two listed, its batch planned, the big org's pages so far
    assert (seen_at_small_batch["owners_listed"], seen_at_small_batch["owners_total"]) == (1, 2)
    assert seen_at_small_batch["batches_total"] == 1 and seen_at_small_batch["listing"]["big"] == 100
    # and the run is whole and right, each org in its own batches
    out = outputs(local_aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "big") | org_keys(sim, "small"))
    assert_matches_truth(out, sim)
    run = local_aws.ledger().get_run(outcome.run_id)
    assert (run["owners_listed"], run["batches_total"], run["batches_done"]) == (2, 9 + 1, 9 + 1)


def test_an_owner_whose_listing_fails_for_good_fails_the_run_naming_it_and_a_rerun_lists_only_it(
        make_sim, local_aws, engine_delays):
    # Given a GitHub that times out every listing page of globex (its 502), acme's fine
    sim = make_sim({"acme": 60, "globex": 20})
    answer = sim.handle
    broken = {"on": True}

    def handle(method, target, headers, body):
        if broken["on"] and listing_login(graphql_of(body)) == "globex":
            return Response.json(502, {"data": None, "errors": [{"message": "Something went wrong while executing "
                                                                            "your query. This may be the result of a timeout"}]})
        return answer(method, target, headers, body)

    sim.handle = handle
    config = {"orgs": ["acme", "globex"], "api_url": sim.url, "batch_size": 30, "run_id": "weekly",
              "collectors": only_collectors("repository_stats")}
    failed = local_aws.run(config, name="first")
    # Then the run fails once globex's listing has used its retries, and says which owner and why
    assert failed.status == "FAILED" and failed.error == "States.ExceedToleratedFailureThreshold"
    assert len(engine_delays.retries) == limits.LIST_REPOS_RETRIES
    run = local_aws.ledger().get_run("weekly")
    assert run["status"] == "FAILED" and run["error"] == "GitHubServerError"
    assert run["cause"].startswith("listing globex: ") and "502" in run["cause"]
    assert run["failure_keys"] == [names.failure_key("weekly", "listing-globex")]
    # and acme, on its own pipeline, was listed and collected meanwhile (moto's engine lets a running
    # child finish; AWS stops it when the Map Run fails, and the re-run below then takes acme up
    # from its stored plan and results: what finished is not asked again either way)
    assert {o["owner_name"]: o["status"] for o in local_aws.ledger().get_owners("weekly")} == {
        "acme": "LISTED", "globex": "FAILED"}
    assert all(b["status"] == "DONE" for b in local_aws.ledger().get_batches("weekly"))
    # When GitHub recovers and the run is taken up again
    broken["on"] = False
    sim.reset_records()
    again = local_aws.run(config, name="second")
    # Then only globex is listed and collected: no token check, no counting, nothing of acme
    assert again.status == "SUCCEEDED", again.cause
    asked = [r for r in sim.requests if r.kind == "graphql"]
    assert len(asked) == 1 + 1 and all("acme" not in (r.query or "") for r in asked)
    out = outputs(local_aws, "weekly")
    assert_every_repo_once(out, org_keys(sim, "acme") | org_keys(sim, "globex"))
    assert_matches_truth(out, sim)
    run = local_aws.ledger().get_run("weekly")
    assert (run["status"], run["owners_listed"], run["batches_done"], run["batches_total"]) == ("SUCCEEDED", 2, 3, 3)
    assert {o["owner_name"]: o["status"] for o in local_aws.ledger().get_owners("weekly")} == {
        "acme": "LISTED", "globex": "LISTED"}
