"""security_settings' section of the run's report: secret scanning and push protection by organisation."""

from __future__ import annotations

from typing import Any

from ghstats.collectors.security_settings.record import FEATURES
from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import Figures, Section, Table, limited_table

STATES = ("enabled", "disabled", "unknown")


def sections(records: dict[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
    rows = [[org, feature.replace("_", " "), *(counts[feature][s] for s in STATES)]
            for org, counts in summary["orgs"].items() for feature in FEATURES]
    return [Section("security_settings", "Security settings", [
        Figures({"repositories": summary["repositories"], "visible to the credential": summary["visible"],
                 "secret scanning without push protection": len(summary["secret_scanning_without_push_protection"])}),
        Table("By organisation and feature", ["organisation", "feature", *STATES], rows),
        limited_table("Secret scanning on, push protection off", ["repository"],
                      [[r] for r in summary["secret_scanning_without_push_protection"]], REPORT_MAX_ROWS),
    ], intro="unknown: GitHub shows these settings to repository admins only.")]
