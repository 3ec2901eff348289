"""repository_policy's section of the run's report: each rule's pass / fail / unknown, the mean
score per organisation, and the repositories that fail most rules."""

from __future__ import annotations

from typing import Any, Mapping

from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import BAD, GOOD, UNKNOWN, Chart, Figures, Section, Smallest, Table

OUTCOMES = ("pass", "fail", "unknown")


def sections(records: Mapping[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
    rules = summary["rules"]
    worst, zero = Smallest(REPORT_MAX_ROWS), 0
    for r in records.values():  # one pass: a record is read once
        verdict = r["verdict"]
        zero += verdict["score"] == 0
        if verdict["failed"]:
            worst.add((-len(verdict["failed"]), r["repository"].lower()),
                      [r["repository"], verdict["score"], len(verdict["failed"]), ", ".join(verdict["failed"])])
    return [Section("repository_policy", "Repository policy", [
        Figures({"repositories": len(records), "mean score (of 10)": summary["mean_score"],
                 "failing every rule judged": zero}),
        Chart("Repositories by rule and outcome", "stacked", list(rules),
              {o: [rules[rule].get(o, 0) for rule in rules] for o in OUTCOMES}, "rule", (GOOD, BAD, UNKNOWN)),
        Table("Mean score by organisation", ["organisation", "repositories", "mean score"],
              [[org, o["repositories"], o["mean_score"]] for org, o in summary["orgs"].items()]),
        worst.table("Repositories failing rules", ["repository", "score", "failed", "rules failed"]),
    ], intro="unknown: the credential may not read what the rule needs (coverage says what to grant).")]
