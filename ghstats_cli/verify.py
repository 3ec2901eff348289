"""Compare a run's outputs with the GitHub simulator's ground truth (demo and tests)."""

from __future__ import annotations

from typing import Any

# record field -> SimRepo attribute
TRUTH_FIELDS = {
    "name_with_owner": "name_with_owner",
    "database_id": "database_id",
    "visibility": "visibility",
    "is_archived": "is_archived",
    "is_template": "is_template",
    "is_fork": "is_fork",
    "is_empty": "is_empty",
    "primary_language": "primary_language",
    "license": "license_spdx_id",
    "default_branch": "default_branch",
    "stars": "stargazers",
    "forks": "forks",
    "watchers": "watchers",
    "open_issues": "open_issues",
    "closed_issues": "closed_issues",
    "open_pull_requests": "open_prs",
    "closed_pull_requests": "closed_prs",
    "merged_pull_requests": "merged_prs",
    "releases": "releases",
}


def mismatches(records: dict[str, dict[str, Any]], dataset: Any) -> list[str]:
    """Every field of every record that differs from the simulator's truth."""
    problems: list[str] = []
    for key, record in records.items():
        truth = dataset.get(key)
        if truth is None:
            problems.append(f"{key}: not in the simulator")
            continue
        for field, attribute in TRUTH_FIELDS.items():
            if record[field] != getattr(truth, attribute):
                problems.append(f"{key}.{field}: {record[field]!r} != {getattr(truth, attribute)!r}")
        if record["topics"] != sorted(truth.topics):
            problems.append(f"{key}.topics differ")
    return problems
