"""REST: org listing with link headers, repository JSON (and its traps), issues and pulls
paginated so PyGithub's totalCount works, and the GitHub App token exchange."""

from __future__ import annotations

import calendar
import time

import jwt
import pytest
import requests

from simulator import GitHubSimulator
from tests.unit.simulator.conftest import TOKEN, gql, rest
from tests.conftest import new_key_pair

APP_ID = "12345"


PRIVATE_KEY, PUBLIC_KEY = new_key_pair()  # PEM strings


@pytest.fixture(scope="module")
def sim():
    with GitHubSimulator(orgs={"acme": 75}, seed=9, tokens=(TOKEN,), apps={APP_ID: PUBLIC_KEY}) as sim:
        yield sim


@pytest.fixture(autouse=True)
def fresh(sim):
    sim.clear_faults()
    sim.reset_records()
    yield


def links(response: requests.Response) -> dict[str, str]:
    return {rel: link["url"] for rel, link in response.links.items()}


def test_org_repos_paginate_with_link_headers(sim):
    first = rest(sim, "/orgs/acme/repos?per_page=30&type=all")
    assert first.status_code == 200 and len(first.json()) == 30
    assert set(links(first)) == {"next", "last"}
    assert links(first)["next"] == f"{sim.url}/orgs/acme/repos?type=all&per_page=30&page=2"
    assert links(first)["last"].endswith("page=3")
    middle = requests.get(links(first)["next"], headers={"Authorization": f"token {TOKEN}"}, timeout=5)
    assert set(links(middle)) == {"prev", "next", "last", "first"}
    last = requests.get(links(first)["last"], headers={"Authorization": f"token {TOKEN}"}, timeout=5)
    assert set(links(last)) == {"prev", "first"} and len(last.json()) == 15
    names = [r["full_name"] for page in (first, middle, last) for r in page.json()]
    assert sorted(names) == sorted(r.name_with_owner for r in sim.dataset.repos("acme"))
    created = [r["created_at"] for r in first.json()]
    assert created == sorted(created, reverse=True)  # GitHub's default: sort=created, newest first


def test_org_repos_defaults_and_one_page(sim):
    assert len(rest(sim, "/orgs/acme/repos").json()) == 30  # default per_page
    everything = rest(sim, "/orgs/acme/repos?per_page=100&sort=full_name")
    assert "link" not in everything.headers and len(everything.json()) == 75
    assert [r["name"] for r in everything.json()] == [r.name for r in sim.dataset.repos("acme")]
    forks = rest(sim, "/orgs/acme/repos?per_page=100&type=forks").json()
    assert {r["full_name"] for r in forks} == {r.name_with_owner for r in sim.dataset.repos("acme") if r.is_fork}


def test_repository_json(sim):
    truth = max(sim.dataset.repos("acme"), key=lambda r: r.stargazers)
    response = rest(sim, f"/repos/{truth.name_with_owner}")
    body = response.json()
    assert response.headers["x-ratelimit-resource"] == "core" and response.headers["etag"]
    assert (body["id"], body["node_id"], body["name"], body["full_name"]) == (
        truth.database_id, truth.id, truth.name, truth.name_with_owner)
    assert body["owner"]["login"] == "acme" and body["owner"]["type"] == "Organization"
    assert (body["private"], body["fork"], body["archived"], body["disabled"], body["is_template"]) == (
        truth.is_private, truth.is_fork, truth.is_archived, truth.is_disabled, truth.is_template)
    assert body["visibility"] == truth.visibility.lower() and body["html_url"] == truth.url
    assert (body["created_at"], body["updated_at"], body["pushed_at"]) == (truth.created_at, truth.updated_at, truth.pushed_at)
    assert body["language"] == truth.primary_language and body["size"] == truth.disk_usage
    assert (body["license"] or {}).get("spdx_id") == truth.license_spdx_id
    assert body["stargazers_count"] == truth.stargazers
    assert body["watchers_count"] == truth.stargazers  # GitHub's trap
    assert body["subscribers_count"] == truth.watchers  # the real watchers
    assert body["forks_count"] == truth.forks
    assert body["open_issues_count"] == truth.open_issues + truth.open_prs  # issues + PRs, as on GitHub
    assert body["topics"] == truth.topics


def test_conditional_request_is_free(sim):
    key = sim.dataset.repos("acme")[0].name_with_owner
    first = rest(sim, f"/repos/{key}")
    again = rest(sim, f"/repos/{key}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]


def test_issues_include_pull_requests_and_pulls_include_merged(sim):
    truth = max(sim.dataset.repos("acme"), key=lambda r: r.issue_total + r.pr_total)
    everything = []
    page = 1
    while True:
        response = rest(sim, f"/repos/{truth.name_with_owner}/issues?state=all&per_page=100&page={page}")
        everything += response.json()
        if "next" not in response.links:
            break
        page += 1
    assert len(everything) == truth.issue_total + truth.pr_total
    prs = [i for i in everything if "pull_request" in i]
    assert len(prs) == truth.pr_total
    assert sum(1 for i in prs if i["pull_request"]["merged_at"]) == truth.merged_prs
    numbers = [i["number"] for i in everything]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) == len(numbers)
    open_items = rest(sim, f"/repos/{truth.name_with_owner}/issues?per_page=100").json()  # default state=open
    assert all(i["state"] == "open" for i in open_items)


