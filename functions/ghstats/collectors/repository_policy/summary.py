"""repository_policy in summary.json: per org, each rule's pass / fail / unknown counts, the mean
score, and the repositories that fail most."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ghstats.collectors.repository_policy.verdict import FAIL, PASS, RULES, UNKNOWN
from ghstats.collectors.unit import Record, SummaryContext

WORST_LISTED = 10  # repositories with the most failed rules, per org


def _rule_counts(records: list[Record]) -> dict[str, dict[str, int]]:
    counts = {name: {PASS: 0, FAIL: 0, UNKNOWN: 0} for name in RULES}
    for record in records:
        for name, outcome in record["verdict"]["rules"].items():
            counts[name][outcome] += 1
    return {name: c for name, c in counts.items() if any(c.values())}


def _mean_score(records: list[Record]) -> float | None:
    scores = [r["verdict"]["score"] for r in records if r["verdict"]["score"] is not None]
    return round(sum(scores) / len(scores), 2) if scores else None


def summarise(records: dict[str, Record], context: SummaryContext) -> dict[str, Any]:
    by_org: dict[str, list[Record]] = defaultdict(list)
    for record in records.values():
        by_org[record["repository"].split("/", 1)[0]].append(record)
    orgs = {}
    for org, found in sorted(by_org.items(), key=lambda kv: kv[0].lower()):
        worst = sorted((r for r in found if r["verdict"]["failed"]),
                       key=lambda r: (-len(r["verdict"]["failed"]), r["repository"].lower()))[:WORST_LISTED]
        orgs[org] = {"repositories": len(found), "mean_score": _mean_score(found), "rules": _rule_counts(found),
                     "most_failed": [{"repository": r["repository"], "failed": r["verdict"]["failed"]} for r in worst]}
    every = list(records.values())
    return {"mean_score": _mean_score(every), "rules": _rule_counts(every), "orgs": orgs}
