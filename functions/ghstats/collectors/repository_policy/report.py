"""repository_policy's section of the run's report: each rule's pass / fail / unknown, the mean
score per organisation, and the repositories that fail most rules."""

from __future__ import annotations

from typing import Any

from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import BAD, GOOD, UNKNOWN, Chart, Figures, Section, Table, limited_table

OUTCOMES = ("pass", "fail", "unknown")


def sections(records: dict[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
    rules = summary["rules"]
    worst = sorted((r for r in records.values() if r["verdict"]["failed"]),
                   key=lambda r: (-len(r["verdict"]["failed"]), r["repository"].lower()))
    return [Section("repository_policy", "Repository policy", [
        Figures({"repositories": len(records), "mean score (of 10)": summary["mean_score"],
                 "failing every rule judged": sum(1 for r in records.values() if r["verdict"]["score"] == 0)}),
        Chart("Repositories by rule and outcome", "stacked", list(rules),
              {o: [rules[rule].get(o, 0) for rule in rules] for o in OUTCOMES}, "rule", (GOOD, BAD, UNKNOWN)),
        Table("Mean score by organisation", ["organisation", "repositories", "mean score"],
              [[org, o["repositories"], o["mean_score"]] for org, o in summary["orgs"].items()]),
        limited_table("Repositories failing rules", ["repository", "score", "failed", "rules failed"],
                      [[r["repository"], r["verdict"]["score"], len(r["verdict"]["failed"]),
                        ", ".join(r["verdict"]["failed"])] for r in worst], REPORT_MAX_ROWS),
    ], intro="unknown: the credential may not read what the rule needs (coverage says what to grant).")]
