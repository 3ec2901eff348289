"""teams' section of the run's report: teams without a maintainer, repositories no team may write to."""

from __future__ import annotations

from typing import Any

from ghstats.collectors.access_report import changes_table
from ghstats.collectors.teams.record import TEAM, TEAM_REPOSITORY
from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import Figures, Section, limited_table


def sections(records: dict[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
    return [Section("teams", "Teams", [
        Figures({"teams": summary["teams"], "nested": summary["nested_teams"],
                 "team repository grants": summary["team_repository_permissions"],
                 "without a maintainer": len(summary["teams_without_maintainer"]),
                 "repositories no team can write": len(summary["repositories_no_team_can_write"])}),
        limited_table("Teams without a maintainer", ["team"], [[t] for t in summary["teams_without_maintainer"]],
                      REPORT_MAX_ROWS),
        limited_table("Repositories no team may write to", ["repository"],
                      [[r] for r in summary["repositories_no_team_can_write"]], REPORT_MAX_ROWS),
        *changes_table(summary.get("since_previous_run"), {TEAM: "team", TEAM_REPOSITORY: "team grant"}),
    ])]
