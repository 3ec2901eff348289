"""repository_stats' diff of two runs: repositories added, removed, renamed, archived and
unarchived, visibility changes, and the biggest movers in stars, forks, open issues and PRs."""

from __future__ import annotations

from typing import Any, Mapping

from ghstats.collectors.diffs import Changes
from ghstats.collectors.unit import Record
from ghstats.limits import REPORT_TOP

MOVER_FIELDS = ("stars", "forks", "open_issues", "open_pull_requests")


def diff(before: Mapping[str, Record], after: Mapping[str, Record]) -> Changes:
    # a rename keeps GitHub's node id: the same repository under another name
    old_by_id = {r["id"]: k for k, r in before.items() if r.get("id")}
    renamed = {old_by_id[r["id"]]: k for k, r in after.items()
               if r.get("id") in old_by_id and old_by_id[r["id"]] != k and old_by_id[r["id"]] not in after}
    now_of = {k: renamed.get(k, k) for k in before}  # before's key -> its key in `after`
    both = [(k, now_of[k]) for k in before if now_of[k] in after]
    changes: Changes = {
        "added": [{"key": k} for k in sorted(set(after) - set(now_of.values()), key=str.lower)],
        "removed": [{"key": k} for k in sorted(set(before) - {k for k, _ in both}, key=str.lower)],
        "renamed": [{"from": old, "to": new} for old, new in sorted(renamed.items(), key=lambda kv: kv[0].lower())],
        "archived": [{"key": new} for old, new in both if not before[old]["is_archived"] and after[new]["is_archived"]],
        "unarchived": [{"key": new} for old, new in both if before[old]["is_archived"] and not after[new]["is_archived"]],
        "visibility_changed": [{"key": new, "from": before[old]["visibility"], "to": after[new]["visibility"]}
                               for old, new in both if before[old]["visibility"] != after[new]["visibility"]],
    }
    for field in MOVER_FIELDS:
        moves = [{"key": new, "from": before[old][field], "to": after[new][field],
                  "change": after[new][field] - before[old][field]} for old, new in both
                 if after[new][field] != before[old][field]]
        changes[f"{field}_movers"] = sorted(moves, key=lambda m: (-abs(m["change"]), m["key"].lower()))[:REPORT_TOP]
    return changes


def totals_change(before: Mapping[str, Record], after: Mapping[str, Record]) -> dict[str, Any]:
    """The change of each mover field summed over every repository."""
    return {field: sum(r[field] for r in after.values()) - sum(r[field] for r in before.values()) for field in MOVER_FIELDS}
