"""The webhook figures of a scheduled run's period, for its summary and its report.

The period is the whole UTC days from the previous run's day up to (not including) this run's
own day, which is not over yet: each day is counted by exactly one run, the first to start
after it ended. A first run looks back DEFAULT_DAYS days. The figures are read from the daily
datasets the rollup wrote (ghstats.webhooks.rollup), not from the events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable

from ghstats.storage import ObjectStore
from ghstats.webhooks import names
from ghstats.webhooks.events import CHECK_SUITES, DEPLOYMENTS, FAMILIES, PULL_REQUESTS, WORKFLOW_JOBS
from ghstats.webhooks.figures import Record, rate

DEFAULT_DAYS = 7
MAX_DAYS = 92  # a run after a long pause reads at most this many days


@dataclass(frozen=True)
class WebhookPeriod:
    days: list[str]
    daily: dict[str, list[Record]] = field(default_factory=dict)  # family (and "deliveries") -> daily lines

    @property
    def in_use(self) -> bool:
        return any(self.daily.values())

    def totals(self) -> dict[str, Any] | None:
        """summary.json's "webhooks": counts for the period; None when no webhook was received."""
        if not self.in_use:
            return None
        deliveries = self.daily.get(names.DELIVERIES, [])
        by_event: dict[str, int] = {}
        for line in deliveries:
            by_event[line["event"]] = by_event.get(line["event"], 0) + int(line["deliveries"])

        def total(family: str, name: str) -> int:
            return sum(int(line.get(name) or 0) for line in self.daily.get(family, []))

        return {
            "from": self.days[0], "to": self.days[-1], "days": len(self.days),
            "deliveries": sum(by_event.values()), "by_event": dict(sorted(by_event.items())),
            "unknown_event_deliveries": sum(int(line["deliveries"]) for line in deliveries if line.get("unknown")),
            PULL_REQUESTS: {"opened": total(PULL_REQUESTS, "opened"), "merged": total(PULL_REQUESTS, "merged"),
                            "closed_unmerged": total(PULL_REQUESTS, "closed_unmerged")},
            WORKFLOW_JOBS: {"runs": total(WORKFLOW_JOBS, "runs"), "failed_runs": total(WORKFLOW_JOBS, "failed_runs"),
                            "jobs": total(WORKFLOW_JOBS, "jobs"), "failed": total(WORKFLOW_JOBS, "failed"),
                            "failure_rate": rate(total(WORKFLOW_JOBS, "failed"), total(WORKFLOW_JOBS, "with_verdict"))},
            CHECK_SUITES: {"completed": total(CHECK_SUITES, "completed"), "failed": total(CHECK_SUITES, "failed"),
                           "failure_rate": rate(total(CHECK_SUITES, "failed"), total(CHECK_SUITES, "with_verdict"))},
            DEPLOYMENTS: {"deployments": total(DEPLOYMENTS, "deployments"),
                          "successful": total(DEPLOYMENTS, "successful"), "failed": total(DEPLOYMENTS, "failed"),
                          "change_failure_rate": rate(total(DEPLOYMENTS, "failed"), total(DEPLOYMENTS, "finished"))},
        }


def period_days(previous_started_at: str | None, started_at: str) -> list[str]:
    until = date.fromisoformat(started_at[:10])
    since = (date.fromisoformat(previous_started_at[:10]) if previous_started_at
             else until - timedelta(days=DEFAULT_DAYS))
    since = max(since, until - timedelta(days=MAX_DAYS))
    return [(since + timedelta(days=n)).isoformat() for n in range((until - since).days)]


def _lines(text: str | None) -> Iterable[Record]:
    return [json.loads(line) for line in (text or "").splitlines() if line.strip()]


def read_period(store: ObjectStore, days: list[str]) -> WebhookPeriod:
    daily: dict[str, list[Record]] = {}
    for family in (names.DELIVERIES, *FAMILIES):
        daily_dataset = family != names.DELIVERIES
        daily[family] = [line for day in days
                         for line in _lines(store.get_text(names.dataset_key(family, day, daily=daily_dataset)))]
    return WebhookPeriod(days, daily)
