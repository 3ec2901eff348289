"""What a collector is: one declaration, in one folder, that the shared engine reads.

The engine (planning, batching, the GitHub transport, merging, outputs, the ledger) knows
nothing of any collector's fields: it asks the declaration for its GraphQL fragment, how to
turn one answer node into a record, and how to summarise the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

Record = dict[str, Any]


@dataclass(frozen=True)
class Permissions:
    """What a credential needs for the collector, per kind of credential (README's table)."""

    classic_scopes: tuple[str, ...]  # a classic PAT's scopes (X-OAuth-Scopes)
    fine_grained: tuple[str, ...]  # a fine-grained PAT's repository/organisation permissions
    github_app: tuple[str, ...]  # a GitHub App's permissions


@dataclass(frozen=True)
class Collector:
    name: str
    scope: Literal["repo", "org"]
    # "graphql_batch": a fragment composed into the shared per-batch query, one alias per repo.
    fetch: Literal["graphql_batch"]
    fragment_name: str
    fragment_file: Path
    record: Callable[[str, dict[str, Any]], Record]  # (owner/name asked for, answer node) -> record
    summarise: Callable[[dict[str, Record], dict[str, dict[str, Any]]], dict[str, Any]]  # (records, errors) -> summary
    schema_version: int
    permissions: Permissions
    default_enabled: bool = True

    def fragment(self) -> tuple[str, str]:
        """(fragment name, GraphQL text) for the batch query."""
        return self.fragment_name, self.fragment_file.read_text()
