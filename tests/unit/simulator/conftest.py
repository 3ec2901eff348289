"""Helpers for the simulator's own tests: one simulator per module, plain HTTP calls."""

from __future__ import annotations

from typing import Any

import requests

TOKEN = "ghs_simulator_unit_test_token"


def gql(sim: Any, query: str, variables: dict[str, Any] | None = None, token: str | None = TOKEN,
        scheme: str = "bearer", **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"{scheme} {token}"} if token else {}
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    return requests.post(sim.graphql_url, json=payload, headers=headers, timeout=kwargs.pop("timeout", 10), **kwargs)


def rest(sim: Any, path: str, token: str | None = TOKEN, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return requests.get(sim.url + path, headers=headers, timeout=kwargs.pop("timeout", 10), **kwargs)


def repo_query(keys: list[str], fields: str = "nameWithOwner") -> str:
    """One alias per repository, like the collector's batch query."""
    lines = []
    for index, key in enumerate(keys):
        owner, name = key.split("/")
        lines.append(f'r{index}: repository(owner: "{owner}", name: "{name}") {{ {fields} }}')
    return "query {\n" + "\n".join(lines) + "\n}"
