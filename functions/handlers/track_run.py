"""TrackRun: keep the ledger's run record true from "Step Functions Execution Status Change"."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from aws_lambda_powertools.utilities.parser import parse

from ghstats import names
from ghstats.execution_events import MAP_THRESHOLD_ERROR, ExecutionStatusChange, ExecutionStatusDetail, explained_failure
from handlers import dependencies
from handlers.observability import logged_invocation, logger, tracer


def _iso_ms(value: Any) -> str | None:
    if not value:
        return None
    return datetime.fromtimestamp(int(value) / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@logged_invocation(None)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any, deps: dependencies.Dependencies | None = None) -> dict[str, Any]:
    deps = deps or dependencies.from_environment()
    detail = parse(event=event, model=ExecutionStatusChange).detail  # a malformed event fails here, whole
    run_id = detail.run_id
    logger.thread_safe_append_keys(correlation_id=run_id)
    status = detail.status
    at = _iso_ms(detail.stopDate) if status != "RUNNING" else _iso_ms(detail.redriveDate or detail.startDate)
    error, cause = detail.error, detail.cause
    if error == MAP_THRESHOLD_ERROR:  # which owner's listing or batch failed, and why: the ledger knows
        error, cause = explained_failure(error, cause, deps.ledger.get_batches(run_id), deps.ledger.get_owners(run_id))
    applied = deps.ledger.apply_execution_status(
        run_id, status, detail.redriveCount, error=error, cause=cause, at=at,
        run_status=detail.run_status, execution_arn=detail.executionArn, started_at=_iso_ms(detail.startDate),
    )
    lock = _keep_lock(deps, detail, at)
    logger.info("execution status", extra={"status": status, "applied": applied, "lock": lock})
    return {"run_id": run_id, "status": status, "applied": applied, "lock": lock}


def _keep_lock(deps: dependencies.Dependencies, detail: ExecutionStatusDetail, at: str | None) -> str | None:
    """An execution that ended frees its collection's lock (if it holds it); a redriven one takes
    it back, since it runs again. Returns what was done, for the log and the tests."""
    arn, collection = detail.executionArn, detail.collection
    if not arn:
        return None
    if detail.status in (names.SUCCEEDED, *names.TERMINAL_FAILURES):
        return "released" if deps.ledger.release_lock(collection, arn, detail.stopDate) else None
    if detail.status == names.RUNNING and detail.redriveCount:
        taken = detail.redriveDate or detail.startDate
        if deps.ledger.take_lock(collection, detail.run_id, arn, at or "", taken):
            return "taken"
        holder = deps.ledger.get_lock(collection) or {}
        logger.warning("a redriven run runs beside another run of its collection",
                       extra={"collection": collection, "holder_run_id": holder.get("run_id")})
        return "held_by_another"
    return None
