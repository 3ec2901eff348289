"""`python -m bench.aggregate`: the replicated run is a run Aggregate merges whole, every copy distinct."""

from __future__ import annotations

import json

from bench.aggregate import collect_once, replicate, with_previous_run
from ghstats import names
from ghstats.collect.steps import aggregate


def test_a_replicated_run_merges_every_repository_once():
    objects, run_id = collect_once({"bench-agg-a": 60, "bench-agg-b": 40})
    store = replicate(dict(objects), run_id, 250)  # two whole copies and half of a third
    with_previous_run(store, run_id)
    outcome = aggregate(run_id, store)
    assert outcome["status"] == "SUCCEEDED" and (outcome["repos_ok"], outcome["repos_failed"]) == (250, 0)
    # compared with the same repositories a day before: read back whole, nothing changed
    compared = outcome["since_previous_run"]
    assert compared["run_id"] == f"{run_id}-previous"
    stats = compared["counts"]["repository_stats"]
    assert (stats["added"], stats["removed"], stats["renamed"]) == (0, 0, 0)
    from ghstats.collect.steps import run_plan

    keys = [k for b in run_plan(store, run_id)["batch_ids"] for k in json.loads(store.objects[names.batch_key(run_id, b)])["keys"]]
    assert len(keys) == len(set(keys)) == 250
    assert sum(k.endswith("-c1") for k in keys) == 100 and sum(k.endswith("-c2") for k in keys) == 50
    assert store.puts > 0 and store.bytes_written > 250 * 500  # the outputs were written (and let go)
