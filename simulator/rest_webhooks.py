"""Webhook deliveries over REST, as GitHub serves them to a redelivery sweep:

- GET  /orgs/{org}/hooks/{hook_id}/deliveries (token: classic `admin:org_hook`, or the
  "Webhooks" organization permission) and GET /app/hook/deliveries (the App's JWT): newest
  first, `per_page` at most 100, paged by an opaque `cursor` carried in the link header's
  rel="next" (no page numbers, no rel="last", as on GitHub);
- POST .../deliveries/{delivery_id}/attempts: 202 `{}`, and the delivery is sent again (the
  simulator's redeliver callable records the new attempt in the DeliveryLog).

An unknown org hook answers 404, and so does an attempt on a delivery id that is not this
hook's. Without the permission (WebhooksApi.set_access) an org hook's paths answer 403 naming
it in X-Accepted-GitHub-Permissions / X-Accepted-OAuth-Scopes. Auth, rate limits, faults and
recording happen in GitHubSimulator; this module answers (status, payload, extra headers) and
says what a POST does once GitHub has accepted (and charged) it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

from simulator.responses import message_body
from simulator.rest_api import RestAnswer, not_found, per_page_param
from simulator.webhook_deliveries import DeliveryLog

ORG_HOOK_PATH = re.compile(r"^/orgs/([^/]+)/hooks/([^/]+)/deliveries(?:/([^/]+)/attempts)?/?$")
APP_HOOK_PATH = re.compile(r"^/app/hook/deliveries(?:/([^/]+)/attempts)?/?$")
DEFAULT_APP_HOOK_ID = "4200001"  # the App's webhook id (X-GitHub-Hook-ID of its deliveries)
CURSOR_PREFIX = "v1_"
_REST = "https://docs.github.com/rest"
LIST_DOCS = f"{_REST}/orgs/webhooks#list-deliveries-for-an-organization-webhook"
APP_LIST_DOCS = f"{_REST}/apps/webhooks#list-deliveries-for-an-app-webhook"
REDELIVER_DOCS = f"{_REST}/orgs/webhooks#redeliver-a-delivery-for-an-organization-webhook"
APP_REDELIVER_DOCS = f"{_REST}/apps/webhooks#redeliver-a-delivery-for-an-app-webhook"
ORG_HOOK_SCOPE = "admin:org_hook"
NO_ACCESS_TOKEN = "Resource not accessible by personal access token"
NO_ACCESS_INTEGRATION = "Resource not accessible by integration"

Redeliver = Callable[[int], None]


@dataclass(frozen=True)
class WebhookRoute:
    """A request on a deliveries path: whose hook, and which delivery a POST redelivers."""

    method: str
    app: bool  # the App's hook (JWT), else an org hook
    org: str | None
    hook_id: str | None  # None for the App's hook until resolved (WebhooksApi.app_hook_id)
    delivery_id: str | None  # set on .../deliveries/{id}/attempts

    @property
    def attempts(self) -> bool:
        return self.delivery_id is not None


def route_of(method: str, path: str) -> WebhookRoute | None:
    """The route of a deliveries path (GET on the list, POST on attempts), None for any other."""
    org = ORG_HOOK_PATH.match(path)
    app = None if org else APP_HOOK_PATH.match(path)
    if org is None and app is None:
        return None
    delivery_id = org[3] if org else app[1]  # type: ignore[index]
    if method not in (("POST",) if delivery_id is not None else ("GET", "HEAD")):
        return None  # e.g. POST on the list: 404 like any path that does not exist
    if org is not None:
        return WebhookRoute(method, False, org[1], org[2], delivery_id)
    return WebhookRoute(method, True, None, None, delivery_id)


class WebhooksApi:
    """The hooks that exist (org, hook id) and the App's hook, over one DeliveryLog."""

    def __init__(self, log: DeliveryLog, app_hook_id: str = DEFAULT_APP_HOOK_ID):
        self.log = log
        self.app_hook_id = app_hook_id
        self._lock = threading.Lock()
        self._hooks: dict[str, str] = {}  # hook id -> org (lower case)
        self._forbidden: set[str] = set()  # orgs whose hooks the credential may not manage
        self._redeliver: Redeliver | None = None

    def add_hook(self, org: str, hook_id: int | str) -> None:
        with self._lock:
            self._hooks[str(hook_id)] = org.lower()

    def remove_hook(self, hook_id: int | str) -> None:
        """A hook deleted in GitHub: its paths answer 404 from now on."""
        with self._lock:
            self._hooks.pop(str(hook_id), None)

    def set_access(self, org: str, allowed: bool) -> None:
        with self._lock:
            (self._forbidden.discard if allowed else self._forbidden.add)(org.lower())

    def set_redeliver(self, redeliver: Redeliver | None) -> None:
        with self._lock:
            self._redeliver = redeliver

    def _org_hook_known(self, org: str, hook_id: str) -> bool:
        with self._lock:
            return self._hooks.get(hook_id) == org.lower()

    def _allowed(self, org: str) -> bool:
        with self._lock:
            return org.lower() not in self._forbidden

    def answer(self, route: WebhookRoute, query: dict[str, list[str]], base: str,
               installation: bool) -> tuple[RestAnswer, Callable[[], None] | None]:
        """The answer, and what to do once GitHub accepted the request (a POST's redelivery)."""
        if route.app:
            hook_id = self.app_hook_id
        else:
            assert route.org is not None and route.hook_id is not None
            if not self._org_hook_known(route.org, route.hook_id):
                return not_found(), None
            if not self._allowed(route.org):
                return self._forbidden_answer(route, installation), None
            hook_id = route.hook_id
        if route.attempts:
            return self._attempt(hook_id, route.delivery_id or "")
        return self._list(hook_id, query, f"{base}{self._path(route)}"), None

    @staticmethod
    def _path(route: WebhookRoute) -> str:
        return "/app/hook/deliveries" if route.app else f"/orgs/{route.org}/hooks/{route.hook_id}/deliveries"

    @staticmethod
    def _forbidden_answer(route: WebhookRoute, installation: bool) -> RestAnswer:
        permission = "organization_hooks=write" if route.attempts else "organization_hooks=read"
        docs = REDELIVER_DOCS if route.attempts else LIST_DOCS
        message = NO_ACCESS_INTEGRATION if installation else NO_ACCESS_TOKEN
        return 403, message_body(message, docs, 403), {"x-accepted-github-permissions": permission,
                                                       "x-accepted-oauth-scopes": ORG_HOOK_SCOPE}

    def _list(self, hook_id: str, query: dict[str, list[str]], page_url: str) -> RestAnswer:
        newest_first = sorted(self.log.attempts(hook_id), key=lambda a: a.id, reverse=True)
        cursor = query.get("cursor", [""])[0]
        if cursor:
            before = _cursor_id(cursor)
            if before is None:
                return 422, message_body("Invalid cursor", LIST_DOCS, 422), {}
            newest_first = [a for a in newest_first if a.id < before]
        per_page = per_page_param(query)
        page = newest_first[:per_page]
        extra: dict[str, str] = {}
        if len(newest_first) > per_page:
            kept = [(k, v) for k, values in query.items() if k not in ("cursor", "per_page") for v in values]
            next_url = f"{page_url}?{urlencode(kept + [('per_page', per_page), ('cursor', f'{CURSOR_PREFIX}{page[-1].id}')])}"
            extra["link"] = f'<{next_url}>; rel="next"'
        return (200, [a.as_json() for a in page], extra)

    def _attempt(self, hook_id: str, delivery_id: str) -> tuple[RestAnswer, Callable[[], None] | None]:
        attempt = self.log.get(int(delivery_id)) if delivery_id.isdigit() else None
        if attempt is None or attempt.hook_id != hook_id:
            return not_found(), None
        with self._lock:
            redeliver = self._redeliver

        def send() -> None:
            if redeliver is not None:
                redeliver(attempt.id)

        return (202, {}, {}), send


def _cursor_id(cursor: str) -> int | None:
    digits = cursor[len(CURSOR_PREFIX):] if cursor.startswith(CURSOR_PREFIX) else ""
    return int(digits) if digits.isdigit() else None


def app_docs(route: WebhookRoute) -> str:
    return APP_REDELIVER_DOCS if route.attempts else APP_LIST_DOCS
