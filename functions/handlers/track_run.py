"""TrackRun: keep the ledger's run record true from "Step Functions Execution Status Change"."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ghstats import names
from ghstats.config import DEFAULT_COLLECTION_NAME
from handlers import dependencies
from handlers.observability import logged_invocation, logger, tracer


def _input_of(detail: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(detail.get("input") or "{}")
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def run_id_of(detail: dict[str, Any]) -> str:
    """The execution name, unless the input names a run (local re-runs)."""
    given = _input_of(detail).get("run_id")
    return given if isinstance(given, str) and given else detail["name"]


def collection_of(detail: dict[str, Any]) -> str:
    """The collection name whose lock the execution took (the config's `name`)."""
    name = _input_of(detail).get("name")
    return name if isinstance(name, str) and name else DEFAULT_COLLECTION_NAME


def run_status_of(detail: dict[str, Any]) -> str | None:
    """The run's status in a succeeded execution's output (SUCCEEDED or PARTIAL), if given."""
    try:
        output = json.loads(detail.get("output") or "{}")
    except (ValueError, TypeError):
        return None
    return output.get("status") if isinstance(output, dict) else None


def _iso_ms(value: Any) -> str | None:
    if not value:
        return None
    return datetime.fromtimestamp(int(value) / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@logged_invocation(None)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any, deps: dependencies.Dependencies | None = None) -> dict[str, Any]:
    deps = deps or dependencies.from_environment()
    detail = event["detail"]
    run_id = run_id_of(detail)
    logger.thread_safe_append_keys(correlation_id=run_id)
    status = detail["status"]
    at = _iso_ms(detail.get("stopDate")) if status != "RUNNING" else _iso_ms(detail.get("redriveDate") or detail.get("startDate"))
    redrive_count = int(detail.get("redriveCount") or 0)
    arn = detail.get("executionArn")
    applied = deps.ledger.apply_execution_status(
        run_id, status, redrive_count, error=detail.get("error"), cause=detail.get("cause"), at=at,
        run_status=run_status_of(detail), execution_arn=arn, started_at=_iso_ms(detail.get("startDate")),
    )
    lock = _keep_lock(deps, detail, run_id, status, redrive_count, at)
    logger.info("execution status", extra={"status": status, "applied": applied, "lock": lock})
    return {"run_id": run_id, "status": status, "applied": applied, "lock": lock}


def _keep_lock(deps: dependencies.Dependencies, detail: dict[str, Any], run_id: str, status: str,
               redrive_count: int, at: str | None) -> str | None:
    """An execution that ended frees its collection's lock (if it holds it); a redriven one takes
    it back, since it runs again. Returns what was done, for the log and the tests."""
    arn, collection = detail.get("executionArn"), collection_of(detail)
    if not arn:
        return None
    if status in (names.SUCCEEDED, *names.TERMINAL_FAILURES):
        ended = detail.get("stopDate")
        return "released" if deps.ledger.release_lock(collection, arn, int(ended) if ended else None) else None
    if status == names.RUNNING and redrive_count:
        taken = detail.get("redriveDate") or detail.get("startDate")
        if deps.ledger.take_lock(collection, run_id, arn, at or "", int(taken) if taken else None):
            return "taken"
        holder = deps.ledger.get_lock(collection) or {}
        logger.warning("a redriven run runs beside another run of its collection",
                       extra={"collection": collection, "holder_run_id": holder.get("run_id")})
        return "held_by_another"
    return None
