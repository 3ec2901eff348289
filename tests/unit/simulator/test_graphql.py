"""POST /graphql: auth, validation, pagination, resolvers, per-alias errors, headers, cost."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from simulator import GitHubSimulator, Latency
from tests.unit.simulator.conftest import TOKEN, gql, repo_query

LIST_QUERY = """
query($login: String!, $after: String, $isFork: Boolean, $isArchived: Boolean) {
  organization(login: $login) {
    login
    repositories(first: 100, after: $after, isFork: $isFork, isArchived: $isArchived,
                 orderBy: {field: NAME, direction: ASC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { nameWithOwner isArchived isFork }
    }
  }
  rateLimit { cost remaining limit used nodeCount resetAt }
}"""

STATS = """nameWithOwner name owner { login } id databaseId url description visibility isPrivate isArchived
  isTemplate isFork isDisabled isEmpty isLocked isMirror createdAt updatedAt pushedAt
  primaryLanguage { name } licenseInfo { spdxId name key } defaultBranchRef { name } diskUsage
  stargazerCount forkCount watchers { totalCount }
  openIssues: issues(states: [OPEN]) { totalCount } closedIssues: issues(states: [CLOSED]) { totalCount }
  allIssues: issues { totalCount }
  openPullRequests: pullRequests(states: [OPEN]) { totalCount }
  closedPullRequests: pullRequests(states: [CLOSED]) { totalCount }
  mergedPullRequests: pullRequests(states: [MERGED]) { totalCount }
  doneRequests: pullRequests(states: [CLOSED, MERGED]) { totalCount }
  releases { totalCount } repositoryTopics(first: 20) { totalCount nodes { topic { name } } }"""


@pytest.fixture(scope="module")
def sim():
    with GitHubSimulator(orgs={"acme": 250, "globex": 30}, seed=5, tokens=(TOKEN, "ghp_second")) as sim:
        yield sim


@pytest.fixture(autouse=True)
def fresh(sim):
    sim.clear_faults()
    sim.reset_records()
    yield


def list_all(sim, **variables):
    after, names, pages = None, [], []
    while True:
        body = gql(sim, LIST_QUERY, {"login": "acme", "after": after, **variables}).json()
        assert "errors" not in body, body
        page = body["data"]["organization"]["repositories"]
        pages.append(page)
        names += [n["nameWithOwner"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return names, pages
        after = page["pageInfo"]["endCursor"]


def test_paginating_an_org_of_250_takes_3_pages_and_sees_every_repo_once(sim):
    names, pages = list_all(sim)
    assert len(pages) == 3 and [len(p["nodes"]) for p in pages] == [100, 100, 50]
    assert names == [r.name_with_owner for r in sim.dataset.repos("acme")]
    assert all(p["totalCount"] == 250 for p in pages)
    assert sim.count(kind="graphql") == 3 and sim.points_used() == 3


def test_listing_filters(sim):
    names, _ = list_all(sim, isFork=False, isArchived=False)
    truth = [r.name_with_owner for r in sim.dataset.repos("acme") if not r.is_fork and not r.is_archived]
    assert names == truth and 0 < len(truth) < 250


def test_edges_cursors_order_and_backwards(sim):
    query = """query($after: String, $before: String, $first: Int, $last: Int) { organization(login: "ACME") {
        repositories(first: $first, last: $last, after: $after, before: $before, orderBy: {field: STARGAZERS, direction: DESC}) {
          edges { cursor node { name stargazerCount } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } } }"""
    first = gql(sim, query, {"first": 10}).json()["data"]["organization"]["repositories"]
    stars = [e["node"]["stargazerCount"] for e in first["edges"]]
    assert stars == sorted(stars, reverse=True) and stars[0] == max(r.stargazers for r in sim.dataset.repos("acme"))
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    second = gql(sim, query, {"first": 10, "after": first["pageInfo"]["endCursor"]}).json()["data"]["organization"]["repositories"]
    assert second["pageInfo"]["hasPreviousPage"] and second["edges"][0]["node"]["stargazerCount"] <= stars[-1]
    back = gql(sim, query, {"last": 5, "before": second["pageInfo"]["startCursor"]}).json()["data"]["organization"]["repositories"]
    assert [e["node"]["name"] for e in back["edges"]] == [e["node"]["name"] for e in first["edges"][5:]]


def test_bad_cursor(sim):
    body = gql(sim, '{ organization(login: "acme") { repositories(first: 1, after: "nope") { totalCount } } }').json()
    assert body["errors"][0]["type"] == "INVALID_CURSOR_ARGUMENTS" and body["data"]["organization"] is None


def test_repository_fields_are_the_truth(sim):
    repos = sim.dataset.repos("acme")
    for truth in repos[:40]:
        body = gql(sim, repo_query([truth.name_with_owner], STATS)).json()
        assert "errors" not in body
        node = body["data"]["r0"]
        assert (node["nameWithOwner"], node["name"], node["owner"]["login"]) == (truth.name_with_owner, truth.name, "acme")
        assert (node["id"], node["databaseId"], node["url"], node["description"]) == (truth.id, truth.database_id, truth.url, truth.description)
        assert (node["visibility"], node["isPrivate"], node["isArchived"], node["isTemplate"], node["isFork"]) == (
            truth.visibility, truth.is_private, truth.is_archived, truth.is_template, truth.is_fork)
        assert (node["isDisabled"], node["isEmpty"], node["isLocked"], node["isMirror"]) == (
            truth.is_disabled, truth.is_empty, truth.is_locked, truth.is_mirror)
        assert (node["createdAt"], node["updatedAt"], node["pushedAt"]) == (truth.created_at, truth.updated_at, truth.pushed_at)
        assert (node["primaryLanguage"] or {}).get("name") == truth.primary_language
        assert (node["licenseInfo"] or {}).get("spdxId") == truth.license_spdx_id
        assert (node["defaultBranchRef"] or {}).get("name") == truth.default_branch
        assert (node["diskUsage"], node["stargazerCount"], node["forkCount"], node["watchers"]["totalCount"]) == (
            truth.disk_usage, truth.stargazers, truth.forks, truth.watchers)
        assert (node["openIssues"]["totalCount"], node["closedIssues"]["totalCount"], node["allIssues"]["totalCount"]) == (
            truth.open_issues, truth.closed_issues, truth.open_issues + truth.closed_issues)
        assert (node["openPullRequests"]["totalCount"], node["closedPullRequests"]["totalCount"],
                node["mergedPullRequests"]["totalCount"], node["doneRequests"]["totalCount"]) == (
            truth.open_prs, truth.closed_prs, truth.merged_prs, truth.closed_prs + truth.merged_prs)
        assert node["releases"]["totalCount"] == truth.releases
        assert [n["topic"]["name"] for n in node["repositoryTopics"]["nodes"]] == truth.topics
        assert node["repositoryTopics"]["totalCount"] == len(truth.topics)


def test_issue_and_pull_request_items_match_the_counts(sim):
    truth = max(sim.dataset.repos("acme"), key=lambda r: r.open_issues)
    owner, name = truth.name_with_owner.split("/")
    query = """query($o: String!, $n: String!, $after: String) { repository(owner: $o, name: $n) {
        issues(first: 100, after: $after, states: [OPEN]) { totalCount nodes { number state title } pageInfo { hasNextPage endCursor } }
        pullRequests(last: 3, states: [MERGED]) { nodes { number state merged } } } }"""
    seen, after = [], None
    while True:
        repo = gql(sim, query, {"o": owner, "n": name, "after": after}).json()["data"]["repository"]
        seen += repo["issues"]["nodes"]
        if not repo["issues"]["pageInfo"]["hasNextPage"]:
            break
        after = repo["issues"]["pageInfo"]["endCursor"]
    assert len(seen) == truth.open_issues and {n["state"] for n in seen} == {"OPEN"}
    assert len({n["number"] for n in seen}) == len(seen)
    merged = repo["pullRequests"]["nodes"]
    assert len(merged) == min(3, truth.merged_prs) and all(n["state"] == "MERGED" and n["merged"] for n in merged)


def test_batch_of_50_aliases_costs_4_and_is_fast(sim):
    keys = [r.name_with_owner for r in sim.dataset.repos("acme")[:50]]
    fields = """nameWithOwner stargazerCount watchers { totalCount } a: issues(states: [OPEN]) { totalCount }
      b: issues(states: [CLOSED]) { totalCount } c: pullRequests(states: [OPEN]) { totalCount }
      d: pullRequests(states: [CLOSED]) { totalCount } e: pullRequests(states: [MERGED]) { totalCount }
      releases { totalCount } repositoryTopics(first: 20) { nodes { topic { name } } }"""
    query = repo_query(keys, fields).replace("query {", "query { rateLimit { cost remaining used nodeCount }", 1)
    gql(sim, query)  # parse + validate once (cached by query text)
    started = time.monotonic()
    response = gql(sim, query)
    elapsed = time.monotonic() - started
    body = response.json()
    assert body["data"]["rateLimit"]["cost"] == 4 and body["data"]["rateLimit"]["nodeCount"] == 50 * 20
    assert [body["data"][f"r{i}"]["nameWithOwner"] for i in range(50)] == keys
    assert sim.requests[-1].cost == 4 and sim.requests[-1].repos == 50
    assert elapsed < 2.0  # tens of ms on a normal machine; generous for loaded CI


def test_not_found_alias_is_null_and_the_rest_is_kept(sim):
    keys = [r.name_with_owner for r in sim.dataset.repos("acme")[:3]]
    query = repo_query([keys[0], "acme/does-not-exist", keys[2]])
    body = gql(sim, query).json()
    assert body["data"]["r0"]["nameWithOwner"] == keys[0] and body["data"]["r2"]["nameWithOwner"] == keys[2]
    assert body["data"]["r1"] is None
    assert body["errors"] == [{
        "type": "NOT_FOUND", "path": ["r1"], "locations": [{"line": 3, "column": 1}],
        "message": "Could not resolve to a Repository with the name 'acme/does-not-exist'.",
    }]


def test_missing_org_is_not_found(sim):
    body = gql(sim, '{ organization(login: "nope") { login } }').json()
    assert body == {"data": {"organization": None}, "errors": [{
        "type": "NOT_FOUND", "path": ["organization"], "locations": [{"line": 1, "column": 3}],
        "message": "Could not resolve to an Organization with the login of 'nope'."}]}


def test_renamed_repo_resolves_by_its_old_name(sim):
    old = sim.dataset.repos("globex")[2].name_with_owner
    sim.rename_repo(old, "renamed-in-test")
    try:
        body = gql(sim, repo_query([old])).json()
        assert body == {"data": {"r0": {"nameWithOwner": "globex/renamed-in-test"}}}
    finally:
        sim.rename_repo("globex/renamed-in-test", old.split("/")[1])


def test_user_repository_and_viewer(sim):
    sim.add_repo("octo-user", "dotfiles-graphql", stargazers=3)
    body = gql(sim, '{ viewer { login } repository(owner: "octo-user", name: "dotfiles-graphql") { stargazerCount owner { __typename login } } }').json()
    assert body["data"]["viewer"]["login"] == "sim-user"
    assert body["data"]["repository"] == {"stargazerCount": 3, "owner": {"__typename": "User", "login": "octo-user"}}


def test_unmodelled_fields_resolve_without_errors(sim):
    key = sim.dataset.repos("acme")[0].name_with_owner
    body = gql(sim, repo_query([key], "mergeCommitAllowed latestRelease { name } forkingAllowed "
                                      "languages(first: 5) { totalCount totalSize } "
                                      "vulnerabilityAlerts(first: 1) { totalCount }")).json()
    assert "errors" not in body
    assert body["data"]["r0"]["latestRelease"] is None and body["data"]["r0"]["mergeCommitAllowed"] is False


def test_unknown_field_is_rejected_like_github(sim):
    body = gql(sim, '{ repository(owner: "a", name: "b") { nameWithOwner nope } }').json()
    assert body == {"errors": [{
        "path": ["query", "repository", "nope"],
        "extensions": {"code": "undefinedField", "typeName": "Repository", "fieldName": "nope"},
        "locations": [{"line": 1, "column": 53}],
        "message": "Field 'nope' doesn't exist on type 'Repository'",
    }]}
    assert sim.points_used() == 0


def test_other_validation_errors_are_github_worded(sim):
    assert gql(sim, '{ repository(owner: "a") { name } }').json()["errors"][0]["extensions"]["code"] == "missingRequiredArguments"
    assert gql(sim, '{ repository(owner: "a", name: "b", x: 1) { name } }').json()["errors"][0]["message"] == (
        "Field 'repository' doesn't accept argument 'x'")
    body = gql(sim, "query Q { repository(owner: $o, name: \"b\") { name } }").json()
    assert body["errors"][0]["message"] == "Variable $o is used by Q but not declared"
    assert "Parse error" in gql(sim, "{ repository(owner: ").json()["errors"][0]["message"]


def test_first_101_is_rejected_with_no_data(sim):
    body = gql(sim, '{ organization(login: "acme") { repositories(first: 101) { nodes { name } } } }').json()
    assert body["data"] is None
    assert [(e["type"], e["message"]) for e in body["errors"]] == [(
        "EXCESSIVE_PAGINATION",
        "Requesting 101 records on the `repositories` connection exceeds the `first` limit of 100 records.")]
    assert sim.points_used() == 0


def test_missing_pagination_boundaries(sim):
    body = gql(sim, '{ organization(login: "acme") { repositories { nodes { name } } } }').json()
    assert body["data"] is None and body["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"


def test_variables_errors(sim):
    body = gql(sim, LIST_QUERY, {}).json()
    assert "data" not in body and body["errors"][0]["message"].startswith("Variable $login of type String!")


@pytest.mark.parametrize("header", [None, "bearer wrong", "Basic abc", "bearer"])
def test_bad_or_missing_credentials_are_401(sim, header):
    import requests

    headers = {"Authorization": header} if header else {}
    response = requests.post(sim.graphql_url, json={"query": "{ viewer { login } }"}, headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"}
    assert sim.requests[-1].status == 401 and sim.requests[-1].cost == 0


@pytest.mark.parametrize("scheme", ["bearer", "Bearer", "token", "TOKEN"])
def test_both_auth_schemes_any_case(sim, scheme):
    assert gql(sim, "{ viewer { login } }", scheme=scheme).status_code == 200


def test_headers_and_rate_limit_fields(sim):
    response = gql(sim, "{ rateLimit { cost limit remaining used resetAt nodeCount } }", token="ghp_second")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-github-request-id"]
    assert response.headers["x-oauth-scopes"] == "repo, read:org, security_events"
    assert response.headers["x-ratelimit-resource"] == "graphql"
    limit = response.json()["data"]["rateLimit"]
    assert limit["cost"] == 1 and limit["limit"] == 5000 and limit["nodeCount"] == 0
    assert int(response.headers["x-ratelimit-remaining"]) == limit["remaining"]
    assert int(response.headers["x-ratelimit-used"]) == limit["used"] == 5000 - limit["remaining"]
    assert int(response.headers["x-ratelimit-limit"]) == 5000
    reset = int(response.headers["x-ratelimit-reset"])
    assert time.time() < reset <= time.time() + 3600
    assert limit["resetAt"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(reset))


@pytest.mark.parametrize("scopes", ["read:org", "", None])
def test_oauth_scopes_are_a_setting(scopes):
    with GitHubSimulator(orgs={"acme": 1}, tokens=(TOKEN,), oauth_scopes=scopes) as other:
        graphql = gql(other, "{ viewer { login } }")
        rest_answer = requests.get(other.url + "/rate_limit", headers={"Authorization": f"token {TOKEN}"}, timeout=10)
    for response in (graphql, rest_answer):
        assert response.status_code == 200
        assert response.headers.get("x-oauth-scopes") == scopes  # None: no header at all


def test_dry_run_is_not_charged(sim):
    before = sim.rate_limit(TOKEN).used
    body = gql(sim, '{ rateLimit(dryRun: true) { cost } organization(login: "acme") { repositories(first: 100) { nodes { issues(first: 50) { totalCount } } } } }').json()
    assert body["data"]["rateLimit"]["cost"] == 1  # 1 + 100 = 101 requests -> 1 point
    assert sim.rate_limit(TOKEN).used == before and sim.points_used() == 0


def test_latency_per_repository_does_not_serialise_the_server():
    latency = Latency(base_ms=100, per_repo_ms=20, rest_ms=0)
    with GitHubSimulator(orgs={"acme": 10}, tokens=(TOKEN,), latency=latency) as slow:
        keys = [r.name_with_owner for r in slow.dataset.repos("acme")[:5]]
        started = time.monotonic()
        gql(slow, repo_query(keys))
        one = time.monotonic() - started
        assert one >= 0.2  # 100 + 5 x 20 ms
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: gql(slow, repo_query(keys)).status_code, range(8)))
        assert statuses == [200] * 8
        assert time.monotonic() - started < 8 * 0.2  # in parallel, not one after the other
        assert slow.peak_concurrency > 1
