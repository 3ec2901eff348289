"""The report section every alert collector shares: open alerts by severity and age, SLO breaches,
time to fix, and what changed since the collector's previous run."""

from __future__ import annotations

from typing import Any, Callable

from ghstats.collectors.alert_summary import SEVERITIES, UNRATED
from ghstats.collectors.unit import Record, SummaryContext
from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import SEVERITY_COLORS, Chart, Figures, Section, Table, limited_table
from ghstats.report.dates import age_days

AGE_BUCKETS = ((7, "up to 7 days"), (30, "8–30 days"), (90, "31–90 days"), (365, "91–365 days"))
OLDEST = "over a year"


def age_bucket(days: float) -> str:
    return next((label for limit, label in AGE_BUCKETS if days <= limit), OLDEST)


def alert_section(title: str) -> Callable[[dict[str, Record], dict[str, Any], SummaryContext], list[Section]]:
    """The `report` of an alert collector titled `title` (e.g. "Dependabot alerts")."""

    def sections(records: dict[str, Record], summary: dict[str, Any], context: SummaryContext) -> list[Section]:
        return [_section(title, records, summary, context)]

    return sections


def _section(title: str, records: dict[str, Record], summary: dict[str, Any], context: SummaryContext) -> Section:
    severities = [*SEVERITIES, UNRATED]
    colors = [SEVERITY_COLORS[s] for s in severities]
    orgs = summary.get("orgs", {})
    opened = [r for r in records.values() if r["state"] == "open"]
    ages = {r["key"]: age_days(r.get("created_at"), context.now) for r in opened}
    labels = [label for _, label in AGE_BUCKETS] + [OLDEST]
    by_age = {s: [sum(1 for r in opened if (r.get("severity") if r.get("severity") in SEVERITIES else UNRATED) == s
                      and ages[r["key"]] is not None and age_bucket(ages[r["key"]]) == label) for label in labels]
              for s in severities}
    slo = summary.get("slo_days", {})
    breaching = sorted((r for r in opened if r.get("severity") in slo and ages[r["key"]] is not None
                        and ages[r["key"]] > slo[r["severity"]]),
                       key=lambda r: (SEVERITIES.index(r["severity"]), -(ages[r["key"]] or 0), r["key"].lower()))
    since = summary.get("since_previous_run")
    figures = {"alerts": summary.get("alerts", len(records)), "open": summary.get("open", len(opened)),
               "SLO breaches": sum(summary.get("slo_breaches", {}).values()),
               "oldest open (days)": summary.get("oldest_open_days"),
               "median days to fix": summary.get("median_days_to_fix")}
    if since:
        figures.update({"opened since last run": since["opened"], "fixed since last run": since["fixed"]})
    name = title.lower().replace(" ", "_")
    return Section(name, title, [
        Figures(figures),
        Chart(f"Open {title.lower()} by organisation and severity", "stacked", list(orgs),
              {s: [o["open_by_severity"].get(s, 0) for o in orgs.values()] for s in severities}, "organisation", colors),
        Chart(f"Open {title.lower()} by age", "stacked", labels, by_age, "open for", colors),
        limited_table("Open past their SLO", ["alert", "repository", "severity", "open (days)", "SLO (days)"],
                      [[r["key"], r["repository"], r["severity"], round(ages[r["key"]] or 0), slo[r["severity"]]]
                       for r in breaching], REPORT_MAX_ROWS),
        Table("By repository (open)", ["repository", "open", *SEVERITIES, "oldest (days)"],
              [[repo, c["open"], *(c["open_by_severity"].get(s, 0) for s in SEVERITIES), c["oldest_open_days"]]
               for repo, c in sorted(summary.get("repositories", {}).items(), key=lambda kv: -kv[1]["open"])]),
    ], intro="SLO: days an alert of each severity may stay open (the config's slo_days: "
             + ", ".join(f"{s} {d}" for s, d in slo.items()) + ").")
