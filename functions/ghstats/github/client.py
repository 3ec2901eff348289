"""GitHubClient: GitHub's GraphQL API through gql (requests transport).

Every answer goes through errors.py, the one place that maps GitHub's responses onto typed
errors. The client counts the requests it sends and the rate-limit points they cost.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

import requests
from gql import Client, GraphQLRequest
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportError,
    TransportQueryError,
)
from gql.transport.requests import RequestsHTTPTransport

from ghstats import limits
from ghstats.github import documents, reserve
from ghstats.github.auth import TokenProvider
from ghstats.github.endpoints import Endpoints
from ghstats.github.errors import (
    FailedRequest,
    GitHubAuthError,
    GitHubNoAccess,
    GitHubServerError,
    OrgNotFound,
    RepoError,
    raise_for_http_status,
    classic_scopes,
    raise_for_missing_scope,
    split_graphql_errors,
)
from ghstats.github.rate_limit import RateLimit

USER_AGENT = "ghstats"
Sent = TypeVar("Sent")
REST_API_VERSION = "2022-11-28"


def _connection_failed(url: str, exc: BaseException) -> str:
    """Where the request went and how it failed: the URL without credentials or query, never
    the headers (the token is in Authorization)."""
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    where = f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}" if host else "GitHub"
    return f"request to {where} failed: {type(exc).__name__}; check api_url and that the host is reachable"


class _SharedSessionTransport(RequestsHTTPTransport):
    """gql's requests transport on a session we own (so tests and callers can pass one)."""

    def __init__(self, url: str, session: requests.Session, **kwargs: Any):
        super().__init__(url=url, **kwargs)
        self._shared_session = session

    def connect(self) -> None:
        self.session = self._shared_session

    def close(self) -> None:
        self.session = None  # the session belongs to the GitHubClient


@dataclass
class GraphQLAnswer:
    data: dict[str, Any]
    alias_errors: dict[str, RepoError]
    partial_errors: list[RepoError]
    rate_limit: RateLimit | None


@dataclass(frozen=True)
class ListedRepo:
    key: str  # owner/name as GitHub spells it
    is_archived: bool
    is_fork: bool


@dataclass(frozen=True)
class RestPage:
    items: list[Any]
    next_url: str | None  # rel="next" of GitHub's link header; None on the last page
    etag: str | None = None  # GitHub's ETag of this answer: a later If-None-Match with it may get a free 304
    not_modified: bool = False  # GitHub answered 304 to If-None-Match: `items` is empty, the cached answer stands


