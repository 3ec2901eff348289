"""One Dependabot alert (GET /orgs/{org}/dependabot/alerts item) as a flat record."""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1

# What the walk's ETag cache keeps of an item (RestList.cache_fields): the fields alert_record
# reads, so a page answered 304 gives the same records (tests/unit/test_alert_cache.py)
CACHE_FIELDS = ("repository.full_name", "number", "state", "created_at", "updated_at", "fixed_at", "dismissed_at",
                "auto_dismissed_at", "dismissed_reason", "html_url", "dependency.package.ecosystem",
                "dependency.package.name", "dependency.manifest_path", "dependency.scope",
                "security_advisory.severity", "security_advisory.ghsa_id", "security_advisory.cve_id",
                "security_vulnerability.severity", "security_vulnerability.vulnerable_version_range",
                "security_vulnerability.first_patched_version.identifier")


def alert_record(item: dict[str, Any]) -> dict[str, Any]:
    repository = (item.get("repository") or {}).get("full_name") or ""
    dependency = item.get("dependency") or {}
    package = dependency.get("package") or {}
    advisory = item.get("security_advisory") or {}
    vulnerability = item.get("security_vulnerability") or {}
    patched = vulnerability.get("first_patched_version") or {}
    return {
        "schema_version": SCHEMA_VERSION,
        "key": f"{repository}#{item['number']}",
        "repository": repository,
        "number": item["number"],
        "state": item.get("state"),
        "severity": vulnerability.get("severity") or advisory.get("severity"),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "fixed_at": item.get("fixed_at"),
        "dismissed_at": item.get("dismissed_at"),
        "auto_dismissed_at": item.get("auto_dismissed_at"),
        "dismissed_reason": item.get("dismissed_reason"),
        "html_url": item.get("html_url"),
        "ecosystem": package.get("ecosystem"),
        "package": package.get("name"),
        "manifest_path": dependency.get("manifest_path"),
        "scope": dependency.get("scope"),
        "ghsa_id": advisory.get("ghsa_id"),
        "cve_id": advisory.get("cve_id"),
        "vulnerable_version_range": vulnerability.get("vulnerable_version_range"),
        "first_patched_version": patched.get("identifier"),
    }
