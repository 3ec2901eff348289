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


def org_collectors(enabled: dict[str, bool]) -> list[Collector]:
    """The enabled organisation-level collectors, in registry order."""
    return [c for c in REGISTRY.values() if c.scope == "org" and enabled.get(c.name, c.default_enabled)]
