"""GET /orgs/{org}/{dependabot,secret-scanning,code-scanning}/alerts: GitHub's shapes, both
paging styles over every alert exactly once, link headers, per_page bounds, the 403 of a
token without the permission, features turned off, GHES paths, faults, the REST budget."""

from __future__ import annotations

import math
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from simulator import Fault, GitHubSimulator
from tests.unit.simulator.conftest import TOKEN, gql, rest
from tests.conftest import new_key_pair

PATHS = {"dependabot": "/orgs/acme/dependabot/alerts", "secret_scanning": "/orgs/acme/secret-scanning/alerts",
         "code_scanning": "/orgs/acme/code-scanning/alerts"}
KINDS = tuple(PATHS)
DOCS = {
    "dependabot": "https://docs.github.com/rest/dependabot/alerts#list-dependabot-alerts-for-an-organization",
    "secret_scanning": "https://docs.github.com/rest/secret-scanning/secret-scanning"
                       "#list-secret-scanning-alerts-for-an-organization",
    "code_scanning": "https://docs.github.com/rest/code-scanning/code-scanning"
                     "#list-code-scanning-alerts-for-an-organization",
}
APP_ID = "4242"

# The fields of GitHub's OpenAPI schemas for these lists (descriptions/api.github.com).
SIMPLE_USER = {"login", "id", "node_id", "avatar_url", "gravatar_id", "url", "html_url", "followers_url",
               "following_url", "gists_url", "starred_url", "subscriptions_url", "organizations_url", "repos_url",
               "events_url", "received_events_url", "type", "site_admin", "name", "email", "user_view_type"}
SIMPLE_REPOSITORY = {
    "id", "node_id", "name", "full_name", "owner", "private", "html_url", "description", "fork", "url",
    "archive_url", "assignees_url", "blobs_url", "branches_url", "collaborators_url", "comments_url", "commits_url",
    "compare_url", "contents_url", "contributors_url", "deployments_url", "downloads_url", "events_url",
    "forks_url", "git_commits_url", "git_refs_url", "git_tags_url", "issue_comment_url", "issue_events_url",
    "issues_url", "keys_url", "labels_url", "languages_url", "merges_url", "milestones_url", "notifications_url",
    "pulls_url", "releases_url", "stargazers_url", "statuses_url", "subscribers_url", "subscription_url",
    "tags_url", "teams_url", "trees_url", "hooks_url",
}
FIELDS = {
    "dependabot": {"number", "state", "dependency", "security_advisory", "security_vulnerability", "url",
                   "html_url", "created_at", "updated_at", "dismissed_at", "dismissed_by", "dismissed_reason",
                   "dismissed_comment", "fixed_at", "auto_dismissed_at", "dismissal_request", "assignees",
                   "repository"},
    "secret_scanning": {"number", "created_at", "updated_at", "url", "html_url", "locations_url", "state",
                        "resolution", "resolved_at", "resolved_by", "secret_type", "secret_type_display_name",
                        "provider", "provider_slug", "secret", "repository", "push_protection_bypassed",
                        "push_protection_bypassed_by", "push_protection_bypassed_at",
                        "push_protection_bypass_request_reviewer",
                        "push_protection_bypass_request_reviewer_comment", "push_protection_bypass_request_comment",
                        "push_protection_bypass_request_html_url", "resolution_comment", "validity",
                        "publicly_leaked", "multi_repo", "is_base64_encoded", "first_location_detected",
                        "has_more_locations", "assigned_to", "closure_request_comment",
                        "closure_request_reviewer_comment", "closure_request_reviewer"},
    "code_scanning": {"number", "created_at", "updated_at", "url", "html_url", "instances_url", "state", "fixed_at",
                      "dismissed_by", "dismissed_at", "dismissed_reason", "dismissed_comment", "rule", "tool",
                      "most_recent_instance", "repository", "dismissal_approved_by", "assignees"},
}
USER_FIELDS = {"dependabot": ("dismissed_by",), "secret_scanning": ("resolved_by", "push_protection_bypassed_by"),
               "code_scanning": ("dismissed_by",)}
