"""What the handlers need, built once per Lambda container from its environment.

Tests and the local runner pass their own Dependencies to the handlers instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import boto3
import requests

from ghstats import limits, names
from ghstats.collect.steps import ClientFactory
from ghstats.github.client import GitHubClient
from ghstats.github.credentials import for_owner, token_provider
from ghstats.github.endpoints import Endpoints
from ghstats.github.hosts import allowed_api_url, allowed_api_urls
from ghstats.ledger import Ledger
from ghstats.storage import ObjectStore, S3ObjectStore


class MissingSetting(Exception):
    """The function's environment lacks a required variable (a deployment problem)."""


@dataclass
class Dependencies:
    store: ObjectStore
    ledger: Ledger
    make_client: ClientFactory
    allowed_api_urls: tuple[str, ...] = ()  # the GitHub APIs the credential may be sent to
    # Aggregate's memory as deployed (MB): what the planning step's cost estimate prices it at
    aggregate_memory_mb: int = limits.FUNCTION_MEMORY_MB["Aggregate"]


def require(environ: Mapping[str, str], name: str) -> str:
    """The value of the environment variable `name`; MissingSetting if it is unset or empty."""
    value = environ.get(name)
    if not value:
        raise MissingSetting(f"environment variable {name} is not set; deploy with the ghstats CDK stack")
    return value


def aggregate_memory_mb(environ: Mapping[str, str]) -> int:
    """Aggregate's memory from GHSTATS_AGGREGATE_MEMORY_MB (the stack sets it from
    ghstats:aggregateMemoryMb); unset (local runs): the stack's default. A value that is no
    memory Aggregate could have is a deployment problem, named."""
    raw = environ.get(names.ENV_AGGREGATE_MEMORY_MB)
    if raw is None or raw == "":
        return limits.FUNCTION_MEMORY_MB["Aggregate"]
    low, high = limits.AGGREGATE_MEMORY_MB_RANGE
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        raise MissingSetting(f"environment variable {names.ENV_AGGREGATE_MEMORY_MB} is '{raw[:20]}', not a whole number "
                             f"of MB from {low} to {high}; deploy with the ghstats CDK stack (ghstats:aggregateMemoryMb)")
    return int(raw)


def build(
    environ: Mapping[str, str],
    *,
    s3: Any = None,
    dynamodb: Any = None,
    timeout: tuple[float, float] = (limits.HTTP_CONNECT_TIMEOUT_S, limits.HTTP_READ_TIMEOUT_S),
) -> Dependencies:
    bucket = require(environ, names.ENV_BUCKET)
    table_name = require(environ, names.ENV_TABLE)
    allowed = allowed_api_urls(environ)
    session = requests.Session()
    providers: dict[str, Any] = {}  # api_url -> token provider (App tokens are cached inside)

    def make_client(api_url: str, owner: str | None = None) -> GitHubClient:
        # Before any credential is read or any request is sent; the client is built from the
        # deployment's own entry, never from the string a config or a stored work item gave.
        base = allowed_api_url(api_url, allowed)
        endpoints = Endpoints.from_api_url(base)
        if base not in providers:
            providers[base] = token_provider(environ, endpoints, session)
        # `owner`'s work: with per-org App credentials its installation's token and budget, else
        # the one credential every owner shares (a PAT, a fixed installation: one budget)
        return GitHubClient(endpoints, for_owner(providers[base], owner), session=session, timeout=timeout)

    table = (dynamodb or boto3.resource("dynamodb")).Table(table_name)
    return Dependencies(
        store=S3ObjectStore(s3 or boto3.client("s3"), bucket),
        ledger=Ledger(table),
        make_client=make_client,
        allowed_api_urls=allowed,
        aggregate_memory_mb=aggregate_memory_mb(environ),
    )


_cached: Dependencies | None = None


def from_environment() -> Dependencies:
    global _cached
    if _cached is None:
        _cached = build(os.environ)
    return _cached


def time_left(context: Any, margin_s: float) -> Callable[[], float] | None:
    """Seconds this invocation has left after `margin_s`, asked anew on each call (None without
    a Lambda context)."""
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return None
    return lambda: context.get_remaining_time_in_millis() / 1000 - margin_s
