"""repository_stats' sections of the run's report: overview, activity, issues and pull requests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping

from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS, REPORT_TOP
from ghstats.report.blocks import Chart, Figures, Section, Smallest, Table
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


@dataclass
class _Scan:
    """What the sections need of the records, read in one pass (a record is decoded once)."""

    per_owner: Counter = field(default_factory=Counter)  # (owner, visibility) -> repositories
    languages: Counter = field(default_factory=Counter)
    licences: Counter = field(default_factory=Counter)
    buckets: Counter = field(default_factory=Counter)  # active repositories by last push
    by_stars: Smallest = field(default_factory=lambda: Smallest(REPORT_MAX_ROWS))
    stalest: Smallest = field(default_factory=lambda: Smallest(REPORT_TOP))
    empty: Smallest = field(default_factory=lambda: Smallest(REPORT_MAX_ROWS))
    busiest: Smallest = field(default_factory=lambda: Smallest(REPORT_TOP))


def scan(records: Mapping[str, Record], now: float) -> _Scan:
    found = _Scan()
    for r in records.values():
        name = r["name_with_owner"]
        found.per_owner[(r["owner"], r["visibility"] or UNKNOWN)] += 1
        found.languages[r["primary_language"] or "none"] += 1
        found.licences[r["license"] or "none"] += 1
        found.by_stars.add((-r["stars"], name.lower()), [
            name, (r["visibility"] or UNKNOWN).lower(), r["primary_language"] or "", r["license"] or "", r["stars"],
            r["forks"], r["open_issues"], r["open_pull_requests"], (r["pushed_at"] or "")[:10], r["is_archived"],
            r["is_fork"]])
        if not r["is_archived"]:
            found.buckets[push_bucket(r, now)] += 1
            if r["pushed_at"]:
                found.stalest.add((r["pushed_at"], name.lower()), [
                    name, r["pushed_at"][:10], round(age_days(r["pushed_at"], now) or 0), r["open_issues"],
                    r["open_pull_requests"]])
        if r["is_empty"]:
            found.empty.add(name.lower(), [name, (r["created_at"] or "")[:10], r["is_archived"]])
        found.busiest.add((-(r["open_issues"] + r["open_pull_requests"]), name.lower()), [
            name, r["open_issues"], r["open_pull_requests"], r["merged_pull_requests"],
            merge_share(r["merged_pull_requests"], r["closed_pull_requests"])])
    return found


def overview(found: _Scan, summary: dict[str, Any]) -> Section:
    owners = summary["owners"]
    totals = summary["totals"]
    seen = {visibility for _, visibility in found.per_owner}
    by_visibility = {v: [found.per_owner[(o, v)] for o in owners] for v in (*VISIBILITIES, UNKNOWN) if v in seen}
    return Section("overview", "Overview", [
        Figures({"repositories": totals["repos"], "owners": len(owners), "archived": totals["archived"],
                 "forks": totals["forked"], "templates": totals["templates"], "stars": totals["stars"]}),
        Chart("Repositories by owner and visibility", "stacked", list(owners),
              {v.lower(): counts for v, counts in by_visibility.items()}, "owner"),
        Table("Totals by owner", ["owner", "repositories", "archived", "forks", "templates", "stars", "watchers"],
              [[o, c["repos"], c["archived"], c["forked"], c["templates"], c["stars"], c["watchers"]]
               for o, c in owners.items()]),
        Chart("Primary languages", "horizontal", *_pair(_top(found.languages), "repositories"), "language"),
        Chart("Licences", "horizontal", *_pair(_top(found.licences), "repositories"), "licence"),
        found.by_stars.table("Repositories", ["repository", "visibility", "language", "licence", "stars", "forks",
                                              "open issues", "open PRs", "pushed", "archived", "fork"]),
    ])


def _pair(top: tuple[list[str], list[int]], series: str) -> tuple[list[str], dict[str, list[int]]]:
    return top[0], {series: top[1]}


def push_bucket(record: Record, now: float) -> str:
    age = age_days(record["pushed_at"], now)
    if age is None:
        return NEVER
    return next((label for days, label in PUSH_BUCKETS if age <= days), OLDER)


def activity(found: _Scan) -> Section:
    labels = [label for _, label in PUSH_BUCKETS] + [OLDER, NEVER]
    return Section("activity", "Activity", [
        Chart("Active (not archived) repositories by last push", "bar", labels,
              {"repositories": [found.buckets.get(label, 0) for label in labels]}, "last push"),
        Table(f"The {REPORT_TOP} stalest active repositories", ["repository", "pushed", "days ago", "open issues",
                                                                "open PRs"], found.stalest.rows()),
        found.empty.table("Empty repositories", ["repository", "created", "archived"]),
    ], intro="Days since the last push, on the day of the run.")


def merge_share(merged: int, closed: int) -> float | None:
    """The share of finished pull requests that were merged, in percent (None: none finished)."""
    return round(100 * merged / (merged + closed), 1) if merged + closed else None


def issues_and_pulls(found: _Scan, summary: dict[str, Any]) -> Section:
    owners = summary["owners"]
    return Section("issues", "Issues and pull requests", [
        Chart("Open issues and pull requests by owner", "bar", list(owners),
              {"open issues": [c["open_issues"] for c in owners.values()],
               "open pull requests": [c["open_pull_requests"] for c in owners.values()]}, "owner"),
        Table("Pull requests by owner", ["owner", "open", "merged", "closed unmerged", "merged share %"],
              [[o, c["open_pull_requests"], c["merged_pull_requests"], c["closed_pull_requests"],
                merge_share(c["merged_pull_requests"], c["closed_pull_requests"])] for o, c in owners.items()]),
        Table(f"The {REPORT_TOP} repositories with most open issues and pull requests",
              ["repository", "open issues", "open PRs", "merged PRs", "merged share %"], found.busiest.rows()),
    ], intro="Merged share: merged pull requests of all closed ones (merged or closed unmerged).")


def sections(records: Mapping[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
    if not records:
        return []
    found = scan(records, context.now)
    return [overview(found, summary), activity(found), issues_and_pulls(found, summary)]
