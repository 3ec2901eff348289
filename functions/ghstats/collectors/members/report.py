"""members' section of the run's report: members and admins per organisation, who has no 2FA."""

from __future__ import annotations

from typing import Any

from ghstats.collectors.access_report import changes_table
from ghstats.collectors.members.record import KIND
from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import Figures, Section, Table, limited_table


def sections(records: dict[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
    unknown = summary["two_factor_unknown_orgs"]
    return [Section("members", "Members", [
        Figures({"members": summary["members"], "admins": summary["admins"], "without 2FA": len(summary["without_2fa"])}),
        Table("By organisation", ["organisation", "members", "admins", "without 2FA"],
              [[org, o["members"], o["admins"], "unknown" if o["without_2fa"] is None else o["without_2fa"]]
               for org, o in summary["orgs"].items()]),
        limited_table("Members without two-factor authentication", ["member"], [[k] for k in summary["without_2fa"]],
                      REPORT_MAX_ROWS),
        *changes_table(summary.get("since_previous_run"), {KIND: "member"}),
    ], intro=("2FA unknown in " + ", ".join(unknown) + ": only an owner's credential sees it. ") if unknown else "")]
