"""What changed between two runs, per collector (each collector's own `diff`), and the run's
comparison with the previous run of its collection: for the summary and the RunCompleted event
(counts only, to stay small), the report and `ghstats diff` (the changes themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ghstats import names
from ghstats.collect.compact import parse_document_lines
from ghstats.collect.record_disk import RecordDisk
from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY
from ghstats.collectors.diffs import Changes
from ghstats.collectors.unit import Record
from ghstats.report import trend
from ghstats.storage import ObjectStore

RecordsOf = Callable[[str], "Mapping[str, Record] | None"]  # collector -> a run's records (None: it did not run)


def read_records(store: ObjectStore, key: str, field_name: str, disk: RecordDisk) -> Mapping[str, Record] | None:
    """A records document's records: a line at a time onto `disk` as their text when it is in
    the layout Aggregate writes (one record per line), else (an older run's document) parsed
    whole. None: no such document."""
    lines = store.get_lines(key)
    if lines is None:
        return None
    held = parse_document_lines(lines, field_name, disk)
    if held is not None:
        return held
    document = store.get_json(key)
    return None if document is None else document[field_name]


def stored_records(store: ObjectStore, run_id: str, disk: RecordDisk) -> RecordsOf:
    """A run's records per collector, read from its own outputs (runs/<id>/: never replaced)
    onto `disk` (a collector's records leave it when they are let go)."""

    def records(name: str) -> Mapping[str, Record] | None:
        if name == INVENTORY_COLLECTOR.name:
            return read_records(store, names.repositories_key(run_id), "repositories", disk)
        return read_records(store, names.collector_output_key(run_id, name), "records", disk)

    return records


def run_changes(before: RecordsOf, after: Mapping[str, Mapping[str, Record]]) -> dict[str, Changes]:
    """Each collector's changes, for the collectors both runs ran that have a diff."""
    found: dict[str, Changes] = {}
    for name, collector in REGISTRY.items():
        if collector.diff is None or name not in after:
            continue
        earlier = before(name)
        if earlier is not None:
            found[name] = collector.diff(earlier, after[name])
        del earlier  # one collector's earlier records at a time (let go, off the disk, before the next is read)
    return found


def counts(changes: Mapping[str, Changes]) -> dict[str, dict[str, int]]:
    return {name: {kind: len(items) for kind, items in kinds.items()} for name, kinds in changes.items()}


@dataclass(frozen=True)
class Comparison:
    """The run beside its collection's earlier runs."""

    trend_points: list[dict[str, Any]]  # the collection's last runs up to this one, oldest first
    previous: dict[str, Any] | None  # the previous run's trend point
    changes: dict[str, Changes]  # since that run (empty without one)

    def summary(self) -> dict[str, Any] | None:
        """summary.json's and RunCompleted's "since_previous_run": counts, not lists."""
        if self.previous is None:
            return None
        return {"run_id": self.previous["run_id"], "started_at": self.previous["started_at"],
                "counts": counts(self.changes)}


def compare_with_previous(store: ObjectStore, summary: Mapping[str, Any],
                          records_of: Mapping[str, Mapping[str, Record]], disk: RecordDisk) -> Comparison:
    """Add the run to the trend index and compare it with the previous run of its collection
    (whose records are read onto `disk`)."""
    point = trend.point(summary)
    index = trend.with_point(store.get_json(names.TREND_KEY), point)
    store.put_json(names.TREND_KEY, index)
    points = trend.of_collection(index, point)
    previous = points[-2] if len(points) > 1 else None
    changes = run_changes(stored_records(store, previous["run_id"], disk), records_of) if previous else {}
    return Comparison(points, previous, changes)
