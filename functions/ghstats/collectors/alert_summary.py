"""What security teams ask of any alert collector first: open alerts by severity, the oldest
open alert, time to fix, and SLO breaches (open longer than the config's slo_days allow)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

from ghstats.collectors.unit import Record, SummaryContext

SEVERITIES = ("critical", "high", "medium", "low")


def _epoch(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() if iso else None


def _days(seconds: float) -> float:
    return round(seconds / 86_400, 1)


UNRATED = "unrated"  # an alert kind GitHub gives no severity (secret scanning): no SLO applies


def _since(records: dict[str, Record], previous: Any) -> dict[str, Any] | None:
    """Alerts opened, fixed and dismissed after the collector's previous run started (None: no
    earlier run). Dates, not a diff of two runs' records: it reads no earlier output."""
    if not previous:
        return None
    start = _epoch(previous["started_at"])

    def after(field: str) -> int:
        return sum(1 for r in records.values() if (t := _epoch(r.get(field))) is not None and t > start)

    return {"previous_run_id": previous["run_id"], "previous_started_at": previous["started_at"],
            "opened": after("created_at"), "fixed": after("fixed_at"), "dismissed": after("dismissed_at")}


def summarise_alerts(records: dict[str, Record], context: SummaryContext) -> dict[str, Any]:
    """Per org and per repository: open alerts by severity, the oldest open one's age in days,
    SLO breaches by severity; over all: the same, and the median days from created to fixed.

    A record is open when its state is "open"; it was fixed when it has a `fixed_at`."""

    def empty() -> dict[str, Any]:
        return {"alerts": 0, "open": 0, "open_by_severity": {s: 0 for s in (*SEVERITIES, UNRATED)},
                "oldest_open_days": None, "slo_breaches": {s: 0 for s in SEVERITIES}}

    total, orgs, repos = empty(), defaultdict(empty), defaultdict(empty)
    days_to_fix: list[float] = []
    for record in records.values():
        org = record["repository"].split("/", 1)[0]
        places = (total, orgs[org], repos[record["repository"]])
        for place in places:
            place["alerts"] += 1
        created, fixed = _epoch(record.get("created_at")), _epoch(record.get("fixed_at"))
        if created is not None and fixed is not None:
            days_to_fix.append(_days(fixed - created))
        if record["state"] != "open":
            continue
        severity = record.get("severity") if record.get("severity") in SEVERITIES else UNRATED
        age = _days(context.now - created) if created is not None else None
        for place in places:
            place["open"] += 1
            place["open_by_severity"][severity] += 1
            if age is not None and (place["oldest_open_days"] is None or age > place["oldest_open_days"]):
                place["oldest_open_days"] = age
            if age is not None and severity in context.slo_days and age > context.slo_days[severity]:
                place["slo_breaches"][severity] += 1
    return {
        **total,
        "since_previous_run": _since(records, context.previous),
        "median_days_to_fix": statistics.median(days_to_fix) if days_to_fix else None,
        "slo_days": dict(context.slo_days),
        "orgs": {org: orgs[org] for org in sorted(orgs, key=str.lower)},
        "repositories": {repo: repos[repo] for repo in sorted(repos, key=str.lower) if repos[repo]["open"]},
    }
