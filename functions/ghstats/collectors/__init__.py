"""Every collector, in one registry: adding a collector is its folder plus one line here."""

from __future__ import annotations

from ghstats.collectors import code_scanning_alerts, dependabot_alerts, repository_stats, secret_scanning_alerts
from ghstats.collectors.unit import Collector

REGISTRY: dict[str, Collector] = {c.name: c for c in (
    repository_stats.COLLECTOR,
    dependabot_alerts.COLLECTOR,
    secret_scanning_alerts.COLLECTOR,
    code_scanning_alerts.COLLECTOR,
)}

# The repository-level collector whose fragment the shared batch query carries. (One today; the
# batch composes every enabled repository-level GraphQL collector's fragment once there are more.)
BATCH_COLLECTOR = REGISTRY["repository_stats"]


def lacking_scopes(collectors: list[Collector], classic_scopes: list[str] | None) -> dict[str, tuple[str, ...]]:
    """collector -> the classic scopes it accepts, for each collector a classic token (its
    scopes) has none of; nothing for fine-grained and App tokens (GitHub sends them no scopes:
    what they may read shows as coverage)."""
    if classic_scopes is None:
        return {}
    have = set(classic_scopes)
    return {c.name: c.permissions.classic_scopes for c in collectors
            if c.permissions.classic_scopes and not have & set(c.permissions.classic_scopes)}


def org_collectors(enabled: dict[str, bool]) -> list[Collector]:
    """The enabled organisation-level collectors, in registry order."""
    return [c for c in REGISTRY.values() if c.scope == "org" and enabled.get(c.name, c.default_enabled)]
