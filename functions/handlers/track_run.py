"""TrackRun: keep the ledger's run record true from "Step Functions Execution Status Change"."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from handlers import dependencies
from handlers.observability import logged_invocation, logger, tracer


def run_id_of(detail: dict[str, Any]) -> str:
    """The execution name, unless the input names a run (local re-runs)."""
    try:
        given = json.loads(detail.get("input") or "{}").get("run_id")
    except (ValueError, AttributeError):
        given = None
    return given or detail["name"]


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
    applied = deps.ledger.apply_execution_status(
        run_id, status, int(detail.get("redriveCount") or 0),
        error=detail.get("error"), cause=detail.get("cause"), at=at, run_status=run_status_of(detail),
    )
    logger.info("execution status", extra={"status": status, "applied": applied})
    return {"run_id": run_id, "status": status, "applied": applied}