def test_pygithub_total_counts(sim):
    from github import Auth, Github

    truth = max(sim.dataset.repos("acme"), key=lambda r: r.pr_total)
    gh = Github(base_url=sim.url, auth=Auth.Token(TOKEN), retry=None, seconds_between_requests=0)
    repo = gh.get_repo(truth.name_with_owner)
    assert repo.full_name == truth.name_with_owner and repo.stargazers_count == truth.stargazers
    assert repo.subscribers_count == truth.watchers
    assert repo.get_issues(state="open").totalCount == truth.open_issues + truth.open_prs
    assert repo.get_issues(state="closed").totalCount == truth.closed_issues + truth.closed_prs + truth.merged_prs
    assert repo.get_issues(state="all").totalCount == truth.issue_total + truth.pr_total
    assert repo.get_pulls(state="open").totalCount == truth.open_prs
    assert repo.get_pulls(state="closed").totalCount == truth.closed_prs + truth.merged_prs
    assert repo.get_pulls(state="all").totalCount == truth.pr_total
    assert gh.get_organization("acme").get_repos().totalCount == 75
    gh.close()


def test_not_found_and_auth(sim):
    missing = rest(sim, "/repos/acme/does-not-exist")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    assert rest(sim, "/orgs/nope/repos").status_code == 404
    assert rest(sim, "/something/else").status_code == 404
    unauthorized = rest(sim, "/repos/acme/x", token="wrong")
    assert unauthorized.status_code == 401 and unauthorized.json()["message"] == "Bad credentials"
    assert rest(sim, "/user").json()["login"] == "sim-user"
    assert [r.kind for r in sim.requests] == ["rest"] * 5


def _app_jwt(**overrides) -> str:
    now = int(time.time())
    claims = {"iat": now - 60, "exp": now + 540, "iss": APP_ID, **overrides}
    return jwt.encode(claims, PRIVATE_KEY, algorithm="RS256")


def test_app_installation_token_exchange(sim):
    response = requests.post(f"{sim.url}/app/installations/678/access_tokens",
                             headers={"Authorization": f"Bearer {_app_jwt()}"}, timeout=5)
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("ghs_") and body["repository_selection"] == "all" and body["permissions"]
    expires = calendar.timegm(time.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert 3500 < expires - time.time() <= 3600
    token = body["token"]
    assert gql(sim, "{ viewer { login } }", token=token).status_code == 200
    assert rest(sim, "/repos/" + sim.dataset.repos("acme")[0].name_with_owner, token=token).status_code == 200
    assert rest(sim, "/user", token=token).status_code == 403  # installations are not users
    assert sim.requests[0].kind == "rest" and sim.requests[0].status == 201


@pytest.mark.parametrize("token", [
    "not-a-jwt",
    _app_jwt(exp=int(time.time()) - 10, iat=int(time.time()) - 100),  # expired
    _app_jwt(exp=int(time.time()) + 3600),  # more than 10 minutes ahead
    _app_jwt(iss="999"),  # unknown app
    jwt.encode({"iat": int(time.time()) - 60, "exp": int(time.time()) + 500, "iss": APP_ID},
               new_key_pair()[0], algorithm="RS256"),  # signed by another key
])
def test_bad_app_jwt_is_401(sim, token):
    response = requests.post(f"{sim.url}/app/installations/678/access_tokens",
                             headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 401 and response.json()["message"]
    assert sim.requests[-1].kind == "rest" and sim.requests[-1].status == 401


def test_installation_token_expires(sim):
    class Clock:
        now = time.time()

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    with GitHubSimulator(orgs={"acme": 3}, tokens=(), apps={APP_ID: PUBLIC_KEY}, clock=clock) as other:
        token = requests.post(f"{other.url}/app/installations/1/access_tokens",
                              headers={"Authorization": f"Bearer {_app_jwt()}"}, timeout=5).json()["token"]
        assert gql(other, "{ viewer { login } }", token=token).status_code == 200
        clock.now += 3601
        assert gql(other, "{ viewer { login } }", token=token).status_code == 401


def test_enterprise_server_paths(sim):
    from github import Auth, Github

    first = rest(sim, "/api/v3/orgs/acme/repos?per_page=50")
    assert first.status_code == 200 and links(first)["next"].startswith(sim.enterprise_url + "/orgs/acme/repos?")
    body = requests.post(sim.url + "/api/graphql", json={"query": "{ viewer { login } }"},
                         headers={"Authorization": f"bearer {TOKEN}"}, timeout=5).json()
    assert body == {"data": {"viewer": {"login": "sim-user"}}}
    gh = Github(base_url=sim.enterprise_url, auth=Auth.Token(TOKEN), retry=None, seconds_between_requests=0)
    assert gh.get_organization("acme").get_repos().totalCount == 75
    gh.close()
