"""StartRun: the first step of every execution, before any credential is read.

It checks the config and its GitHub host, then takes the collection's lock and records the
run as RUNNING in one ledger transaction. A second execution of the same collection name, or
a run id started again with another config, is refused with the ledger untouched.
"""

from __future__ import annotations

import json
from typing import Any

from ghstats import ledger as ledger_outcomes
from ghstats import names
from ghstats.config import config_differences, parse_config
from ghstats.github.hosts import allowed_api_url
from ghstats.ledger import Ledger


class RunInProgress(Exception):
    """Another execution of this collection is RUNNING: one run at a time per collection name."""


class RunConfigMismatch(Exception):
    """The run id was started with another config: a run id means one config."""


def _refuse_other_config(run_id: str, stored_run: dict[str, Any] | None, config: dict[str, Any], fingerprint: str) -> None:
    if not stored_run or stored_run.get("config_hash") in (None, fingerprint):
        return
    try:
        before = json.loads(stored_run.get("config") or "{}")
    except (TypeError, ValueError):
        before = {}
    differences = config_differences(before, config) or ["the config's hash differs"]
    raise RunConfigMismatch(
        f"run {run_id} was started with another config ({'; '.join(differences)}): a run id means one config. "
        f"Start it again with its first config, or start a new run (without run_id) for this one"
    )


def run_in_progress(collection: str, holder: dict[str, Any]) -> RunInProgress:
    return RunInProgress(
        f"run {holder.get('run_id', '?')} is in progress since {holder.get('since', '?')} "
        f"(collection '{collection}', execution {holder.get('execution_arn', '?')}): one run of a collection at a "
        "time. Wait for it to end (ghstats status), or stop that execution, then start this one again"
    )


def hold_lock_or_refuse(ledger: Ledger, collection: str, run_id: str, execution_arn: str | None) -> None:
    """Before a step sends anything to GitHub: this execution holds its collection's lock, or
    takes it back (a redrive after the lock was freed), or the step fails with RunInProgress."""
    if execution_arn:
        holder = ledger.hold_lock(collection, run_id, execution_arn)
        if holder is not None:
            raise run_in_progress(collection, holder)


def start_run(run_id: str, raw_config: Any, started_at: str, execution_arn: str, ledger: Ledger,
              allowed_api_urls: tuple[str, ...]) -> dict[str, Any]:
    """Check, lock and record; returns the run's first start and the lock's key (for ReleaseLock)."""
    config = parse_config(raw_config)  # InvalidConfig names every field and its fix
    allowed_api_url(config.api_url, allowed_api_urls)  # ApiUrlNotAllowed: nothing sent anywhere
    normalised, fingerprint = config.to_dict(), config.fingerprint()
    _refuse_other_config(run_id, ledger.get_run(run_id), normalised, fingerprint)
    outcome = ledger.record_start(run_id, execution_arn, started_at, normalised, fingerprint, config.name)
    if outcome == ledger_outcomes.LOCKED:
        raise run_in_progress(config.name, ledger.get_lock(config.name) or {})
    if outcome == ledger_outcomes.CONFIG_CHANGED:  # another start got in between the check and the write
        _refuse_other_config(run_id, ledger.get_run(run_id), normalised, fingerprint)
        raise RunConfigMismatch(f"run {run_id} was started with another config by another execution just now: "
                                "start a new run (without run_id) for this config")
    recorded = ledger.get_run(run_id) or {}
    # A run started before (a re-run of its id) keeps the time it first started: the plan, the
    # outputs and latest/'s "newer run" check all date it by that.
    return {"run_id": run_id, "collection": config.name, "started_at": recorded.get("started_at", started_at),
            "lock": {"pk": names.lock_pk(config.name), "sk": names.LOCK_SK}}
