"""repository_stats' diff of two runs: repositories added, removed, renamed, archived and
unarchived, visibility changes, and the biggest movers in stars, forks, open issues and PRs."""

from __future__ import annotations

from typing import Any, Mapping

from ghstats.collectors.diffs import Changes
from ghstats.collectors.unit import Record
from ghstats.limits import REPORT_TOP
from ghstats.report.blocks import Smallest

MOVER_FIELDS = ("stars", "forks", "open_issues", "open_pull_requests")


def diff(before: Mapping[str, Record], after: Mapping[str, Record]) -> Changes:
    # a rename keeps GitHub's node id: the same repository under another name
    old_by_id = {r["id"]: k for k, r in before.items() if r.get("id")}
    renamed = {}
    for key, record in after.items():
        old = old_by_id.get(record.get("id")) if record.get("id") else None
        if old is not None and old != key and old not in after:
            renamed[old] = key
    now_of = {k: renamed.get(k, k) for k in before}  # before's key -> its key in `after`
    both = [(k, now_of[k]) for k in before if now_of[k] in after]
    archived: list[dict[str, Any]] = []
    unarchived: list[dict[str, Any]] = []
    visibility: list[dict[str, Any]] = []
    movers = {field: Smallest(REPORT_TOP) for field in MOVER_FIELDS}
    for old, new in both:  # each pair read once (held records are decoded on reading)
        was, now = before[old], after[new]
        if not was["is_archived"] and now["is_archived"]:
            archived.append({"key": new})
        if was["is_archived"] and not now["is_archived"]:
            unarchived.append({"key": new})
        if was["visibility"] != now["visibility"]:
            visibility.append({"key": new, "from": was["visibility"], "to": now["visibility"]})
        for field in MOVER_FIELDS:
            if now[field] != was[field]:
                change = now[field] - was[field]
                movers[field].add((-abs(change), new.lower()), {"key": new, "from": was[field], "to": now[field],
                                                                "change": change})
    changes: Changes = {
        "added": [{"key": k} for k in sorted(set(after) - set(now_of.values()), key=str.lower)],
        "removed": [{"key": k} for k in sorted(set(before) - {k for k, _ in both}, key=str.lower)],
        "renamed": [{"from": old, "to": new} for old, new in sorted(renamed.items(), key=lambda kv: kv[0].lower())],
        "archived": archived,
        "unarchived": unarchived,
        "visibility_changed": visibility,
    }
    for field in MOVER_FIELDS:
        changes[f"{field}_movers"] = movers[field].rows()
    return changes


def totals_change(before: Mapping[str, Record], after: Mapping[str, Record]) -> dict[str, Any]:
    """The change of each mover field summed over every repository."""
    return {field: sum(r[field] for r in after.values()) - sum(r[field] for r in before.values()) for field in MOVER_FIELDS}
