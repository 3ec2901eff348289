"""The trend index (latest/trend.json): a few figures of each run, from its summary, so the report's
trends read one small object instead of every earlier run's records."""

from __future__ import annotations

from typing import Any, Mapping

from ghstats.limits import REPORT_TREND_RUNS

KEPT = 4 * REPORT_TREND_RUNS  # points kept in the index (several collections may share a bucket)


def point(summary: Mapping[str, Any]) -> dict[str, Any]:
    """What the trends show of one run."""
    totals = summary.get("totals") or {}
    collectors = summary.get("collectors", {})
    return {
        "run_id": summary["run_id"], "started_at": summary["started_at"], "status": summary["status"],
        "collection": summary["config"].get("name", "default"),
        "repositories": totals.get("repos"), "stars": totals.get("stars"), "open_issues": totals.get("open_issues"),
        "open_pull_requests": totals.get("open_pull_requests"),
        "open_alerts": {name: s["open"] for name, s in collectors.items() if "open_by_severity" in s},
    }


def with_point(index: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """The index with `new` in it once (a re-run of a run replaces its point), oldest first."""
    points = [p for p in (index or {}).get("runs", []) if p["run_id"] != new["run_id"]]
    points = sorted([*points, dict(new)], key=lambda p: (p["started_at"], p["run_id"]))
    return {"runs": points[-KEPT:]}


def of_collection(index: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The last runs of `new`'s collection up to and including it (not the runs started after it)."""
    same = [p for p in index["runs"] if p["collection"] == new["collection"]
            and (p["started_at"], p["run_id"]) <= (new["started_at"], new["run_id"])]
    return same[-REPORT_TREND_RUNS:]
