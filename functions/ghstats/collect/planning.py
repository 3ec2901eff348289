"""Resolve the repositories of a run and split them into batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ghstats import limits, names
from ghstats.config import CollectionConfig
from ghstats.github.client import GitHubClient


class TooManyBatches(Exception):
    """More batches than one Standard execution's history can hold."""


@dataclass
class Plan:
    repos: list[str]  # every repository of the run, once, sorted case-insensitively
    batches: dict[str, list[str]]  # batch id -> owner/name keys
    orgs: dict[str, int] = field(default_factory=dict)  # org -> repositories listed (after excludes)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0  # GitHub requests spent on preflight and listing
    points: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "repos_total": len(self.repos),
            "batch_ids": list(self.batches),
            "orgs": self.orgs,
            "warnings": self.warnings,
            "requests": self.requests,
            "points": self.points,
        }


def split_into_batches(keys: list[str], batch_size: int) -> dict[str, list[str]]:
    chunks = [keys[i : i + batch_size] for i in range(0, len(keys), batch_size)]
    if len(chunks) > limits.MAX_BATCHES:
        raise TooManyBatches(
            f"{len(keys)} repositories make {len(chunks)} batches of {batch_size}; one run holds at "
            f"most {limits.MAX_BATCHES} batches (the execution's {limits.HISTORY_EVENT_LIMIT:,}-event history): raise "
            f"batch_size (at most {limits.MAX_BATCH_SIZE}) or split the orgs across configs"
        )
    return {names.batch_id(i): chunk for i, chunk in enumerate(chunks)}


def plan_collection(client: GitHubClient, config: CollectionConfig) -> Plan:
    """Check the token, list every org, apply excludes and filters, add named repos, dedupe."""
    client.preflight()  # a bad or under-scoped token fails here, before any real work
    warnings: list[str] = []
    chosen: dict[str, str] = {}  # lower-case key -> key as GitHub spells it
    orgs: dict[str, int] = {}
    for org in config.orgs:
        listed = client.list_org_repos(
            org.name, include_archived=org.include_archived, include_forks=org.include_forks
        )
        listed_lower = {repo.key.lower() for repo in listed}
        excluded = {key.lower() for key in org.exclude}
        for key in org.exclude:
            if key.lower() not in listed_lower:
                warnings.append(f"orgs.{org.name}.exclude: '{key}' is not a repository of {org.name} (or was filtered out); nothing to exclude")
        kept = [repo.key for repo in listed if repo.key.lower() not in excluded]
        orgs[org.name] = len(kept)
        for key in kept:
            chosen.setdefault(key.lower(), key)
    for key in config.repos:  # named repositories: added unless an org already brought them
        chosen.setdefault(key.lower(), key)
    repos = [chosen[k] for k in sorted(chosen)]
    batches = split_into_batches(repos, config.batch_size)
    return Plan(repos, batches, orgs, warnings, client.requests_made, client.points_used)
