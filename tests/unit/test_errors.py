"""The classifier on payloads shaped exactly like GitHub's (see shared notes: github-api.md)."""

import json

import pytest

from ghstats.github.errors import (
    FailedRequest,
    GitHubAuthError,
    GitHubQueryError,
    GitHubRateLimited,
    GitHubServerError,
    raise_for_http_status,
    raise_for_missing_scope,
    split_graphql_errors,
)

NOW = 1_700_000_000.0
FAILURE = FailedRequest("graphql", "POST", "https://api.github.com/graphql", 200)


def clock():
    return NOW


def http(status, body, headers=None):
    text = body if isinstance(body, str) else json.dumps(body)
    raise_for_http_status(status, headers or {}, text, FAILURE, now=clock)


def test_401_is_auth_error_and_names_the_fix():
    with pytest.raises(GitHubAuthError, match="token is invalid, expired or revoked"):
        http(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"})


def test_secondary_limit_403_waits_retry_after():
    with pytest.raises(GitHubRateLimited) as caught:
        http(403, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
             {"retry-after": "37"})
    assert caught.value.wait_seconds == 37


def test_429_with_retry_after():
    with pytest.raises(GitHubRateLimited) as caught:
        http(429, {"message": "slow down"}, {"Retry-After": "120"})
    assert caught.value.wait_seconds == 120


def test_primary_rest_403_waits_until_reset():
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 900)}
    with pytest.raises(GitHubRateLimited) as caught:
        http(403, {"message": "API rate limit exceeded for user ID 1."}, headers)
    assert caught.value.wait_seconds == 901


def test_secondary_message_without_headers_waits_60():
    with pytest.raises(GitHubRateLimited) as caught:
        http(403, {"message": "You have exceeded a secondary rate limit."})
    assert caught.value.wait_seconds == 60


def test_plain_403_is_access_problem_not_rate_limit():
    with pytest.raises(GitHubAuthError, match="lacks access"):
        http(403, {"message": "Resource not accessible by integration"})


@pytest.mark.parametrize("body", [
    {"data": None, "errors": [{"message": "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `8C3F:1234` when reporting this issue."}]},
    "<html><body><h1>502 Bad Gateway</h1></body></html>",
])
def test_502_json_and_html_are_server_errors(body):
    with pytest.raises(GitHubServerError, match="502"):
        http(502, body)


def test_200_that_is_not_json_is_server_error():
    with pytest.raises(GitHubServerError, match="not JSON"):
        http(200, '{"data": {"r0": ')


def test_good_200_passes():
    http(200, {"data": {"viewer": {"login": "x"}}})


@pytest.mark.parametrize("error", [
    {"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."},
    {"type": "RATE_LIMIT", "code": "graphql_rate_limit", "message": "API rate limit already exceeded for user ID 1."},
])
def test_graphql_rate_limit_in_200_waits_until_reset_even_if_header_says_remaining(error):
    headers = {"x-ratelimit-remaining": "12", "x-ratelimit-reset": str(int(NOW) + 300)}
    with pytest.raises(GitHubRateLimited) as caught:
        split_graphql_errors([error], None, headers, FAILURE, now=clock)
    assert caught.value.wait_seconds == 301


def test_graphql_secondary_limit_in_200():
    errors = [{"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}]
    with pytest.raises(GitHubRateLimited) as caught:
        split_graphql_errors(errors, None, {}, FAILURE, now=clock)
    assert caught.value.wait_seconds == 60


def test_invalid_query_with_null_data_is_query_error():
    errors = [{"path": ["query", "r0", "nope"], "extensions": {"code": "undefinedField", "typeName": "Repository", "fieldName": "nope"},
               "locations": [{"line": 3, "column": 5}], "message": "Field 'nope' doesn't exist on type 'Repository'"}]
    with pytest.raises(GitHubQueryError, match="doesn't exist"):
        split_graphql_errors(errors, None, {}, FAILURE, now=clock)


def test_alias_errors_keep_the_rest_of_the_batch():
    data = {"r0": {"nameWithOwner": "o/a"}, "r1": None, "r2": None, "r3": {"nameWithOwner": "o/d"}}
    errors = [
        {"type": "NOT_FOUND", "path": ["r1"], "locations": [{"line": 7, "column": 3}],
         "message": "Could not resolve to a Repository with the name 'o/b'."},
        {"type": "FORBIDDEN", "path": ["r2"], "extensions": {"saml_failure": False},
         "locations": [{"line": 9, "column": 3}], "message": "Resource not accessible by integration"},
        {"type": "FORBIDDEN", "path": ["r3", "licenseInfo"], "message": "Resource not accessible by integration"},
    ]
    by_alias, partial = split_graphql_errors(errors, data, {}, FAILURE, now=clock)
    assert {a: e.type for a, e in by_alias.items()} == {"r1": "NOT_FOUND", "r2": "FORBIDDEN"}
    assert "o/b" in by_alias["r1"].message
    assert [e.type for e in partial] == ["FORBIDDEN"]


def test_wait_is_capped_at_one_window():
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 99_999)}
    with pytest.raises(GitHubRateLimited) as caught:
        http(403, {"message": "API rate limit exceeded"}, headers)
    assert caught.value.wait_seconds == 3600


def test_dead_letter_keeps_no_authorization_header():
    failure = FailedRequest.from_response("rest", "GET", "https://x/orgs/a/repos", 502,
                                          {"Authorization": "bearer ghp_secret", "x-github-request-id": "AB:CD"}, "x" * 10_000)
    assert "Authorization" not in failure.headers and failure.headers["x-github-request-id"] == "AB:CD"
    assert len(failure.body) == 4000


def test_dead_letter_keeps_the_graphql_variables_and_the_token_scopes():
    failure = FailedRequest.from_response(
        "graphql", "POST", "https://x/graphql", 200,
        {"Authorization": "bearer ghp_secret", "X-OAuth-Scopes": "read:org"}, "{}", "query { organization }",
        {"login": "acme", "after": "Y3Vyc29yOjEwMA=="},
    )
    assert failure.to_dict()["variables"] == {"login": "acme", "after": "Y3Vyc29yOjEwMA=="}
    assert failure.headers == {"X-OAuth-Scopes": "read:org"}


@pytest.mark.parametrize("scopes", ["read:org", "public_repo, read:org", ""])
def test_classic_token_without_repo_scope_is_an_auth_error_naming_the_fix(scopes):
    with pytest.raises(GitHubAuthError) as caught:
        raise_for_missing_scope({"X-OAuth-Scopes": scopes}, FAILURE)
    message = str(caught.value)
    assert "lacks the 'repo' scope" in message and "private repositories would be missing" in message
    assert "fine-grained token or GitHub App" in message
    assert caught.value.failure is FAILURE


@pytest.mark.parametrize("headers", [{"x-oauth-scopes": "repo, read:org"}, {"X-OAuth-Scopes": "admin:org,repo"}, {}])
def test_token_with_repo_scope_or_without_scopes_header_passes(headers):
    raise_for_missing_scope(headers, FAILURE)  # {}: fine-grained and App tokens send no scopes
