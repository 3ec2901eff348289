"""Read and check the stack's settings from cdk.json context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from cdk_app.constants import CONTEXT_DEFAULTS, LOG_RETENTION
from ghstats.config import InvalidConfig, parse_config


@dataclass(frozen=True)
class Settings:
    collection: dict[str, Any]
    schedule: str
    notification_email: str
    existing_secret_name: str
    batch_object_retention_days: int
    log_retention_days: int
    points_remaining_alarm_threshold: int
    retain_data: bool

    @classmethod
    def from_context(cls, scope: Construct) -> "Settings":
        def get(key: str) -> Any:
            value = scope.node.try_get_context(key)
            return CONTEXT_DEFAULTS[key] if value is None else value

        collection = get("ghstats:collection")
        try:
            parse_config(collection)  # the same check ListRepos makes, at synth time
        except InvalidConfig as exc:
            raise ValueError(f"cdk.json context 'ghstats:collection': {exc}") from None
        schedule = str(get("ghstats:schedule"))
        if not schedule.startswith(("cron(", "rate(")):
            raise ValueError("cdk.json context 'ghstats:schedule': use cron(...) or rate(...), e.g. cron(0 2 ? * MON *)")
        retention = int(get("ghstats:logRetentionDays"))
        if retention not in LOG_RETENTION:
            raise ValueError(f"cdk.json context 'ghstats:logRetentionDays': {retention} is not a CloudWatch retention; "
                             f"use one of {sorted(LOG_RETENTION)}")
        return cls(
            collection=collection,
            schedule=schedule,
            notification_email=str(get("ghstats:notificationEmail")),
            existing_secret_name=str(get("ghstats:existingSecretName")),
            batch_object_retention_days=int(get("ghstats:batchObjectRetentionDays")),
            log_retention_days=retention,
            points_remaining_alarm_threshold=int(get("ghstats:pointsRemainingAlarmThreshold")),
            retain_data=bool(get("ghstats:retainData")),
        )
