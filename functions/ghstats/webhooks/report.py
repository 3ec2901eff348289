"""The run report's webhook section: the period's deliveries and derived figures, as report data."""

from __future__ import annotations

from typing import Any

from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import Chart, Figures, Section, limited_table
from ghstats.webhooks import names
from ghstats.webhooks.events import DEPLOYMENTS, PULL_REQUESTS, WORKFLOW_JOBS
from ghstats.webhooks.totals import WebhookPeriod


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _hours(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.1f}"


def webhooks_section(period: WebhookPeriod) -> Section | None:
    totals = period.totals()
    if totals is None:
        return None
    daily = period.daily
    days = period.days
    per_day: dict[str, dict[str, int]] = {day: {"opened": 0, "merged": 0} for day in days}
    for line in daily[PULL_REQUESTS]:
        per_day[line["day"]]["opened"] += line["opened"]
        per_day[line["day"]]["merged"] += line["merged"]
    prs, jobs, deployments = totals[PULL_REQUESTS], totals[WORKFLOW_JOBS], totals[DEPLOYMENTS]
    blocks: list[Any] = [
        Figures({"deliveries": totals["deliveries"], "unknown event types": totals["unknown_event_deliveries"],
                 "pull requests opened": prs["opened"], "merged": prs["merged"], "jobs completed": jobs["jobs"],
                 "job failure rate": _percent(jobs["failure_rate"]), "deployments": deployments["deployments"],
                 "change failure rate": _percent(deployments["change_failure_rate"])}),
        Chart("Pull requests per day", "bar", days, {"opened": [per_day[d]["opened"] for d in days],
                                                     "merged": [per_day[d]["merged"] for d in days]}, "day"),
        limited_table("Deliveries by event type", ["day", "event", "deliveries", "hooks", "processed"],
                      [[line["day"], line["event"], line["deliveries"], line["hooks"],
                        "no (stored only)" if line["unknown"] else "yes"] for line in daily[names.DELIVERIES]],
                      REPORT_MAX_ROWS),
        limited_table("Pull requests per repository and day",
                      ["day", "repository", "opened", "merged", "closed unmerged", "median hours to merge",
                       "median hours to first review"],
                      [[line["day"], line["repository"], line["opened"], line["merged"], line["closed_unmerged"],
                        _hours(line["median_time_to_merge_s"]), _hours(line["median_time_to_first_review_s"])]
                       for line in daily[PULL_REQUESTS]], REPORT_MAX_ROWS),
        limited_table("Workflows per day", ["day", "repository", "workflow", "runs", "run failure rate",
                                            "p50 run (s)", "p95 run (s)", "jobs", "job failure rate",
                                            "p95 job queue (s)"],
                      [[line["day"], line["repository"], line["workflow_name"], line["runs"],
                        _percent(line["run_failure_rate"]), line["p50_run_duration_s"], line["p95_run_duration_s"],
                        line["jobs"], _percent(line["failure_rate"]), line["p95_queue_s"]]
                       for line in daily[WORKFLOW_JOBS]], REPORT_MAX_ROWS),
        limited_table("Deployments per environment and day",
                      ["day", "repository", "environment", "deployments", "successful", "change failure rate",
                       "median lead time (h)"],
                      [[line["day"], line["repository"], line["environment"], line["deployments"], line["successful"],
                        _percent(line["change_failure_rate"]), _hours(line["median_lead_time_s"])]
                       for line in daily[DEPLOYMENTS]], REPORT_MAX_ROWS),
    ]
    return Section("webhooks", "Webhook events", blocks,
                   intro=f"Received from {totals['from']} to {totals['to']} (whole UTC days since the previous run). "
                         "Lead time runs from the merge of the pull request whose merge commit was deployed to the "
                         "deployment's first success.")
