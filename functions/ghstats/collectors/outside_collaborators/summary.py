"""What an auditor asks first about people outside the organisation and direct access: outside
collaborators who may write to (or administer) a repository, and repositories whose only admin
is a single user (no team has admin: from the teams collector of the same run); who joined,
who left and whose permission changed since the collector's previous run."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ghstats.collectors.access_summary import changes, collected_orgs, repositories_of, unread_repositories
from ghstats.collectors.outside_collaborators.record import COLLABORATOR, OUTSIDE
from ghstats.collectors.unit import Record, SummaryContext

NAME = "outside_collaborators"
TEAMS = "teams"
WRITE_OR_MORE = frozenset({"write", "maintain", "admin"})


def summarise_outside_collaborators(records: dict[str, Record], context: SummaryContext) -> dict[str, Any]:
    orgs = collected_orgs(context, NAME)
    collaborators = [r for r in records.values() if r["kind"] == COLLABORATOR]
    return {
        "outside_collaborators": sum(r["kind"] == OUTSIDE for r in records.values()),
        "repository_collaborators": len(collaborators),
        "outside_with_write_or_admin": [
            {"repository": r["repository"], "login": r["login"], "permission": r["permission"]}
            for r in sorted(collaborators, key=lambda r: r["key"].lower())
            if r["outside"] and r["permission"] in WRITE_OR_MORE],
        **_single_admin(collaborators, context, orgs),
        "since_previous_run": changes(records, context, {OUTSIDE: "login", COLLABORATOR: "permission"}, orgs),
    }


def _single_admin(collaborators: list[Record], context: SummaryContext, orgs: set[str]) -> dict[str, Any]:
    """Repositories with exactly one user given admin and no team with admin. Known only where
    both this collector and the teams collector read the org (and this repository's collaborators)."""
    teams_ok = collected_orgs(context, TEAMS)
    known = orgs & teams_ok
    unread = unread_repositories(context, NAME)
    admins: dict[str, list[str]] = defaultdict(list)
    for record in collaborators:
        if record["permission"] == "admin":
            admins[record["repository"].lower()].append(record["login"])
    team_admin = {r["repository"].lower() for r in context.records_of.get(TEAMS, {}).values()
                  if r.get("repository") and r.get("permission") == "admin"}
    chosen = [repo for repo in repositories_of(context, known)
              if repo.lower() not in unread and len(admins[repo.lower()]) == 1 and repo.lower() not in team_admin]
    return {
        "single_user_admin_repositories": [{"repository": repo, "admin": admins[repo.lower()][0]} for repo in chosen],
        # the orgs that question could not be answered for: this collector or teams did not read them
        "single_user_admin_unknown_orgs": sorted(orgs - teams_ok),
        "repositories_unread": sorted(unread),
    }
