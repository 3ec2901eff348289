"""GET /orgs/{org}/dependabot/alerts, /orgs/{org}/secret-scanning/alerts and
/orgs/{org}/code-scanning/alerts: who may read them, which orgs have them turned off, and
GitHub's two ways of paging them.

- Dependabot pages by cursor only (`after`/`before`); since 2025-10-14 a `page` parameter is a
  400 "Pagination using the `page` parameter is not supported.".
- Secret and code scanning page by `page` (links with page numbers) unless `after` or `before`
  is given, even empty (`after=` starts a cursor walk): then by cursor, as Dependabot.
- Cursor links carry rel="next" (`after=` the page's last alert) and rel="prev" (`before=` its
  first), never "last".
"""

from __future__ import annotations

import bisect
import re
import threading
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

from simulator.alert_catalog import ALERT_KINDS
from simulator.alert_json import RENDERERS
from simulator.alerts import check_kind
from simulator.connections import InvalidCursor, decode_cursor, encode_cursor
from simulator.dataset import Dataset
from simulator.responses import message_body
from simulator.rest_api import RestAnswer, not_found, paginate, per_page_param

ALERTS_PATH = re.compile(r"^/orgs/([^/]+)/(dependabot|secret-scanning|code-scanning)/alerts/?$")
KIND_OF_SEGMENT = {"dependabot": "dependabot", "secret-scanning": "secret_scanning",
                   "code-scanning": "code_scanning"}
DOCS = {
    "dependabot": "https://docs.github.com/rest/dependabot/alerts#list-dependabot-alerts-for-an-organization",
    "secret_scanning": ("https://docs.github.com/rest/secret-scanning/secret-scanning"
                        "#list-secret-scanning-alerts-for-an-organization"),
    "code_scanning": ("https://docs.github.com/rest/code-scanning/code-scanning"
                      "#list-code-scanning-alerts-for-an-organization"),
}
# The fine-grained permission each list needs, as X-Accepted-GitHub-Permissions names it.
PERMISSIONS = {"dependabot": "vulnerability_alerts=read", "secret_scanning": "secret_scanning_alerts=read",
               "code_scanning": "security_events=read"}
NO_ACCESS_TOKEN = "Resource not accessible by personal access token"
NO_ACCESS_INTEGRATION = "Resource not accessible by integration"
# What GitHub answers when the feature is off (its messages for a repository without it).
DISABLED = {
    "dependabot": (403, "Dependabot alerts are disabled for this repository."),
    "secret_scanning": (404, "Secret scanning is disabled on this repository."),
    "code_scanning": (403, "Advanced Security must be enabled for this repository to use code scanning."),
}
PAGE_NOT_SUPPORTED = "Pagination using the `page` parameter is not supported."


def _kinds(kinds: Iterable[str]) -> frozenset[str]:
    return frozenset(check_kind(kind) for kind in kinds)


class AlertSettings:
    """Per org: which alert kinds the token may read, and which features are turned on
    (both default to every kind)."""

    def __init__(self, access: Mapping[str, Iterable[str]] | None = None,
                 features: Mapping[str, Iterable[str]] | None = None):
        self._lock = threading.Lock()
        self._access = {org.lower(): _kinds(kinds) for org, kinds in (access or {}).items()}
        self._features = {org.lower(): _kinds(kinds) for org, kinds in (features or {}).items()}

    def set_access(self, org: str, kinds: Iterable[str]) -> None:
        with self._lock:
            self._access[org.lower()] = _kinds(kinds)

    def set_features(self, org: str, kinds: Iterable[str]) -> None:
        with self._lock:
            self._features[org.lower()] = _kinds(kinds)

    def can_read(self, org: str, kind: str) -> bool:
        with self._lock:
            return kind in self._access.get(org.lower(), ALERT_KINDS)

    def enabled(self, org: str, kind: str) -> bool:
        with self._lock:
            return kind in self._features.get(org.lower(), ALERT_KINDS)


def cursor_page(items: list[Any], keys: list[Any], query: dict[str, list[str]],
                page_url: str) -> tuple[list[Any], dict[str, str]]:
    """The page after `after` (or the one before `before`) and its rel="next"/"prev" links.

    Raises InvalidCursor for a cursor this simulator did not write.
    """
    per_page = per_page_param(query)
    after = query.get("after", [""])[0]
    before = query.get("before", [""])[0]
    lo = bisect.bisect_right(keys, decode_cursor(after, descending=True)) if after else 0
    hi = bisect.bisect_left(keys, decode_cursor(before, descending=True)) if before else len(keys)
    hi = max(lo, hi)
    start, end = (max(lo, hi - per_page), hi) if before and not after else (lo, min(hi, lo + per_page))
    kept = [(k, v) for k, values in query.items() if k not in ("page", "per_page", "after", "before")
            for v in values]

    def url(direction: str, key: Any) -> str:
        return f"{page_url}?{urlencode([('per_page', per_page), (direction, encode_cursor(key))] + kept)}"

    links = []
    if start < end and start > 0:
        links.append(f'<{url("before", keys[start])}>; rel="prev"')
    if start < end < len(keys):
        links.append(f'<{url("after", keys[end - 1])}>; rel="next"')
    return items[start:end], ({"link": ", ".join(links)} if links else {})


class AlertsApi:
    def __init__(self, dataset: Dataset, settings: AlertSettings):
        self.dataset = dataset
        self.settings = settings

    def get(self, login: str, segment: str, query: dict[str, list[str]], path: str, base: str,
            installation: bool) -> RestAnswer:
        kind = KIND_OF_SEGMENT[segment]
        org = self.dataset.org_login(login)
        if org is None:
            return not_found()
        docs = DOCS[kind]
        if not self.settings.can_read(org, kind):
            message = NO_ACCESS_INTEGRATION if installation else NO_ACCESS_TOKEN
            return 403, message_body(message, docs, 403), {"x-accepted-github-permissions": PERMISSIONS[kind]}
        if not self.settings.enabled(org, kind):
            status, message = DISABLED[kind]
            return status, message_body(message, docs, status), {}
        if kind == "dependabot" and "page" in query:
            return 400, message_body(PAGE_NOT_SUPPORTED, docs, 400), {}
        pairs, keys = self.dataset.alert_index.listing(org, kind)
        owner = self.dataset.owner(org)
        owner_id = owner.database_id if owner else 1
        try:
            if kind == "dependabot" or "after" in query or "before" in query:
                page, headers = cursor_page(pairs, keys, query, base + path)
            else:
                page, headers = paginate(pairs, query, base + path)
        except InvalidCursor as invalid:
            return 400, message_body(str(invalid), docs, 400), {}
        render = RENDERERS[kind]
        return 200, [render(repo, alert, base, owner_id) for repo, alert in page], headers
