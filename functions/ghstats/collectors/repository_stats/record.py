"""The flat JSON record of one repository (documented in README, "Output records")."""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1


def _name(obj: dict[str, Any] | None, field: str = "name") -> Any:
    return obj.get(field) if obj else None


def _count(obj: dict[str, Any] | None) -> int:
    return int(obj["totalCount"]) if obj and obj.get("totalCount") is not None else 0


def repository_record(key: str, node: dict[str, Any]) -> dict[str, Any]:
    """Flatten one GraphQL `RepositoryStats` node. `key` is the name we asked for, which
    differs from `name_with_owner` when GitHub followed a rename."""
    owner, name = key.split("/", 1)
    topics = node.get("repositoryTopics") or {}
    return {
        "schema_version": SCHEMA_VERSION,
        "key": key,
        "owner": owner,
        "name": name,
        "name_with_owner": node.get("nameWithOwner"),
        "id": node.get("id"),
        "database_id": node.get("databaseId"),
        "url": node.get("url"),
        "description": node.get("description"),
        "visibility": node.get("visibility"),
        "is_archived": bool(node.get("isArchived")),
        "is_template": bool(node.get("isTemplate")),
        "is_fork": bool(node.get("isFork")),
        "is_disabled": bool(node.get("isDisabled")),
        "is_empty": bool(node.get("isEmpty")),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "pushed_at": node.get("pushedAt"),
        "primary_language": _name(node.get("primaryLanguage")),
        "license": _name(node.get("licenseInfo"), "spdxId"),
        "default_branch": _name(node.get("defaultBranchRef")),
        "disk_usage_kb": node.get("diskUsage"),
        "stars": int(node.get("stargazerCount") or 0),
        "forks": int(node.get("forkCount") or 0),
        "watchers": _count(node.get("watchers")),
        "open_issues": _count(node.get("openIssues")),
        "closed_issues": _count(node.get("closedIssues")),
        "open_pull_requests": _count(node.get("openPullRequests")),
        "closed_pull_requests": _count(node.get("closedPullRequests")),
        "merged_pull_requests": _count(node.get("mergedPullRequests")),
        "releases": _count(node.get("releases")),
        "topics": sorted(
            t["topic"]["name"] for t in topics.get("nodes") or [] if t and t.get("topic")
        ),
    }
