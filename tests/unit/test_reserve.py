"""What a run keeps of its credential's hour for other tools (github/reserve.py)."""

import pytest

from ghstats.config import InvalidConfig, parse_config
from ghstats.github import reserve
from ghstats.github.errors import GitHubRateLimited

NOW = 1_700_000_000.0


def test_a_request_that_would_go_below_the_reserve_waits_until_the_reset():
    budget = reserve.Budget(remaining=502, reset_at=NOW + 600)
    reserve.check(reserve.GRAPHQL, 500, budget, 2, NOW)  # 500 left after it: allowed
    with pytest.raises(GitHubRateLimited) as raised:
        reserve.check(reserve.GRAPHQL, 500, budget, 3, NOW)
    assert raised.value.wait_seconds == 601
    assert raised.value.reason == "keeping 500 points for other tools (reserve_points)"


@pytest.mark.parametrize("reserve_, budget", [
    (0, reserve.Budget(0, NOW + 600)),  # no reserve
    (500, None),  # GitHub said nothing (an Enterprise Server without rate limits)
    (500, reserve.Budget(0, NOW - 1)),  # the window is over: the budget is whole again
])
def test_nothing_to_keep(reserve_, budget):
    reserve.check(reserve.CORE, reserve_, budget, 1, NOW)


def test_budgets_are_read_from_every_answer_github_gives():
    assert reserve.from_graphql({"remaining": 10, "resetAt": "2023-11-14T22:13:20Z"}) == reserve.Budget(10, NOW)
    assert reserve.from_headers({"X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "1700000000",
                                 "X-RateLimit-Resource": "core"}) == reserve.Budget(7, NOW)
    assert reserve.from_headers({"x-ratelimit-remaining": "7", "x-ratelimit-reset": "1", "x-ratelimit-resource": "search"}) is None
    body = {"resources": {"core": {"remaining": 4, "reset": NOW}, "graphql": {"remaining": 9, "reset": NOW}}}
    assert reserve.from_rate_limit_body(body) == {"core": reserve.Budget(4, NOW), "graphql": reserve.Budget(9, NOW)}


def test_the_config_takes_reserves_within_an_hours_budget_and_names_the_field_otherwise():
    config = parse_config({"orgs": ["acme"], "reserve_points": 1000, "reserve_requests": 200})
    assert (config.reserve_points, config.reserve_requests) == (1000, 200)
    assert "reserve_points" not in parse_config({"orgs": ["acme"]}).to_dict()  # unset: the fingerprint of older configs
    with pytest.raises(InvalidConfig) as raised:
        parse_config({"orgs": ["acme"], "reserve_requests": 20_000})
    assert raised.value.problems == ["reserve_requests: 20000 is not a whole number from 0 to 15000; set it within that "
                                     "range (default 0)"]


def test_what_the_others_in_flight_may_spend_is_kept_too():
    budget = reserve.Budget(remaining=510, reset_at=NOW + 600)
    reserve.check(reserve.GRAPHQL, 500, budget, 2, NOW, in_flight=8)  # 510 - 2 - 8 = 500: allowed
    with pytest.raises(GitHubRateLimited):
        reserve.check(reserve.GRAPHQL, 500, budget, 2, NOW, in_flight=9)


def test_requests_in_flight_from_the_runs_concurrency():
    from ghstats.collect.steps import in_flight

    # repository_stats in batches of 50: 8 connections each, 400 requests' worth, 4 points a batch
    shared = {"owners_at_once": 4, "shared_credential": True, "max_concurrency": 2, "rest_concurrency": 1,
              "batch_size": 50, "batch_collectors": ["repository_stats"]}
    # 4 owners × 2 batches at once, less this request, 4 points each; 4 REST work items, less this one
    assert in_flight(shared, org_collectors=5) == ((4 * 2 - 1) * 4, 4 * 1 - 1)
    assert in_flight(shared, org_collectors=0) == ((4 * 2 - 1) * 4, 0)
    # an installation per owner: only the owner's own requests share its budget
    own = {**shared, "shared_credential": False, "max_concurrency": 4, "rest_concurrency": 2}
    assert in_flight(own, org_collectors=1) == ((4 - 1) * 4, 0)
    assert in_flight({**own, "max_concurrency": 1}, org_collectors=0) == (0, 0)
    # batches of 18 cost 1 point each (144 requests' worth rounds to 1)
    assert in_flight({**own, "batch_size": 18}, org_collectors=0) == (4 - 1, 0)


def test_a_reserve_close_to_the_limit_slows_the_run_instead_of_stopping_it():
    # 5,000 an hour, 4,990 kept, 10 requests' worth in flight elsewhere: a fresh hour still lets one go
    reserve.check(reserve.GRAPHQL, 4_990, reserve.Budget(5_000, NOW + 600, limit=5_000), 1, NOW, in_flight=10)
    with pytest.raises(GitHubRateLimited):  # one spent: the margin holds the rest back
        reserve.check(reserve.GRAPHQL, 4_990, reserve.Budget(4_999, NOW + 600, limit=5_000), 1, NOW, in_flight=10)
    # without the limit known, the whole margin is kept
    with pytest.raises(GitHubRateLimited):
        reserve.check(reserve.GRAPHQL, 4_990, reserve.Budget(5_000, NOW + 600), 1, NOW, in_flight=10)
    assert reserve.from_graphql({"remaining": 1, "resetAt": "2023-11-14T22:13:20Z", "limit": 5000}).limit == 5_000
    assert reserve.from_headers({"x-ratelimit-remaining": "7", "x-ratelimit-reset": "1",
                                 "x-ratelimit-limit": "60"}).limit == 60