ADVISORY = {"ghsa_id", "cve_id", "summary", "description", "vulnerabilities", "severity", "classification", "cvss",
            "cvss_severities", "epss", "cwes", "identifiers", "references", "published_at", "updated_at",
            "withdrawn_at"}
VULNERABILITY = {"package", "severity", "vulnerable_version_range", "first_patched_version"}
RULE = {"id", "name", "severity", "security_severity_level", "description", "full_description", "tags", "help",
        "help_uri"}
INSTANCE = {"ref", "analysis_key", "environment", "category", "state", "commit_sha", "message", "location",
            "html_url", "classifications"}
LOCATION = {"path", "start_line", "end_line", "start_column", "end_column"}
COMMIT_LOCATION = LOCATION | {"blob_sha", "blob_url", "commit_sha", "commit_url"}


PRIVATE_KEY, PUBLIC_KEY = new_key_pair()  # PEM strings


@pytest.fixture(scope="module")
def sim():
    with GitHubSimulator(orgs={"acme": 300, "globex": 30}, seed=8, tokens=(TOKEN,),
                         apps={APP_ID: PUBLIC_KEY}) as sim:
        yield sim


@pytest.fixture(autouse=True)
def fresh(sim):
    sim.clear_faults()
    sim.reset_records()
    yield
    sim.clear_faults()
    for org in ("acme", "globex"):
        sim.set_alert_access(org, KINDS)
        sim.set_alert_features(org, KINDS)


def get(url: str, token: str = TOKEN) -> requests.Response:
    return requests.get(url, headers={"Authorization": f"token {token}"}, timeout=10)


def walk(sim, path: str, rel: str = "next", start: str | None = None) -> list[requests.Response]:
    """Every page from `path` (or the absolute URL `start`) following the rel link."""
    pages, url = [], start or sim.url + path
    while url:
        response = get(url)
        assert response.status_code == 200, response.text
        pages.append(response)
        url = response.links.get(rel, {}).get("url")
        assert len(pages) < 500
    return pages


def items(pages: list[requests.Response]) -> list[dict]:
    return [item for page in pages for item in page.json()]


def identity(item: dict) -> tuple[str, int]:
    return (item["repository"]["full_name"], item["number"])