@dataclass
class BatchAnswer:
    """Every key asked for is in exactly one of nodes (GitHub's answer node) and errors."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, RepoError] = field(default_factory=dict)
    # errors inside a node that was kept (a field the credential may not read): key -> errors
    field_errors: dict[str, list[RepoError]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rate_limit: RateLimit | None = None


class GitHubClient:
    def __init__(
        self,
        endpoints: Endpoints,
        tokens: TokenProvider,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (limits.HTTP_CONNECT_TIMEOUT_S, limits.HTTP_READ_TIMEOUT_S),
        now: Callable[[], float] = time.time,
    ):
        self.endpoints = endpoints
        self._tokens = tokens
        self._session = session or requests.Session()
        self._timeout = timeout
        self._now = now
        self._last_response: requests.Response | None = None
        self._transport = _SharedSessionTransport(
            endpoints.graphql_url,
            self._session,
            timeout=timeout,
            hooks={"response": [self._remember_response]},
        )
        self._gql = Client(transport=self._transport, fetch_schema_from_transport=False)
        self.requests_made = 0  # every request sent, GraphQL and REST
        self.rest_requests = 0  # of which REST (the REST core bucket, apart from GraphQL points)
        self.classic_scopes: frozenset[str] | None = None  # a classic token's scopes (preflight); None: not classic
        self.points_used = 0
        self.last_rate_limit: RateLimit | None = None
        # reserve_points / reserve_requests (github/reserve.py): what GitHub last said is left per bucket
        self.reserve = {reserve.GRAPHQL: 0, reserve.CORE: 0}
        self.in_flight = {reserve.GRAPHQL: 0, reserve.CORE: 0}  # what the run's other requests may spend meanwhile
        self._budgets: dict[str, reserve.Budget] = {}
        self._asked_rate_limit = False

    def credential_id(self) -> str:
        """Which credential (and so which GitHub budget) this client spends: a digest of its
        current token, never the token. Clients of one PAT or one installation share it."""
        return hashlib.sha256(self._tokens.token().encode()).hexdigest()[:16]

    def installation_id(self) -> str | None:
        """The GitHub App installation whose token this client sends, and so whose hourly budget
        it spends (None: a personal access token). Per-org App credentials look the owner's
        installation up (AppNotInstalled where the App is not installed)."""
        which = getattr(self._tokens, "installation_id", None)
        return which() if which is not None else None

    # -- plumbing ---------------------------------------------------------------------------

    def _remember_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last_response = response

    def _headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"bearer {token}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }

    def _failure(
        self, api: str, method: str, url: str, query: str | None, variables: dict[str, Any] | None = None
    ) -> FailedRequest:
        response = self._last_response
        if response is None:
            return FailedRequest.from_response(api, method, url, None, {}, "", query, variables)
        return FailedRequest.from_response(
            api, method, url, response.status_code, response.headers, response.text, query, variables
        )

    def _graphql_failure(self, document: str, variables: dict[str, Any] | None) -> FailedRequest:
        return self._failure("graphql", "POST", self.endpoints.graphql_url, document, variables)

    def _account(self, rate_limit: RateLimit | None) -> None:
        if rate_limit is not None:
            self.points_used += rate_limit.cost
            self.last_rate_limit = rate_limit

    # -- what the run leaves for other tools --------------------------------------------------

    def keep_reserve(self, points: int = 0, requests: int = 0, points_in_flight: int = 0,
                     requests_in_flight: int = 0) -> None:
        """Send no request that would leave less than `points` GraphQL points or `requests` REST
        requests of the hour (the config's reserve_points / reserve_requests), counting the points
        and requests the run's other requests in flight may spend before GitHub's next answer."""
        self.reserve = {reserve.GRAPHQL: points, reserve.CORE: requests}
        self.in_flight = {reserve.GRAPHQL: points_in_flight, reserve.CORE: requests_in_flight}

    def _keep_reserve(self, bucket: str, cost: int) -> None:
        if not self.reserve[bucket]:
            return
        if bucket not in self._budgets and not self._asked_rate_limit:
            self._ask_rate_limit()
        reserve.check(bucket, self.reserve[bucket], self._budgets.get(bucket), cost, self._now(), self.in_flight[bucket])

    def _ask_rate_limit(self) -> None:
        """GET /rate_limit (it does not count against any limit): what is left of each bucket. A
        GitHub Enterprise Server without rate limits answers 404: nothing to keep."""
        self._asked_rate_limit = True
        target = f"{self.endpoints.rest_url}/rate_limit"
        try:
            response, _ = self._authorised(lambda token: self._send_rest("GET", target, token, free=True))
        except GitHubNoAccess:
            return
        self._budgets.update(reserve.from_rate_limit_body(response.json()))

    def _note_budget(self, bucket: str, budget: reserve.Budget | None) -> None:
        if budget is not None:
            self._budgets[bucket] = budget

    # -- GraphQL ----------------------------------------------------------------------------

    def graphql(self, document: str, variables: dict[str, Any] | None = None, *, cost: int | None = None) -> GraphQLAnswer:
        """Send one GraphQL request; raise a typed error or return data with per-alias errors.

        A 401 asks the token provider for a fresh token (an App installation token lives one
        hour, a run may outlive it) and sends the request once more with it; a second 401, or a
        token that refresh cannot change (a PAT), raises GitHubAuthError.
        """
        # what it will cost: as the caller says (a batch knows its points), else as the last request did
        expected = cost if cost is not None else (self.last_rate_limit.cost if self.last_rate_limit else 1)
        self._keep_reserve(reserve.GRAPHQL, max(1, expected))
        return self._authorised(lambda token: self._send_graphql(document, variables, token))

    def _authorised(self, send: Callable[[str], Sent]) -> Sent:
        """`send(token)`; after a 401, once more with a fresh token if the provider has one."""
        token = self._tokens.token()
        try:
            return send(token)
        except GitHubAuthError as exc:
            if exc.failure is None or exc.failure.status != 401:
                raise
            self._tokens.refresh()
            fresh = self._tokens.token()
            if fresh == token:
                raise  # the same credentials would be refused again
        return send(fresh)

    def _send_graphql(self, document: str, variables: dict[str, Any] | None, token: str) -> GraphQLAnswer:
        self._last_response = None
        self._transport.headers = self._headers(token)
        request = GraphQLRequest(document, variable_values=variables or None)
        self.requests_made += 1
        data: dict[str, Any] | None
        errors: list[dict[str, Any]] | None = None
        try:
            result = self._gql.execute(request, get_execution_result=True)
            data = result.data
        except TransportQueryError as exc:
            data, errors = exc.data, exc.errors
        except TransportConnectionFailed as exc:
            cause = exc.__cause__ or exc
            raise GitHubServerError(
                _connection_failed(self.endpoints.graphql_url, cause),
                failure=self._graphql_failure(document, variables),
            ) from None
        except TransportError:
            data = None  # not JSON or not GraphQL: the status check below names it
        response = self._last_response
        failure = self._graphql_failure(document, variables)
        if response is None:
            raise GitHubServerError("GitHub sent no response", failure=failure)
        raise_for_http_status(
            response.status_code, response.headers, response.text, failure, now=self._now
        )
        if data is None and not errors:
            raise GitHubServerError("GitHub answered neither data nor errors", failure=failure)
        alias_errors, partial = split_graphql_errors(
            errors, data, response.headers, failure, now=self._now
        )
        rate_limit = RateLimit.from_graphql((data or {}).get("rateLimit"))
        self._account(rate_limit)
        self._note_budget(reserve.GRAPHQL, reserve.from_graphql((data or {}).get("rateLimit")))
        return GraphQLAnswer(data or {}, alias_errors, partial, rate_limit)

    def preflight(self) -> None:
        """A cheap query that proves the token works and reaches private repositories.

        Raises GitHubAuthError for a bad token, and for a classic token without `repo` (it
        cannot see private repositories: an org would look smaller than it is).
        """
        document = documents.document("rate_limit")
        self.graphql(document)
        if self._last_response is not None:  # graphql() raised when there was no answer
            raise_for_missing_scope(self._last_response.headers, self._graphql_failure(document, None))
            self.classic_scopes = classic_scopes(self._last_response.headers)

    def list_org_repos_page(
        self, org: str, after: str | None, *, include_archived: bool = True, include_forks: bool = True
    ) -> tuple[list[ListedRepo], str | None]:
        """One page (100) of an organisation's repositories after `after`, and the next page's
        cursor (None on the last page)."""
        document = documents.document("list_org_repos")
        variables: dict[str, Any] = {"login": org, "after": after}
        if not include_archived:
            variables["isArchived"] = False
        if not include_forks:
            variables["isFork"] = False
        answer = self.graphql(document, variables)
        organization = answer.data.get("organization")
        if organization is None:
            error = answer.alias_errors.get("organization")
            raise OrgNotFound(
                f"organisation '{org}' was not found or the token cannot see it"
                + (f" ({error.message})" if error else "")
                + ": check the name in 'orgs' and the token's access",
                failure=self._graphql_failure(document, variables),
                github_message=error.message if error else None,
            )
        page = organization["repositories"]
        repos = [ListedRepo(node["nameWithOwner"], node["isArchived"], node["isFork"]) for node in page["nodes"] or [] if node]
        return repos, (page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None)

    def query_batch(self, keys: list[str], fragments: list[tuple[str, str]], *, cost: int | None = None) -> BatchAnswer:
        """One batched query over `keys` (owner/name each) selecting `fragments`; GitHub's node
        per repository, or its error (the collectors build the records). `cost`: its points, if known."""
        answer = self.graphql(documents.batch_query(keys, fragments), cost=cost)
        batch = BatchAnswer(rate_limit=answer.rate_limit)
        for index, key in enumerate(keys):
            alias = documents.alias(index)
            node = answer.data.get(alias)
            if node is not None:
                batch.nodes[key] = node
            else:
                batch.errors[key] = answer.alias_errors.get(
                    alias, RepoError("MISSING", f"GitHub returned no data for {key}")
                )
        key_of = {documents.alias(index): key for index, key in enumerate(keys)}
        for error in answer.partial_errors:
            key = key_of.get(error.path[0]) if error.path else None
            if key is None:
                batch.warnings.append(error.message)
            else:
                batch.field_errors.setdefault(key, []).append(error)
        return batch

    # -- REST -------------------------------------------------------------------------------

    def rest_page(self, path: str, params: dict[str, Any] | None = None, *, url: str | None = None,
                  single_object: bool = False, etag: str | None = None) -> RestPage:
        """One page of a paged REST list: `path` (relative to the REST base) with `params`, or the
        `url` of a page GitHub's `link` header named. Links to anywhere but this API are refused
        (the credential goes nowhere else), and redirects are not followed. `single_object`: the
        answer is one object (its one item). `etag`: asked with If-None-Match; GitHub's 304 (free:
        it does not count against the rate limit) comes back as `not_modified`."""
        if url is not None and not url.startswith(self.endpoints.rest_url + "/"):
            raise GitHubServerError(f"GitHub's next-page link {url!r} leaves {self.endpoints.rest_url}: not followed")
        target = url or f"{self.endpoints.rest_url}/{path.lstrip('/')}"
        self._keep_reserve(reserve.CORE, 1)
        response, failure = self._authorised(lambda token: self._send_rest("GET", target, token,
                                                                           params=None if url else params, etag=etag))
        if etag and response.status_code == 304:
            return RestPage([], None, response.headers.get("etag", etag), not_modified=True)
        body = response.json()
        if single_object:
            if not isinstance(body, dict):
                raise GitHubServerError(f"GitHub answered {target} with {type(body).__name__}, not an object", failure=failure)
            return RestPage([body], None, response.headers.get("etag"))
        if not isinstance(body, list):
            raise GitHubServerError(f"GitHub answered {target} with {type(body).__name__}, not a list", failure=failure)
        return RestPage(body, response.links.get("next", {}).get("url"), response.headers.get("etag"))

    def rest_post(self, path: str, json: Any = None) -> tuple[int, Any]:
        """POST to `path` (relative to the REST base), e.g. a webhook redelivery (202 `{}`).

        Errors map as for GETs (errors.py: a 403/404 is GitHubNoAccess naming what to grant, a
        rate limit is GitHubRateLimited); a 401 is retried once with a fresh token, as nothing
        was done. Other failures are not retried here: the caller knows whether a POST may be
        repeated. Returns (status, body); an empty 2xx body comes back as None. A 2xx body is
        never kept in the failure record."""
        target = f"{self.endpoints.rest_url}/{path.lstrip('/')}"
        self._keep_reserve(reserve.CORE, 1)
        response, _ = self._authorised(lambda token: self._send_rest("POST", target, token, payload=json,
                                                                     empty_ok=True))
        if not response.text.strip():
            return response.status_code, None
        return response.status_code, response.json()

    def _send_rest(self, method: str, target: str, token: str, *, params: dict[str, Any] | None = None,
                   payload: Any = None, etag: str | None = None, empty_ok: bool = False,
                   free: bool = False) -> tuple[requests.Response, FailedRequest]:
        """Send one REST request (no redirects followed) and raise the typed error for a failed one;
        (the response, its failure record: a 2xx body is never kept there). `etag`: asked with
        If-None-Match, GitHub's 304 comes back. `empty_ok`: an empty 2xx body comes back too. `free`:
        GET /rate_limit, which no limit counts (a request made, not a REST request spent)."""
        headers = {**self._headers(token), "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": REST_API_VERSION}
        if etag:
            headers["If-None-Match"] = etag
        self._last_response = None
        self.requests_made += 1
        self.rest_requests += 0 if free else 1
        try:
            response = self._session.request(method, target, params=params, json=payload, headers=headers,
                                             timeout=self._timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise GitHubServerError(_connection_failed(target, exc), failure=self._failure("rest", method, target, None)) from None
        self._last_response = response
        self._note_budget(reserve.CORE, reserve.from_headers(response.headers))
        failure = self._failure("rest", method, target, None)
        if etag and response.status_code == 304:
            return response, failure
        if 200 <= response.status_code < 300:  # an answer's body may hold alert data (a leaked secret): never kept
            failure = replace(failure, body="")
            if empty_ok and not response.text.strip():
                return response, failure
        raise_for_http_status(response.status_code, response.headers, response.text, failure, now=self._now)
        return response, failure
