"""Compare a run's outputs with the GitHub simulator's ground truth (demo and tests)."""

from __future__ import annotations

import json
from pathlib import Path
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


def errors_of(out_dir: Path, run_id: str) -> dict[str, Any]:
    return json.loads((out_dir / "s3" / "runs" / run_id / "errors.json").read_text())["errors"]


def alert_mismatches(run_dir: Path, dataset: Any, orgs: list[str], scope: set[str]) -> list[str]:
    """The Dependabot alerts collected against the truth: every alert of the run's repositories
    once, with its state and severity."""
    path = run_dir / "dependabot_alerts.json"
    if not path.exists():
        return []
    records = json.loads(path.read_text())["records"]
    lowered = {key.lower() for key in scope}
    truth = {f"{a.repository}#{a.number}": a for org in orgs for a in dataset.alerts(org, "dependabot")
             if a.repository.lower() in lowered}
    problems = [f"dependabot alert {key}: missing" for key in sorted(set(truth) - set(records))]
    problems += [f"dependabot alert {key}: not GitHub's" for key in sorted(set(records) - set(truth))]
    for key in sorted(set(truth) & set(records)):
        alert, record = truth[key], records[key]
        if (record["state"], record["severity"]) != (alert.state, alert.advisory.severity):
            problems.append(f"dependabot alert {key}: {record['state']}/{record['severity']}, "
                            f"GitHub has {alert.state}/{alert.advisory.severity}")
    return problems



def access_mismatches(run_dir: Path, sim: Any, orgs: list[str]) -> list[str]:
    """The members and teams collected against the truth: every member once with their role,
    every team once with its member count."""
    problems: list[str] = []
    for name, truth in (("members", lambda org: {f"{org}#{p.login}": "admin" if p in sim.access(org).owners else "member"
                                                  for p in (*sim.access(org).owners, *sim.access(org).members)}),
                        ("teams", lambda org: {f"{org}#{t.slug}": len(t.members) for t in sim.access(org).teams})):
        path = run_dir / f"{name}.json"
        if not path.exists():
            continue
        records = json.loads(path.read_text())["records"]
        field = "role" if name == "members" else "member_count"
        found = {k: r[field] for k, r in records.items() if r["kind"] in ("member", "team")}
        expected = {k: v for org in orgs for k, v in truth(org).items()}
        problems += [f"{name} {key}: {found.get(key)!r}, GitHub has {value!r}" for key, value in sorted(expected.items())
                     if found.get(key) != value]
        problems += [f"{name} {key}: not GitHub's" for key in sorted(set(found) - set(expected))]
    return problems
