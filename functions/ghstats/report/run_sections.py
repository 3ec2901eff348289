"""The report's sections that no collector owns: what could not be collected (coverage), the run
itself (requests, points, duration, cost, errors), and the trends across runs."""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping, Sequence

from ghstats import names
from ghstats.collect.budget import predicted_aws
from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import Chart, Figures, Section, Table, limited_table

def estimated_cost(summary: Mapping[str, Any]) -> float:
    """Dollars, at list prices, of a run of this one's shape: the same counting as `ghstats plan`
    and `make bench` (ghstats.collect.budget.predicted_aws) fed with the run's own counts."""
    api = summary["api"]
    predicted = predicted_aws(int(api.get("batches", 0)), int(api.get("org_items", 0)),
                              int(api.get("listing_requests", 0)), int(summary.get("repos_total", 0)),
                              int(api.get("batch_size") or 1), int(api.get("rest_requests", 0)),
                              owners=int(api.get("owners", 1)), pages=api.get("listing_pages"))
    return predicted["cost_usd"]["total"]


def coverage_section(coverage: Sequence[Mapping[str, Any]]) -> Section:
    counts = Counter((e["collector"], e["status"]) for e in coverage)
    statuses = sorted({status for _, status in counts})
    collectors = sorted({collector for collector, _ in counts})
    missing = [e for e in coverage if e["status"] not in names.COVERAGE_COMPLETE]
    return Section("coverage", "Coverage", [
        Figures({"work items": len(coverage), "complete": len(coverage) - len(missing), "not collected": len(missing)}),
        Table("Coverage by collector", ["collector", *statuses],
              [[c, *(counts.get((c, s), 0) for s in statuses)] for c in collectors]),
        limited_table("What could not be collected, and what to grant",
                      ["collector", "organisation", "repository / list", "status", "GitHub said", "grant"],
                      [[e["collector"], e["org"], e.get("repo") or e.get("list") or "", e["status"],
                        e.get("message") or "", e.get("grant") or ""] for e in missing], REPORT_MAX_ROWS),
    ], intro="ok: read in full; not_applicable: nothing to read (e.g. an archived repository's traffic); "
             "any other status leaves a gap the grant closes.")


def run_section(summary: Mapping[str, Any], errors: Mapping[str, Any]) -> Section:
    api = summary["api"]
    repo_errors = errors.get("errors", {})
    org_errors = errors.get("orgs", [])
    return Section("run", "The run", [
        Figures({"status": summary["status"], "duration (s)": summary["duration_s"], "repositories": summary["repos_total"],
                 "collected": summary["repos_ok"], "in errors": summary["repos_failed"], "GitHub requests": api["requests"],
                 "GraphQL points": api["points_used"], "estimated AWS cost ($)": f"{estimated_cost(summary):.4f}"}),
        Table("GitHub requests and points by bucket", ["bucket", "requests", "points"], [
            ["token check and listing (GraphQL)", api["listing_requests"], api.get("listing_points", "")],
            ["repository batches (GraphQL)", api["batch_requests"], api.get("batch_points", "")],
            ["organisation-level collectors (REST core)", api.get("rest_requests", 0), ""],
            ["of which answered 304 Not Modified (free)", api.get("rest_not_modified", 0), ""],
        ]),
        limited_table("Repositories in errors", ["repository", "error", "message"],
                      [[key, e.get("type", ""), e.get("message", "")] for key, e in repo_errors.items()], REPORT_MAX_ROWS),
        limited_table("Organisations that could not be listed", ["organisation", "error", "message"],
                      [[e.get("org", ""), e.get("type", ""), e.get("message", "")] for e in org_errors], REPORT_MAX_ROWS),
        limited_table("Warnings", ["warning"], [[w] for w in errors.get("warnings", [])], REPORT_MAX_ROWS),
    ], intro="Estimated cost: list prices, counted as `ghstats plan` and `make bench` count a run of this shape "
             "(transitions, Lambda seconds, S3 and DynamoDB requests per batch and work item; see README, Cost).")


def trends_section(points: Sequence[Mapping[str, Any]]) -> Section:
    """Figures of the last runs (the trend index, built from each run's summary)."""
    if len(points) < 2:
        return Section("trends", "Trends across runs", [
            Table("Runs", ["run", "started", "repositories"],
                  [[p["run_id"], p["started_at"][:10], p.get("repositories")] for p in points])],
            intro="One run so far: the trends need two.")
    labels = [p["started_at"][:16].replace("T", " ") for p in points]
    alert_names = sorted({name for p in points for name in p.get("open_alerts", {})})
    blocks: list[Any] = [
        Chart("Repositories", "line", labels, {"repositories": [p.get("repositories") for p in points]}, "run"),
        Chart("Stars", "line", labels, {"stars": [p.get("stars") for p in points]}, "run"),
        Chart("Open issues and pull requests", "line", labels,
              {"open issues": [p.get("open_issues") for p in points],
               "open pull requests": [p.get("open_pull_requests") for p in points]}, "run"),
    ]
    if alert_names:
        blocks.append(Chart("Open alerts", "line", labels,
                            {n: [p.get("open_alerts", {}).get(n) for p in points] for n in alert_names}, "run"))
    blocks.append(Table("Runs", ["run", "started", "status", "repositories", "stars", "open issues", "open PRs"],
                        [[p["run_id"], p["started_at"][:19], p.get("status"), p.get("repositories"), p.get("stars"),
                          p.get("open_issues"), p.get("open_pull_requests")] for p in reversed(points)]))
    return Section("trends", "Trends across runs", blocks, intro=f"The last {len(points)} runs of this collection.")


def change_rows(changes: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]]) -> list[list[Any]]:
    """One row per change: collector, kind, what, detail (from -> to, or the rule, or the change)."""
    rows = []
    for name, kinds in changes.items():
        for kind, items in kinds.items():
            for item in items:
                what = item.get("key") or f"{item.get('from')} → {item.get('to')}"
                detail = (f"{item['from']} → {item['to']}" if "key" in item and "from" in item
                          else item.get("rule") or item.get("severity") or "")
                if "change" in item:
                    detail = f"{detail} ({item['change']:+,})"
                rows.append([name, kind.replace("_", " "), what, detail])
    return rows


def changes_section(previous: Mapping[str, Any] | None, changes: Mapping[str, Any]) -> Section:
    if previous is None:
        return Section("changes", "Since the previous run", [Figures({"earlier runs": 0})],
                       intro="The first run of this collection: nothing to compare with.")
    rows = change_rows(changes)
    counted = [[name, kind.replace("_", " "), len(items)] for name, kinds in changes.items()
               for kind, items in kinds.items() if not kind.endswith("_movers")]
    return Section("changes", "Since the previous run", [
        Table("Changes by collector", ["collector", "change", "count"], counted),
        limited_table("Every change", ["collector", "change", "what", "detail"], rows, REPORT_MAX_ROWS),
    ], intro=f"Compared with run {previous['run_id']} (started {previous['started_at'][:19].replace('T', ' ')} UTC); "
             "movers: the repositories whose figures changed most. `ghstats diff` compares any two runs.")
