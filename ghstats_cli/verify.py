"""Compare a run's outputs with the GitHub simulator's ground truth (demo and tests): every
collector's records through simulator/truth.py."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ghstats import names
from ghstats.collectors import INVENTORY_COLLECTOR
from simulator import truth


def mismatches(records: dict[str, dict[str, Any]], dataset: Any) -> list[str]:
    """Every field of every repository_stats record that differs from the simulator's truth."""
    return truth.mismatches(INVENTORY_COLLECTOR.name, records, SimpleNamespace(dataset=dataset), [], set(records))


def errors_of(out_dir: Path, run_id: str) -> dict[str, Any]:
    return json.loads((out_dir / "s3" / "runs" / run_id / "errors.json").read_text())["errors"]


def collector_records(read_json: Any, run_id: str, collector: str) -> dict[str, dict[str, Any]] | None:
    """A collector's records in a run's outputs (None: it did not run); `read_json(key)` reads S3."""
    if collector == INVENTORY_COLLECTOR.name:
        document = read_json(names.repositories_key(run_id))
        return None if document is None else document["repositories"]
    document = read_json(names.collector_output_key(run_id, collector))
    return None if document is None else document["records"]


def run_mismatches(read_json: Any, run_id: str, sim: Any, orgs: list[str]) -> list[str]:
    """Every collector the run wrote, against the truth, over the repositories it collected."""
    scope = set(collector_records(read_json, run_id, INVENTORY_COLLECTOR.name) or {})
    problems: list[str] = []
    for collector in truth.TRUTH:
        records = collector_records(read_json, run_id, collector)
        if records is not None:
            problems += truth.mismatches(collector, records, sim, orgs, scope)
    return problems
