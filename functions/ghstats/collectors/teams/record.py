"""Teams (GET /orgs/{org}/teams items, with each team's members and maintainers from
/orgs/{org}/teams/{slug}/members), keyed (org, team slug), and each team's repository
permissions (/orgs/{org}/teams/{slug}/repos items), keyed (repo, team)."""

from __future__ import annotations

from typing import Any, Mapping

from ghstats.collectors.outside_collaborators.record import permission

SCHEMA_VERSION = 1
TEAM = "team"
TEAM_REPOSITORY = "team_repository"


def team_key(org: str, slug: str) -> str:
    return f"{org}#{slug}"


def team_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    org = variables["org"]
    parent = item.get("parent") or {}
    return [{"schema_version": SCHEMA_VERSION, "key": team_key(org, item["slug"]), "kind": TEAM, "org": org,
             "slug": item["slug"], "name": item.get("name"), "id": item.get("id"), "privacy": item.get("privacy"),
             "parent": parent.get("slug"), "members": [], "maintainers": []}]


def team_of(item: dict[str, Any]) -> dict[str, str]:
    """The variables of a team's own lists."""
    return {"team": item["slug"]}


def member_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"key": team_key(variables["org"], variables["team"]), "members": [item["login"]]}]


def maintainer_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"key": team_key(variables["org"], variables["team"]), "maintainers": [item["login"]]}]


def repository_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    repository = item["full_name"]
    return [{"schema_version": SCHEMA_VERSION, "key": f"{repository}#{variables['team']}", "kind": TEAM_REPOSITORY,
             "org": variables["org"], "repository": repository, "team": variables["team"],
             "permission": permission(item)}]


def complete(records: dict[str, dict[str, Any]], unread: frozenset[str]) -> dict[str, dict[str, Any]]:
    for record in records.values():
        if record["kind"] == TEAM:
            record["member_count"] = len(record["members"])
    return records
