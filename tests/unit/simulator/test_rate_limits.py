"""Primary budgets (GraphQL points, REST requests) per token, their reset, and the
secondary limit on concurrent requests."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from simulator import GitHubSimulator, Latency
from tests.unit.simulator.conftest import TOKEN, gql, repo_query, rest


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock():
    return FakeClock()


@pytest.fixture(scope="module")
def sim(clock):
    with GitHubSimulator(orgs={"acme": 60}, seed=2, tokens=(TOKEN, "ghp_other"), graphql_points_per_hour=10,
                         rest_requests_per_hour=3, clock=clock) as sim:
        yield sim


def test_graphql_budget_is_spent_then_refused_then_reset(sim, clock):
    keys = [r.name_with_owner for r in sim.dataset.repos("acme")[:50]]
    heavy = repo_query(keys, "nameWithOwner a: issues { totalCount } b: pullRequests { totalCount } "
                             "c: releases { totalCount } d: watchers { totalCount }")  # 200 -> 2 points
    first = gql(sim, heavy)
    assert first.status_code == 200 and first.headers["x-ratelimit-used"] == "2"
    reset = int(first.headers["x-ratelimit-reset"])
    assert reset == int(clock.now) + 3600  # the hour starts at first use
    for _ in range(4):
        assert gql(sim, heavy).status_code == 200
    refused = gql(sim, "{ viewer { login } }")
    assert refused.status_code == 200
    assert refused.json() == {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit already exceeded for user ID 1."}]}
    assert refused.headers["x-ratelimit-remaining"] == "0" and int(refused.headers["x-ratelimit-reset"]) == reset
    assert sim.requests[-1].cost == 0
    # other tokens have their own budget
    assert "errors" not in gql(sim, "{ viewer { login } }", token="ghp_other").json()
    # after the reset the budget is full again
    clock.now += 3601
    again = gql(sim, "{ rateLimit { remaining used } }")
    assert again.json()["data"]["rateLimit"] == {"remaining": 9, "used": 1}


def test_query_costing_more_than_what_remains_is_refused(sim):
    sim.set_budget(TOKEN, remaining=1, reset_in=500)
    keys = [r.name_with_owner for r in sim.dataset.repos("acme")[:50]]
    body = gql(sim, repo_query(keys, "a: issues { totalCount } b: releases { totalCount } c: watchers { totalCount }")).json()
    assert body["errors"][0]["type"] == "RATE_LIMITED"
    assert "errors" not in gql(sim, "{ viewer { login } }").json()  # 1 point still fits


def test_set_budget_near_exhaustion(sim, clock):
    snapshot = sim.set_budget(TOKEN, remaining=0, reset_in=120)
    assert (snapshot.remaining, snapshot.reset) == (0, int(clock.now) + 120)
    refused = gql(sim, "{ viewer { login } }")
    assert refused.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert int(refused.headers["x-ratelimit-reset"]) == int(clock.now) + 120
    sim.set_budget(TOKEN, remaining=10)


def test_rest_budget_exhaustion_is_a_403_with_reset(sim, clock):
    sim.set_budget("ghp_other", remaining=3, reset_in=3600, resource="core")
    for remaining in (2, 1, 0):
        response = rest(sim, "/orgs/acme/repos", token="ghp_other")
        assert response.status_code == 200 and response.headers["x-ratelimit-remaining"] == str(remaining)
        assert response.headers["x-ratelimit-resource"] == "core"
    refused = rest(sim, "/orgs/acme/repos", token="ghp_other")
    assert refused.status_code == 403
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["x-ratelimit-reset"]) == int(clock.now) + 3600
    body = refused.json()
    assert body["message"].startswith("API rate limit exceeded for user ID 1.") and body["documentation_url"]
    # /rate_limit is free and tells the truth
    limits = rest(sim, "/rate_limit", token="ghp_other").json()
    assert limits["resources"]["core"]["remaining"] == 0 and limits["rate"] == limits["resources"]["core"]
    assert limits["resources"]["graphql"]["limit"] == 10


def test_more_than_max_concurrent_in_flight_is_a_secondary_403():
    latency = Latency(base_ms=400)
    with GitHubSimulator(orgs={"acme": 5}, tokens=(TOKEN,), latency=latency, max_concurrent=3) as sim:
        barrier = threading.Barrier(8)

        def call(_: int):
            barrier.wait()
            return gql(sim, "{ viewer { login } }")

        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(call, range(8)))
        refused = [r for r in responses if r.status_code == 403]
        assert len([r for r in responses if r.status_code == 200]) >= 3 and len(refused) >= 1
        for response in refused:
            assert response.headers["retry-after"] == "60"
            message = response.json()["message"]
            assert message.startswith("You have exceeded a secondary rate limit. Please wait a few minutes")
            assert response.headers["x-github-request-id"] in message
        assert sim.count(status=403) == len(refused)
        assert {r.fault for r in sim.requests if r.status == 403} == {"secondary_concurrency"}
        assert sim.peak_concurrency == 3
        time.sleep(0.05)
        assert gql(sim, "{ viewer { login } }").status_code == 200  # fine again once they finished
