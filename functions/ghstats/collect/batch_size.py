"""GitHub's GraphQL point formula for one batch request, and the batch size that makes it cheapest.

The one place the planner computes what a batch costs (README "The collection config",
`batch_size: "auto"`). GitHub: add up the requests needed to fill every connection (one per
parent instance), divide by 100, round to the nearest whole number, at least 1 point. A batch
query holds one `repository()` alias per repository, each selecting the enabled collectors'
fragments, plus `rateLimit` (no connection: costs nothing), so a batch of `repos` repositories
asks for `connections_per_repo × repos + fixed` requests.

Rounding: GitHub documents "nearest whole number" without naming a tie rule; its examples and
the points GitHub reports behave as round half up (x.5 → x + 1). Python's `round()` is banker's
rounding (half to even: round(10.5) == 10, round(3.5) == 4), which would disagree with half up
on every even-integer-plus-one-half total (e.g. 1,050 requests: 10 by round(), 11 by half up).
This module uses round half up, in integer arithmetic ((total + 50) // 100, no float), which is
the rule simulator/cost.py charges (`int(requests / 100 + 0.5)`); a unit test checks the two
agree on every total up to 20,000 requests. Half up is also the safe side: where the rules
differ it charges the higher figure, so a plan never counts on a rounding-down GitHub may not do.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterable

from ghstats import limits

POINTS_DIVISOR = 100  # GitHub: requests / 100 = points
MAX_NODES = 500_000  # GitHub: nodes one query may ask for (MAX_NODE_LIMIT_EXCEEDED above)
# Connections of the batch query outside the repository aliases: `rateLimit { ... }` and
# `nameWithOwner` are plain fields, so none.
QUERY_FIXED_CONNECTIONS = 0


def round_points(requests: int) -> int:
    """GitHub's "divide by 100, round to the nearest whole number, at least 1": half up."""
    return max(1, (requests + POINTS_DIVISOR // 2) // POINTS_DIVISOR)


def points_per_request(connections_per_repo: int, repos: int, fixed: int = QUERY_FIXED_CONNECTIONS) -> int:
    """Points GitHub charges for one batch request of `repos` repositories."""
    return round_points(connections_per_repo * repos + fixed)


def points_per_repository(connections_per_repo: int, size: int, fixed: int = QUERY_FIXED_CONNECTIONS) -> Fraction:
    """Points per repository of full batches of `size` (exact, for comparing sizes)."""
    return Fraction(points_per_request(connections_per_repo, size, fixed), size)


def choose_batch_size(connections_per_repo: int, nodes_per_repo: int = 0, *,
                      fixed: int = QUERY_FIXED_CONNECTIONS, sizes: Iterable[int] | None = None) -> int:
    """The batch size (1..limits.MAX_BATCH_SIZE) with the fewest points per repository; on a tie
    the larger size (fewer requests, Map iterations and history events).

    Only sizes whose query stays within GitHub's node limit (`nodes_per_repo × size`) count (if
    none does, the largest size: the batch step splits what GitHub refuses). The number of
    batches is no constraint: they run as child executions of a Distributed Map. The query timeout is not a constraint the formula can see: a query's
    time grows with its repositories, so a cheaper (smaller) size only shortens it, never beyond
    limits.MAX_BATCH_SIZE, and a query that still times out is split in halves by the batch step.
    """
    candidates = list(sizes) if sizes is not None else list(range(limits.MIN_BATCH_SIZE, limits.MAX_BATCH_SIZE + 1))
    allowed = [size for size in candidates if nodes_per_repo * size <= MAX_NODES]
    if not allowed:
        return max(candidates)
    return min(allowed, key=lambda size: (points_per_repository(connections_per_repo, size, fixed), -size))


def repository_connections(collectors: Iterable[object]) -> int:
    """Connections per repository of the batch query carrying these collectors' fragments."""
    return sum(getattr(c, "connections_per_repository", 0) for c in collectors)


def resolve_batch_size(batch_size: int | str, collectors: Iterable[object]) -> tuple[int, bool]:
    """(repositories per batch, whether it was chosen automatically) for a config's batch_size:
    a whole number stands; "auto" is choose_batch_size() for the enabled repository collectors'
    connections and nodes per repository (their fragments share one request)."""
    if batch_size != limits.AUTO_BATCH_SIZE:
        assert isinstance(batch_size, int), batch_size
        return batch_size, False
    collectors = list(collectors)
    connections = repository_connections(collectors)
    nodes = sum(getattr(c, "nodes_per_repository", 0) for c in collectors)
    return choose_batch_size(connections, nodes), True
