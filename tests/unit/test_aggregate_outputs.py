"""Aggregate's outputs, byte for byte, of two real runs' inputs (every collector the demo turns
on, the second run compared with the first): how Aggregate holds the records while it works
(in memory, on disk) must not change a byte it writes.

The inputs (run.json, batches, results, org-results of two `ghstats demo` runs, seeds 7 and 8)
are in data/aggregate_two_runs.json.gz; data/aggregate_outputs.json holds the SHA-256 and size
of every object the two Aggregates wrote, as the code wrote them when the file was made. To
remake both (only when an output is meant to change):

    .venv/bin/ghstats demo --orgs acme:12,globex:6 --seed 7 --out /tmp/demo
    .venv/bin/ghstats demo --orgs acme:12,globex:6 --seed 8 --out /tmp/demo
    .venv/bin/python -m tests.unit.test_aggregate_outputs /tmp/demo
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Iterator
from unittest import mock

import pygal.graph.base

from ghstats import names
from ghstats.collect.steps import aggregate
from ghstats.storage import dumps

DATA = Path(__file__).parent / "data"
INPUTS = DATA / "aggregate_two_runs.json.gz"
OUTPUTS = DATA / "aggregate_outputs.json"
INPUT_PARTS = ("run.json", "owners/", "batches/", "results/", "org-results/")  # what Aggregate reads of a run's own objects


class TextStore:
    """An object store holding each object's text as S3ObjectStore writes it."""

    def __init__(self, objects: dict[str, str]):
        self.objects = dict(objects)

    def get_text(self, key: str) -> str | None:
        return self.objects.get(key)

    def get_json(self, key: str) -> Any | None:
        text = self.objects.get(key)
        return None if text is None else json.loads(text)

    def get_lines(self, key: str) -> Iterator[str] | None:
        text = self.objects.get(key)
        return None if text is None else iter(text.splitlines(keepends=True))

    def put_json(self, key: str, value: Any, *, transient: bool = False) -> None:
        self.objects[key] = dumps(value)

    def put_text(self, key: str, text: str, content_type: str = "text/plain", *, transient: bool = False) -> None:
        self.objects[key] = text

    def put_lines(self, key: str, lines: Iterable[str], content_type: str = "application/json") -> None:
        self.objects[key] = "".join(lines)

    def copy(self, source_key: str, key: str) -> None:
        self.objects[key] = self.objects[source_key]

    def list_keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))


def _finished(plan_text: str) -> float:
    """Each run ends a minute after it started (the outputs carry the time)."""
    started = datetime.fromisoformat(json.loads(plan_text)["started_at"].replace("Z", "+00:00"))
    return (started + timedelta(minutes=1)).timestamp()


def aggregated(inputs: dict[str, Any]) -> dict[str, str]:
    """Every object the two Aggregates write (the second compared with the first), key -> text.
    A chart's id is pygal's random uuid4: numbered here, so that a report is the same bytes twice."""
    store = TextStore(inputs["objects"])
    numbers = itertools.count()
    with mock.patch.object(pygal.graph.base, "uuid4", lambda: uuid.UUID(int=next(numbers))):
        for run_id in inputs["runs"]:
            finished = _finished(store.objects[names.run_config_key(run_id)])
            aggregate(run_id, store, now=lambda: finished)
    return {k: v for k, v in store.objects.items() if k not in inputs["objects"]}


def fingerprints(objects: dict[str, str]) -> dict[str, list[Any]]:
    return {key: [hashlib.sha256(text.encode()).hexdigest(), len(text.encode())] for key, text in sorted(objects.items())}


def test_aggregate_writes_the_same_bytes_as_when_the_fixture_was_made():
    inputs = json.loads(gzip.decompress(INPUTS.read_bytes()))
    expected = json.loads(OUTPUTS.read_text())
    written = fingerprints(aggregated(inputs))
    assert sorted(written) == sorted(expected)
    assert [key for key in expected if written[key] != expected[key]] == []


def remake(demo: Path) -> None:
    """The fixture's inputs from a `ghstats demo` folder of two runs, and the outputs of this code."""
    s3 = demo / "s3"
    runs = sorted((p.name for p in (s3 / "runs").iterdir()),
                  key=lambda r: json.loads((s3 / "runs" / r / "run.json").read_text())["started_at"])
    objects = {}
    for run_id in runs:
        for path in sorted((s3 / "runs" / run_id).rglob("*")):
            key = path.relative_to(s3).as_posix()
            if path.is_file() and key.removeprefix(f"runs/{run_id}/").startswith(INPUT_PARTS):
                objects[key] = path.read_text()
    inputs = {"runs": runs, "objects": objects}
    INPUTS.write_bytes(gzip.compress(json.dumps(inputs, sort_keys=True).encode(), mtime=0))
    OUTPUTS.write_text(json.dumps(fingerprints(aggregated(inputs)), indent=1) + "\n")


if __name__ == "__main__":
    remake(Path(sys.argv[1]))
