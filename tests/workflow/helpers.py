"""Checks shared by the workflow tests: outputs against the simulator's truth, exactly once."""

from __future__ import annotations

from typing import Any

from ghstats import names
from ghstats_cli.verify import mismatches


def outputs(aws: Any, run_id: str) -> dict[str, Any]:
    return {
        "repositories": aws.get_json(names.repositories_key(run_id)),
        "errors": aws.get_json(names.errors_key(run_id)),
        "summary": aws.get_json(names.summary_key(run_id)),
    }


def assert_every_repo_once(out: dict[str, Any], expected_keys: set[str]) -> None:
    records = set(out["repositories"]["repositories"])
    errors = set(out["errors"]["errors"])
    assert not records & errors, f"in both outputs: {sorted(records & errors)[:5]}"
    assert records | errors == expected_keys, (
        f"missing {sorted(expected_keys - records - errors)[:5]}, extra {sorted((records | errors) - expected_keys)[:5]}"
    )


def assert_matches_truth(out: dict[str, Any], sim: Any) -> None:
    assert mismatches(out["repositories"]["repositories"], sim.dataset) == []


def org_keys(sim: Any, org: str) -> set[str]:
    return {r.name_with_owner for r in sim.dataset.repos(org)}


def listing_pages(count: int) -> int:
    return max(1, -(-count // 100))


def only_collectors(*wanted: str) -> dict[str, bool]:
    """A config's `collectors` with just these on (and every other registered collector off)."""
    from ghstats.collectors import REGISTRY

    return {name: name in wanted for name in REGISTRY}


def default_org_walk_paths(org: str) -> set[str]:
    """The REST paths the org-level collectors that are on by default walk for `org`."""
    from ghstats.collectors import rest_collectors

    return {"/" + c.rest_path.format(org=org) for c in rest_collectors({})}
