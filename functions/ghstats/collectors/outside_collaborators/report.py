"""outside_collaborators' section of the run's report: outside collaborators who may write, and
repositories whose only admin is one user."""

from __future__ import annotations

from typing import Any

from ghstats.collectors.access_report import changes_table
from ghstats.collectors.outside_collaborators.record import COLLABORATOR, OUTSIDE
from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import Figures, Section, limited_table


def sections(records: dict[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
    risky = summary["outside_with_write_or_admin"]
    single = summary["single_user_admin_repositories"]
    unknown = summary["single_user_admin_unknown_orgs"]
    return [Section("outside_collaborators", "Outside collaborators and direct access", [
        Figures({"outside collaborators": summary["outside_collaborators"],
                 "direct collaborator grants": summary["repository_collaborators"],
                 "outside with write or admin": len(risky), "repositories with a single admin": len(single)}),
        limited_table("Outside collaborators who may write", ["repository", "login", "permission"],
                      [[r["repository"], r["login"], r["permission"]] for r in risky], REPORT_MAX_ROWS),
        limited_table("Repositories whose only admin is one user (no team has admin)", ["repository", "admin"],
                      [[r["repository"], r["admin"]] for r in single], REPORT_MAX_ROWS),
        *changes_table(summary.get("since_previous_run"), {OUTSIDE: "outside collaborator",
                                                            COLLABORATOR: "collaborator grant"}),
    ], intro=("Single admins unknown in " + ", ".join(unknown) + " (teams not read there).") if unknown else "")]
