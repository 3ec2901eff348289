"""What a run leaves of its credential's hourly budget for other tools sharing it.

`reserve_points` (GraphQL) and `reserve_requests` (REST core) in the config: before a request,
the client compares what GitHub last said was left of the bucket (a GraphQL answer's
`rateLimit`, a REST answer's `x-ratelimit-*` headers, or `GET /rate_limit`, which is free) with
the reserve, less what the run's other requests in flight on the same credential may spend before
GitHub's next answer (each work item's client learns only its own answers: `in_flight`, from the
run's concurrency). A request that would take the bucket below it is not sent: GitHubRateLimited with
the wait until the bucket's reset and a `reason`, which the workflow's Wait loop waits out as it
does GitHub's own rate limits (the ledger shows the wait and its reason in status and progress).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from ghstats import limits
from ghstats.github.errors import GitHubRateLimited

GRAPHQL = "graphql"
CORE = "core"
SETTING = {GRAPHQL: "reserve_points", CORE: "reserve_requests"}
UNIT = {GRAPHQL: "points", CORE: "REST requests"}


@dataclass(frozen=True)
class Budget:
    """What GitHub last said of one bucket: left, when it refills (epoch seconds), and its hourly
    limit where GitHub said it."""

    remaining: int
    reset_at: float
    limit: int | None = None


def from_graphql(rate_limit: Mapping[str, Any] | None) -> Budget | None:
    """A GraphQL answer's rateLimit (remaining, resetAt ISO)."""
    if not rate_limit or rate_limit.get("remaining") is None or not rate_limit.get("resetAt"):
        return None
    reset = datetime.fromisoformat(str(rate_limit["resetAt"]).replace("Z", "+00:00")).timestamp()
    limit = rate_limit.get("limit")
    return Budget(int(rate_limit["remaining"]), reset, int(limit) if limit is not None else None)


def from_headers(headers: Mapping[str, str]) -> Budget | None:
    """A REST answer's x-ratelimit-remaining / -reset, when they are the core bucket's."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("x-ratelimit-resource", CORE) != CORE:
        return None
    try:
        budget = Budget(int(lowered["x-ratelimit-remaining"]), float(lowered["x-ratelimit-reset"]))
    except (KeyError, ValueError):
        return None
    try:
        return Budget(budget.remaining, budget.reset_at, int(lowered["x-ratelimit-limit"]))
    except (KeyError, ValueError):
        return budget


def from_rate_limit_body(body: Any) -> dict[str, Budget]:
    """GET /rate_limit's resources: bucket -> Budget (only the buckets we spend)."""
    resources = body.get("resources", {}) if isinstance(body, dict) else {}
    found = {}
    for bucket in (GRAPHQL, CORE):
        entry = resources.get(bucket)
        if isinstance(entry, dict) and entry.get("remaining") is not None and entry.get("reset") is not None:
            limit = entry.get("limit")
            found[bucket] = Budget(int(entry["remaining"]), float(entry["reset"]), int(limit) if limit is not None else None)
    return found


def check(bucket: str, reserve: int, budget: Budget | None, cost: int, now: float, in_flight: int = 0) -> None:
    """Raise GitHubRateLimited (wait until the reset) if spending `cost`, with `in_flight` more
    that the run's other requests may spend meanwhile, would leave less than `reserve` of the
    bucket. Nothing known of the bucket (GitHub Enterprise Server without rate limits), or its
    window already over: nothing to keep. The margin for the others is at most what a whole hour
    leaves above the reserve and this request (where GitHub said the limit): a reserve closer to
    the limit than the run's requests in flight would otherwise stop the run for good (every hour
    waited out); with it the run moves on each hour, and its requests at once may take the bucket
    below the reserve by up to what they cost."""
    if not reserve or budget is None or now >= budget.reset_at:
        return
    if budget.limit is not None:
        in_flight = min(in_flight, max(0, budget.limit - reserve - cost))
    if budget.remaining - cost - in_flight >= reserve:
        return
    wait = max(1, min(math.ceil(budget.reset_at - now) + 1, limits.MAX_RATE_LIMIT_WAIT_S))
    reason = f"keeping {reserve:,} {UNIT[bucket]} for other tools ({SETTING[bucket]})"
    raise GitHubRateLimited(f"{budget.remaining:,} {UNIT[bucket]} left until the reset; {reason}", wait, reason=reason)
