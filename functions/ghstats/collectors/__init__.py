"""Every collector, in one registry: adding a collector is its folder plus one line here."""

from __future__ import annotations

from ghstats.collectors import repository_stats
from ghstats.collectors.unit import Collector

REGISTRY: dict[str, Collector] = {c.name: c for c in (
    repository_stats.COLLECTOR,
)}

# The repository-level collector whose fragment the shared batch query carries. (One today; the
# batch composes every enabled repository-level GraphQL collector's fragment once there are more.)
BATCH_COLLECTOR = REGISTRY["repository_stats"]
