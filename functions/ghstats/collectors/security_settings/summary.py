"""Per organisation and feature: how many repositories have it enabled, disabled, or unknown (the
credential is no admin there), and the repositories with secret scanning but no push protection."""

from __future__ import annotations

from typing import Any

from ghstats.collectors.security_settings.record import FEATURES
from ghstats.collectors.unit import Record, SummaryContext

NAME = "security_settings"


def summarise_security_settings(records: dict[str, Record], context: SummaryContext) -> dict[str, Any]:
    per_org: dict[str, dict[str, dict[str, int]]] = {}
    for record in records.values():
        org = per_org.setdefault(record["org"].lower(), {f: {"enabled": 0, "disabled": 0, "unknown": 0} for f in FEATURES})
        for field in FEATURES:
            org[field][record[field] or "unknown"] += 1
    return {
        "repositories": len(records),
        "visible": sum(r["visible"] for r in records.values()),
        "orgs": dict(sorted(per_org.items())),
        "secret_scanning_without_push_protection": sorted(
            (r["repository"] for r in records.values()
             if r["secret_scanning"] == "enabled" and r["push_protection"] == "disabled"), key=str.lower),
    }
