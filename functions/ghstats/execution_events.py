"""EventBridge's "Step Functions Execution Status Change" event: its model (what TrackRun reads,
checked by Powertools' parser) and, for local runs and tests, the event AWS would send."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field

from ghstats import names
from ghstats.config import DEFAULT_COLLECTION_NAME

DETAIL_TYPE = "Step Functions Execution Status Change"
SOURCE = "aws.states"
ExecutionStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"]


class ExecutionStatusDetail(BaseModel):
    """The event's detail (AWS's field names; dates in epoch milliseconds)."""

    model_config = ConfigDict(extra="ignore")

    executionArn: str | None = None
    name: str
    status: ExecutionStatus
    startDate: int | None = None
    stopDate: int | None = None
    redriveCount: int = 0
    redriveDate: int | None = None
    input: str | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None

    def _json(self, text: str | None) -> dict[str, Any]:
        try:
            value = json.loads(text or "{}")
        except (ValueError, TypeError):
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def run_id(self) -> str:
        """The execution name, unless the input names a run (local re-runs)."""
        given = self._json(self.input).get("run_id")
        return given if isinstance(given, str) and given else self.name

    @property
    def collection(self) -> str:
        """The collection name whose lock the execution took (the config's `name`)."""
        name = self._json(self.input).get("name")
        return name if isinstance(name, str) and name else DEFAULT_COLLECTION_NAME

    @property
    def run_status(self) -> str | None:
        """The run's status in a succeeded execution's output (SUCCEEDED or PARTIAL), if given."""
        status = self._json(self.output).get("status")
        return status if isinstance(status, str) else None


class ExecutionStatusChange(EventBridgeModel):
    detail_type: Literal["Step Functions Execution Status Change"] = Field(alias="detail-type")
    source: Literal["aws.states"]
    detail: ExecutionStatusDetail


def status_change_event(detail: dict[str, Any], *, account: str = "123456789012", region: str = "us-east-1",
                        at: datetime | None = None) -> dict[str, Any]:
    """The event EventBridge delivers for `detail` (what the local runner and tests hand TrackRun)."""
    when = (at or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"version": "0", "id": f"local-{detail.get('name', 'execution')}-{detail.get('status', '')}",
            "detail-type": DETAIL_TYPE, "source": SOURCE, "account": account, "time": when, "region": region,
            "resources": [detail["executionArn"]] if detail.get("executionArn") else [], "detail": detail}


# A Distributed Map fails with this when a child execution failed (our ASL tolerates none).
MAP_THRESHOLD_ERROR = "States.ExceedToleratedFailureThreshold"


def explained_failure(error: str | None, cause: str | None, failed_batches: list[dict[str, Any]],
                      failed_owners: list[dict[str, Any]] = ()) -> tuple[str | None, str | None]:
    """The execution's error and cause as the run record keeps them. A Distributed Map says only
    that its threshold was exceeded; the owners whose listing the ledger has FAILED, then the
    batches it has FAILED, say why (GitHub's 502, a token without access): the first of them
    becomes the run's error, the cause names it and how many more failed. With none (an
    organisation-level item failed), the map's own words."""
    if error != MAP_THRESHOLD_ERROR:
        return error, cause
    owners = sorted((o for o in failed_owners if o.get("status") == names.OWNER_FAILED and o.get("error")),
                    key=lambda o: str(o.get("owner_name", "")).lower())
    failed = sorted((b for b in failed_batches if b.get("status") == "FAILED" and b.get("error")),
                    key=lambda b: b["batch_id"])
    named = [(o["error"], f"listing {o.get('owner_name')}", o.get("cause")) for o in owners]
    named += [(b["error"], f"batch {b['batch_id']}", b.get("cause")) for b in failed]
    if not named:
        return error, cause
    first_error, what, first_cause = named[0]
    more = ""
    if len(named) > 1:
        counts = [f"{n} more {kind}" for n, kind in ((len(owners) - (1 if owners else 0), "listings"),
                                                      (len(failed) - (0 if owners else 1), "batches")) if n]
        more = f" (and {' and '.join(counts)} failed)"
    return first_error, f"{what}: {first_cause or ''}{more}"
