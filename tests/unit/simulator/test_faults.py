"""Every fault kind answers in GitHub's shape, on the requests it was meant for."""

from __future__ import annotations

import json
import time

import pytest
import requests

from simulator import Fault, GitHubSimulator
from tests.unit.simulator.conftest import TOKEN, gql, repo_query, rest

SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


@pytest.fixture(scope="module")
def sim():
    with GitHubSimulator(orgs={"acme": 30}, seed=4, tokens=(TOKEN,)) as sim:
        yield sim


@pytest.fixture(autouse=True)
def fresh(sim):
    sim.clear_faults()
    sim.reset_records()
    yield
    sim.clear_faults()


@pytest.fixture
def keys(sim):
    return [r.name_with_owner for r in sim.dataset.repos("acme")[:4]]


def test_rate_limited(sim, keys):
    sim.add_fault(Fault("rate_limited", on_request=1))
    response = gql(sim, repo_query(keys))
    assert response.status_code == 200
    assert response.json() == {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit already exceeded for user ID 1."}]}
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert time.time() < int(response.headers["x-ratelimit-reset"]) <= time.time() + 3600
    assert sim.requests[-1].fault == "rate_limited" and sim.requests[-1].cost == 0
    assert "errors" not in gql(sim, repo_query(keys)).json()  # times=1: the next one is fine


def test_rate_limit_new_shape_keeps_real_headers(sim, keys):
    sim.add_fault(Fault("rate_limit_new", on_request=1))
    response = gql(sim, repo_query(keys))
    assert response.json() == {"errors": [{"type": "RATE_LIMIT", "code": "graphql_rate_limit",
                                           "message": "API rate limit already exceeded for user ID 1."}]}
    assert int(response.headers["x-ratelimit-remaining"]) > 0  # detect it from the body


@pytest.mark.parametrize("kind, status", [("secondary_403", 403), ("secondary_429", 429)])
def test_secondary_http(sim, keys, kind, status):
    sim.add_fault(Fault(kind, on_request=1, retry_after=42))
    sim.add_fault(Fault(kind, on_request=2))
    first, second = gql(sim, repo_query(keys)), gql(sim, repo_query(keys))
    assert (first.status_code, second.status_code) == (status, status)
    assert (first.headers["retry-after"], second.headers["retry-after"]) == ("42", "60")
    assert first.json()["message"].startswith(SECONDARY) and first.json()["documentation_url"]
    assert first.headers["x-github-request-id"] in first.json()["message"]


def test_secondary_graphql_is_a_200_with_the_message(sim, keys):
    sim.add_fault(Fault("secondary_graphql", on_request=1))
    response = gql(sim, repo_query(keys))
    assert response.status_code == 200 and "retry-after" not in response.headers
    [error] = response.json()["errors"]
    assert error["message"].startswith(SECONDARY)


def test_bad_gateway_json(sim, keys):
    sim.add_fault(Fault("bad_gateway_json", on_request=1))
    response = gql(sim, repo_query(keys))
    assert response.status_code == 502
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"].startswith("Something went wrong while executing your query. This may be "
                                                   "the result of a timeout, or it could be a GitHub bug.")
    assert sim.requests[-1].cost == 1  # timeouts count against the primary limit


def test_bad_gateway_html(sim, keys):
    sim.add_fault(Fault("bad_gateway_html", on_request=1))
    response = gql(sim, repo_query(keys))
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text
    with pytest.raises(ValueError):
        response.json()


def test_slow(sim, keys):
    sim.add_fault(Fault("slow", on_request=1, delay_s=0.3))
    started = time.monotonic()
    response = gql(sim, repo_query(keys))
    assert time.monotonic() - started >= 0.3 and response.status_code == 200 and "errors" not in response.json()
    with pytest.raises(requests.exceptions.ReadTimeout):
        sim.add_fault(Fault("slow", on_request=2, delay_s=0.5))
        gql(sim, repo_query(keys), timeout=0.2)
    # the server finishes (and logs) the request the client gave up on: let it, before the next test
    # resets the log (on a busy machine it landed in the next test's log, as a stray "slow")
    deadline = time.monotonic() + 10
    while len(sim.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r.fault for r in sim.requests] == ["slow", "slow"]


def test_malformed_json(sim, keys):
    sim.add_fault(Fault("malformed_json", on_request=1))
    response = gql(sim, repo_query(keys))
    assert response.status_code == 200 and response.text.startswith('{"data":')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_drop_connection(sim, keys):
    sim.add_fault(Fault("drop_connection", on_request=1))
    with pytest.raises(requests.exceptions.ConnectionError):
        gql(sim, repo_query(keys))
    assert sim.requests[-1].status == 0 and sim.requests[-1].fault == "drop_connection"
    assert gql(sim, repo_query(keys)).status_code == 200


