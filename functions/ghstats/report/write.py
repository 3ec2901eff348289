"""The run's report, assembled and written: each collector's sections (in registry order), then
coverage, the run and the trends; runs/<id>/report.html and latest/report.html (forward only)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ghstats import names
from ghstats.collect.aggregate import moves_latest
from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY
from ghstats.collectors.unit import Record, SummaryContext
from ghstats.report.blocks import Section
from ghstats.report.render import render
from ghstats.report.run_sections import changes_section, coverage_section, run_section, trends_section
from ghstats.run_diff import Comparison
from ghstats.storage import ObjectStore

CONTENT_TYPE = "text/html; charset=utf-8"


def sections(summary: Mapping[str, Any], records_of: Mapping[str, Mapping[str, Record]],
             contexts: Mapping[str, SummaryContext], coverage: Sequence[Mapping[str, Any]],
             errors: Mapping[str, Any], comparison: Comparison, webhooks: Section | None = None) -> list[Section]:
    """Every section of the report: a collector that ran contributes its own (its `report`), then
    the webhook events of the period when there were any, then the engine's sections."""
    found: list[Section] = []
    for name, collector in REGISTRY.items():
        if collector.report is None or name not in records_of:
            continue
        own = (summary if name == INVENTORY_COLLECTOR.name else summary["collectors"][name])
        found += collector.report(records_of[name], dict(own), contexts[name])  # read, never copied whole
    if webhooks is not None:
        found.append(webhooks)
    return [*found, changes_section(comparison.previous, comparison.changes), coverage_section(coverage),
            run_section(summary, errors), trends_section(comparison.trend_points)]


def title(config: Mapping[str, Any]) -> str:
    owners = [o if isinstance(o, str) else o["name"] for o in config.get("orgs", [])]
    owners += list(config.get("repos", []))
    shown = ", ".join(owners[:6]) + (f" and {len(owners) - 6} more" if len(owners) > 6 else "")
    return f"GitHub statistics: {shown}" if shown else "GitHub statistics"


def write_report(store: ObjectStore, key: str, summary: Mapping[str, Any],
                 records_of: Mapping[str, Mapping[str, Record]], contexts: Mapping[str, SummaryContext],
                 coverage: Sequence[Mapping[str, Any]], errors: Mapping[str, Any], comparison: Comparison,
                 webhooks: Section | None = None) -> None:
    """Render the report to `key`, and move latest/report.html to it unless a newer run's report is there."""
    html = render(title=title(summary["config"]), run=summary,
                  sections=sections(summary, records_of, contexts, coverage, errors, comparison, webhooks))
    store.put_text(key, html, CONTENT_TYPE)
    pointer = store.get_json(names.LATEST_REPORT_RUN_KEY)
    if moves_latest(pointer, summary["started_at"]):
        store.put_text(names.LATEST_REPORT_KEY, html, CONTENT_TYPE)
        store.put_json(names.LATEST_REPORT_RUN_KEY, {"run_id": summary["run_id"], "started_at": summary["started_at"]})
