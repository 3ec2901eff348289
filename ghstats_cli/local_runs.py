"""Collections on this machine: the real workflow in moto's engine, outputs exported to a folder."""

from __future__ import annotations

import json
import logging
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

from ghstats_cli.local_aws import LocalAws, ExecutionOutcome

DEFAULT_DATA_DIR = Path("ghstats-data")


def quiet_engine() -> None:
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="No application metrics to publish")


def progress_printer(stream: Any = sys.stderr) -> Callable[[dict[str, Any]], None]:
    last: list[Any] = [None]

    def show(run: dict[str, Any]) -> None:
        line = (f"  batches {run.get('batches_done', 0)}/{run.get('batches_total', '?')}  "
                f"repos {run.get('repos_ok', 0)} ok {run.get('repos_failed', 0)} failed  "
                f"points used {run.get('points_used', 0)}, left {run.get('points_remaining', '?')}")
        if line != last[0]:
            print(line, file=stream, flush=True)
            last[0] = line

    return show


def collect_locally(config: dict[str, Any], environ: dict[str, str], out_dir: Path, *,
                    name: str | None = None, progress: bool = True) -> tuple[ExecutionOutcome, dict[str, Any] | None]:
    """Run one collection and export it; returns the outcome and the summary (None if it failed)."""
    quiet_engine()
    with LocalAws(environ) as aws:
        outcome = aws.run(config, name=name, on_progress=progress_printer() if progress else None)
        aws.export(outcome.run_id, out_dir)
        summary = aws.get_json(f"runs/{outcome.run_id}/summary.json") if outcome.status == "SUCCEEDED" else None
    return outcome, summary


def exported_runs(data_dir: Path) -> list[dict[str, Any]]:
    """The ledger items exported by earlier local runs, newest first."""
    runs = []
    for path in (data_dir / "ledger").glob("*.json"):
        items = json.loads(path.read_text())
        if items.get("run"):
            runs.append(items)
    return sorted(runs, key=lambda i: i["run"].get("started_at", ""), reverse=True)
