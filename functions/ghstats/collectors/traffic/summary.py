"""What a traffic summary answers first: how much the organisation's repositories were seen and
cloned (14 days, per org), the most viewed, the days the run saw, and any gap in the kept history
(a run more than 14 days after the previous one: which repositories, which days, never filled in)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ghstats.collectors.traffic.record import DAY, REPOSITORY
from ghstats.collectors.unit import Record, SummaryContext

NAME = "traffic"
TOP = 10


def summarise_traffic(records: dict[str, Record], context: SummaryContext) -> dict[str, Any]:
    repositories = [r for r in records.values() if r["kind"] == REPOSITORY]
    days = [r for r in records.values() if r["kind"] == DAY]
    per_org: dict[str, dict[str, int]] = {}
    for record in repositories:
        org = per_org.setdefault(record["org"].lower(), {"repositories": 0, "views": 0, "clones": 0})
        org["repositories"] += 1
        org["views"] += record["views"]
        org["clones"] += record["clones"]
    seen = sorted({r["day"] for r in days})
    return {
        "repositories": len(repositories),
        "views": sum(r["views"] for r in repositories),  # 14 days; uniques do not add up across repositories
        "clones": sum(r["clones"] for r in repositories),
        "orgs": dict(sorted(per_org.items())),
        "most_viewed": [{"repository": r["repository"], "views": r["views"], "views_uniques": r["views_uniques"]}
                        for r in sorted(repositories, key=lambda r: (-r["views"], r["repository"].lower()))[:TOP]],
        "days": {"from": seen[0], "to": seen[-1]} if seen else None,
        "history_gaps": history_gaps(days, context.history_before),
    }


def history_gaps(days: list[Record], last_kept: dict[str, str] | Any) -> list[dict[str, Any]]:
    """Per repository whose kept history ends before the day before this run's first day: the
    days no run saw (GitHub no longer shows them)."""
    first: dict[str, str] = {}
    names: dict[str, str] = {}
    for record in days:
        lower = record["repository"].lower()
        names[lower] = record["repository"]
        first[lower] = min(first.get(lower, record["day"]), record["day"])
    gaps = []
    for lower in sorted(first):
        kept = (last_kept or {}).get(lower)
        if kept is None:
            continue  # new to the history: nothing was kept before, nothing is missing
        missing_from = date.fromisoformat(kept) + timedelta(days=1)
        missing_to = date.fromisoformat(first[lower]) - timedelta(days=1)
        if missing_from <= missing_to:
            gaps.append({"repository": names[lower], "from": missing_from.isoformat(), "to": missing_to.isoformat(),
                         "days": (missing_to - missing_from).days + 1})
    return gaps
