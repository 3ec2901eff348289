"""Merge batch results into the run's outputs: records, errors, summary, dataset."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

from ghstats import names
from ghstats.collect.compact import CompactRecords, record_texts
from ghstats.collect.record_disk import RecordDisk
from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY
from ghstats.storage import dumps


class IncompleteRun(Exception):
    """A batch has no result, or a repository is missing or counted twice."""


@dataclass
class MergedBatches:
    """Every repository of the run once: answered (with each batch collector's record) or an error."""

    records: dict[str, Any]  # collector -> its records (key -> record, as JSON text: CompactRecords), keys sorted
    errors: dict[str, dict[str, Any]]  # key -> error (with its batch id), sorted
    answered: list[str]  # the repositories GitHub answered (what `records` of each collector covers)
    warnings: list[str]
    requests: int
    points: int
    # fields a repository-level collector could not read, of the answered repositories
    coverage: list[dict[str, Any]] = field(default_factory=list)


def _sorted(items: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(items.items(), key=lambda kv: kv[0].lower()))


BatchResult = tuple[str, list[str], "dict[str, Any] | None"]  # batch id, its keys, its result (None: none)


def merge_results(batches: Iterable[BatchResult], disk: RecordDisk) -> MergedBatches:
    """Check that every repository is in exactly one place and merge the batches' records.

    `batches` is read one at a time (Aggregate reads the results from S3 a chunk at a time):
    of each result its records go to `disk` (as JSON text), its answered names and its errors
    stay in memory."""
    answered: dict[str, str] = {}
    records: dict[str, CompactRecords] = {}
    errors: dict[str, dict[str, Any]] = {}
    batch_of: dict[str, str] = {}
    warnings: list[str] = []
    coverage: list[dict[str, Any]] = []
    requests = points = 0
    for batch_id, keys, result in batches:
        if result is None:
            raise IncompleteRun(f"batch {batch_id} has no result: the Map did not finish it")
        if sorted(result["keys"]) != sorted(keys):
            raise IncompleteRun(f"batch {batch_id}'s result is for other repositories than the batch")
        for key in keys:
            in_answered, in_errors = key in result["answered"], key in result["errors"]
            if in_answered == in_errors or key in answered or key in errors:
                raise IncompleteRun(f"repository {key} is missing or counted twice in batch {batch_id}")
            batch_of[key] = batch_id
            if in_answered:
                answered[key] = result["answered"][key]
            else:
                errors[key] = {**result["errors"][key], "batch_id": batch_id}
        for collector, found in result["records"].items():
            if collector not in records:
                records[collector] = CompactRecords(disk)
            records[collector].add(found)
        warnings.extend(result.get("warnings", []))
        coverage.extend(result.get("coverage", []))
        requests += int(result.get("requests", 0))
        points += int(result.get("points", 0))
    _count_renamed_once(answered, records, errors, batch_of)
    for collector in list(records):  # the outputs' order (the same rows on disk, indexed)
        records[collector] = records[collector].sorted()
    return MergedBatches(records, _sorted(errors), sorted(answered, key=str.lower), warnings, requests, points,
                         [entry for entry in coverage if entry["repo"] in answered])


def _count_renamed_once(answered: dict[str, str], records: dict[str, CompactRecords],
                        errors: dict[str, dict[str, Any]], batch_of: dict[str, str]) -> None:
    """Two keys GitHub answered with the same repository (renamed from one to the other while
    the run listed; GitHub follows renames) count once: under the key that is its name now,
    the other goes to the errors as RENAMED, and out of every collector's records."""
    keys_of: dict[str, list[str]] = defaultdict(list)
    for key, now in answered.items():
        keys_of[now.lower()].append(key)
    for current, keys in keys_of.items():
        if len(keys) < 2:
            continue
        kept = next((k for k in keys if k.lower() == current), keys[0])
        for key in keys:
            if key != kept:
                now = answered.pop(key)
                for found in records.values():
                    found.pop(key, None)
                errors[key] = {"type": "RENAMED", "message": f"{key} was renamed to {now}, counted under {kept}",
                               "batch_id": batch_of[key]}


def dataset_lines(run_id: str, records: Mapping[str, dict[str, Any]]) -> Iterator[str]:
    """JSON Lines for Athena / DuckDB: one record per line, with the run id last (one line at a
    time: the writer streams them into the object; held text is not decoded)."""
    run = dumps("run_id") + ":" + dumps(run_id) + "}\n"
    for _, text in record_texts(records):
        yield text[:-1] + ("," if text != "{}" else "") + run


def document_lines(header: dict[str, Any], field_name: str, records: Mapping[str, Any]) -> Iterator[str]:
    """One JSON object: `header`'s fields, then `field_name` holding `records` (key -> record),
    one record per line, so that it is written a line at a time and can be read back a line at
    a time (and still parses as one JSON document)."""
    yield dumps(header)[:-1] + ("," if header else "") + dumps(field_name) + ":{"
    separator = "\n"
    for key, text in record_texts(records):
        yield separator + dumps(key) + ":" + text
        separator = ",\n"
    yield ("\n" if separator == ",\n" else "") + "}}\n"


def document_header(run_id: str, count: int, started_at: str, schema_version: int) -> dict[str, Any]:
    """The fields of a run's records document (runs/<id>/<collector>.json, repositories.json) before its records."""
    return {"schema_version": schema_version, "run_id": run_id, "started_at": started_at, "count": count}


def merge_org_results(results: dict[str, dict[str, Any] | None], scope: set[str],
                      disk: RecordDisk) -> tuple[dict[str, CompactRecords], list[dict[str, Any]], int]:
    """The org-level collectors' records (on `disk`), once each by key, of the run's repositories
    only (excluded repositories and others the run does not collect are left out; a record of the
    org itself has no "repository"); every work item's coverage entry, and those of its optional
    lists GitHub would not show; the REST requests they sent."""
    by_collector: dict[str, CompactRecords] = {}
    coverage: list[dict[str, Any]] = []
    requests = 0
    for item_id, result in results.items():
        if result is None:
            raise IncompleteRun(f"work item {item_id} has no result: the Map did not finish it")
        name = result["collector"]
        if name not in by_collector:  # an org without records still has the collector's outputs
            by_collector[name] = CompactRecords(disk)
        # an org's own records (members, teams) name no repository
        by_collector[name].add({key: record for key, record in result["records"].items()
                                if "repository" not in record or record["repository"].lower() in scope})
        coverage += [result["coverage"], *result.get("notes", [])]
        requests += int(result.get("requests", 0))
    ordered = {name: found.sorted() for name, found in by_collector.items()}
    return ordered, sorted(coverage, key=lambda e: (e["collector"], e["org"].lower())), requests


def output_keys(run_id: str, date: str, collectors: list[str] = ()) -> dict[str, str]:
    """The run's outputs: errors, summary and coverage; repository statistics' under their
    historical names when it ran; then each other collector's document and dataset (for a
    collector that keeps rows across runs, the dataset's and the history's prefixes)."""
    keys = {"errors": names.errors_key(run_id), "summary": names.summary_key(run_id)}
    if INVENTORY_COLLECTOR.name in collectors:
        keys.update({"repositories": names.repositories_key(run_id), "latest": names.LATEST_REPOSITORIES_KEY,
                     "dataset": names.dataset_key(date, run_id)})
    keys["coverage"] = names.coverage_key(run_id)
    keys["report"] = names.report_key(run_id)
    for name in collectors:
        if name == INVENTORY_COLLECTOR.name:
            continue
        keys[name] = names.collector_output_key(run_id, name)
        if REGISTRY[name].history is None:
            keys[f"{name}_dataset"] = names.collector_dataset_key(name, date, run_id)
        else:  # rows kept across runs: the dataset and the history are prefixes (per day, per owner)
            keys[f"{name}_dataset"] = names.history_dataset_prefix(name)
            keys[f"{name}_history"] = names.history_prefix(name)
    return keys


def moves_latest(pointer: dict[str, Any] | None, started_at: str) -> bool:
    """Whether a run that started at `started_at` may replace a latest/ copy whose pointer
    (run_id, started_at) is `pointer`: latest/ moves only forward (a redriven older run leaves
    a newer run's copy)."""
    return pointer is None or str(pointer.get("started_at", "")) <= started_at
