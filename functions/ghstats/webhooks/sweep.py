"""The redelivery sweep: ask GitHub to send again the deliveries that never reached us.

GitHub never redelivers by itself, and keeps deliveries for redelivery only a few days (3 on
github.com, 7 on GitHub Enterprise Server). A scheduled sweep lists each hook's recent
deliveries (newest first) and, per delivery GUID (one GUID per event; its redeliveries keep
it):

- any 2xx attempt: delivered; never redelivered, whatever later attempts did;
- only failed attempts, but our dedupe mark is DONE: we stored it and GitHub saw the answer
  fail (e.g. too late): "already_stored", not redelivered;
- only failed attempts and fewer than `max_redeliveries` redeliveries: redelivered once per
  sweep (GitHub's redelivery of the newest failed attempt);
- only failed attempts and `max_redeliveries` redeliveries already: "gave_up" (reported, so
  an operator can look at the endpoint);
- a GUID whose newest failed attempt is older than the window: GitHub would refuse; left alone.

One hook failing (a 403: the credential may not manage its webhooks; a 404: the hook is gone)
is that hook's error, and the other hooks are swept all the same. The GitHub calls are passed
in (`list_deliveries`, `redeliver`, `is_stored`), so the rules are tested without GitHub; the
GitHub side is GitHubDeliveries below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol

from ghstats import names as _names
from ghstats.github.errors import GitHubAuthError, GitHubError, GitHubNoAccess, GitHubRateLimited
from ghstats.webhooks import names

WINDOW_DAYS = 3  # github.com; GitHub Enterprise Server keeps 7
MAX_REDELIVERIES = 3
# Attempts this much older than the window are still read: the GUID of a delivery that succeeded
# just before the window began must be known as delivered when its failed redelivery is inside.
LOOKBACK_SLACK = timedelta(days=1)
PER_PAGE = 100
ORG_HOOK_GRANT = ("the classic scope `admin:org_hook`, or the GitHub App's organization permission "
                  "\"Webhooks\" (read & write)")
APP_HOOK_GRANT = "GitHub App credentials (app_id, private_key) in the secret: the App's hook is read with its JWT"


class BadHookSetting(Exception):
    """GHSTATS_WEBHOOK_HOOKS is not the JSON list of hooks the sweep expects (a deployment problem)."""


@dataclass(frozen=True)
class Hook:
    """An org webhook (org, hook_id) or the GitHub App's webhook (app=True; hook_id, if given, is
    the X-GitHub-Hook-ID its deliveries carry, needed for the dedupe check)."""

    org: str | None = None
    hook_id: str | None = None
    app: bool = False
    api_url: str | None = None  # None: the deployment's first GitHub API

    @property
    def name(self) -> str:
        return "app" if self.app else f"{self.org}/{self.hook_id}"

    @property
    def deliveries_path(self) -> str:
        return "/app/hook/deliveries" if self.app else f"/orgs/{self.org}/hooks/{self.hook_id}/deliveries"

    def attempts_path(self, delivery_id: int) -> str:
        return f"{self.deliveries_path}/{int(delivery_id)}/attempts"


def parse_hooks(raw: str | None) -> list[Hook]:
    """The hooks of GHSTATS_WEBHOOK_HOOKS: `[{"org": "acme", "hook_id": 123}, {"app": true}]`;
    unset or empty: nothing to sweep."""
    if raw is None or not raw.strip():
        return []
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, list):
        raise BadHookSetting(f"{names.ENV_WEBHOOK_HOOKS} must be a JSON list of hooks, e.g. "
                             '[{"org": "acme", "hook_id": 123}, {"app": true}]')
    hooks = []
    for entry in value:
        api_url = entry.get("api_url") if isinstance(entry, dict) else None
        if isinstance(entry, dict) and entry.get("app") is True:
            hook_id = entry.get("hook_id")
            hooks.append(Hook(hook_id=str(hook_id) if hook_id is not None else None, app=True, api_url=api_url))
        elif (isinstance(entry, dict) and isinstance(entry.get("org"), str) and entry["org"].strip()
              and str(entry.get("hook_id", "")).isdigit()):
            hooks.append(Hook(org=entry["org"].strip(), hook_id=str(entry["hook_id"]), api_url=api_url))
        else:
            raise BadHookSetting(f"{names.ENV_WEBHOOK_HOOKS}: {json.dumps(entry)[:200]} is neither "
                                 '{"org": "<login>", "hook_id": <digits>} nor {"app": true}')
    return hooks


@dataclass
class HookSweep:
    listed: int = 0  # attempts read
    failed_guids: int = 0  # GUIDs inside the window with failed attempts only
    redelivered: int = 0
    already_stored: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)
    redelivered_guids: list[str] = field(default_factory=list)
    gave_up_guids: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {"listed": self.listed, "failed_guids": self.failed_guids, "redelivered": self.redelivered,
                "already_stored": self.already_stored, "gave_up": self.gave_up, "errors": list(self.errors)}


@dataclass
class SweepResult:
    hooks: dict[str, HookSweep] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """SUCCEEDED (no hook had an error, or there was nothing to sweep), FAILED (every hook
        had one), else PARTIAL."""
        failing = sum(1 for h in self.hooks.values() if h.errors)
        if not failing:
            return _names.SUCCEEDED
        return _names.FAILED if failing == len(self.hooks) else _names.PARTIAL

    @property
    def redelivered_guids(self) -> list[str]:
        return [guid for h in self.hooks.values() for guid in h.redelivered_guids]

    @property
    def gave_up_guids(self) -> list[str]:
        return [guid for h in self.hooks.values() for guid in h.gave_up_guids]

    def counts(self) -> dict[str, dict[str, Any]]:
        return {name: h.counts() for name, h in self.hooks.items()}


ListDeliveries = Callable[[Hook], Iterable[Mapping[str, Any]]]
Redeliver = Callable[[Hook, int], None]
IsStored = Callable[[Hook, str], bool]


def _delivered_at(delivery: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(delivery["delivered_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def _ok(delivery: Mapping[str, Any]) -> bool:
    code = delivery.get("status_code")
    return isinstance(code, int) and 200 <= code < 300


def explain(hook: Hook, exc: GitHubError) -> str:
    """The error of one hook, saying what to do about it (never a credential: the messages of
    errors.py name statuses, GitHub's message and what to grant)."""
    grant = APP_HOOK_GRANT if hook.app else ORG_HOOK_GRANT
    if isinstance(exc, GitHubNoAccess) and exc.failure is not None and exc.failure.status == 404:
        return (f"{hook.name}: GitHub answered 404 ({exc.github_message or 'Not Found'}): the hook does not exist "
                f"(deleted?) or the credential cannot see it; check {names.ENV_WEBHOOK_HOOKS} and grant {grant}")
    if isinstance(exc, GitHubNoAccess):
        return f"{hook.name}: {exc}; the sweep needs {grant}"
    return f"{hook.name}: {type(exc).__name__}: {exc}"


def _stops_the_hook(exc: GitHubError) -> bool:
    """Errors every further request of this hook would meet too (no permission, no credential,
    rate limited): stop asking. Others (one delivery gone, one 5xx) stop that delivery only."""
    if isinstance(exc, GitHubNoAccess):
        return exc.failure is None or exc.failure.status != 404
    return isinstance(exc, (GitHubAuthError, GitHubRateLimited))


def sweep_hook(hook: Hook, *, list_deliveries: ListDeliveries, redeliver: Redeliver, is_stored: IsStored,
               now: datetime, window_days: float = WINDOW_DAYS, max_redeliveries: int = MAX_REDELIVERIES) -> HookSweep:
    result = HookSweep()
    window_start = now - timedelta(days=window_days)
    read_until = window_start - LOOKBACK_SLACK
    by_guid: dict[str, list[Mapping[str, Any]]] = {}
    try:
        for delivery in list_deliveries(hook):  # newest first: stop once past the window (and slack)
            at = _delivered_at(delivery)
            if at is not None and at < read_until:
                break
            result.listed += 1
            by_guid.setdefault(str(delivery.get("guid")), []).append(delivery)
    except GitHubError as exc:
        result.errors.append(explain(hook, exc))
        return result  # a half-read list could call a delivered GUID failed: redeliver nothing
    stopped = False  # GitHub refused a redelivery as it would refuse them all: count, ask no more
    for guid, attempts in by_guid.items():
        if any(_ok(a) for a in attempts):
            continue
        newest = max(attempts, key=lambda a: (_delivered_at(a) or window_start, int(a.get("id") or 0)))
        at = _delivered_at(newest)
        if at is None or at < window_start:
            continue
        result.failed_guids += 1
        if is_stored(hook, guid):
            result.already_stored += 1
            continue
        if sum(1 for a in attempts if a.get("redelivery")) >= max_redeliveries:
            result.gave_up += 1
            result.gave_up_guids.append(guid)
            continue
        if stopped:
            continue
        try:
            redeliver(hook, int(newest["id"]))
        except GitHubError as exc:
            result.errors.append(explain(hook, exc))
            stopped = _stops_the_hook(exc)
            continue
        result.redelivered += 1
        result.redelivered_guids.append(guid)
    return result


def sweep(hooks: Iterable[Hook], *, list_deliveries: ListDeliveries, redeliver: Redeliver, is_stored: IsStored,
          now: Callable[[], datetime], window_days: float = WINDOW_DAYS,
          max_redeliveries: int = MAX_REDELIVERIES) -> SweepResult:
    """Sweep every hook (see the module's docstring); one hook's failure is recorded as its error."""
    result = SweepResult()
    for hook in hooks:
        result.hooks[hook.name] = sweep_hook(hook, list_deliveries=list_deliveries, redeliver=redeliver,
                                             is_stored=is_stored, now=now(), window_days=window_days,
                                             max_redeliveries=max_redeliveries)
    return result


# -- GitHub's side ---------------------------------------------------------------------------


class RestClient(Protocol):
    def rest_page(self, path: str, params: dict[str, Any] | None = None, *, url: str | None = None) -> Any: ...

    def rest_post(self, path: str, json: Any = None) -> tuple[int, Any]: ...


class GitHubDeliveries:
    """list_deliveries and redeliver over GitHub's REST API; `client_for(hook)` is the client
    with the hook's credential (the App's JWT for the App's hook)."""

    def __init__(self, client_for: Callable[[Hook], RestClient]):
        self._client_for = client_for

    def list(self, hook: Hook) -> Iterator[Mapping[str, Any]]:
        """The hook's attempts, newest first, a page (100) at a time as the caller reads on."""
        client = self._client_for(hook)
        page = client.rest_page(hook.deliveries_path, {"per_page": PER_PAGE})
        yield from page.items
        while page.next_url:
            page = client.rest_page(hook.deliveries_path, url=page.next_url)
            yield from page.items

    def redeliver(self, hook: Hook, delivery_id: int) -> None:
        self._client_for(hook).rest_post(hook.attempts_path(delivery_id))
