"""Rows kept across runs (collect/history.py): one row per (repository, day) in the history and
in the day-partitioned dataset, the latest-started run's winning, idempotent on a retry, and the
last day kept before the run (where a gap starts)."""

from __future__ import annotations

import json

from ghstats import names
from ghstats.collect.history import merge_history
from tests.unit.test_aggregate import DictStore


def rows(repository, days, views, run_tag=""):
    return {f"{repository}#{d}": {"key": f"{repository}#{d}", "kind": "day", "repository": repository, "day": d,
                                  "views": views, "tag": run_tag} for d in days}


def day_of(record):
    return record["day"] if record["kind"] == "day" else None


def dataset_rows(store, day, owner):
    text = store.objects.get(names.history_dataset_key("traffic", day, owner), "")
    return [json.loads(line) for line in text.splitlines()]


def test_each_repository_day_once_the_latest_run_wins_and_other_owners_untouched():
    store = DictStore()
    first = {**rows("acme/x", ["2026-01-01", "2026-01-02"], 1), **rows("beta/y", ["2026-01-02"], 7),
             "acme/x": {"key": "acme/x", "kind": "repository", "repository": "acme/x"}}  # not a daily row
    assert merge_history(store, "traffic", first, day_of, "run-1", "2026-01-02T10:00:00Z") == {}
    second = rows("acme/x", ["2026-01-02", "2026-01-03"], 2)  # 01-02 was incomplete the first time
    last = merge_history(store, "traffic", second, day_of, "run-2", "2026-01-03T10:00:00Z")
    assert last == {"acme/x": "2026-01-02"}
    kept = store.objects[names.history_key("traffic", "acme")]["rows"]["acme/x"]
    assert {d: (r["views"], r["run_id"]) for d, r in kept.items()} == {
        "2026-01-01": (1, "run-1"), "2026-01-02": (2, "run-2"), "2026-01-03": (2, "run-2")}
    assert [(r["repository"], r["views"]) for r in dataset_rows(store, "2026-01-02", "acme")] == [("acme/x", 2)]
    assert [(r["repository"], r["views"]) for r in dataset_rows(store, "2026-01-02", "beta")] == [("beta/y", 7)]
    assert not any("acme/x" == k for k in store.objects)  # the repository record is no row


def test_an_older_run_merged_later_does_not_overwrite_a_newer_runs_day_and_a_retry_changes_nothing():
    store = DictStore()
    merge_history(store, "traffic", rows("acme/x", ["2026-01-02"], 5), day_of, "new", "2026-01-03T00:00:00Z")
    merge_history(store, "traffic", rows("acme/x", ["2026-01-01", "2026-01-02"], 1), day_of, "old", "2026-01-02T00:00:00Z")
    kept = store.objects[names.history_key("traffic", "acme")]["rows"]["acme/x"]
    assert (kept["2026-01-02"]["views"], kept["2026-01-01"]["views"]) == (5, 1)
    before = json.dumps(store.objects, sort_keys=True)
    again = merge_history(store, "traffic", rows("acme/x", ["2026-01-02"], 5), day_of, "new", "2026-01-03T00:00:00Z")
    assert json.dumps(store.objects, sort_keys=True) == before
    assert again == {"acme/x": "2026-01-01"}  # the last day other runs' rows hold, not this run's own