def truth(sim, kind: str, org: str = "acme") -> list[tuple[str, int]]:
    return [(alert.repository, alert.number) for alert in sim.dataset.alerts(org, kind)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


# -- shapes --------------------------------------------------------------------------------------

def _check_user(value: dict | None) -> None:
    if value is not None:
        assert set(value) == SIMPLE_USER


@pytest.mark.parametrize("kind", KINDS)
def test_every_documented_field_is_present(sim, kind):
    alerts = items(walk(sim, PATHS[kind] + "?per_page=100" + ("&after=" if kind != "dependabot" else "")))
    assert len(alerts) == len(truth(sim, kind)) > 0
    for item in alerts:
        assert set(item) == FIELDS[kind]
        assert set(item["repository"]) == SIMPLE_REPOSITORY and set(item["repository"]["owner"]) == SIMPLE_USER
        for field in USER_FIELDS[kind]:
            _check_user(item[field])
        if kind == "dependabot":
            assert set(item["dependency"]) == {"package", "manifest_path", "scope", "relationship"}
            assert set(item["dependency"]["package"]) == {"ecosystem", "name"}
            assert set(item["security_advisory"]) == ADVISORY
            assert set(item["security_vulnerability"]) == VULNERABILITY
            assert item["security_advisory"]["vulnerabilities"] == [item["security_vulnerability"]]
        elif kind == "secret_scanning":
            assert set(item["first_location_detected"]) == COMMIT_LOCATION
        else:
            assert set(item["rule"]) == RULE and set(item["tool"]) == {"name", "guid", "version"}
            assert set(item["most_recent_instance"]) == INSTANCE
            assert set(item["most_recent_instance"]["location"]) == LOCATION
    assert any(item[USER_FIELDS[kind][0]] is not None for item in alerts)  # users were checked too


def _dependabot_expected(alert) -> dict:
    advisory = alert.advisory
    patched = None if advisory.first_patched_version is None else {"identifier": advisory.first_patched_version}
    return {
        "number": alert.number, "state": alert.state, "created_at": alert.created_at,
        "updated_at": alert.updated_at, "dismissed_at": alert.dismissed_at,
        "dismissed_by": alert.dismissed_by, "dismissed_reason": alert.dismissed_reason,
        "dismissed_comment": alert.dismissed_comment, "fixed_at": alert.fixed_at,
        "auto_dismissed_at": alert.auto_dismissed_at,
        "dependency": {"package": {"ecosystem": advisory.ecosystem, "name": advisory.package},
                       "manifest_path": alert.manifest_path, "scope": alert.scope,
                       "relationship": alert.relationship},
        "ghsa_id": advisory.ghsa_id, "cve_id": advisory.cve_id, "summary": advisory.summary,
        "severity": advisory.severity,
        "security_vulnerability": {"package": {"ecosystem": advisory.ecosystem, "name": advisory.package},
                                   "severity": advisory.severity,
                                   "vulnerable_version_range": advisory.vulnerable_version_range,
                                   "first_patched_version": patched},
    }


def _dependabot_actual(item: dict) -> dict:
    advisory = item["security_advisory"]
    return {
        **{k: item[k] for k in ("number", "state", "created_at", "updated_at", "dismissed_at", "dismissed_reason",
                                "dismissed_comment", "fixed_at", "auto_dismissed_at", "dependency",
                                "security_vulnerability")},
        "dismissed_by": item["dismissed_by"] and item["dismissed_by"]["login"],
        **{k: advisory[k] for k in ("ghsa_id", "cve_id", "summary", "severity")},
    }


def _login(user: dict | None) -> str | None:
    return user and user["login"]


SECRET_FIELDS = ("number", "state", "created_at", "updated_at", "secret_type", "secret_type_display_name",
                 "provider", "provider_slug", "secret", "validity", "resolution", "resolved_at",
                 "resolution_comment", "push_protection_bypassed", "push_protection_bypassed_at",
                 "publicly_leaked", "multi_repo", "has_more_locations")
CODE_FIELDS = ("number", "state", "created_at", "updated_at", "fixed_at", "dismissed_at", "dismissed_reason",
               "dismissed_comment")


def test_the_json_is_the_truth(sim):
    dependabot = items(walk(sim, PATHS["dependabot"] + "?per_page=100"))
    for alert, item in zip(sim.dataset.alerts("acme", "dependabot"), dependabot, strict=True):
        assert item["repository"]["full_name"] == alert.repository
        assert item["repository"]["id"] == alert.repository_id
        assert _dependabot_actual(item) == _dependabot_expected(alert)
        assert item["html_url"] == f"https://github.com/{alert.repository}/security/dependabot/{alert.number}"
        assert item["url"] == f"{sim.url}/repos/{alert.repository}/dependabot/alerts/{alert.number}"
    secrets = items(walk(sim, PATHS["secret_scanning"] + "?per_page=100"))
    for alert, item in zip(sim.dataset.alerts("acme", "secret_scanning"), secrets, strict=True):
        assert {f: item[f] for f in SECRET_FIELDS} == {f: getattr(alert, f) for f in SECRET_FIELDS}
        assert (_login(item["resolved_by"]), _login(item["push_protection_bypassed_by"])) == (
            alert.resolved_by, alert.push_protection_bypassed_by)
        assert item["first_location_detected"]["path"] == alert.path
    assert {item["secret"] for item in secrets} <= set(sim.dataset.leaked_secrets())
    code = items(walk(sim, PATHS["code_scanning"] + "?per_page=100"))
    for alert, item in zip(sim.dataset.alerts("acme", "code_scanning"), code, strict=True):
        assert {f: item[f] for f in CODE_FIELDS} == {f: getattr(alert, f) for f in CODE_FIELDS}
        assert _login(item["dismissed_by"]) == alert.dismissed_by
        assert (item["rule"]["id"], item["rule"]["severity"], item["rule"]["security_severity_level"],
                item["rule"]["tags"]) == (alert.rule_id, alert.rule_severity, alert.security_severity_level,
                                          list(alert.tags))
        assert item["tool"] == {"name": alert.tool_name, "guid": alert.tool_guid, "version": alert.tool_version}
        instance = item["most_recent_instance"]
        assert (instance["ref"], instance["commit_sha"], instance["location"]["path"],
                instance["location"]["start_line"], instance["classifications"]) == (
            alert.ref, alert.commit_sha, alert.path, alert.start_line, list(alert.classifications))


# -- paging --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, style", [
    ("dependabot", ""), ("secret_scanning", ""), ("secret_scanning", "&after="),
    ("code_scanning", ""), ("code_scanning", "&after="),
])
def test_paging_returns_every_alert_exactly_once_in_order(sim, kind, style):
    expected = truth(sim, kind)
    pages = walk(sim, f"{PATHS[kind]}?per_page=7{style}")
    assert [identity(item) for item in items(pages)] == expected
    assert len(pages) == math.ceil(len(expected) / 7)
    assert all(len(page.json()) == 7 for page in pages[:-1])


