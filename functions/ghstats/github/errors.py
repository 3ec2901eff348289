"""Typed GitHub errors and the one place that maps GitHub's responses onto them.

The exception class names are the Step Functions error names (ErrorEquals) that the
state machine retries or fails on; see docs/architecture.md.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ghstats import limits

RATE_LIMIT_TYPES = frozenset({"RATE_LIMITED", "RATE_LIMIT"})
RATE_LIMIT_CODES = frozenset({"graphql_rate_limit"})
SECONDARY_LIMIT_MARKER = "secondary rate limit"
SERVER_FAILURE_MARKER = "something went wrong while executing your query"
# A classic token lists its scopes in X-OAuth-Scopes; without this one it cannot see private
# repositories. Fine-grained and App tokens send no X-OAuth-Scopes.
REQUIRED_CLASSIC_SCOPE = "repo"
# Headers kept in dead letters; everything else (Authorization above all) is dropped.
_KEPT_HEADERS = (
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-used",
    "x-ratelimit-reset",
    "x-ratelimit-resource",
    "x-github-request-id",
    "x-oauth-scopes",
    "x-accepted-oauth-scopes",
    "content-type",
)


@dataclass(frozen=True)
class FailedRequest:
    """What an operator needs to see about a request that failed (never the token)."""

    api: str  # "graphql" | "rest"
    method: str
    url: str
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    query: str | None = None
    variables: dict[str, Any] | None = None  # the GraphQL variables (org login, cursor)

    @classmethod
    def from_response(
        cls,
        api: str,
        method: str,
        url: str,
        status: int | None,
        headers: Mapping[str, str] | None,
        body: str,
        query: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> "FailedRequest":
        kept = {k: v for k, v in (headers or {}).items() if k.lower() in _KEPT_HEADERS}
        return cls(api, method, url, status, kept, body[: limits.DEAD_LETTER_BODY_CHARS], query,
                   dict(variables) if variables else None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "headers": self.headers,
            "body": self.body,
            "query": self.query,
            "variables": self.variables,
        }


class GitHubError(Exception):
    """Base class. `retryable` tells the state machine's policy at a glance."""

    retryable = False

    def __init__(self, message: str, *, failure: FailedRequest | None = None):
        super().__init__(message)
        self.failure = failure


class GitHubRateLimited(GitHubError):
    """Primary or secondary rate limit: wait `wait_seconds`, then try again."""

    retryable = True

    def __init__(self, message: str, wait_seconds: int, *, failure: FailedRequest | None = None,
                 reason: str | None = None):
        super().__init__(f"{message} (wait {wait_seconds} s)", failure=failure)
        self.wait_seconds = wait_seconds
        self.reason = reason  # why we wait when it is our own choice (a reserve), not GitHub's answer


class GitHubServerError(GitHubError):
    """5xx, timeouts, dropped connections, bodies that are not JSON: transient."""

    retryable = True


class GitHubAuthError(GitHubError):
    """Bad, expired or under-scoped credentials: never retried."""


class GitHubQueryError(GitHubError):
    """GitHub rejected the query itself: never retried."""


class OrgNotFound(GitHubError):
    """The organisation does not exist or the token cannot see it."""

    def __init__(self, message: str, *, failure: FailedRequest | None = None, github_message: str | None = None):
        super().__init__(message, failure=failure)
        self.github_message = github_message  # GitHub's own words, e.g. "Could not resolve to an Organization ..."


class AppNotInstalled(OrgNotFound):
    """Per-org App credentials (installation_id "per_org"): GitHub found no installation of the
    App on this owner (GET /orgs/{owner}/installation and /users/{owner}/installation answered
    404). The owner's work fails as an org error; the other owners go on."""

    def __init__(self, owner: str, app_id: str, *, failure: FailedRequest | None = None):
        super().__init__(f"GitHub App {app_id} is not installed on '{owner}': install the App on {owner} "
                         f"(or remove {owner} from the config)", failure=failure,
                         github_message="Not Found (no installation of the App)")
        self.owner = owner


