"""What an auditor asks of teams first: teams without a maintainer, and repositories no team
may write to (only people, or nobody below the owners, can); which teams came and went and
which team permissions changed since the collector's previous run."""

from __future__ import annotations

from typing import Any

from ghstats.collectors.access_summary import changes, collected_orgs, repositories_of
from ghstats.collectors.teams.record import TEAM, TEAM_REPOSITORY
from ghstats.collectors.unit import Record, SummaryContext

NAME = "teams"
WRITE_OR_MORE = frozenset({"write", "maintain", "admin"})


def summarise_teams(records: dict[str, Record], context: SummaryContext) -> dict[str, Any]:
    orgs = collected_orgs(context, NAME)
    teams = sorted((r for r in records.values() if r["kind"] == TEAM), key=lambda r: r["key"].lower())
    grants = [r for r in records.values() if r["kind"] == TEAM_REPOSITORY]
    writable = {r["repository"].lower() for r in grants if r["permission"] in WRITE_OR_MORE}
    return {
        "teams": len(teams),
        "nested_teams": sum(r["parent"] is not None for r in teams),
        "team_repository_permissions": len(grants),
        "teams_without_maintainer": [r["key"] for r in teams if not r["maintainers"]],
        "repositories_no_team_can_write": [repo for repo in repositories_of(context, orgs) if repo.lower() not in writable],
        "since_previous_run": changes(records, context, {TEAM: "parent", TEAM_REPOSITORY: "permission"}, orgs),
    }