@pytest.mark.parametrize("kind", KINDS)
def test_before_pages_backwards_over_every_alert(sim, kind):
    last = walk(sim, f"{PATHS[kind]}?per_page=9&after=")[-1]
    backwards = walk(sim, "", rel="prev", start=last.url)
    assert [identity(item) for page in reversed(backwards) for item in page.json()] == truth(sim, kind)


def test_cursor_links(sim):
    first = rest(sim, PATHS["dependabot"] + "?per_page=5&direction=desc")
    assert set(first.links) == {"next"}
    next_url = first.links["next"]["url"]
    assert next_url.startswith(f"{sim.url}{PATHS['dependabot']}?per_page=5&after=")
    query = query_of(next_url)
    assert set(query) == {"per_page", "after", "direction"} and query["direction"] == ["desc"]
    second = get(next_url)
    assert set(second.links) == {"prev", "next"}
    assert set(query_of(second.links["prev"]["url"])) == {"per_page", "before", "direction"}
    assert [identity(i) for i in get(second.links["prev"]["url"]).json()] == [identity(i) for i in first.json()]
    assert [identity(i) for i in second.json()] == truth(sim, "dependabot")[5:10]


@pytest.mark.parametrize("kind", ["secret_scanning", "code_scanning"])
def test_after_or_before_switches_to_cursor_links_even_empty(sim, kind):
    by_page = rest(sim, PATHS[kind] + "?per_page=5")
    assert set(query_of(by_page.links["next"]["url"])) == {"per_page", "page"}
    for query in ("?per_page=5&after=", "?per_page=5&before="):
        by_cursor = rest(sim, PATHS[kind] + query)
        assert set(by_cursor.links) == {"next"}
        assert set(query_of(by_cursor.links["next"]["url"])) == {"per_page", "after"}
        assert by_cursor.json() == by_page.json()


def test_page_number_links(sim):
    expected = truth(sim, "code_scanning")
    last_page = math.ceil(len(expected) / 10)
    first = rest(sim, PATHS["code_scanning"] + "?per_page=10")
    assert set(first.links) == {"next", "last"}
    assert query_of(first.links["next"]["url"]) == {"per_page": ["10"], "page": ["2"]}
    assert query_of(first.links["last"]["url"]) == {"per_page": ["10"], "page": [str(last_page)]}
    middle = rest(sim, PATHS["code_scanning"] + "?per_page=10&page=3")
    assert set(middle.links) == {"prev", "next", "last", "first"}
    assert [identity(i) for i in middle.json()] == expected[20:30]