class GitHubNoAccess(GitHubError):
    """A REST endpoint answered 403/404 that is not a rate limit: the credential may not read it,
    the feature is off, or this GitHub does not have the endpoint. Not retried: it becomes the
    collector's coverage entry (`status`: forbidden, disabled or unavailable; `grant`: what
    GitHub says to grant, from x-accepted-github-permissions or x-accepted-oauth-scopes)."""

    def __init__(self, message: str, *, status: str, github_message: str, grant: str | None,
                 failure: FailedRequest | None = None):
        super().__init__(message, failure=failure)
        self.status, self.github_message, self.grant = status, github_message, grant


# GitHub's 422 to a member who is no org owner asking for an owners-only filter (members'
# filter=2fa_disabled): "Only owners can use this filter."
OWNERS_ONLY_MARKER = "only owners"


def _no_access(status: int, headers: Mapping[str, str], message: str, failure: FailedRequest) -> GitHubNoAccess:
    grant = _header(headers, "x-accepted-github-permissions") or _header(headers, "x-accepted-oauth-scopes")
    lowered = message.lower()
    if "disabled" in lowered or "must be enabled" in lowered or "not enabled" in lowered:
        kind = "disabled"
    elif status == 403:
        kind = "forbidden"
    elif OWNERS_ONLY_MARKER in lowered:
        kind, grant = "forbidden", "the organisation's owner role (a token of an org owner)"  # no scope would do
    else:
        kind = "unavailable"
    return GitHubNoAccess(
        f"GitHub answered {status} ({message or 'no message'})" + (f": grant {grant}" if grant else ""),
        status=kind, github_message=message, grant=grant or None, failure=failure,
    )


