"""Rows kept across runs: a collector whose GitHub window is a few days (traffic: 14) keeps every
day any run saw, one row per (repository, day), the row of the latest-started run winning (a day
seen twice was incomplete the first time; a redriven older run does not overwrite a newer one).

Per owner, latest/<collector>_history/<owner>.json holds every kept row; from it each day the run
touched is rewritten as datasets/<collector>/dt=<day>/<owner>.jsonl, so a query over the dataset
sees each (repository, day) exactly once. Merging the same run twice (a retried Aggregate) gives
the same objects.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

from ghstats import names
from ghstats.storage import ObjectStore, dumps

Record = dict[str, Any]
HISTORY_SCHEMA_VERSION = 1


def _owner(record: Record) -> str:
    return record["repository"].split("/", 1)[0].lower()


def merge_history(store: ObjectStore, collector: str, records: dict[str, Record], day_of: Callable[[Record], str | None],
                  run_id: str, started_at: str) -> dict[str, str]:
    """Merge this run's daily rows into the kept history and rewrite the days they touch.
    Returns, per repository (lower case) of this run's rows, the last day the history held from
    other runs before this one: what a gap is measured from."""
    by_owner: dict[str, list[tuple[str, Record]]] = defaultdict(list)
    for record in records.values():
        day = day_of(record)
        if day is not None:
            by_owner[_owner(record)].append((day, record))
    last_kept: dict[str, str] = {}
    for owner, rows in sorted(by_owner.items()):
        key = names.history_key(collector, owner)
        document = store.get_json(key) or {"schema_version": HISTORY_SCHEMA_VERSION, "collector": collector,
                                           "owner": owner, "rows": {}}
        kept: dict[str, dict[str, Record]] = document["rows"]
        for repository, days in kept.items():
            others = [day for day, row in days.items() if row["run_id"] != run_id]
            if others:
                last_kept[repository] = max(others)
        touched: set[str] = set()
        for day, record in rows:
            repository = record["repository"].lower()
            existing = kept.setdefault(repository, {}).get(day)
            if existing is None or (existing["run_started_at"], existing["run_id"]) <= (started_at, run_id):
                kept[repository][day] = {**record, "run_id": run_id, "run_started_at": started_at}
                touched.add(day)
        document["rows"] = {repo: dict(sorted(days.items())) for repo, days in sorted(kept.items())}
        store.put_json(key, document)
        lines: dict[str, list[str]] = defaultdict(list)  # each touched day's rows, in one pass over the history
        for days in document["rows"].values():
            for day in touched & days.keys():
                lines[day].append(dumps(days[day]) + "\n")
        for day in sorted(touched):
            store.put_text(names.history_dataset_key(collector, day, owner), "".join(lines[day]), "application/x-ndjson")
    ours = {record["repository"].lower() for rows in by_owner.values() for _, record in rows}
    return {repo: day for repo, day in last_kept.items() if repo in ours}
