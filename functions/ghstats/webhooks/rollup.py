"""Rewrite the webhook datasets of the days that changed since the last rollup.

For each dirty (family, day) the rollup reads the state of everything indexed under that day and
writes two whole objects, so a rollup that runs twice, or after a crash, writes the same bytes:

- `datasets/webhooks_<family>/dt=<day>/part.jsonl`: one record per thing created that day;
- `datasets/webhooks_<family>_daily/dt=<day>/part.jsonl`: that day's figures per repository
  (and per workflow, app or environment);
- and `datasets/webhooks_deliveries/dt=<day>/part.jsonl`: the day's deliveries per event type.

A day's mark is cleared only if no delivery marked it again while it was being rolled up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from ghstats.storage import ObjectStore, dumps
from ghstats.webhooks import names
from ghstats.webhooks.events import DEPLOYMENTS, FAMILIES
from ghstats.webhooks.figures import DAILY, RECORDS, Record, anchor_day, deployment_record
from ghstats.webhooks.store import StateStore


@dataclass
class RollupResult:
    days: list[tuple[str, str]] = field(default_factory=list)  # (family, day) rewritten
    still_dirty: list[tuple[str, str]] = field(default_factory=list)  # touched during the rollup
    records: int = 0


def _jsonl(lines: Iterable[Record]) -> str:
    return "".join(dumps(line) + "\n" for line in lines)


def deliveries_daily(day: str, deliveries: Iterable[dict[str, Any]]) -> list[Record]:
    listed = list(deliveries)
    counts = Counter(d["event"] for d in listed)
    unknown = {d["event"] for d in listed if d["unknown"]}
    hooks: dict[str, set[str]] = {}
    for d in listed:
        hooks.setdefault(d["event"], set()).add(d["hook_id"])
    return [{"day": day, "event": event, "deliveries": counts[event], "hooks": len(hooks[event]),
             "unknown": event in unknown} for event in sorted(counts)]


def family_records(store: StateStore, family: str, day: str) -> list[Record]:
    states = store.states(family, store.entities_on(family, day))
    if family != DEPLOYMENTS:
        return [RECORDS[family](states[entity]) for entity in sorted(states)]
    merges = store.merged_at((int(s["repository_id"]), str(s["sha"])) for s in states.values() if s.get("sha"))
    return [deployment_record(s, merges.get((int(s["repository_id"]), str(s.get("sha"))))) for _, s in sorted(states.items())]


def roll_up_day(store: StateStore, objects: ObjectStore, family: str, day: str) -> int:
    if family == names.DELIVERIES:
        lines = deliveries_daily(day, store.deliveries_on(day))
        objects.put_text(names.dataset_key(family, day), _jsonl(lines), "application/x-ndjson")
        return len(lines)
    records = family_records(store, family, day)
    created = sorted((r for r in records if anchor_day(r) == day), key=lambda r: str(r.get("created_at")))
    objects.put_text(names.dataset_key(family, day), _jsonl(created), "application/x-ndjson")
    objects.put_text(names.dataset_key(family, day, daily=True), _jsonl(DAILY[family](day, records)),
                     "application/x-ndjson")
    return len(created)


def roll_up(store: StateStore, objects: ObjectStore) -> RollupResult:
    result = RollupResult()
    for family, day, token in store.dirty():
        if family not in FAMILIES and family != names.DELIVERIES:
            continue  # a family this version does not know: leave its mark for the version that does
        result.records += roll_up_day(store, objects, family, day)
        result.days.append((family, day))
        if not store.clear_dirty(family, day, token):
            result.still_dirty.append((family, day))
    return result