@dataclass(frozen=True)
class RepoError:
    """A per-repository error inside an otherwise good response (HTTP 200, partial data)."""

    type: str
    message: str
    path: tuple[str, ...] = ()  # for an error inside an alias: its path (alias first)

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = _header(headers, name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def wait_seconds(
    headers: Mapping[str, str], *, primary_hint: bool, now: Callable[[], float] = time.time
) -> int:
    """GitHub's documented rule: retry-after, else until reset when the budget is spent, else 60 s."""
    retry_after = _int_header(headers, "retry-after")
    if retry_after is not None:
        wait = retry_after
    else:
        remaining = _int_header(headers, "x-ratelimit-remaining")
        reset = _int_header(headers, "x-ratelimit-reset")
        if reset is not None and (remaining == 0 or primary_hint):
            wait = int(reset - now()) + 1
        else:
            wait = limits.DEFAULT_RATE_LIMIT_WAIT_S
    return max(1, min(wait, limits.MAX_RATE_LIMIT_WAIT_S))


def _message(body: Any) -> str:
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            return body["message"]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", ""))
    return ""


def raise_for_http_status(
    status: int,
    headers: Mapping[str, str],
    text: str,
    failure: FailedRequest,
    now: Callable[[], float] = time.time,
) -> None:
    """Raise the typed error for a response that is not a usable 2xx JSON answer."""
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = None
    message = _message(body)
    lowered = message.lower()

    if status == 401:
        raise GitHubAuthError(
            f"GitHub answered 401 ({message or 'Bad credentials'}): the token is invalid, expired "
            "or revoked; put a valid token or GitHub App credentials into the secret",
            failure=failure,
        )
    if status in (403, 429):
        remaining = _int_header(headers, "x-ratelimit-remaining")
        if (
            status == 429
            or "retry-after" in {k.lower() for k in headers}
            or remaining == 0
            or SECONDARY_LIMIT_MARKER in lowered
            or "rate limit" in lowered
        ):
            secondary = SECONDARY_LIMIT_MARKER in lowered
            kind = "secondary" if secondary else "primary"
            raise GitHubRateLimited(
                f"GitHub {kind} rate limit (HTTP {status})",
                wait_seconds(headers, primary_hint=not secondary, now=now),
                failure=failure,
            )
        if failure.api == "rest":
            raise _no_access(status, headers, message, failure)
        raise GitHubAuthError(
            f"GitHub answered 403 ({message or 'Forbidden'}): the token lacks access; "
            "grant it read access to the organisation's repositories",
            failure=failure,
        )
    if failure.api == "rest" and (status == 404 or (status == 422 and OWNERS_ONLY_MARKER in lowered)):
        raise _no_access(status, headers, message, failure)
    if status >= 500:
        raise GitHubServerError(
            f"GitHub answered {status}" + (f": {message[:200]}" if message else ""), failure=failure
        )
    if 200 <= status < 300:
        if body is None:
            raise GitHubServerError("GitHub answered a body that is not JSON", failure=failure)
        return
    raise GitHubQueryError(
        f"GitHub answered {status}" + (f": {message[:200]}" if message else ""), failure=failure
    )


def classic_scopes(headers: Mapping[str, str]) -> frozenset[str] | None:
    """A classic token's scopes (X-OAuth-Scopes); None for fine-grained and App tokens (no header)."""
    value = _header(headers, "x-oauth-scopes")
    return None if value is None else frozenset(scope.strip() for scope in value.split(",") if scope.strip())


def raise_for_missing_scope(headers: Mapping[str, str], failure: FailedRequest) -> None:
    """Fail on a classic token without `repo`: private repositories would silently be missing.

    Fine-grained and App tokens send no X-OAuth-Scopes (their reach is their repository
    selection): nothing to check.
    """
    value = _header(headers, "x-oauth-scopes")
    if value is None:
        return
    scopes = {scope.strip() for scope in value.split(",") if scope.strip()}
    if REQUIRED_CLASSIC_SCOPE in scopes:
        return
    raise GitHubAuthError(
        f"the token lacks the '{REQUIRED_CLASSIC_SCOPE}' scope (its scopes: {', '.join(sorted(scopes)) or 'none'}): "
        "private repositories would be missing from the listing; give it the "
        f"'{REQUIRED_CLASSIC_SCOPE}' scope (classic token), or use a fine-grained token or GitHub App "
        "with read access to the repositories' metadata, issues and pull requests",
        failure=failure,
    )


def split_graphql_errors(
    errors: list[dict[str, Any]] | None,
    data: dict[str, Any] | None,
    headers: Mapping[str, str],
    failure: FailedRequest,
    now: Callable[[], float] = time.time,
) -> tuple[dict[str, RepoError], list[RepoError]]:
    """Classify the `errors` of an HTTP 200 GraphQL answer.

    Raises for errors that concern the whole request (rate limits, invalid query, server
    trouble). Returns (errors by alias whose data is null, errors inside an alias whose data
    is kept) for the per-repository ones.
    """
    by_alias: dict[str, RepoError] = {}
    partial: list[RepoError] = []
    for error in errors or []:
        message = str(error.get("message", ""))
        kind = str(error.get("type") or (error.get("extensions") or {}).get("type") or "")
        code = str(error.get("code") or (error.get("extensions") or {}).get("code") or "")
        if kind in RATE_LIMIT_TYPES or code in RATE_LIMIT_CODES:
            raise GitHubRateLimited(
                "GitHub GraphQL rate limit", wait_seconds(headers, primary_hint=True, now=now),
                failure=failure,
            )
        if SECONDARY_LIMIT_MARKER in message.lower():
            raise GitHubRateLimited(
                "GitHub secondary rate limit",
                wait_seconds(headers, primary_hint=False, now=now),
                failure=failure,
            )
    for error in errors or []:
        message = str(error.get("message", ""))
        kind = str(error.get("type") or (error.get("extensions") or {}).get("code") or "ERROR")
        path = error.get("path") or []
        if SERVER_FAILURE_MARKER in message.lower():
            raise GitHubServerError(f"GitHub failed to run the query: {message[:200]}", failure=failure)
        if data is None or not path:
            raise GitHubQueryError(f"GitHub rejected the query ({kind}): {message[:300]}", failure=failure)
        alias = str(path[0])
        if data.get(alias) is None:
            by_alias.setdefault(alias, RepoError(kind, message))
        else:
            partial.append(RepoError(kind, message, tuple(str(p) for p in path)))
    return by_alias, partial
