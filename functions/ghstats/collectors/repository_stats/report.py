"""repository_stats' sections of the run's report: overview, activity, issues and pull requests."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS, REPORT_TOP
from ghstats.report.blocks import Chart, Figures, Section, Table, limited_table
from ghstats.report.dates import age_days

VISIBILITIES = ("PUBLIC", "INTERNAL", "PRIVATE")
UNKNOWN = "UNKNOWN"  # GitHub's answer had no visibility
PUSH_BUCKETS = ((30, "within 30 days"), (90, "31–90 days"), (365, "91–365 days"))
OLDER, NEVER = "over a year", "never pushed"


def _top(counter: Counter, limit: int = 10) -> tuple[list[str], list[int]]:
    common = counter.most_common(limit)
    rest = sum(counter.values()) - sum(n for _, n in common)
    labels, values = [k for k, _ in common], [n for _, n in common]
    if rest:
        labels, values = [*labels, "other"], [*values, rest]
    return labels, values


def overview(records: dict[str, Record], summary: dict[str, Any]) -> Section:
    owners = summary["owners"]
    totals = summary["totals"]
    per_owner = Counter((r["owner"], r["visibility"] or UNKNOWN) for r in records.values())  # one pass
    seen = {visibility for _, visibility in per_owner}
    by_visibility = {v: [per_owner[(o, v)] for o in owners] for v in (*VISIBILITIES, UNKNOWN) if v in seen}
    languages = _top(Counter(r["primary_language"] or "none" for r in records.values()))
    licences = _top(Counter(r["license"] or "none" for r in records.values()))
    rows = [[r["name_with_owner"], (r["visibility"] or UNKNOWN).lower(), r["primary_language"] or "", r["license"] or "",
             r["stars"], r["forks"], r["open_issues"], r["open_pull_requests"], (r["pushed_at"] or "")[:10],
             r["is_archived"], r["is_fork"]]
            for r in sorted(records.values(), key=lambda r: (-r["stars"], r["name_with_owner"].lower()))]
    return Section("overview", "Overview", [
        Figures({"repositories": totals["repos"], "owners": len(owners), "archived": totals["archived"],
                 "forks": totals["forked"], "templates": totals["templates"], "stars": totals["stars"]}),
        Chart("Repositories by owner and visibility", "stacked", list(owners),
              {v.lower(): counts for v, counts in by_visibility.items()}, "owner"),
        Table("Totals by owner", ["owner", "repositories", "archived", "forks", "templates", "stars", "watchers"],
              [[o, c["repos"], c["archived"], c["forked"], c["templates"], c["stars"], c["watchers"]]
               for o, c in owners.items()]),
        Chart("Primary languages", "horizontal", *_pair(languages, "repositories"), "language"),
        Chart("Licences", "horizontal", *_pair(licences, "repositories"), "licence"),
        limited_table("Repositories", ["repository", "visibility", "language", "licence", "stars", "forks",
                                       "open issues", "open PRs", "pushed", "archived", "fork"], rows, REPORT_MAX_ROWS),
    ])


def _pair(top: tuple[list[str], list[int]], series: str) -> tuple[list[str], dict[str, list[int]]]:
    return top[0], {series: top[1]}


def push_bucket(record: Record, now: float) -> str:
    age = age_days(record["pushed_at"], now)
    if age is None:
        return NEVER
    return next((label for days, label in PUSH_BUCKETS if age <= days), OLDER)


def activity(records: dict[str, Record], now: float) -> Section:
    active = [r for r in records.values() if not r["is_archived"]]
    buckets = Counter(push_bucket(r, now) for r in active)
    labels = [label for _, label in PUSH_BUCKETS] + [OLDER, NEVER]
    stalest = sorted((r for r in active if r["pushed_at"]), key=lambda r: (r["pushed_at"], r["name_with_owner"].lower()))
    empty = sorted((r for r in records.values() if r["is_empty"]), key=lambda r: r["name_with_owner"].lower())
    return Section("activity", "Activity", [
        Chart("Active (not archived) repositories by last push", "bar", labels,
              {"repositories": [buckets.get(label, 0) for label in labels]}, "last push"),
        limited_table(f"The {REPORT_TOP} stalest active repositories", ["repository", "pushed", "days ago", "open issues",
                                                                        "open PRs"],
                      [[r["name_with_owner"], r["pushed_at"][:10], round(age_days(r["pushed_at"], now) or 0),
                        r["open_issues"], r["open_pull_requests"]] for r in stalest[:REPORT_TOP]], REPORT_TOP),
        limited_table("Empty repositories", ["repository", "created", "archived"],
                      [[r["name_with_owner"], (r["created_at"] or "")[:10], r["is_archived"]] for r in empty],
                      REPORT_MAX_ROWS),
    ], intro="Days since the last push, on the day of the run.")


def merge_share(merged: int, closed: int) -> float | None:
    """The share of finished pull requests that were merged, in percent (None: none finished)."""
    return round(100 * merged / (merged + closed), 1) if merged + closed else None


def issues_and_pulls(records: dict[str, Record], summary: dict[str, Any]) -> Section:
    owners = summary["owners"]
    most = sorted(records.values(), key=lambda r: (-(r["open_issues"] + r["open_pull_requests"]),
                                                   r["name_with_owner"].lower()))
    return Section("issues", "Issues and pull requests", [
        Chart("Open issues and pull requests by owner", "bar", list(owners),
              {"open issues": [c["open_issues"] for c in owners.values()],
               "open pull requests": [c["open_pull_requests"] for c in owners.values()]}, "owner"),
        Table("Pull requests by owner", ["owner", "open", "merged", "closed unmerged", "merged share %"],
              [[o, c["open_pull_requests"], c["merged_pull_requests"], c["closed_pull_requests"],
                merge_share(c["merged_pull_requests"], c["closed_pull_requests"])] for o, c in owners.items()]),
        Table(f"The {REPORT_TOP} repositories with most open issues and pull requests",
              ["repository", "open issues", "open PRs", "merged PRs", "merged share %"],
              [[r["name_with_owner"], r["open_issues"], r["open_pull_requests"], r["merged_pull_requests"],
                merge_share(r["merged_pull_requests"], r["closed_pull_requests"])] for r in most[:REPORT_TOP]]),
    ], intro="Merged share: merged pull requests of all closed ones (merged or closed unmerged).")


def sections(records: dict[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
    if not records:
        return []
    return [overview(records, summary), activity(records, context.now), issues_and_pulls(records, summary)]
