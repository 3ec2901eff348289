"""GitHubSimulator: the dataset, both APIs, rate limits, faults and the request log, served
over HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qs

from simulator import graphql_api
from simulator.auth import INSTALLATION_PERMISSIONS, JWTRejected, TokenStore, credential, installation_budget
from simulator.dataset import Dataset, SimRepo, iso
from simulator.faults import ALIAS_KINDS, Fault, FaultSet
from simulator.rate_limits import CORE, GRAPHQL, ConcurrencyGate, RateLimiter, RateSnapshot
from simulator.records import RequestLog, RequestRecord
from simulator.responses import (
    BAD_CREDENTIALS,
    GRAPHQL_DOCS,
    PRIMARY_GRAPHQL_MESSAGE,
    RATE_LIMIT_DOCS,
    REST_DOCS,
    SECONDARY_DOCS,
    UNICORN_PAGE,
    Response,
    message_body,
    primary_rest_message,
    secondary_message,
    server_failure_message,
)
from simulator.access import AccessIndex, OrgAccess
from simulator.rest_access import AccessApi, AccessSettings
from simulator.traffic import TrafficApi
from simulator.rest_alerts import ALERTS_PATH, AlertsApi, AlertSettings
from simulator.rest_api import RestApi, repo_of_path
from simulator.rest_webhooks import WebhooksApi, app_docs, route_of
from simulator.webhook_deliveries import DeliveryLog
from simulator.schema import github_schema
from simulator.server import SimulatorHTTPServer, serve

log = logging.getLogger(__name__)

DEFAULT_TOKENS = ("ghs_simtoken",)
DEFAULT_OAUTH_SCOPES = "repo, read:org, security_events"  # a classic token every collector can use
DEFAULT_SLOW_S = 2.0
SECONDARY_RETRY_AFTER_S = 60
_APP_TOKEN_PATH = re.compile(r"^/app/installations/(\d+)/access_tokens/?$")
_APP_INSTALLATION_PATH = re.compile(r"^/(orgs|users)/([^/]+)/installation/?$")


@dataclass(frozen=True)
class Latency:
    """Response delays: GraphQL base + per repository() field; REST rest_ms. Threads sleep in
    parallel: latency never serialises the server."""

    base_ms: float = 0
    per_repo_ms: float = 0
    rest_ms: float = 0


class _Note:
    """What the log records about one request, filled in while it is handled."""

    __slots__ = ("cost", "repos", "fault", "query", "installation")

    def __init__(self) -> None:
        self.installation: str | None = None  # the App installation whose token sent it
        self.cost = 0
        self.repos = 0
        self.fault: str | None = None
        self.query: str | None = None


class GitHubSimulator:
    def __init__(
        self,
        orgs: Mapping[str, int] | None = None,
        seed: int = 1,
        tokens: tuple[str, ...] | list[str] = DEFAULT_TOKENS,
        latency: Latency | None = None,
        graphql_points_per_hour: int = 5000,
        rest_requests_per_hour: int = 5000,
        max_concurrent: int = 100,
        *,
        apps: Mapping[str, str] | None = None,
        installations: Mapping[str, int | str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        viewer_login: str = "sim-user",
        oauth_scopes: str | None = DEFAULT_OAUTH_SCOPES,
        alert_access: Mapping[str, Iterable[str]] | None = None,
        alert_features: Mapping[str, Iterable[str]] | None = None,
        clock: Callable[[], float] = time.time,
        traffic_clock: Callable[[], float] | None = None,
    ):
        self.dataset = Dataset(orgs or {}, seed)
        self.latency = latency or Latency()
        self.viewer_login = viewer_login
        self.oauth_scopes = oauth_scopes  # X-OAuth-Scopes of a classic token; None: no header
        self.host = host
        self.port = port
        self._clock = clock
        self._tokens = TokenStore(tuple(tokens), apps, clock)
        # owner -> the App's installation on it (owners of one installation share its id). None:
        # any installation id buys a token that sees everything (a fixed installation_id's tests)
        self._installations: dict[str, str] | None = (
            None if installations is None else {owner.lower(): str(i) for owner, i in installations.items()})
        self._limiter = RateLimiter({GRAPHQL: graphql_points_per_hour, CORE: rest_requests_per_hour}, clock)
        self._gate = ConcurrencyGate(max_concurrent)
        self._faults = FaultSet()
        self._log = RequestLog()
        self._resolvers = graphql_api.GraphQLResolvers(self.dataset)
        self._rest = RestApi(self.dataset, viewer_login)
        self._alert_settings = AlertSettings(alert_access, alert_features)
        self._alerts = AlertsApi(self.dataset, self._alert_settings)
        self._access_index = AccessIndex(seed, self.dataset.repos, lambda org: self.dataset.owner(org).database_id)
        self._access_settings = AccessSettings()
        self._access = AccessApi(self.dataset, self._access_index, self._access_settings)
        # traffic moves with `traffic_clock`; without one it stands at the simulator's start (a
        # run and its truth see the same "today", however long a test takes)
        started = clock()
        self._traffic_clock = traffic_clock or (lambda: started)
        self._traffic = TrafficApi(self.dataset, self._access_settings.push, self._traffic_clock)
        self._webhooks = WebhooksApi(DeliveryLog())
        self._counter_lock = threading.Lock()
        self._seq = self._graphql_count = self._rest_count = 0
        self._server: SimulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "GitHubSimulator":
        """Bind 127.0.0.1 (a free port unless port= was given) and serve in daemon threads."""
        if self._server is None:
            github_schema()  # build the schema now, not in the first request
            self._server, self._thread = serve(self, self.host, self.port)
            self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> "GitHubSimulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The REST root, like https://api.github.com."""
        return f"http://{self.host}:{self.port}"

    @property
    def graphql_url(self) -> str:
        return self.url + "/graphql"

    @property
    def enterprise_url(self) -> str:
        """The REST root as GitHub Enterprise Server spells it (GraphQL then at /api/graphql)."""
        return self.url + "/api/v3"

    # -- what happened -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        return self._log.all()

    def count(self, kind: str | None = None, status: int | None = None) -> int:
        return sum(1 for r in self._log.all()
                   if (kind is None or r.kind == kind) and (status is None or r.status == status))

    def points_used(self) -> int:
        return sum(r.cost for r in self._log.all())

    def reset_records(self) -> None:
        """Forget the log and restart the request numbering used by Fault(on_request=...)."""
        with self._counter_lock:
            self._log.clear()
            self._seq = self._graphql_count = self._rest_count = 0

    @property
    def peak_concurrency(self) -> int:
        return self._gate.peak

    # -- faults, budgets, tokens -------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return self._faults.faults

    def set_budget(self, token: str, remaining: int | None = None, reset_in: float | None = None, *,
                   resource: str = GRAPHQL, limit: int | None = None) -> RateSnapshot:
        """Put a token's budget where a test needs it (resource "graphql" or "core"/"rest")."""
        return self._limiter.set_budget(self._tokens.budget_key(token), CORE if resource == "rest" else resource,
                                        remaining=remaining, reset_in=reset_in, limit=limit)

    def rate_limit(self, token: str, resource: str = GRAPHQL) -> RateSnapshot:
        return self._limiter.snapshot(self._tokens.budget_key(token), CORE if resource == "rest" else resource)

    def installation_rate_limit(self, installation_id: int | str, resource: str = GRAPHQL) -> RateSnapshot:
        """An App installation's budget (every token issued to it spends it, as on GitHub)."""
        return self._limiter.snapshot(installation_budget(installation_id), CORE if resource == "rest" else resource)

    def set_installation(self, owner: str, installation_id: int | str | None) -> None:
        """Install the App on `owner` under `installation_id` (None: uninstall it)."""
        if self._installations is None:
            self._installations = {}
        if installation_id is None:
            self._installations.pop(owner.lower(), None)
        else:
            self._installations[owner.lower()] = str(installation_id)

    def _visible_owners(self, token: str) -> frozenset[str] | None:
        """The owners an installation token may see: its installation's (None: no limit)."""
        installation = self._tokens.installation_of(token)
        if installation is None or self._installations is None:
            return None
        return frozenset(owner for owner, i in self._installations.items() if i == installation)

    def add_token(self, token: str) -> None:
        self._tokens.add(token)

    def revoke_token(self, token: str) -> None:
        self._tokens.revoke(token)

    # -- the data ----------------------------------------------------------------------------

    def add_repo(self, owner: str, name: str, **fields: Any) -> SimRepo:
        return self.dataset.add(owner, name, **fields)

    def delete_repo(self, key: str) -> SimRepo:
        return self.dataset.delete(key)

    def rename_repo(self, key: str, new_name: str) -> SimRepo:
        return self.dataset.rename(key, new_name)

    def update_repo(self, key: str, **fields: Any) -> SimRepo:
        return self.dataset.update(key, **fields)

    # -- security alerts (GET /orgs/{org}/{dependabot,secret-scanning,code-scanning}/alerts) ---

    def set_alert_access(self, org: str, kinds: Iterable[str]) -> None:
        """The alert kinds ("dependabot", "secret_scanning", "code_scanning") the token may
        read in `org`; the others answer 403 with X-Accepted-GitHub-Permissions."""
        self._alert_settings.set_access(org, kinds)

    def set_alert_features(self, org: str, kinds: Iterable[str]) -> None:
        """The alert kinds turned on in `org`; the others answer as GitHub does for a
        feature that is off (403 or 404, see simulator/rest_alerts.py)."""
        self._alert_settings.set_features(org, kinds)

    # -- access (members, outside collaborators, teams, repository collaborators) ---------------

    def access(self, org: str) -> OrgAccess:
        """The truth about who may do what in `org` (simulator/access.py)."""
        return self._access_index.of(org)

    def change_access(self, org: str, **changes: Any) -> OrgAccess:
        """Replace fields of `org`'s OrgAccess (e.g. members=..., teams=...): a later run sees the change."""
        return self._access_index.replace(org, **changes)

    def set_members_readable(self, org: str, readable: bool) -> None:
        """Without Members read, `org`'s member, outside-collaborator and team lists answer 403."""
        self._access_settings.set_readable(org, readable)

    def set_org_owner(self, org: str, owner: bool) -> None:
        """Whether the token is an owner's in `org`: else members?filter=2fa_disabled answers 422."""
        self._access_settings.set_owner(org, owner)

    def traffic_now(self) -> float:
        """The moment the traffic endpoints answer for (their 14 days end on its day)."""
        return self._traffic_clock()

    def push_access(self, repo: str) -> bool:
        return self._access_settings.push(repo)

    def set_push_access(self, repo: str, push: bool) -> None:
        """Without push access, /repos/{repo}/collaborators answers 403."""
        self._access_settings.set_push(repo, push)

    # -- webhook deliveries (GET .../deliveries, POST .../deliveries/{id}/attempts) -------------

    @property
    def webhook_log(self) -> DeliveryLog:
        """Every delivery attempt, as GitHub's Recent Deliveries lists them."""
        return self._webhooks.log

    @property
    def app_hook_id(self) -> str:
        """The App's webhook id: its deliveries are recorded under it."""
        return self._webhooks.app_hook_id

    def add_webhook(self, org: str, hook_id: int | str) -> None:
        """An org webhook: its deliveries are those of `webhook_log` recorded under `hook_id`."""
        self._webhooks.add_hook(org, hook_id)

    def remove_webhook(self, hook_id: int | str) -> None:
        self._webhooks.remove_hook(hook_id)

    def set_webhook_access(self, org: str, allowed: bool) -> None:
        """Without the Webhooks permission (`admin:org_hook`), `org`'s hook paths answer 403."""
        self._webhooks.set_access(org, allowed)

    def set_webhook_redeliver(self, redeliver: Callable[[int], None] | None) -> None:
        """What a 202 to POST .../attempts does: redeliver(attempt id) sends it again and records
        the new attempt (simulator/webhook_sender.py); None: nothing is sent."""
        self._webhooks.set_redeliver(redeliver)

    # -- requests ----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one HTTP request (called by the server's threads)."""
        started = time.monotonic()
        path, _, query_string = target.partition("?")
        prefix = ""
        if path.rstrip("/") == "/api/graphql":  # GitHub Enterprise Server's spelling
            path = "/graphql"
        elif path == "/api/v3" or path.startswith("/api/v3/"):
            prefix, path = "/api/v3", path[len("/api/v3"):] or "/"
        kind = "graphql" if path.rstrip("/") == "/graphql" else "rest"
        with self._counter_lock:
            self._seq += 1
            seq = self._seq
            if kind == "graphql":
                self._graphql_count += 1
                number = self._graphql_count
            else:
                self._rest_count += 1
                number = self._rest_count
        request_id = self._request_id(seq)
        note = _Note()
        if not self._gate.enter():
            note.fault = "secondary_concurrency"
            response = self._secondary_response(403, request_id, SECONDARY_RETRY_AFTER_S, kind)
        else:
            try:
                if kind == "graphql":
                    response = self._graphql(method, headers, body, number, seq, request_id, note)
                else:
                    response = self._rest_request(method, path, query_string, headers, number, seq,
                                                  request_id, note, prefix)
            except Exception:  # a simulator bug must not look like a hung GitHub
                log.exception("simulator failed on %s %s", method, target)
                response = Response.json(500, message_body("Server Error", REST_DOCS))
            finally:
                self._gate.leave()
        response.headers.setdefault("x-github-request-id", request_id)
        self._log.add(RequestRecord(kind, method, path, response.status, note.cost, note.repos, note.fault,
                                    time.monotonic() - started, seq, note.query, note.installation))
        return response

    def _request_id(self, seq: int) -> str:
        digest = hashlib.sha1(f"{self.port}:{seq}".encode()).hexdigest().upper()
        return f"{digest[:4]}:{digest[4:8]}:{digest[8:14]}:{digest[14:20]}:{int(self._clock()):08X}"

    @staticmethod
    def _sleep_ms(milliseconds: float) -> None:
        if milliseconds > 0:
            time.sleep(milliseconds / 1000)

    def _common_headers(self, snapshot: RateSnapshot | None) -> dict[str, str]:
        headers = {
            "x-accepted-oauth-scopes": "repo",
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
        }
        if self.oauth_scopes is not None:  # fine-grained and App tokens send no X-OAuth-Scopes
            headers["x-oauth-scopes"] = self.oauth_scopes
        if snapshot is not None:
            headers.update(snapshot.headers())
        return headers

    def _unauthorized(self, docs: str) -> Response:
        return Response.json(401, {"message": BAD_CREDENTIALS, "documentation_url": docs})

    def _secondary_response(self, status: int, request_id: str, retry_after: int | None, kind: str,
                            snapshot: RateSnapshot | None = None) -> Response:
        headers = self._common_headers(snapshot)
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        return Response.json(status, message_body(secondary_message(request_id), SECONDARY_DOCS), headers)

    def _early_fault(self, fault: Fault | None, token: str, kind: str, request_id: str) -> Response | None:
        """The response of a fault that answers before any work (None: carry on)."""
        if fault is None:
            return None
        resource = GRAPHQL if kind == "graphql" else CORE
        snapshot = self._limiter.snapshot(token, resource)
        name = fault.kind
        if name == "rate_limited" and kind == "graphql":
            return Response.json(200, {"errors": [{"type": "RATE_LIMITED", "message": PRIMARY_GRAPHQL_MESSAGE}]},
                                 self._common_headers(snapshot.exhausted()))
        if name == "rate_limit_new":
            # GitHub's newer shape; the headers are the real ones (remaining may be > 0).
            return Response.json(200, {"errors": [{"type": "RATE_LIMIT", "code": "graphql_rate_limit",
                                                   "message": PRIMARY_GRAPHQL_MESSAGE}]},
                                 self._common_headers(snapshot))
        if name in ("primary_rest", "rate_limited"):
            body = message_body(primary_rest_message(request_id, iso(self._clock()) or ""), RATE_LIMIT_DOCS)
            return Response.json(403, body, self._common_headers(snapshot.exhausted()))
        if name in ("secondary_403", "secondary_429"):
            return self._secondary_response(int(name[-3:]), request_id,
                                            fault.retry_after if fault.retry_after is not None else SECONDARY_RETRY_AFTER_S,
                                            kind, snapshot)
        if name == "secondary_graphql":
            headers = self._common_headers(snapshot)
            if fault.retry_after is not None:
                headers["retry-after"] = str(fault.retry_after)
            return Response.json(200, {"errors": [{"message": secondary_message(request_id)}]}, headers)
        if name == "unauthorized":
            return self._unauthorized(GRAPHQL_DOCS if kind == "graphql" else REST_DOCS)
        if name == "drop_connection":
            return Response.dropped()
        if name == "slow":
            time.sleep(fault.delay_s if fault.delay_s is not None else DEFAULT_SLOW_S)
        return None

    @staticmethod
    def _bad_gateway(fault: Fault, request_id: str) -> Response:
        if fault.kind == "bad_gateway_html":
            return Response.html(502, UNICORN_PAGE)
        return Response.json(502, {"data": None, "errors": [{"message": server_failure_message(request_id)}]})

    # -- GraphQL -----------------------------------------------------------------------------

    def _graphql(self, method: str, headers: dict[str, str], body: bytes, number: int, seq: int,
                 request_id: str, note: _Note) -> Response:
        if method != "POST":
            return Response.json(404, message_body("Not Found", GRAPHQL_DOCS))
        auth = credential(headers.get("authorization"))
        if auth is None or not self._tokens.valid(auth[1]):
            return self._unauthorized(GRAPHQL_DOCS)
        visible = self._visible_owners(auth[1])
        note.installation = self._tokens.installation_of(auth[1])
        token = self._tokens.budget_key(auth[1])  # an installation's tokens share its budget
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return Response.json(400, message_body("Problems parsing JSON", GRAPHQL_DOCS))
        query = payload.get("query") if isinstance(payload, dict) else None
        if not isinstance(query, str):
            return Response.json(200, {"errors": [{"message": "A query attribute must be specified and must be a string."}]},
                                 self._common_headers(self._limiter.snapshot(token, GRAPHQL)))
        note.query = query
        variables = payload.get("variables") or {}
        if isinstance(variables, str):
            try:
                variables = json.loads(variables) or {}
            except ValueError:
                variables = None
        if not isinstance(variables, dict):
            return Response.json(200, {"errors": [{"message": "Variables are invalid JSON."}]},
                                 self._common_headers(self._limiter.snapshot(token, GRAPHQL)))
        operation_name = payload.get("operationName") or None

        prepared = graphql_api.prepare(query)
        analysis = graphql_api.analyze_prepared(prepared, variables, operation_name) if prepared.document else None
        targets = analysis.repo_targets if analysis else []
        note.repos = len(targets)
        repo_keys = {t.key.lower() for t in targets if t.owner and t.name}
        fault = self._faults.pick("graphql", number, seq, repo_keys, alias_possible=bool(targets))
        note.fault = fault.kind if fault else None
        self._sleep_ms(self.latency.base_ms + self.latency.per_repo_ms * len(targets))

        early = self._early_fault(fault, token, "graphql", request_id)
        if early is not None:
            return early
        if analysis is None:
            return Response.json(200, {"errors": prepared.errors},
                                 self._common_headers(self._limiter.snapshot(token, GRAPHQL)))
        if analysis.operation is None:
            message = (f"No operation named \"{operation_name}\"" if operation_name
                       else "An operation name is required")
            return Response.json(200, {"errors": [{"message": message}]},
                                 self._common_headers(self._limiter.snapshot(token, GRAPHQL)))
        if analysis.errors:
            return Response.json(200, {"data": None, "errors": analysis.errors},
                                 self._common_headers(self._limiter.snapshot(token, GRAPHQL)))

        cost = analysis.cost
        if analysis.dry_run:
            snapshot = self._limiter.snapshot(token, GRAPHQL)
        else:
            paid, snapshot = self._limiter.charge(token, GRAPHQL, cost)
            if not paid:
                return Response.json(200, {"errors": [{"type": "RATE_LIMITED", "message": PRIMARY_GRAPHQL_MESSAGE}]},
                                     self._common_headers(snapshot.exhausted()))
            note.cost = cost
        if fault is not None and fault.kind.startswith("bad_gateway"):
            return self._bad_gateway(fault, request_id)  # charged: timeouts count against the limit

        faulted: dict[str, str] = {}
        if fault is not None and fault.kind in ALIAS_KINDS:
            chosen = [t for t in targets if fault.repo is None or t.key.lower() == fault.repo.lower()]
            for target in chosen if fault.repo is not None else chosen[:1]:
                faulted[target.alias] = fault.kind
        context = graphql_api.ExecutionContext(
            rate_limit={"cost": cost, "limit": snapshot.limit, "nodeCount": analysis.node_count,
                        "remaining": snapshot.remaining, "resetAt": snapshot.reset_at, "used": snapshot.used},
            viewer_login=self.viewer_login,
            faulted_aliases=faulted,
            visible_owners=visible,
        )
        result = graphql_api.execute_prepared(self._resolvers, prepared, variables, operation_name, context)
        response = Response.json(200, result, self._common_headers(snapshot))
        if fault is not None and fault.kind == "malformed_json":
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    # -- REST --------------------------------------------------------------------------------

    def _rest_request(self, method: str, path: str, query_string: str, headers: dict[str, str], number: int,
                      seq: int, request_id: str, note: _Note, prefix: str = "") -> Response:
        app_token = _APP_TOKEN_PATH.match(path)
        if app_token is not None and method == "POST":
            return self._app_token(headers, app_token[1])
        app_installation = _APP_INSTALLATION_PATH.match(path)
        if app_installation is not None and method == "GET":
            return self._app_installation(headers, app_installation[1], app_installation[2])
        webhook = route_of(method, path)
        if method not in ("GET", "HEAD") and webhook is None:
            return Response.json(404, message_body("Not Found", REST_DOCS, 404))
        auth = credential(headers.get("authorization"))
        if webhook is not None and webhook.app:  # the App's own endpoints: its JWT, its own budget
            if auth is None or auth[0] != "bearer":
                return Response.json(401, message_body("A JSON web token could not be decoded", app_docs(webhook), 401))
            installation = False
            try:
                token = "app:" + self._tokens.verify_app_jwt(auth[1])
            except JWTRejected as rejected:
                return Response.json(401, message_body(str(rejected), app_docs(webhook), 401))
        elif auth is None or not self._tokens.valid(auth[1]):
            return self._unauthorized(REST_DOCS)
        else:
            note.installation = self._tokens.installation_of(auth[1])
            installation = self._tokens.is_installation_token(auth[1])
            token = self._tokens.budget_key(auth[1])  # an installation's tokens share its budget
        repo_key = repo_of_path(path)
        parts = path.strip("/").split("/")
        owner = parts[1].lower() if len(parts) > 1 and parts[0] in ("orgs", "repos") else None
        fault = self._faults.pick("rest", number, seq, {repo_key.lower()} if repo_key else set(),
                                  owners={owner} if owner else set())
        note.fault = fault.kind if fault else None
        self._sleep_ms(self.latency.rest_ms)
        early = self._early_fault(fault, token, "rest", request_id)
        if early is not None:
            return early
        if path.rstrip("/") == "/rate_limit":  # free, as on GitHub
            return Response.json(200, self._rate_limit_body(token), self._common_headers(self._limiter.snapshot(token, CORE)))

        query = parse_qs(query_string, keep_blank_values=True)
        alerts = ALERTS_PATH.match(path)
        access = None if alerts is not None or webhook else self._access.get(path, query, self.url + prefix, installation)
        traffic = None if alerts is not None or access is not None or webhook else self._traffic.get(path, query)
        accepted = None  # what a webhook POST does once accepted and charged
        if webhook is not None:
            (status, payload, extra), accepted = self._webhooks.answer(webhook, query, self.url + prefix, installation)
        elif alerts is not None:
            status, payload, extra = self._alerts.get(alerts[1], alerts[2], query, path, self.url + prefix,
                                                      installation)
        elif access is not None:
            status, payload, extra = access
        elif traffic is not None:
            status, payload, extra = traffic
        else:
            status, payload, extra = self._rest.get(path, query, installation, base=self.url + prefix)
        if fault is not None and fault.kind == "not_found":
            status, payload, extra, accepted = 404, message_body("Not Found", REST_DOCS, 404), {}, None
        elif fault is not None and fault.kind == "forbidden":
            status, payload, extra, accepted = 403, message_body("Resource not accessible by integration", REST_DOCS, 403), {}, None
        body = json.dumps(payload, separators=(",", ":")).encode()
        etag = 'W/"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        if status == 200 and headers.get("if-none-match") == etag:
            # A conditional request that matches costs nothing.
            return Response(304, b"", {**self._common_headers(self._limiter.snapshot(token, CORE)), "etag": etag})
        paid, snapshot = self._limiter.charge(token, CORE, 1)
        if not paid:
            message = primary_rest_message(request_id, iso(self._clock()) or "")
            return Response.json(403, message_body(message, RATE_LIMIT_DOCS), self._common_headers(snapshot.exhausted()))
        if fault is not None and fault.kind.startswith("bad_gateway"):
            return self._bad_gateway(fault, request_id)
        if accepted is not None:
            accepted()
        response = Response.json(status, payload, {**self._common_headers(snapshot), **extra})
        if status == 200:
            response.headers["etag"] = etag
            response.headers["cache-control"] = "private, max-age=60, s-maxage=60"
        if fault is not None and fault.kind == "malformed_json":
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _rate_limit_body(self, token: str) -> dict[str, Any]:
        core = self._limiter.snapshot(token, CORE).as_rest()
        graphql = self._limiter.snapshot(token, GRAPHQL).as_rest()
        reset = core["reset"]
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": reset}
        return {"resources": {"core": core, "graphql": graphql, "search": search,
                              "code_search": {"limit": 10, "used": 0, "remaining": 10, "reset": reset}},
                "rate": core}

    def _app_jwt_refused(self, headers: dict[str, str]) -> tuple[str | None, Response | None]:
        """(the App id, None) for a valid App JWT, else (None, GitHub's 401)."""
        auth = credential(headers.get("authorization"))
        if auth is None or auth[0] != "bearer":
            return None, Response.json(401, message_body("A JSON web token could not be decoded", REST_DOCS, 401))
        try:
            return self._tokens.verify_app_jwt(auth[1]), None
        except JWTRejected as rejected:
            return None, Response.json(401, message_body(str(rejected), REST_DOCS, 401))

    def _app_token(self, headers: dict[str, str], installation_id: str) -> Response:
        _, refused = self._app_jwt_refused(headers)
        if refused is not None:
            return refused
        if self._installations is not None and installation_id not in self._installations.values():
            return Response.json(404, message_body("Not Found", REST_DOCS, 404))
        return Response.json(201, self._tokens.issue_installation_token(installation_id))

    def _app_installation(self, headers: dict[str, str], kind: str, login: str) -> Response:
        """GET /orgs/{org}/installation, GET /users/{user}/installation (the App's JWT): the
        App's installation on that account, 404 where it is not installed."""
        app_id, refused = self._app_jwt_refused(headers)
        if refused is not None:
            return refused
        owner = self.dataset.owner(login)
        installation = (self._installations or {}).get(login.lower())
        wanted = "Organization" if kind == "orgs" else "User"
        if owner is None or owner.type != wanted or installation is None:
            return Response.json(404, message_body("Not Found", REST_DOCS, 404))
        return Response.json(200, {
            "id": int(installation), "app_id": int(app_id or 0), "target_type": owner.type,
            "account": {"login": owner.login, "id": owner.database_id, "type": owner.type},
            "permissions": dict(INSTALLATION_PERMISSIONS), "repository_selection": "all",
            "access_tokens_url": f"{self.url}/app/installations/{installation}/access_tokens",
        })
