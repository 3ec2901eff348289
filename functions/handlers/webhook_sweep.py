"""WebhookSweep (scheduled, hourly): roll the webhook datasets of the days that changed up
(ghstats.webhooks.rollup), then ask GitHub to redeliver the webhook deliveries that failed and
never succeeded (ghstats.webhooks.sweep), and record the sweep in the ledger like a run.

Environment: GHSTATS_BUCKET, GHSTATS_TABLE, GHSTATS_WEBHOOK_HOOKS (the hooks to sweep), and the
GitHub credential as for the collection (GHSTATS_SECRET_NAME: a PAT, or GitHub App credentials;
the App's own hook is read with the App's JWT; GHSTATS_GITHUB_API_URLS: where it may be sent).
Neither a token, a JWT nor the secret is ever logged.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

import boto3
import requests

from ghstats import limits
from ghstats.names import FAILED
from ghstats.github.client import GitHubClient
from ghstats.github.credentials import SecretFetcher, app_jwt_provider, token_provider
from ghstats.github.endpoints import Endpoints
from ghstats.github.hosts import allowed_api_url, allowed_api_urls
from ghstats.ledger import Ledger
from ghstats.storage import ObjectStore, S3ObjectStore
from ghstats.webhooks import names
from ghstats.webhooks.dedupe import Dedupe, DynamoDedupe
from ghstats.webhooks.rollup import roll_up
from ghstats.webhooks.store import StateStore
from ghstats.webhooks.sweep import MAX_REDELIVERIES, WINDOW_DAYS, GitHubDeliveries, Hook, SweepResult, parse_hooks, sweep
from handlers.dependencies import require
from handlers.observability import logged_invocation, logger, tracer

GHES_WINDOW_DAYS = 7  # GitHub Enterprise Server keeps deliveries for redelivery a week


@dataclass
class SweepDependencies:
    hooks: list[Hook]
    ledger: Ledger
    dedupe: Dedupe
    deliveries: GitHubDeliveries
    store: ObjectStore  # the bucket: the rollup that follows the sweep writes its datasets there
    table: Any  # the ledger table: the rollup reads the derived state there
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    window_days: float = WINDOW_DAYS
    max_redeliveries: int = MAX_REDELIVERIES


def build_dependencies(environ: Mapping[str, str], *, s3: Any = None, dynamodb: Any = None,
                       session: requests.Session | None = None, fetch_secret: SecretFetcher | None = None,
                       timeout: tuple[float, float] = (limits.HTTP_CONNECT_TIMEOUT_S, limits.HTTP_READ_TIMEOUT_S),
                       ) -> SweepDependencies:
    """Everything the sweep (and the rollup after it) needs, from the Lambda's environment."""
    bucket = require(environ, names.ENV_BUCKET)
    table = (dynamodb or boto3.resource("dynamodb")).Table(require(environ, names.ENV_TABLE))
    hooks = parse_hooks(environ.get(names.ENV_WEBHOOK_HOOKS))
    allowed = allowed_api_urls(environ)
    session = session or requests.Session()
    clients: dict[tuple[str, bool], GitHubClient] = {}

    def client_for(hook: Hook) -> GitHubClient:
        # the deployment's own spelling of an allowed API, before any credential is read
        base = allowed_api_url(hook.api_url or allowed[0], allowed)
        if (base, hook.app) not in clients:
            endpoints = Endpoints.from_api_url(base)
            tokens = (app_jwt_provider(environ, fetch_secret) if hook.app
                      else token_provider(environ, endpoints, session, fetch_secret))
            clients[(base, hook.app)] = GitHubClient(endpoints, tokens, session=session, timeout=timeout)
        return clients[(base, hook.app)]

    enterprise = all(Endpoints.from_api_url(allowed_api_url(h.api_url or allowed[0], allowed)).rest_url.endswith("/api/v3")
                     for h in hooks) if hooks else False
    return SweepDependencies(
        hooks=hooks,
        ledger=Ledger(table),
        dedupe=DynamoDedupe(table),
        deliveries=GitHubDeliveries(client_for),
        store=S3ObjectStore(s3 or boto3.client("s3"), bucket),
        table=table,
        window_days=GHES_WINDOW_DAYS if enterprise else WINDOW_DAYS,
    )


_cached: SweepDependencies | None = None


def from_environment() -> SweepDependencies:
    global _cached
    if _cached is None:
        _cached = build_dependencies(os.environ)
    return _cached


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_sweep(deps: SweepDependencies, sweep_id: str) -> SweepResult:
    """One sweep over every configured hook, recorded in the ledger (RUNNING, then its status)."""
    started_at = _iso(deps.now())
    deps.ledger.sweep_started(sweep_id, started_at)

    def is_stored(hook: Hook, guid: str) -> bool:
        # the App's hook without a configured hook_id: its marks cannot be named, GitHub's view decides
        return hook.hook_id is not None and deps.dedupe.is_done(hook.hook_id, guid)

    try:
        result = sweep(deps.hooks, list_deliveries=deps.deliveries.list, redeliver=deps.deliveries.redeliver,
                       is_stored=is_stored, now=deps.now, window_days=deps.window_days,
                       max_redeliveries=deps.max_redeliveries)
    except Exception as exc:  # e.g. no credential at all: the ledger says FAILED and why, never RUNNING
        deps.ledger.record_sweep(sweep_id, started_at, FAILED, {}, [], error=f"{type(exc).__name__}: {exc}")
        raise
    deps.ledger.record_sweep(sweep_id, started_at, result.status, result.counts(), result.redelivered_guids,
                             result.gave_up_guids)
    return result


def summary(sweep_id: str, result: SweepResult) -> dict[str, Any]:
    counts = result.counts()
    totals = {name: sum(c[name] for c in counts.values())
              for name in ("listed", "failed_guids", "redelivered", "already_stored", "gave_up")}
    return {"sweep_id": sweep_id, "status": result.status, "hooks": len(counts), **totals,
            "errors": [error for c in counts.values() for error in c["errors"]]}


def sweep_id_of(event: Any) -> str:
    """The scheduler's event id (a retried invocation records the same sweep again), else a new id."""
    event_id = event.get("id") if isinstance(event, dict) else None
    return str(event_id) if event_id else uuid.uuid4().hex


@logged_invocation(None)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any, deps: SweepDependencies | None = None) -> dict[str, Any]:
    deps = deps or from_environment()
    sweep_id = sweep_id_of(event)
    # The rollup first: it needs only AWS, so a GitHub that cannot be swept delays no dataset; a
    # rollup that fails is raised after the sweep ran (its marks stay: the next hour retries it).
    rollup_error: Exception | None = None
    try:
        rolled = roll_up(StateStore(deps.table), deps.store)
    except Exception as exc:  # noqa: BLE001 - raised below, after the sweep
        rollup_error, rolled = exc, None
        logger.error("webhook rollup failed; the next run retries it", extra={"error": type(exc).__name__})
    result = run_sweep(deps, sweep_id)
    answer = summary(sweep_id, result)
    if rolled is not None:
        answer["rollup"] = {"days": len(rolled.days), "records": rolled.records, "still_dirty": len(rolled.still_dirty)}
    log = logger.warning if answer["errors"] else logger.info
    log("webhook redelivery sweep", extra=answer)
    if rollup_error is not None:
        raise rollup_error
    return answer
