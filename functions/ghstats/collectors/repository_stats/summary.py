"""Repository statistics in summary.json: totals per owner and in all."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ghstats.collectors.unit import SummaryContext

# Per-owner totals in summary.json: output name -> record field summed.
SUMMED_FIELDS = {
    "stars": "stars",
    "forks": "forks",
    "watchers": "watchers",
    "open_issues": "open_issues",
    "closed_issues": "closed_issues",
    "open_pull_requests": "open_pull_requests",
    "closed_pull_requests": "closed_pull_requests",
    "merged_pull_requests": "merged_pull_requests",
}
# Per-owner counts of repositories with a flag set.
FLAG_COUNTS = {"archived": "is_archived", "forked": "is_fork", "templates": "is_template"}


def owner_totals(records: dict[str, dict[str, Any]], errors: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = defaultdict(
        lambda: {"repos": 0, **{k: 0 for k in SUMMED_FIELDS}, **{k: 0 for k in FLAG_COUNTS}, "errors": 0}
    )
    for record in records.values():
        owner = totals[record["owner"]]
        owner["repos"] += 1
        for out, field in SUMMED_FIELDS.items():
            owner[out] += int(record[field])
        for out, field in FLAG_COUNTS.items():
            owner[out] += int(bool(record[field]))
    for key in errors:
        totals[key.split("/", 1)[0]]["errors"] += 1
    return {owner: totals[owner] for owner in sorted(totals, key=str.lower)}


def grand_total(per_owner: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for counts in per_owner.values():
        for name, value in counts.items():
            total[name] += value
    return dict(total)


def summarise(records: dict[str, dict[str, Any]], context: SummaryContext) -> dict[str, Any]:
    """summary.json's "owners" and "totals"."""
    per_owner = owner_totals(records, dict(context.errors))
    return {"totals": grand_total(per_owner), "owners": per_owner}
