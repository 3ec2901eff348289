"""Outside collaborators (GET /orgs/{org}/outside_collaborators items), keyed (org, login), and
every direct collaborator of each repository in the run (GET /repos/{o}/{r}/collaborators
?affiliation=direct items: outside collaborators and members given access to the repository
itself, not through a team or the owner role), keyed (repo, login), with the permission."""

from __future__ import annotations

from typing import Any, Mapping

SCHEMA_VERSION = 1
OUTSIDE = "outside_collaborator"
COLLABORATOR = "repository_collaborator"
REPOSITORY_LIST = "repository_collaborators"
# GitHub's role names, weakest first; a custom repository role is reported by its own name
PERMISSIONS = ("read", "triage", "write", "maintain", "admin")
_FROM_FLAGS = (("admin", "admin"), ("maintain", "maintain"), ("push", "write"), ("triage", "triage"), ("pull", "read"))


def permission(item: dict[str, Any]) -> str | None:
    """The collaborator's role on the repository: `role_name`, else the strongest of `permissions`."""
    if item.get("role_name"):
        return item["role_name"]
    flags = item.get("permissions") or {}
    return next((name for flag, name in _FROM_FLAGS if flags.get(flag)), None)


def outside_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    org = variables["org"]
    return [{"schema_version": SCHEMA_VERSION, "key": f"{org}#{item['login']}", "kind": OUTSIDE, "org": org,
             "login": item["login"], "id": item.get("id")}]


def collaborator_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    repository = variables["repository"]
    return [{"schema_version": SCHEMA_VERSION, "key": f"{repository}#{item['login']}", "kind": COLLABORATOR,
             "org": variables["org"], "repository": repository, "login": item["login"], "id": item.get("id"),
             "permission": permission(item)}]


def complete(records: dict[str, dict[str, Any]], unread: frozenset[str]) -> dict[str, dict[str, Any]]:
    """Each repository collaborator says whether they are an outside collaborator of the org."""
    outside = {r["login"].lower() for r in records.values() if r["kind"] == OUTSIDE}
    for record in records.values():
        if record["kind"] == COLLABORATOR:
            record["outside"] = record["login"].lower() in outside
    return records
