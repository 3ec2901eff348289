"""traffic's section of the run's report: views and clones per day, the most viewed repositories,
and any gap in the kept history."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ghstats.collectors.traffic.record import DAY, REFERRER
from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS, REPORT_TOP
from ghstats.report.blocks import Chart, Figures, Section, Table, limited_table


def sections(records: dict[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: {"views": 0, "clones": 0})
    referrers: dict[str, int] = defaultdict(int)
    for record in records.values():
        if record["kind"] == DAY:
            per_day[record["day"]]["views"] += record.get("views") or 0
            per_day[record["day"]]["clones"] += record.get("clones") or 0
        elif record["kind"] == REFERRER:
            referrers[record["referrer"]] += record.get("count") or 0
    days = sorted(per_day)
    top_referrers = sorted(referrers.items(), key=lambda kv: (-kv[1], kv[0]))[:REPORT_TOP]
    span = summary.get("days") or {}
    return [Section("traffic", "Traffic", [
        Figures({"repositories": summary["repositories"], "views": summary["views"], "clones": summary["clones"],
                 "history gaps": len(summary["history_gaps"])}),
        Chart("Views and clones per day, every repository", "line", days,
              {"views": [per_day[d]["views"] for d in days], "clones": [per_day[d]["clones"] for d in days]}, "day"),
        Table("Most viewed repositories", ["repository", "views", "unique visitors"],
              [[m["repository"], m["views"], m["views_uniques"]] for m in summary["most_viewed"]]),
        Table("Top referrers", ["referrer", "views"], top_referrers),
        limited_table("Gaps in the kept history (days no run saw)", ["repository", "from", "to", "days"],
                      [[g["repository"], g["from"], g["to"], g["days"]] for g in summary["history_gaps"]],
                      REPORT_MAX_ROWS),
    ], intro=f"GitHub shows 14 days ({span.get('from', '?')} to {span.get('to', '?')} in this run); ghstats keeps "
             "every day it saw in datasets/traffic/ (one row per repository and day).")]