def test_not_found_by_repo_keeps_the_rest(sim, keys):
    sim.add_fault(Fault("not_found", repo=keys[2].upper()))
    body = gql(sim, repo_query(keys)).json()
    assert body["data"]["r2"] is None and body["data"]["r1"]["nameWithOwner"] == keys[1]
    assert body["errors"] == [{"type": "NOT_FOUND", "path": ["r2"], "locations": [{"line": 4, "column": 1}],
                               "message": f"Could not resolve to a Repository with the name '{keys[2]}'."}]


def test_forbidden_on_the_first_alias_of_the_nth_request(sim, keys):
    sim.add_fault(Fault("forbidden", on_request=2))
    assert "errors" not in gql(sim, repo_query(keys)).json()
    body = gql(sim, repo_query(keys)).json()
    assert body["data"]["r0"] is None and all(body["data"][f"r{i}"] for i in (1, 2, 3))
    assert body["errors"] == [{"type": "FORBIDDEN", "path": ["r0"], "extensions": {"saml_failure": False},
                               "locations": [{"line": 2, "column": 1}], "message": "Resource not accessible by integration"}]
    assert [r.fault for r in sim.requests] == [None, "forbidden"]


def test_unauthorized_mid_run(sim, keys):
    sim.add_fault(Fault("unauthorized", on_request=2, times=None))
    assert gql(sim, repo_query(keys)).status_code == 200
    for _ in range(3):
        response = gql(sim, repo_query(keys))
        assert response.status_code == 401 and response.json()["message"] == "Bad credentials"


def test_repo_fault_fires_on_every_request_naming_the_repo(sim, keys):
    sim.add_fault(Fault("bad_gateway_html", repo=keys[1], times=None))
    assert gql(sim, repo_query(keys)).status_code == 502
    assert gql(sim, repo_query([keys[0], keys[2]])).status_code == 200
    assert gql(sim, repo_query([keys[1]])).status_code == 502
    assert [r.fault for r in sim.requests] == ["bad_gateway_html", None, "bad_gateway_html"]
    assert sim.count(status=502) == 2


def test_times_counts_consecutive_matches_from_on_request(sim, keys):
    sim.add_fault(Fault("secondary_403", on_request=2, times=2))
    statuses = [gql(sim, repo_query(keys)).status_code for _ in range(5)]
    assert statuses == [200, 403, 403, 200, 200]


def test_probability_is_seeded(sim, keys):
    def run() -> list[int]:
        sim.clear_faults()
        sim.add_fault(Fault("bad_gateway_json", probability=0.5, seed=11, times=None))
        return [gql(sim, repo_query(keys[:1])).status_code for _ in range(12)]

    first, second = run(), run()
    assert first == second and 502 in first and 200 in first


def test_rest_faults_count_rest_requests(sim, keys):
    sim.add_fault(Fault("primary_rest", on_request=2))
    sim.add_fault(Fault("secondary_429", on_request=1, api="rest", retry_after=5))
    gql(sim, repo_query(keys))  # GraphQL requests are counted apart
    first = rest(sim, f"/repos/{keys[0]}")
    assert first.status_code == 429 and first.headers["retry-after"] == "5"
    second = rest(sim, f"/repos/{keys[0]}")
    assert second.status_code == 403 and second.headers["x-ratelimit-remaining"] == "0"
    assert second.json()["message"].startswith("API rate limit exceeded for user ID 1.")
    assert rest(sim, f"/repos/{keys[0]}").status_code == 200


def test_rest_fault_by_repo(sim, keys):
    sim.add_fault(Fault("not_found", repo=keys[3], api="rest", times=None))
    assert rest(sim, f"/repos/{keys[3]}").status_code == 404
    assert rest(sim, f"/repos/{keys[3]}/issues").status_code == 404
    assert rest(sim, f"/repos/{keys[2]}").status_code == 200


def test_fault_by_org_hits_only_that_owners_requests(make_sim):
    other = make_sim({"acme": 3, "globex": 3}, tokens=(TOKEN,))
    other.add_fault(Fault("not_found", org="globex", api="rest", times=None))
    assert rest(other, "/orgs/globex/dependabot/alerts").status_code == 404
    assert rest(other, f"/repos/{other.dataset.repos('globex')[0].name_with_owner}").status_code == 404
    assert rest(other, "/orgs/acme/dependabot/alerts").status_code == 200
    other.add_fault(Fault("bad_gateway_json", org="globex"))  # GraphQL: a query naming a globex repository
    assert gql(other, repo_query([r.name_with_owner for r in other.dataset.repos("acme")])).status_code == 200
    assert gql(other, repo_query([r.name_with_owner for r in other.dataset.repos("globex")])).status_code == 502


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Fault("gremlins")
    with pytest.raises(ValueError):
        Fault("rate_limit_new", api="rest")
