"""One code-scanning alert (GET /orgs/{org}/code-scanning/alerts item, default branch) as a flat record."""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1

# What the walk's ETag cache keeps of an item (RestList.cache_fields): the fields alert_record
# reads, so a page answered 304 gives the same records (tests/unit/test_alert_cache.py)
CACHE_FIELDS = ("repository.full_name", "number", "state", "created_at", "updated_at", "fixed_at", "dismissed_at",
                "dismissed_reason", "html_url", "rule.security_severity_level", "rule.severity", "rule.id",
                "rule.name", "tool.name", "tool.version", "most_recent_instance.ref",
                "most_recent_instance.location.path", "most_recent_instance.location.start_line")


def alert_record(item: dict[str, Any]) -> dict[str, Any]:
    repository = (item.get("repository") or {}).get("full_name") or ""
    rule = item.get("rule") or {}
    tool = item.get("tool") or {}
    instance = item.get("most_recent_instance") or {}
    location = instance.get("location") or {}
    return {
        "schema_version": SCHEMA_VERSION,
        "key": f"{repository}#{item['number']}",
        "repository": repository,
        "number": item["number"],
        "state": item.get("state"),  # open | dismissed | fixed
        # the security severity (critical..low) where the rule is a security rule, else none: "unrated"
        "severity": rule.get("security_severity_level"),
        "rule_severity": rule.get("severity"),  # none | note | warning | error
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "fixed_at": item.get("fixed_at"),
        "dismissed_at": item.get("dismissed_at"),
        "dismissed_reason": item.get("dismissed_reason"),
        "rule_id": rule.get("id"),
        "rule_name": rule.get("name"),
        "tool": tool.get("name"),
        "tool_version": tool.get("version"),
        "ref": instance.get("ref"),
        "path": location.get("path"),
        "start_line": location.get("start_line"),
        "html_url": item.get("html_url"),
    }
