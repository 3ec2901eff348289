"""Every collector, in one registry: adding a collector is its folder plus one line here."""

from __future__ import annotations

from ghstats.collectors import (code_scanning_alerts, dependabot_alerts, members, outside_collaborators,
                                repository_policy, repository_stats, secret_scanning_alerts, security_settings, teams,
                                traffic)
from ghstats.collectors.unit import Collector

REGISTRY: dict[str, Collector] = {c.name: c for c in (
    repository_stats.COLLECTOR,
    repository_policy.COLLECTOR,
    dependabot_alerts.COLLECTOR,
    secret_scanning_alerts.COLLECTOR,
    code_scanning_alerts.COLLECTOR,
    members.COLLECTOR,
    outside_collaborators.COLLECTOR,
    teams.COLLECTOR,
    traffic.COLLECTOR,
    security_settings.COLLECTOR,
)}

# The collector whose outputs keep their historical names (runs/<id>/repositories.json,
# latest/repositories.json, datasets/repositories/) and whose summary is the run's "totals".
INVENTORY_COLLECTOR = REGISTRY["repository_stats"]


def lacking_scopes(collectors: list[Collector], classic_scopes: list[str] | None) -> dict[str, tuple[str, ...]]:
    """collector -> the classic scopes it accepts, for each collector a classic token (its
    scopes) has none of; nothing for fine-grained and App tokens (GitHub sends them no scopes:
    what they may read shows as coverage)."""
    if classic_scopes is None:
        return {}
    have = set(classic_scopes)
    return {c.name: c.permissions.classic_scopes for c in collectors
            if c.permissions.classic_scopes and not have & set(c.permissions.classic_scopes)}


def is_enabled(collector: Collector, enabled: dict[str, bool]) -> bool:
    return enabled.get(collector.name, collector.default_enabled)


def rest_collectors(enabled: dict[str, bool]) -> list[Collector]:
    """The enabled REST collectors, in registry order: each walks as one work item per
    organisation (its org-level lists, and its lists per repository of that org)."""
    return [c for c in REGISTRY.values() if c.fetch == "rest_paged" and is_enabled(c, enabled)]


def batch_collectors(enabled: dict[str, bool]) -> list[Collector]:
    """The enabled repository-level GraphQL collectors, in registry order: their fragments share
    one batch request (with none, the batch still confirms each repository: nameWithOwner only)."""
    return [c for c in REGISTRY.values() if c.scope == "repo" and c.fetch == "graphql_batch" and is_enabled(c, enabled)]
