"""AWS cost of one run from measured counts, and the history-event projection.

Prices: ghstats.aws_prices (us-east-1 list prices). Durations are the handlers' wall times measured
in-process on the benchmark machine (they include the wait for GitHub, which a Lambda is
billed for too); a real Lambda adds cold starts and its own CPU speed.
"""

from __future__ import annotations

import math
from typing import Any

from ghstats import limits
from ghstats.aws_prices import PRICES  # noqa: F401  (bench/report.py reads costs.PRICES)
# How a run's counts are priced lives with the planner's prediction (ghstats.collect.budget), so
# the bench and `ghstats plan` count the same way.
from ghstats.collect.budget import (LAMBDA_EPHEMERAL_STORAGE_MB, LAMBDA_MEMORY_MB, S3_PUT_TIER,  # noqa: F401
                                   dynamodb_units, run_cost)

HISTORY_LIMIT = limits.HISTORY_EVENT_LIMIT


def history_projection(repos: int, parent_events: int, per_child: float, batch_size: int) -> dict[str, Any]:
    """A run of `repos` repositories under the Distributed Map: the parent's history does not
    grow with the batches; each batch is one child execution with its own history."""
    batches = math.ceil(repos / batch_size)
    return {"repos": repos, "batch_size": batch_size, "batches": batches, "parent_events": parent_events,
            "parent_share": parent_events / HISTORY_LIMIT, "child_events": per_child,
            "child_share": per_child / HISTORY_LIMIT, "child_events_total": round(batches * per_child)}
