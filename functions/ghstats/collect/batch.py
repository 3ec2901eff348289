"""Query one batch: one GraphQL request, split in halves on 502/timeouts down to single repos."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ghstats.github.client import GitHubClient
from ghstats.github.errors import GitHubServerError


@dataclass
class BatchOutcome:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    splits: int = 0
    remaining_points: int | None = None


def collect_batch(
    client: GitHubClient, keys: list[str], *, time_left: Callable[[], float] | None = None
) -> BatchOutcome:
    """Every key ends in `records` or `errors`, or the call raises.

    A GitHubServerError (502, timeout, dropped connection) on a group of repositories splits
    the group in halves and tries each, down to single repositories; a single repository
    that still fails raises, and so does running short of time (the caller retries later).
    """
    outcome = BatchOutcome()

    def run(group: list[str]) -> None:
        try:
            answer = client.query_repositories(group)
        except GitHubServerError:
            if len(group) == 1 or (time_left is not None and time_left() <= 0):
                raise
            outcome.splits += 1
            middle = len(group) // 2
            run(group[:middle])
            run(group[middle:])
            return
        outcome.records.update(answer.records)
        outcome.errors.update({k: e.to_dict() for k, e in answer.errors.items()})
        outcome.warnings.extend(answer.warnings)
        if answer.rate_limit is not None:
            outcome.remaining_points = answer.rate_limit.remaining

    run(list(keys))
    return outcome
