"""Query one batch: one GraphQL request for every repository-level GraphQL collector, split in
halves on 502/timeouts down to single repos."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ghstats.collect.batch_size import points_per_request, repository_connections
from ghstats.collectors.unit import Collector
from ghstats.github.client import GitHubClient
from ghstats.github.errors import AppNotInstalled, GitHubServerError, RepoError


@dataclass
class BatchOutcome:
    # every repository GitHub answered: key asked for -> its name now (GitHub follows renames)
    answered: dict[str, str] = field(default_factory=dict)
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # collector -> key -> record
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    splits: int = 0
    remaining_points: int | None = None
    requests: int = 0  # GitHub requests and points of earlier attempts at this batch
    points: int = 0
    # a field a collector could not read inside a repository GitHub answered: that collector's
    # coverage entry for that repository (the record is kept, that field empty), not an error
    coverage: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"answered": self.answered, "records": self.records, "errors": self.errors, "warnings": self.warnings,
                "splits": self.splits, "remaining_points": self.remaining_points, "requests": self.requests,
                "points": self.points, "coverage": self.coverage}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BatchOutcome":
        return cls(**data)

    def spent(self, client: GitHubClient) -> tuple[int, int]:
        """Every request sent for this batch (rate limited ones too) and its points, all attempts."""
        return self.requests + client.requests_made, self.points + client.points_used


def field_coverage(key: str, errors: list[RepoError], collectors: Sequence[Collector]) -> list[dict[str, Any]]:
    """The coverage entries of the fields GitHub would not give inside an answered repository:
    each error goes to the collector whose fragment selects the field (errors[].path[1]); a field
    no fragment names (or two share) is every such collector's."""
    by_collector: dict[str, list[RepoError]] = {}
    for error in errors:
        top = error.path[1] if len(error.path) > 1 else None
        owners = [c for c in collectors if top in c.fragment_fields()] or list(collectors)
        for collector in owners:
            by_collector.setdefault(collector.name, []).append(error)
    return [{"org": key.split("/", 1)[0], "repo": key, "collector": name,
             "status": "forbidden" if any(e.type == "FORBIDDEN" for e in found) else "unavailable",
             "message": "; ".join(f"{'.'.join(str(p) for p in e.path[1:])}: {e.message}" for e in found)}
            for name, found in by_collector.items()]


def collect_batch(
    client: GitHubClient, keys: list[str], collectors: Sequence[Collector], *,
    time_left: Callable[[], float] | None = None, outcome: BatchOutcome | None = None,
) -> BatchOutcome:
    """Every key ends in `answered` (with a record per collector) or `errors`, or the call raises.

    One request carries every collector's fragment, whatever their number. A GitHubServerError
    (502, timeout, dropped connection) on a group of repositories splits the group in halves and
    tries each, down to single repositories; a single repository that still fails raises, and so
    does running short of time (the caller retries later). `outcome` holds what an earlier
    attempt fetched: those keys are not asked for again, and what this call fetches is added to
    it as it arrives, so the caller keeps it when this raises.
    """
    outcome = outcome if outcome is not None else BatchOutcome()
    fragments = [c.fragment() for c in collectors]
    connections = repository_connections(collectors)

    def run(group: list[str]) -> None:
        try:
            answer = client.query_batch(group, fragments, cost=points_per_request(connections, len(group)))
        except AppNotInstalled as exc:  # per-org App credentials, an owner without the App: its repositories' errors
            outcome.errors.update({key: RepoError("APP_NOT_INSTALLED", str(exc)).to_dict() for key in group})
            return
        except GitHubServerError:
            if len(group) == 1 or (time_left is not None and time_left() <= 0):
                raise
            outcome.splits += 1
            middle = len(group) // 2
            run(group[:middle])
            run(group[middle:])
            return
        for key, node in answer.nodes.items():
            outcome.answered[key] = node.get("nameWithOwner") or key
            for collector in collectors:
                outcome.records.setdefault(collector.name, {})[key] = collector.record(key, node)
        for key, errors in answer.field_errors.items():
            outcome.coverage.extend(field_coverage(key, errors, collectors))
        outcome.errors.update({k: e.to_dict() for k, e in answer.errors.items()})
        outcome.warnings.extend(answer.warnings)
        if answer.rate_limit is not None:
            outcome.remaining_points = answer.rate_limit.remaining

    remaining = [k for k in keys if k not in outcome.answered and k not in outcome.errors]
    if remaining:
        run(remaining)
    return outcome
