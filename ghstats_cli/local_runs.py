"""Collections on this machine: the real workflow in moto's engine, outputs exported to a folder."""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ghstats import names
from ghstats_cli.local_aws import LocalAws, ExecutionOutcome
from ghstats_cli.progress import choose, follower

DEFAULT_DATA_DIR = Path("ghstats-data")


def quiet_engine() -> None:
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="No application metrics to publish")


def collect_locally(config: dict[str, Any], environ: dict[str, str], out_dir: Path, *,
                    name: str | None = None, progress: str = "auto",
                    secret: dict[str, str] | None = None) -> tuple[ExecutionOutcome, dict[str, Any] | None]:
    """Run one collection and export it; returns the outcome and the summary (None if it failed).

    Each call starts an empty moto. What it needs of earlier runs comes from `out_dir`: the
    latest/ pointer always (latest/ only moves forward), and for a given run id (config
    `run_id` or `name`) that run's objects and ledger items, so the run resumes where it
    stopped. A new run id reads nothing else of the folder.
    """
    quiet_engine()
    run_id = config.get("run_id") or name
    with LocalAws(environ) as aws:
        if secret is not None:  # GitHub App credentials: where a deployed run reads them (gone with this moto)
            import boto3

            boto3.client("secretsmanager").create_secret(Name=environ[names.ENV_SECRET_NAME], SecretString=json.dumps(secret))
        aws.import_latest(out_dir)
        if run_id:
            aws.import_run(run_id, out_dir)
        view = choose(progress)
        try:
            outcome = aws.run(config, name=name,
                              on_progress=follower(view, aws.dependencies().store) if view is not None else None)
        finally:
            if view is not None:
                view.close()
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


@dataclass
class EarlierRun:
    """What a folder holds of a run that an earlier local run exported."""

    run_id: str
    input: dict[str, Any] | None  # the execution input it was started with (ledger), run_id left out
    planned: dict[str, Any] | None  # the config of its stored plan (runs/<id>/run.json), run_id left out
    batches_total: int
    batches_stored: int  # batches whose result is stored: a re-run does not fetch them again


def earlier_run(data_dir: Path, run_id: str) -> EarlierRun | None:
    ledger_file = data_dir / "ledger" / f"{run_id}.json"
    run_dir = data_dir / "s3" / "runs" / run_id
    if not ledger_file.is_file() and not run_dir.is_dir():
        return None
    run = (json.loads(ledger_file.read_text()).get("run") if ledger_file.is_file() else None) or {}
    started_with = json.loads(run["config"]) if isinstance(run.get("config"), str) else None
    plan_file = run_dir / "run.json"
    plan = json.loads(plan_file.read_text()) if plan_file.is_file() else None
    without_id = lambda config: {k: v for k, v in config.items() if k != "run_id"} if isinstance(config, dict) else None
    # each listed owner's batches (an owner whose listing did not finish has none yet)
    owner_plans = [run_dir / "owners" / owner.lower() / "plan.json" for owner in (plan or {}).get("owners", [])]
    batch_ids = [b for path in owner_plans if path.is_file() for b in json.loads(path.read_text())["batch_ids"]]
    stored = sum(1 for b in batch_ids if (run_dir / "results" / f"{b}.json").is_file())
    return EarlierRun(run_id, without_id(started_with), without_id((plan or {}).get("config")), len(batch_ids), stored)