def test_one_page_has_no_link_header(sim):
    for kind, path in (("dependabot", "/orgs/globex/dependabot/alerts?per_page=100"),
                       ("secret_scanning", "/orgs/globex/secret-scanning/alerts?per_page=100&after="),
                       ("code_scanning", "/orgs/globex/code-scanning/alerts?per_page=100")):
        assert 0 < len(truth(sim, kind, "globex")) <= 100
        response = rest(sim, path)
        assert response.status_code == 200 and "link" not in response.headers
        assert [identity(i) for i in response.json()] == truth(sim, kind, "globex")


@pytest.mark.parametrize("kind", KINDS)
def test_per_page_defaults_to_30_and_stops_at_100(sim, kind):
    total = len(truth(sim, kind))
    assert total > 100, "the dataset needs more than 100 alerts of each kind"
    assert len(rest(sim, PATHS[kind]).json()) == 30
    assert len(rest(sim, PATHS[kind] + "?per_page=0").json()) == 30
    assert len(rest(sim, PATHS[kind] + "?per_page=500").json()) == 100
    assert len(rest(sim, PATHS[kind] + "?per_page=100").json()) == 100


@pytest.mark.parametrize("query", ["?page=2", "?page=1&per_page=10", "?per_page=10&after=&page=2"])
def test_dependabot_refuses_page_as_github_does_since_2025_10_14(sim, query):
    response = rest(sim, PATHS["dependabot"] + query)
    assert response.status_code == 400
    assert response.json() == {"message": "Pagination using the `page` parameter is not supported.",
                               "documentation_url": DOCS["dependabot"], "status": "400"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_cursor_the_simulator_did_not_write_is_a_400(sim, kind):
    response = rest(sim, PATHS[kind] + "?after=not-a-cursor")
    assert response.status_code == 400 and response.json()["documentation_url"] == DOCS[kind]
    assert "not-a-cursor" in response.json()["message"]


# -- access and features -------------------------------------------------------------------------

PERMISSION = {"dependabot": "vulnerability_alerts=read", "secret_scanning": "secret_scanning_alerts=read",
              "code_scanning": "security_events=read"}


@pytest.mark.parametrize("kind", KINDS)
def test_without_access_a_403_names_the_permission(sim, kind):
    sim.set_alert_access("acme", set(KINDS) - {kind})
    response = rest(sim, PATHS[kind])
    assert response.status_code == 403
    assert response.json() == {"message": "Resource not accessible by personal access token",
                               "documentation_url": DOCS[kind], "status": "403"}
    assert response.headers["x-accepted-github-permissions"] == PERMISSION[kind]
    assert response.headers["x-ratelimit-resource"] == "core"
    for other in set(KINDS) - {kind}:  # the other kinds and orgs stay readable
        assert rest(sim, PATHS[other]).status_code == 200
    assert rest(sim, PATHS[kind].replace("acme", "globex")).status_code == 200
    sim.set_alert_access("acme", KINDS)
    assert rest(sim, PATHS[kind]).status_code == 200


def test_an_app_installation_without_access_is_refused_as_an_integration(sim):
    now = int(time.time())
    app_jwt = jwt.encode({"iat": now - 60, "exp": now + 500, "iss": APP_ID}, PRIVATE_KEY, algorithm="RS256")
    token = requests.post(f"{sim.url}/app/installations/9/access_tokens",
                          headers={"Authorization": f"Bearer {app_jwt}"}, timeout=5).json()["token"]
    sim.set_alert_access("acme", set())
    response = get(sim.url + PATHS["secret_scanning"], token=token)
    assert response.status_code == 403
    assert response.json()["message"] == "Resource not accessible by integration"
    assert response.headers["x-accepted-github-permissions"] == "secret_scanning_alerts=read"


DISABLED = {
    "dependabot": (403, "Dependabot alerts are disabled for this repository."),
    "secret_scanning": (404, "Secret scanning is disabled on this repository."),
    "code_scanning": (403, "Advanced Security must be enabled for this repository to use code scanning."),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_feature_turned_off_answers_as_github_does(sim, kind):
    sim.set_alert_features("acme", set(KINDS) - {kind})
    response = rest(sim, PATHS[kind])
    status, message = DISABLED[kind]
    assert response.status_code == status
    assert response.json() == {"message": message, "documentation_url": DOCS[kind], "status": str(status)}
    assert "x-accepted-github-permissions" not in response.headers
    for other in set(KINDS) - {kind}:
        assert rest(sim, PATHS[other]).status_code == 200
    sim.set_alert_access("acme", set())  # no permission is said before the feature is off
    assert rest(sim, PATHS[kind]).headers["x-accepted-github-permissions"] == PERMISSION[kind]


def test_settings_from_the_constructor_and_renames():
    with GitHubSimulator(orgs={"acme": 40, "globex": 10}, seed=3, tokens=(TOKEN,),
                         alert_access={"acme": {"dependabot", "code_scanning"}},
                         alert_features={"globex": {"secret_scanning"}}) as other:
        assert [rest(other, PATHS[kind]).status_code for kind in KINDS] == [200, 403, 200]
        assert [rest(other, PATHS[kind].replace("acme", "globex")).status_code for kind in KINDS] == [403, 200, 403]
        first = other.dataset.alerts("acme", "dependabot")[0]
        renamed = other.rename_repo(first.repository, "renamed").name_with_owner
        item = rest(other, PATHS["dependabot"]).json()[0]
        assert (item["repository"]["full_name"], item["number"]) == (renamed, first.number)
        assert item["html_url"] == f"https://github.com/{renamed}/security/dependabot/{first.number}"
        with pytest.raises(ValueError):
            other.set_alert_access("acme", {"secret-scanning"})


def test_unknown_orgs_and_users_are_404(sim):
    for path in ("/orgs/nope/dependabot/alerts", "/orgs/sim-user/secret-scanning/alerts",
                 "/orgs/acme/dependabot/alert", "/orgs/acme/code-scanning/alerts/extra"):
        response = rest(sim, path)
        assert response.status_code == 404 and response.json()["message"] == "Not Found"


def test_enterprise_server_paths(sim):
    first = rest(sim, "/api/v3" + PATHS["secret_scanning"] + "?per_page=5&after=")
    assert first.status_code == 200
    assert first.links["next"]["url"].startswith(sim.enterprise_url + PATHS["secret_scanning"] + "?")
    assert first.json()[0]["url"].startswith(sim.enterprise_url + "/repos/acme/")
    pages = walk(sim, "", start=sim.enterprise_url + PATHS["dependabot"] + "?per_page=50")
    assert [identity(item) for item in items(pages)] == truth(sim, "dependabot")


# -- faults, budget, records ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_faults_fire_on_the_alert_endpoints(sim, kind):
    path = PATHS[kind]
    sim.add_fault(Fault("primary_rest", on_request=1))
    limited = rest(sim, path)
    assert limited.status_code == 403 and limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.json()["message"].startswith("API rate limit exceeded for user ID 1.")
    sim.add_fault(Fault("secondary_429", api="rest", retry_after=7))
    secondary = rest(sim, path)
    assert secondary.status_code == 429 and secondary.headers["retry-after"] == "7"
    sim.add_fault(Fault("bad_gateway_json", api="rest"))
    assert rest(sim, path).status_code == 502
    sim.add_fault(Fault("malformed_json", api="rest"))
    broken = rest(sim, path)
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()
    sim.add_fault(Fault("drop_connection", api="rest"))
    with pytest.raises(requests.ConnectionError):
        rest(sim, path)
    assert rest(sim, path).status_code == 200
    assert [r.fault for r in sim.requests] == ["primary_rest", "secondary_429", "bad_gateway_json",
                                               "malformed_json", "drop_connection", None]


def test_each_call_costs_one_rest_request_and_a_spent_budget_is_refused(sim):
    graphql_used = sim.rate_limit(TOKEN, "graphql").used
    sim.set_budget(TOKEN, remaining=2, reset_in=900, resource="core")
    try:
        remaining = [rest(sim, PATHS[kind]).headers["x-ratelimit-remaining"] for kind in ("dependabot", "code_scanning")]
        assert remaining == ["1", "0"]
        refused = rest(sim, PATHS["secret_scanning"])
        assert refused.status_code == 403 and refused.headers["x-ratelimit-remaining"] == "0"
        assert refused.headers["x-ratelimit-resource"] == "core"
        assert refused.json()["message"].startswith("API rate limit exceeded for user ID 1.")
        assert sim.rate_limit(TOKEN, "graphql").used == graphql_used  # GraphQL points are a separate bucket
        assert "errors" not in gql(sim, "{ viewer { login } }").json()
    finally:
        sim.set_budget(TOKEN, remaining=5000, resource="core")


def test_requests_are_recorded_as_rest(sim):
    for kind in KINDS:
        rest(sim, PATHS[kind] + "?per_page=3")
    assert sim.count(kind="rest") == 3 and sim.count(kind="rest", status=200) == 3
    assert [r.path for r in sim.requests] == list(PATHS.values())
    assert all(r.kind == "rest" and r.cost == 0 for r in sim.requests)


@pytest.mark.parametrize("kind", KINDS)
def test_every_alert_page_has_an_etag_a_match_is_a_free_304_and_a_changed_alert_changes_its_page(kind):
    # its own simulator: an alert is changed
    with GitHubSimulator(orgs={"acme": 300}, seed=8, tokens=(TOKEN,)) as own:
        pages = walk(own, PATHS[kind] + "?per_page=5")[:3]
        urls = [own.url + PATHS[kind] + "?per_page=5"] + [p.links["next"]["url"] for p in pages[:2]]
        tags = [p.headers["etag"] for p in pages]
        assert len(set(tags)) == 3 and all(t.startswith('W/"') for t in tags)
        used = own.rate_limit(TOKEN, "core").used
        again = [requests.get(u, headers={"Authorization": f"token {TOKEN}", "If-None-Match": t}, timeout=10)
                 for u, t in zip(urls, tags)]
        assert [r.status_code for r in again] == [304, 304, 304] and all(r.content == b"" for r in again)
        assert [r.headers["etag"] for r in again] == tags
        assert own.rate_limit(TOKEN, "core").used == used  # GitHub does not count a 304
        # an alert of the second page changes: only that page's body (and ETag) does
        changed = pages[1].json()[2]
        own.dataset.change_alert(kind, changed["repository"]["full_name"], changed["number"],
                                 updated_at="2026-03-01T00:00:00Z")
        after = [requests.get(u, headers={"Authorization": f"token {TOKEN}", "If-None-Match": t}, timeout=10)
                 for u, t in zip(urls, tags)]
        assert [r.status_code for r in after] == [304, 200, 304]
        assert after[1].headers["etag"] != tags[1] and after[1].json()[2]["updated_at"] == "2026-03-01T00:00:00Z"
        assert [identity(i) for i in after[1].json()] == [identity(i) for i in pages[1].json()]
        assert own.rate_limit(TOKEN, "core").used == used + 1
        assert [(r.path, r.status) for r in own.requests][-3:] == [(p, s) for p, s in zip(
            [urlsplit(u).path for u in urls], [304, 200, 304])]
