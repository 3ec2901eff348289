"""The workflow's Lambda steps as plain functions over their dependencies.

Handlers build the dependencies (S3 store, ledger, GitHub client factory) and call these;
tests and the local runner pass their own.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping

from ghstats import limits, names
from ghstats.report.write import write_report
from ghstats.run_diff import compare_with_previous, read_records
from ghstats.webhooks.report import webhooks_section
from ghstats.webhooks.totals import period_days, read_period
from ghstats.collect.aggregate import (BatchResult, dataset_lines, document_header, document_lines, merge_org_results,
                                      merge_results, moves_latest, output_keys)
from ghstats.collect.batch import BatchOutcome, collect_batch
from ghstats.collect.batch_size import points_per_request, repository_connections
from ghstats.collect.budget import against_run, count_repositories, from_previous_run, predict, predicted_figures
from ghstats.collect.history import merge_history
from ghstats.collect.record_disk import RecordDisk
from ghstats.collect.planning import (ListingPaused, ListingProgress, Owner, OwnerPlan, list_owner, owner_in, owner_of,
                                     plan_owner, planned_batch_size, run_owners)
from ghstats.collect.org_walk import (WalkPaused, WalkProgress, etag_cache_of, stored_etag_cache, unread_lists,
                                       walk_org)
from ghstats.collect.start import RunConfigMismatch, hold_lock_or_refuse
from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY, batch_collectors, lacking_scopes, rest_collectors
from ghstats.collectors.unit import SummaryContext
from ghstats.config import DEFAULT_COLLECTION_NAME, DEFAULT_SLO_DAYS, CollectionConfig, config_differences, parse_config
from ghstats.github.client import GitHubClient
from ghstats.github.errors import AppNotInstalled, GitHubAuthError, GitHubError, GitHubNoAccess, GitHubRateLimited
from ghstats.ledger import Ledger
from ghstats.storage import ObjectStore, get_json_all, put_json_all

# (api_url, owner) -> a client for that owner's work: per-org App credentials give each owner its
# installation's token and budget; a PAT or a fixed installation one for all (owner None: the same)
ClientFactory = Callable[..., GitHubClient]


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _unused_failure_key(store: ObjectStore, run_id: str, step: str) -> str:
    """The next free dead-letter key of `step`: a step that fails again (a re-run, a redrive)
    adds a record next to the earlier ones, never over them."""
    taken = set(store.list_keys(names.failures_prefix(run_id)))
    attempt = 1
    while names.failure_key(run_id, step, attempt) in taken:
        attempt += 1
    return names.failure_key(run_id, step, attempt)


def _dead_letter(store: ObjectStore, run_id: str, step: str, exc: GitHubError) -> str | None:
    """Keep the request that failed for good (no Authorization header) for the operator."""
    if exc.failure is None:
        return None
    key = _unused_failure_key(store, run_id, step)
    store.put_json(key, {"run_id": run_id, "step": step, "error": type(exc).__name__,
                         "message": str(exc), "request": exc.failure.to_dict()})
    return key


def _reserve(config: CollectionConfig, run: Mapping[str, Any]) -> list[int]:
    """What a work item's client leaves of the hour for other tools, and what the run's other
    requests in flight may spend meanwhile: [points, REST requests, points in flight, REST
    requests in flight] (GitHubClient.keep_reserve's arguments)."""
    if not (config.reserve_points or config.reserve_requests):
        return [0, 0, 0, 0]
    return [config.reserve_points, config.reserve_requests,
            *in_flight(run, org_collectors=len(rest_collectors(dict(config.collectors))))]


def in_flight(run: Mapping[str, Any], org_collectors: int) -> tuple[int, int]:
    """(GraphQL points, REST requests) that the run's requests other than the one about to be sent
    may spend before its answer, on the same credential, from the stored plan's concurrency. An
    owner's steps run one after another: its listing (one GraphQL page at a time), its batches
    (`max_concurrency` GraphQL requests at once, each a batch's points, at least a page's), then
    its REST work items (one per org-level collector, `rest_concurrency` at most, REST only).
    Owners on a shared credential add up; an owner on an installation of its own has its own budget."""
    owners = run["owners_at_once"] if run["shared_credential"] else 1
    items = min(run["rest_concurrency"], org_collectors)
    return max(0, owners * run["max_concurrency"] - 1) * _batch_points(run), max(0, owners * items - 1)


def _batch_points(run: Mapping[str, Any]) -> int:
    """A full batch request's points, from the stored plan's batch size and batch collectors."""
    return points_per_request(repository_connections(REGISTRY[name] for name in run["batch_collectors"]),
                              run["batch_size"])


def _waiting_for(what: str, exc: GitHubRateLimited) -> str:
    """What the ledger says waits, and why when the wait is the run's own choice (a reserve)."""
    return f"{what}: {exc.reason}" if exc.reason else what


# -- PlanRun ---------------------------------------------------------------------------------


def _of_this_version(run_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    """A stored plan, refused with the fix if an earlier ghstats made it (one listing step for
    every org, before each owner became a pipeline of its own): nothing of it is resumable."""
    if "owners" not in stored:
        raise RunConfigMismatch(f"run {run_id} was planned by an earlier version of ghstats (before each org ran as "
                                "a pipeline of its own) and cannot be taken up again: start a new run (no run_id); "
                                "the earlier run's outputs are kept")
    return stored


def owner_concurrency(max_concurrency: int, rest_concurrency: int, owners: int,
                      shared_credential: bool) -> tuple[int, int, int]:
    """(each owner's batches at once, each owner's REST work items at once, owners at once).
    Owners on per-org installations each have their own budget and secondary limits: the config's
    settings each. Owners that share one credential (a PAT, a fixed installation) share GitHub's
    secondary limits, so the config's settings stay the run's totals, split between the owners
    running at once (at least 1 each)."""
    at_once = max(1, min(limits.OWNERS_AT_ONCE, owners))
    if not shared_credential:
        return max_concurrency, rest_concurrency, at_once
    return max(1, max_concurrency // at_once), max(1, rest_concurrency // at_once), at_once


def plan_run(
    run_id: str,
    raw_config: Any,
    started_at: str,
    store: ObjectStore,
    ledger: Ledger,
    make_client: ClientFactory,
    retry_count: int = 0,
    rate_limit_waits: int = 0,
    execution_arn: str | None = None,
    aggregate_memory_mb: int | None = None,
) -> dict[str, Any]:
    """The run's planning step, before any listing: check the token, count each org's
    repositories (`ghstats plan`'s queries), predict the run's budget, and name its owners (the
    items of CollectOwners). A re-run of the same run id reuses the stored plan (no GitHub call).

    Rate limited, it answers the wait GitHub asked for (the state machine waits and calls again),
    up to limits.MAX_RATE_LIMIT_WAITS waits in a row; what it had spent is kept for the next try.
    `aggregate_memory_mb`: Aggregate's memory as deployed, which the prediction prices its
    GB-seconds at (None: the stack's default).
    """
    config = parse_config(raw_config)
    stored = store.get_json(names.run_config_key(run_id))
    if stored is not None and stored.get("config_hash") not in (None, config.fingerprint()):
        # StartRun checked the ledger; the plan in S3 is checked too (a run id means one config).
        raise RunConfigMismatch(f"run {run_id} was planned with another config "
                                f"({'; '.join(config_differences(stored['config'], config.to_dict()))}): "
                                "start it with that config, or start a new run")
    if stored is not None:
        _of_this_version(run_id, stored)
    if stored is None:
        hold_lock_or_refuse(ledger, config.name, run_id, execution_arn)  # a redrive runs beside no other run
        owners = run_owners(config)
        spent_key = names.planning_progress_key(run_id)
        spent_before = store.get_json(spent_key) or {"requests": 0, "points": 0}
        clients: list[GitHubClient] = []

        def owner_client(owner: str) -> GitHubClient:
            owned = make_client(config.api_url, owner)
            owned.keep_reserve(config.reserve_points, config.reserve_requests)  # planning: nothing else in flight
            clients.append(owned)
            return owned

        try:
            counts = count_repositories(owner_client, config)
        except GitHubError as exc:
            distinct = {id(c): c for c in clients}.values()
            store.put_json(spent_key, {"requests": spent_before["requests"] + sum(c.requests_made for c in distinct),
                                       "points": spent_before["points"] + sum(c.points_used for c in distinct)},
                           transient=True)
            if isinstance(exc, GitHubRateLimited) and rate_limit_waits + 1 <= limits.MAX_RATE_LIMIT_WAITS:
                ledger.note_wait(run_id, exc.wait_seconds, _waiting_for("planning", exc))
                return {"run_id": run_id, "status": names.ANSWER_RATE_LIMITED, "wait_seconds": exc.wait_seconds,
                        "rate_limit_waits": rate_limit_waits + 1, "owner_manifest": None, "owners_total": 0,
                        "owners_at_once": 1}
            if isinstance(exc, GitHubRateLimited) or not exc.retryable or retry_count >= limits.LIST_REPOS_RETRIES:
                key = _dead_letter(store, run_id, "planning", exc)
                if key:
                    ledger.add_failure(run_id, key)
            raise
        counts.requests += spent_before["requests"]
        counts.points += spent_before["points"]
        lacking = lacking_scopes(rest_collectors(dict(config.collectors)), counts.classic_scopes)
        if lacking and config.strict_permissions:
            raise GitHubAuthError("strict_permissions: the classic token lacks the scopes of " + "; ".join(
                f"{name} (grant {' or '.join(scopes)})" for name, scopes in lacking.items()) + ": grant them, or turn those collectors off")
        # The planning step's prediction (`ghstats plan`'s arithmetic on the same counts and on what
        # the previous runs left: alert lists' items, ETag caches), before any listing: the summary
        # holds it against what the run spent.
        prediction = predict(counts, config, assumptions=from_previous_run(store.get_json, config, get_lines=store.get_lines),
                             aggregate_memory_mb=aggregate_memory_mb)
        batch_size, auto = planned_batch_size(config)
        batched = batch_collectors(dict(config.collectors))
        per_owner, rest_per_owner, at_once = owner_concurrency(config.max_concurrency, config.rest_concurrency,
                                                               len(owners), counts.shared_credential)
        stored = {"run_id": run_id, "config": config.to_dict(), "config_hash": config.fingerprint(),
                  "prediction": prediction, "started_at": started_at, "owners": owners,
                  "classic_scopes": counts.classic_scopes,
                  "batch_collectors": [c.name for c in batched],  # one request serves them all
                  "batch_size": batch_size, "batch_size_auto": auto,
                  "planning": {"requests": counts.requests, "points": counts.points},
                  "shared_credential": counts.shared_credential, "owners_at_once": at_once,
                  "max_concurrency": per_owner, "rest_concurrency": rest_per_owner}
        store.put_json(names.run_config_key(run_id), stored)  # its presence means "planned": never counted twice
    # the ledger from the stored plan, on every answer (idempotent): a crash between the two
    # writes leaves nothing for the next invocation to do again
    ledger.record_run_plan(run_id, stored["started_at"], stored["owners"], planning_points=stored["planning"]["points"],
                           predicted=predicted_figures(stored["prediction"]))
    # CollectOwners reads its items from this (rewritten on every answer: a crash between the
    # plan and the manifest loses nothing)
    store.put_json(names.owner_manifest_key(run_id), stored["owners"], transient=True)
    return {"run_id": run_id, "status": names.ANSWER_DONE, "wait_seconds": 0, "rate_limit_waits": rate_limit_waits,
            "owner_manifest": names.owner_manifest_key(run_id), "owners_total": len(stored["owners"]),
            "owners_at_once": stored["owners_at_once"]}


# -- ListRepos: one owner ----------------------------------------------------------------------


def list_repos(
    run_id: str,
    owner: str,
    store: ObjectStore,
    ledger: Ledger,
    make_client: ClientFactory,
    retry_count: int = 0,
    rate_limit_waits: int = 0,
    time_left: Callable[[], float] | None = None,
    execution_arn: str | None = None,
) -> dict[str, Any]:
    """List one owner of the run and plan its batches and work items (its pipeline's first step;
    a re-run reuses the stored owner plan, no GitHub call). Its batches start as soon as this
    answers, whatever the run's other owners are doing.

    Rate limited, it answers the wait GitHub asked for, up to limits.MAX_RATE_LIMIT_WAITS waits in
    a row without a page listed. Short of time (`time_left` in seconds, the safety margin already
    taken off), it stops between two pages and answers "listing continues". Either way, and on an
    error, the listing's progress is stored so that the next invocation goes on from the next page.
    """
    run = store.get_json(names.run_config_key(run_id))
    if run is None:
        raise FileNotFoundError(f"run {run_id} has no plan (runs/{run_id}/run.json)")
    config = parse_config(_of_this_version(run_id, run)["config"])
    spec = owner_in(config, owner)
    plan_key = names.owner_plan_key(run_id, spec.name)
    stored = store.get_json(plan_key)
    if stored is None:
        hold_lock_or_refuse(ledger, config.name, run_id, execution_arn)
        progress: ListingProgress | None = None
        client: GitHubClient | None = None
        not_done = {"run_id": run_id, "owner": spec.name, "wait_seconds": 0, "rate_limit_waits": rate_limit_waits,
                    "batch_manifest": None, "org_item_manifest": None, "batches_total": 0, "org_items_total": 0,
                    "repos_total": 0, "max_concurrency": run["max_concurrency"],
                    "rest_concurrency": run["rest_concurrency"], "warnings": []}
        reserve = _reserve(config, run)  # the listing's, each batch's and each work item's
        if spec.org is not None:
            client = make_client(config.api_url, spec.name)
            client.keep_reserve(*reserve)
            progress_key = names.owner_listing_key(run_id, spec.name)
            progress = ListingProgress.resume(store.get_json(progress_key), config.api_url, spec.org)
            pages_before = progress.pages
            try:
                list_owner(client, spec.org, progress,
                           out_of_time=(lambda: time_left() <= 0) if time_left else (lambda: False),
                           on_page=lambda p: ledger.note_listing(run_id, spec.name, len(p.listed)))
                planned_batches = len(progress.listed) // run["batch_size"] + 1
                if time_left and progress.pages > pages_before and time_left() < limits.PLAN_WRITE_S_PER_BATCH * planned_batches:
                    # listed, but too little time to write the plan: the next invocation (listing
                    # nothing again: every page is in the stored progress) writes it
                    return {**not_done, "status": names.ANSWER_LISTING_CONTINUES}
            except ListingPaused:
                return {**not_done, "status": names.ANSWER_LISTING_CONTINUES}
            except GitHubError as exc:
                rate_limited = isinstance(exc, GitHubRateLimited)
                # The bound is on waits in a row without a page listed (a redrive starts with the
                # count it failed with, and a long listing may be limited many times while moving on).
                waits = 1 if progress.pages > pages_before else rate_limit_waits + 1
                if rate_limited and waits <= limits.MAX_RATE_LIMIT_WAITS:
                    ledger.note_wait(run_id, exc.wait_seconds, _waiting_for(f"listing {spec.name}", exc))
                    return {**not_done, "status": names.ANSWER_RATE_LIMITED, "wait_seconds": exc.wait_seconds,
                            "rate_limit_waits": waits}
                if rate_limited or not exc.retryable or retry_count >= limits.LIST_REPOS_RETRIES:
                    ledger.owner_failed(run_id, spec.name, type(exc).__name__, str(exc),
                                        _dead_letter(store, run_id, f"listing-{spec.name.lower()}", exc))
                raise
            finally:  # paused, failed or listed: the next invocation (or a retry of this one) goes on from here
                if client.requests_made:
                    store.put_json(progress_key, progress.to_dict(client), transient=True)
        spent = progress.spent(client) if progress is not None else (0, 0)
        plan = plan_owner(spec, progress, run["batch_size"], spent)
        put_json_all(store, {names.batch_key(run_id, batch_id): {
            "run_id": run_id, "batch_id": batch_id, "api_url": config.api_url, "collection": config.name, "keys": keys,
            "collectors": run["batch_collectors"], "reserve": reserve} for batch_id, keys in plan.batches.items()},
            transient=True)
        org_items, skipped = _plan_org_items(store, run_id, config, spec, plan, run.get("classic_scopes"), reserve)
        plan.warnings.extend(f"{entry['collector']} skipped for {entry['org']}: {entry['message']}" for entry in skipped)
        stored = {**plan.to_dict(), "org_item_ids": org_items, "skipped_coverage": skipped}
        ledger.record_owner_plan(run_id, spec.name, stored["batch_sizes"], len(plan.repos), plan.warnings,
                                 listing_points=plan.points, org_failed=spec.name if plan.org_error else None)
        store.put_json(plan_key, stored)  # last: its presence means "listed"
    # The owner's Distributed Maps read their items from these (rewritten on every answer)
    store.put_json(names.owner_batch_manifest_key(run_id, spec.name), stored["batch_ids"], transient=True)
    store.put_json(names.owner_item_manifest_key(run_id, spec.name), stored["org_item_ids"], transient=True)
    return {
        "run_id": run_id,
        "owner": spec.name,
        "status": names.ANSWER_DONE,
        "wait_seconds": 0,
        "rate_limit_waits": rate_limit_waits,
        "batch_manifest": names.owner_batch_manifest_key(run_id, spec.name),
        "org_item_manifest": names.owner_item_manifest_key(run_id, spec.name),
        "batches_total": len(stored["batch_ids"]),
        "org_items_total": len(stored["org_item_ids"]),
        "repos_total": stored["repos_total"],
        "max_concurrency": run["max_concurrency"],
        "rest_concurrency": run["rest_concurrency"],
        "warnings": stored["warnings"],
    }


def _plan_org_items(store: ObjectStore, run_id: str, config: CollectionConfig, owner: Owner, plan: OwnerPlan,
                    classic_scopes: list[str] | None, reserve: list[int]) -> tuple[list[str], list[dict[str, Any]]]:
    """The owner's work items: one per enabled REST collector if it is an org the listing found
    (an owner of named repositories only: one per collector that has lists per repository only),
    but for a collector a classic token has no scope for: a "skipped" coverage entry instead,
    saying what to grant. A collector with a list per repository gets the owner's repositories of
    the run in its item (only those are asked for; archived ones not, where the collector says
    GitHub keeps nothing of them)."""
    item_ids: list[str] = []
    skipped: list[dict[str, Any]] = []
    enabled = rest_collectors(dict(config.collectors))
    lacking = lacking_scopes(enabled, classic_scopes)
    listed_org = owner.org is not None and plan.org_error is None
    archived_keys = {key.lower() for key in plan.archived}
    for collector in enabled:
        if not (listed_org or (owner.org is None and collector.repositories_only())):
            continue
        if collector.name in lacking:
            grant = " or ".join(lacking[collector.name])
            skipped.append({"org": owner.name, "collector": collector.name, "status": "skipped", "grant": grant,
                            "message": f"the classic token has none of the scopes {collector.name} needs ({grant})"})
            continue
        item_id = names.org_item_id(collector.name, owner.name)
        item = {"run_id": run_id, "item_id": item_id, "org": owner.name, "collector": collector.name,
                "api_url": config.api_url, "collection": config.name, "reserve": reserve}
        if collector.needs_repositories():
            not_asked = [key for key in plan.repos if collector.skip_archived and key.lower() in archived_keys]
            item["repositories"] = [key for key in plan.repos if key not in not_asked]
            item["skipped_repositories"] = [
                {"org": owner.name, "collector": collector.name, "status": names.COVERAGE_NOT_APPLICABLE, "repo": key,
                 "message": collector.skip_archived} for key in not_asked]
        store.put_json(names.org_item_key(run_id, item_id), item, transient=True)
        item_ids.append(item_id)
    return item_ids, skipped


# -- QueryBatch ------------------------------------------------------------------------------


def query_batch(
    run_id: str,
    batch_id: str,
    rate_limit_waits: int,
    retry_count: int,
    store: ObjectStore,
    ledger: Ledger,
    make_client: ClientFactory,
    time_left: Callable[[], float] | None = None,
    now: Callable[[], float] = time.time,
    execution_arn: str | None = None,
) -> dict[str, Any]:
    batch = store.get_json(names.batch_key(run_id, batch_id))
    if batch is None:
        raise FileNotFoundError(f"batch {batch_id} of run {run_id} is not in the bucket")
    answer = {"run_id": run_id, "batch_id": batch_id, "status": names.ANSWER_DONE,
              "wait_seconds": 0, "rate_limit_waits": rate_limit_waits}
    existing = store.get_json(names.result_key(run_id, batch_id))
    if existing is not None and existing["keys"] == batch["keys"]:
        # Finished before (a retry after a crash, a redrive, a re-run): no GitHub call, and the
        # ledger's transaction makes sure the batch is counted once.
        ledger.batch_done(run_id, batch_id, len(existing["answered"]), len(existing["errors"]), existing["points"])
        return {**answer, "reused": True}

    hold_lock_or_refuse(ledger, batch.get("collection", DEFAULT_COLLECTION_NAME), run_id, execution_arn)
    ledger.batch_started(run_id, batch_id)
    # the host is checked against the deployment's, not trusted from S3; a batch is one owner's
    client = make_client(batch["api_url"], owner_of(batch["keys"][0]) if batch["keys"] else None)
    client.keep_reserve(*batch.get("reserve", (0, 0)))
    partial_key = names.partial_key(run_id, batch_id)
    stored = store.get_json(partial_key)
    outcome = BatchOutcome.from_dict(stored["outcome"]) if stored and stored["keys"] == batch["keys"] else BatchOutcome()
    try:
        collectors = [REGISTRY[name] for name in batch.get("collectors", [INVENTORY_COLLECTOR.name])]
        collect_batch(client, batch["keys"], collectors, time_left=time_left, outcome=outcome)
        requests, points = outcome.spent(client)
        result = {
            "run_id": run_id, "batch_id": batch_id, "keys": batch["keys"], "collectors": [c.name for c in collectors],
            "answered": outcome.answered, "records": outcome.records, "errors": outcome.errors, "warnings": outcome.warnings,
            "requests": requests, "points": points, "splits": outcome.splits, "coverage": outcome.coverage,
            "remaining_points": outcome.remaining_points, "collected_at": _iso(now()),
        }
        store.put_json(names.result_key(run_id, batch_id), result, transient=True)
    except GitHubError as exc:
        _keep_partial(store, partial_key, batch["keys"], outcome, client)
        if isinstance(exc, GitHubRateLimited):
            waits = rate_limit_waits + 1
            if waits <= limits.MAX_RATE_LIMIT_WAITS:
                ledger.note_wait(run_id, exc.wait_seconds, _waiting_for(f"batch {batch_id}", exc))
                return {**answer, "status": names.ANSWER_RATE_LIMITED, "wait_seconds": exc.wait_seconds,
                        "rate_limit_waits": waits}
            ledger.batch_failed(run_id, batch_id, type(exc).__name__,
                                f"still rate limited after {rate_limit_waits} waits: {exc}",
                                _dead_letter(store, run_id, f"batch-{batch_id}", exc))
            raise
        final = not exc.retryable or retry_count >= limits.QUERY_BATCH_RETRIES
        ledger.batch_failed(run_id, batch_id, type(exc).__name__, str(exc),
                            _dead_letter(store, run_id, f"batch-{batch_id}", exc) if final else None)
        raise
    except Exception:  # e.g. S3 failed to take the result: the retry must not fetch (or count) it again
        _try_to_keep(lambda: _keep_partial(store, partial_key, batch["keys"], outcome, client))
        raise
    ledger.batch_done(run_id, batch_id, len(outcome.answered), len(outcome.errors), points, outcome.remaining_points)
    return {**answer, "repos_ok": len(outcome.answered), "repos_failed": len(outcome.errors),
            "points": client.points_used, "remaining_points": outcome.remaining_points}


def _try_to_keep(keep: Callable[[], None]) -> None:
    """Keep what a failing attempt fetched if the store still takes it; when the store is what
    failed, the original error (raised by the caller) says why."""
    try:
        keep()
    except Exception:  # noqa: BLE001
        pass


def _keep_partial(store: ObjectStore, key: str, keys: list[str], outcome: BatchOutcome, client: GitHubClient) -> None:
    """Keep what this attempt fetched and every request it sent (rate limited ones too): the next
    attempt asks only for the rest, and the run's request count is what GitHub saw."""
    if not client.requests_made:
        return
    requests, points = outcome.spent(client)
    kept = replace(outcome, requests=requests, points=points)
    store.put_json(key, {"keys": keys, "outcome": kept.to_dict()}, transient=True)


# -- CollectOrg ------------------------------------------------------------------------------


def collect_org_item(
    run_id: str,
    item_id: str,
    rate_limit_waits: int,
    retry_count: int,
    store: ObjectStore,
    ledger: Ledger,
    make_client: ClientFactory,
    time_left: Callable[[], float] | None = None,
    now: Callable[[], float] = time.time,
    execution_arn: str | None = None,
) -> dict[str, Any]:
    """One org-level collector's walk over one organisation: its records, or its coverage entry
    when GitHub says the credential may not read it or the feature is off (not retried)."""
    item = store.get_json(names.org_item_key(run_id, item_id))
    if item is None:
        raise FileNotFoundError(f"work item {item_id} of run {run_id} is not in the bucket")
    answer = {"run_id": run_id, "item_id": item_id, "status": names.ANSWER_DONE, "wait_seconds": 0,
              "rate_limit_waits": rate_limit_waits}
    if store.get_json(names.org_result_key(run_id, item_id)) is not None:
        return {**answer, "reused": True}  # finished before: a retry, a redrive, a re-run
    collector, org = REGISTRY[item["collector"]], item["org"]
    hold_lock_or_refuse(ledger, item.get("collection", DEFAULT_COLLECTION_NAME), run_id, execution_arn)
    client = make_client(item["api_url"], org)  # the host is checked against the deployment's, not trusted from S3
    client.keep_reserve(*item.get("reserve", (0, 0)))
    partial_key = names.org_partial_key(run_id, item_id)
    progress = WalkProgress.from_dict(store.get_json(partial_key))
    coverage: dict[str, Any] = {"org": org, "collector": collector.name, "status": names.COVERAGE_OK}

    def keep_partial() -> None:
        if client.requests_made:
            store.put_json(partial_key, progress.to_dict(client), transient=True)

    pages_before = progress.pages
    etag_key = names.etag_cache_key(collector.name, org)
    etag_cache = etag_cache_of(store.get_json(etag_key), item["api_url"]) if collector.conditional() else None
    try:
        walk_org(client, collector, org, progress, (lambda: time_left() <= 0) if time_left else (lambda: False),
                 item.get("repositories", ()), etag_cache)
    except WalkPaused:
        keep_partial()
        return {**answer, "status": names.ANSWER_RATE_LIMITED, "rate_limit_waits": 0}  # go on at once
    except AppNotInstalled as exc:  # per-org App credentials, an owner of named repositories without the App
        coverage.update(status="forbidden", message=str(exc), grant=f"the GitHub App's installation on {org}")
        progress.records, progress.notes = {}, []
    except GitHubNoAccess as exc:
        coverage.update(status=exc.status, message=exc.github_message, grant=exc.grant)
        progress.records, progress.notes = {}, []  # part of an org is not its alerts: nothing, and the coverage says why
    except GitHubError as exc:
        keep_partial()
        # the bound is on waits in a row without a page fetched (a long walk may be limited often)
        waits = 1 if progress.pages > pages_before else rate_limit_waits + 1
        if isinstance(exc, GitHubRateLimited) and waits <= limits.MAX_RATE_LIMIT_WAITS:
            ledger.note_wait(run_id, exc.wait_seconds, _waiting_for(item_id, exc))
            return {**answer, "status": names.ANSWER_RATE_LIMITED, "wait_seconds": exc.wait_seconds,
                    "rate_limit_waits": waits}
        if isinstance(exc, GitHubRateLimited) or not exc.retryable or retry_count >= limits.QUERY_BATCH_RETRIES:
            _dead_letter(store, run_id, f"org-{item_id}", exc)
        raise
    except Exception:  # e.g. S3 failed: what was fetched is kept for the retry
        _try_to_keep(keep_partial)
        raise
    requests_sent = progress.requests + client.requests_made
    records = progress.records
    if collector.complete is not None and coverage["status"] == names.COVERAGE_OK:
        records = collector.complete(records, unread_lists(progress))
    if etag_cache is not None and coverage["status"] == names.COVERAGE_OK:  # the next run asks with these ETags
        store.put_json(etag_key, stored_etag_cache(progress.etags, item["api_url"]))
    store.put_json(names.org_result_key(run_id, item_id), {
        "run_id": run_id, "item_id": item_id, "collector": collector.name, "org": org, "records": records,
        "coverage": coverage,
        # optional lists GitHub would not show, and repositories not asked (archived, for some collectors)
        "notes": progress.notes + item.get("skipped_repositories", []),
        "requests": requests_sent, "pages": progress.pages,  # REST requests, all of them
        "not_modified": progress.not_modified,  # of which GitHub answered 304 to a conditional request (free)
        "with_etag": progress.with_etag,  # of which asked with the last run's ETag (If-None-Match)
        "collected_at": _iso(now()),
    }, transient=True)
    return {**answer, "records": len(records), "coverage": coverage["status"]}


# -- Aggregate -------------------------------------------------------------------------------


def _rest_by_collector(org_results: dict[str, Any]) -> dict[str, dict[str, int]]:
    """collector -> {"requests", "with_etag", "not_modified"} over its work items' results."""
    found: dict[str, dict[str, int]] = {}
    for result in org_results.values():
        if result:
            entry = found.setdefault(result["collector"], {"requests": 0, "with_etag": 0, "not_modified": 0})
            for figure in entry:
                entry[figure] += int(result.get(figure, 0) or 0)
    return dict(sorted(found.items()))


def _write_latest(store: ObjectStore, source_key: str, latest_key: str, pointer_key: str, run_id: str,
                  started_at: str, pointer: dict[str, Any] | None) -> None:
    """A dashboard copy (latest/) moves only forward: redriving an older run leaves a newer run's
    copy. `pointer` (what `pointer_key` held: run_id, started_at) says which run the copy is, so
    the copy itself is never read back; it is copied inside the bucket from the run's own
    document (`source_key`), not written again."""
    if not moves_latest(pointer, started_at):
        return
    store.copy(source_key, latest_key)
    store.put_json(pointer_key, {"run_id": run_id, "started_at": started_at})


def _coverage_counts(coverage: list[dict[str, Any]], collector: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in coverage:
        if entry["collector"] == collector:
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    return counts


def _write_collector_outputs(store: ObjectStore, keys: dict[str, str], schema_version: int, name: str, run_id: str,
                             started_at: str, records: dict[str, dict[str, Any]], pointer: dict[str, Any] | None) -> None:
    """runs/<id>/<collector>.json, its dataset, and latest/<collector>.json (forward only), each
    streamed a record at a time."""
    header = document_header(run_id, len(records), started_at, schema_version)
    store.put_lines(keys[name], document_lines(header, "records", records))
    if REGISTRY[name].history is None:  # else the dataset is the kept history (merge_history)
        store.put_lines(keys[f"{name}_dataset"], dataset_lines(run_id, records), "application/x-ndjson")
    _write_latest(store, keys[name], names.latest_collector_key(name), names.latest_collector_run_key(name), run_id,
                  started_at, pointer)


def _collector_options(name: str, config: dict[str, Any]) -> Any:
    """The collector's settings model from the run's config (its defaults if the plan has none)."""
    model = REGISTRY[name].options
    return None if model is None else model.model_validate_json(
        json.dumps(config.get("collector_options", {}).get(name, {})))


def _previous_records(store: ObjectStore, name: str, disk: RecordDisk) -> Callable[[], Mapping[str, Any]]:
    """The previous run's records of a collector, read onto `disk` when a summary asks:
    latest/<collector>.json is that run's until this run's outputs are written (after the summary)."""
    def read() -> Mapping[str, Any]:
        found = read_records(store, names.latest_collector_key(name), "records", disk)
        return {} if found is None else found
    return read


def _stored_batches(store: ObjectStore, run_id: str, batch_ids: list[str], scope: set[str]) -> Iterator[BatchResult]:
    """Each batch's keys and result, read limits.AGGREGATE_READ_CHUNK at a time (16 requests at
    once), so that only one chunk of raw results is in memory; `scope` gains the batches' keys
    (lower case)."""
    for start in range(0, len(batch_ids), limits.AGGREGATE_READ_CHUNK):
        chunk = batch_ids[start : start + limits.AGGREGATE_READ_CHUNK]
        batches = get_json_all(store, [names.batch_key(run_id, b) for b in chunk])
        results = get_json_all(store, [names.result_key(run_id, b) for b in chunk])
        for batch_id in chunk:
            keys = batches[names.batch_key(run_id, batch_id)]["keys"]
            scope.update(key.lower() for key in keys)
            yield batch_id, keys, results.pop(names.result_key(run_id, batch_id))


def run_plan(store: ObjectStore, run_id: str) -> dict[str, Any]:
    """The run's plan (run.json) with every owner's plan added up: all its batches and work items
    in owner order, the orgs that could not be listed, the warnings, and the GitHub requests and
    points of planning and listing. FileNotFoundError when the run, or one of its owners, was
    never planned (CollectOwners did not finish)."""
    run = store.get_json(names.run_config_key(run_id))
    if run is None:
        raise FileNotFoundError(f"run {run_id} has no plan (runs/{run_id}/run.json)")
    found = get_json_all(store, [names.owner_plan_key(run_id, owner) for owner in _of_this_version(run_id, run)["owners"]])
    plans = [found[names.owner_plan_key(run_id, owner)] for owner in run["owners"]]
    unlisted = [owner for owner, plan in zip(run["owners"], plans) if plan is None]
    if unlisted:
        raise FileNotFoundError(f"run {run_id}: {', '.join(unlisted)} never listed (runs/{run_id}/owners/<owner>/plan.json)")
    return {**run,
            "batch_ids": [batch for plan in plans for batch in plan["batch_ids"]],
            "org_item_ids": [item for plan in plans for item in plan["org_item_ids"]],
            "org_errors": {plan["owner"]: plan["org_error"] for plan in plans if plan.get("org_error")},
            "warnings": [warning for plan in plans for warning in plan["warnings"]],
            "skipped_coverage": [entry for plan in plans for entry in plan["skipped_coverage"]],
            "repos_total": sum(plan["repos_total"] for plan in plans),
            "listing_pages": sum(plan.get("pages", 0) for plan in plans),
            "requests": run["planning"]["requests"] + sum(plan["requests"] for plan in plans),
            "points": run["planning"]["points"] + sum(plan["points"] for plan in plans)}


def aggregate(run_id: str, store: ObjectStore, now: Callable[[], float] = time.time) -> dict[str, Any]:
    """Merge the run into its outputs, its records held on the local disk (a RecordDisk in a
    temporary directory, removed when Aggregate ends, whether it succeeds or fails)."""
    with RecordDisk() as disk:
        return _aggregate(run_id, store, now, disk)


def _aggregate(run_id: str, store: ObjectStore, now: Callable[[], float], disk: RecordDisk) -> dict[str, Any]:
    plan = run_plan(store, run_id)
    # The run started when it was planned, as the ledger says; a re-run of an old run id is not
    # a newer run (and must not replace a newer run's latest/ copy).
    started_at = plan["started_at"]
    scope: set[str] = set()  # the run's repositories
    merged = merge_results(_stored_batches(store, run_id, plan["batch_ids"], scope), disk)
    errors = merged.errors
    finished = now()
    duration = round(max(0.0, finished - _parse_time(started_at)), 3)
    org_errors = plan["org_errors"]
    org_item_ids = plan["org_item_ids"]
    stored_org_results = get_json_all(store, [names.org_result_key(run_id, i) for i in org_item_ids])
    org_results = {i: stored_org_results[names.org_result_key(run_id, i)] for i in org_item_ids}
    by_org_collector, coverage, rest_requests = merge_org_results(org_results, scope, disk)
    # every collector that ran: the batch's (repository level, in the batch's order), then the org-level ones
    by_collector = merged.records  # (taken over: each collector's records are held once)
    by_collector.update(by_org_collector)
    for name in plan["batch_collectors"]:  # outputs even with no repository
        by_collector.setdefault(name, {})
    for entry in plan["skipped_coverage"]:  # collectors the token has no scope for
        by_collector.setdefault(entry["collector"], {})
    answered = set(merged.answered)
    coverage = sorted(coverage + plan["skipped_coverage"] + merged.coverage,
                      key=lambda e: (e["collector"], e["org"].lower(), e.get("repo", "").lower()))
    covered = all(entry["status"] in names.COVERAGE_COMPLETE for entry in coverage)
    status = names.PARTIAL if errors or org_errors or not covered else names.SUCCEEDED
    keys = output_keys(run_id, _iso(finished)[:10], list(by_collector))
    context = SummaryContext(errors=errors, slo_days=plan["config"].get("slo_days") or DEFAULT_SLO_DAYS, now=finished,
                             repositories=tuple(merged.answered), records_of=by_collector, coverage=tuple(coverage))
    inventory = by_collector.pop(INVENTORY_COLLECTOR.name, None)  # repository_stats: historical names and places
    # which run each collector's latest/ copy is, read once: the summary's "since the previous
    # run", and whether this run may move the copy on
    pointers = {name: store.get_json(names.latest_collector_run_key(name)) for name in by_collector}
    previous_runs = {name: p for name, p in pointers.items() if p and str(p.get("started_at", "")) < started_at}
    contexts = {name: replace(context, previous=previous_runs.get(name), options=_collector_options(name, plan["config"]),
                              previous_records=_previous_records(store, name, disk) if name in previous_runs else None)
                for name in by_collector}
    for name, found in by_collector.items():  # what records gain from the run's settings and clock
        finalise = REGISTRY[name].finalise
        if finalise is not None:  # in place: a record's earlier form is let go as soon as it is replaced
            for key, record in found.items():
                found[key] = finalise(record, contexts[name])
    for name, found in by_collector.items():  # rows kept across runs: merged now, the summary sees any gap
        history = REGISTRY[name].history
        if history is not None:
            contexts[name] = replace(contexts[name], history_before=merge_history(
                store, name, found, history.day, run_id, started_at))
    summary = {
        "schema_version": 1,
        "run_id": run_id,
        "status": status,
        "started_at": started_at,
        "finished_at": _iso(finished),
        "duration_s": duration,
        "repos_total": len(answered) + len(errors),
        "repos_ok": len(answered),
        "repos_failed": len(errors),
        "orgs_failed": len(org_errors),
        # repository_stats' summary: "totals" and "owners"
        **(INVENTORY_COLLECTOR.summarise(inventory, context) if inventory is not None else {}),
        "collectors": {name: {"records": len(found), "coverage": _coverage_counts(coverage, name),
                              **REGISTRY[name].summarise(found, contexts[name])}
                       for name, found in by_collector.items()},
        "api": {
            "requests": plan["requests"] + merged.requests + rest_requests,
            "listing_requests": plan["requests"],
            "batch_requests": merged.requests,
            "rest_requests": rest_requests,
            # of which conditional requests GitHub answered 304 (free: not counted against the limit)
            "rest_not_modified": sum(int(r.get("not_modified", 0)) for r in org_results.values() if r),
            # per collector: REST requests, of which sent with the last run's ETag, of which answered
            # 304 (the next plan's share of free requests: collect/budget.py's `previous_run`)
            "rest_by_collector": _rest_by_collector(org_results),
            "points_used": plan["points"] + merged.points,
            "listing_points": plan["points"],
            "batch_points": merged.points,
            "batches": len(plan["batch_ids"]),
            # repositories per batch as planned, and whether the config's "auto" chose it
            "batch_size": plan["batch_size"],
            "batch_size_auto": plan["batch_size_auto"],
            "org_items": len(org_item_ids),
            "owners": len(plan["owners"]),  # each a pipeline: its listing, its batches, its work items
            "listing_pages": plan["listing_pages"],
        },
        "config": plan["config"],
        "output_keys": keys,
    }
    errors_document = {"run_id": run_id, "count": len(errors), "errors": errors, "orgs": list(org_errors.values()),
                       "warnings": plan["warnings"] + merged.warnings}
    store.put_json(keys["errors"], errors_document)
    for name, found in by_collector.items():
        _write_collector_outputs(store, keys, REGISTRY[name].schema_version, name, run_id, started_at, found,
                                 pointers[name])
    store.put_json(keys["coverage"], {"run_id": run_id, "entries": coverage})
    records_of = {**({INVENTORY_COLLECTOR.name: inventory} if inventory is not None else {}), **by_collector}
    comparison = compare_with_previous(store, summary, records_of, disk)
    summary["since_previous_run"] = comparison.summary()
    webhooks = read_period(store, period_days((comparison.previous or {}).get("started_at"), started_at))
    summary["webhooks"] = webhooks.totals()  # the period's webhook figures; None when no webhook came
    # the planning step's prediction against what the run spent
    summary["budget"] = against_run(plan["prediction"], summary["api"])
    store.put_json(keys["summary"], summary)
    write_report(store, keys["report"], summary, records_of, {INVENTORY_COLLECTOR.name: context, **contexts}, coverage,
                 errors_document, comparison, webhooks_section(webhooks))
    if inventory is not None:
        header = document_header(run_id, len(inventory), started_at, INVENTORY_COLLECTOR.schema_version)
        store.put_lines(keys["repositories"], document_lines(header, "repositories", inventory))
        _write_latest(store, keys["repositories"], names.LATEST_REPOSITORIES_KEY, names.LATEST_RUN_KEY, run_id,
                      started_at, store.get_json(names.LATEST_RUN_KEY))
        store.put_lines(keys["dataset"], dataset_lines(run_id, inventory), "application/x-ndjson")
    counts = {name: {"records": s["records"], **s["coverage"]} for name, s in summary["collectors"].items()}
    if inventory is not None:
        counts = {INVENTORY_COLLECTOR.name: {"records": len(inventory), "failed": len(errors),
                                             **_coverage_counts(coverage, INVENTORY_COLLECTOR.name)}, **counts}
    return {
        "run_id": run_id, "status": status, "repos_ok": len(answered), "repos_failed": len(errors),
        "points_used": summary["api"]["points_used"], "requests": summary["api"]["requests"],
        "rest_requests": rest_requests, "duration_s": duration, "output_keys": keys,
        # per collector: records, and coverage by status (the ledger keeps it; `ghstats status` shows it)
        "collectors": counts,
        # since the previous run of the collection: counts per collector and kind (RunCompleted's detail)
        "since_previous_run": summary["since_previous_run"],
    }
