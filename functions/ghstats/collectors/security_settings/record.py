"""A repository's security settings, from GET /repos/{owner}/{repo} `security_and_analysis`:
secret scanning, push protection, Dependabot security updates and (private repositories)
Advanced Security, each `enabled` / `disabled`, or None where GitHub did not show it: it shows
the object to repository admins only, so None means "not visible", never "off"."""

from __future__ import annotations

from typing import Any, Mapping

SCHEMA_VERSION = 1
FEATURES = {"secret_scanning": "secret_scanning", "push_protection": "secret_scanning_push_protection",
            "dependabot_security_updates": "dependabot_security_updates", "advanced_security": "advanced_security"}


def repository_record(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    shown = item.get("security_and_analysis")
    record: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "key": variables["repository"],
                              "org": variables["org"], "repository": variables["repository"],
                              "visible": shown is not None}
    for field, github in FEATURES.items():
        status = ((shown or {}).get(github) or {}).get("status")
        record[field] = status if status in ("enabled", "disabled") else None
    return [record]
