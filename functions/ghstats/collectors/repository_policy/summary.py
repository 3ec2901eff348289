"""repository_policy in summary.json: per org, each rule's pass / fail / unknown counts, the mean
score, and the repositories that fail most."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping

from ghstats.collectors.repository_policy.verdict import FAIL, PASS, RULES, UNKNOWN
from ghstats.collectors.unit import Record, SummaryContext
from ghstats.report.blocks import Smallest

WORST_LISTED = 10  # repositories with the most failed rules, per org


@dataclass
class _Tally:
    """One org's (or every org's) rule outcomes and scores, added a record at a time."""

    repositories: int = 0
    scores: list[float] = field(default_factory=list)
    rules: dict[str, dict[str, int]] = field(default_factory=lambda: {n: {PASS: 0, FAIL: 0, UNKNOWN: 0} for n in RULES})
    worst: Smallest = field(default_factory=lambda: Smallest(WORST_LISTED))

    def add(self, record: Record) -> None:
        verdict = record["verdict"]
        self.repositories += 1
        if verdict["score"] is not None:
            self.scores.append(verdict["score"])
        for name, outcome in verdict["rules"].items():
            self.rules[name][outcome] += 1
        if verdict["failed"]:
            self.worst.add((-len(verdict["failed"]), record["repository"].lower()),
                           {"repository": record["repository"], "failed": verdict["failed"]})

    def mean_score(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 2) if self.scores else None

    def rule_counts(self) -> dict[str, dict[str, int]]:
        return {name: c for name, c in self.rules.items() if any(c.values())}


def summarise(records: Mapping[str, Record], context: SummaryContext) -> dict[str, Any]:
    every = _Tally()
    by_org: dict[str, _Tally] = defaultdict(_Tally)
    for record in records.values():  # one pass: a record is read once
        every.add(record)
        by_org[record["repository"].split("/", 1)[0]].add(record)
    orgs = {org: {"repositories": t.repositories, "mean_score": t.mean_score(), "rules": t.rule_counts(),
                  "most_failed": t.worst.rows()}
            for org, t in sorted(by_org.items(), key=lambda kv: kv[0].lower())}
    return {"mean_score": every.mean_score(), "rules": every.rule_counts(), "orgs": orgs}
