"""One secret-scanning alert (GET /orgs/{org}/secret-scanning/alerts item) as a flat record.

**GitHub's item carries the leaked secret itself (`secret`).** The record is built from the
fields named below only, never by copying the item: the secret, and free text that could repeat
it (resolution and bypass comments), never reach a record, an output, a log or a dead letter.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1

# What the walk's ETag cache (kept in the bucket) keeps of an item (RestList.cache_fields): the
# fields alert_record reads and nothing else, so never `secret` nor a comment that could repeat
# it; a page answered 304 gives the same records (tests/unit/test_alert_cache.py)
CACHE_FIELDS = ("repository.full_name", "number", "state", "resolution", "created_at", "updated_at", "resolved_at",
                "secret_type", "secret_type_display_name", "provider", "validity", "push_protection_bypassed",
                "push_protection_bypassed_at", "publicly_leaked", "multi_repo", "first_location_detected.path",
                "html_url")


def alert_record(item: dict[str, Any]) -> dict[str, Any]:
    repository = (item.get("repository") or {}).get("full_name") or ""
    location = item.get("first_location_detected") or {}
    resolved_at = item.get("resolved_at")
    return {
        "schema_version": SCHEMA_VERSION,
        "key": f"{repository}#{item['number']}",
        "repository": repository,
        "number": item["number"],
        "state": item.get("state"),  # open | resolved
        "resolution": item.get("resolution"),  # false_positive | wont_fix | revoked | used_in_tests | pattern_*
        "severity": None,  # GitHub rates no secret: "unrated" in the summary, no SLO
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "resolved_at": resolved_at,
        "fixed_at": resolved_at if item.get("resolution") == "revoked" else None,  # fixed = the secret revoked
        "secret_type": item.get("secret_type"),
        "secret_type_display_name": item.get("secret_type_display_name"),
        "provider": item.get("provider"),
        "validity": item.get("validity"),  # active | inactive | unknown
        "push_protection_bypassed": item.get("push_protection_bypassed"),
        "push_protection_bypassed_at": item.get("push_protection_bypassed_at"),
        "publicly_leaked": item.get("publicly_leaked"),
        "multi_repo": item.get("multi_repo"),
        "path": location.get("path"),
        "html_url": item.get("html_url"),
    }
