"""The Athena tables' columns against the lines a real run writes: every registered collector on,
through the real workflow against the simulator, every object under datasets/ read back. Each line
fits its table (no field undeclared, every value of its declared type), every declared column is in
some line, and every object is in one of its table's projected partitions (dt=YYYY-MM-DD)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import pytest

from cdk_app import constants as c
from ghstats.collectors import REGISTRY
from ghstats_cli.local_aws import BUCKET
from tests.unit.test_dataset_columns import parse_type, type_problems

# the collectors' tables: a run writes them (the webhook tables are the hourly rollup's: tests/unit/webhooks)
COLLECTOR_TABLES = [t for t in c.dataset_tables() if t.collector != "webhooks"]
PARTITION = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})/([^/]+)\.jsonl$")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One run of every collector: the lines of each dataset object, by key (and the run's id)."""
    from unittest import mock

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    from ghstats_cli.local_aws import LocalAws
    from simulator import GitHubSimulator
    from tests.conftest import TOKEN

    with mock.patch.object(retrier_decl, "time"), \
            GitHubSimulator(orgs={"acme": 40, "globex": 15}, seed=3, tokens=(TOKEN,)) as sim, \
            LocalAws({"GITHUB_TOKEN": TOKEN}) as aws:
        outcome = aws.run({"orgs": ["acme", "globex"], "api_url": sim.url, "collectors": dict.fromkeys(REGISTRY, True)})
        assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
        lines = {}
        for key in aws.dependencies().store.list_keys("datasets/"):
            body = aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
            lines[key] = [json.loads(line) for line in body.splitlines()]
    return outcome.run_id, lines


def test_every_dataset_object_is_in_a_partition_of_its_table(written):
    run_id, lines = written
    tables = COLLECTOR_TABLES
    for key in lines:
        [table] = [t for t in tables if key.startswith(t.prefix)]
        match = PARTITION.match(key.removeprefix(table.prefix))
        assert match, f"{key} is not under {table.prefix}dt=YYYY-MM-DD/"
        day = match.group(1)
        date.fromisoformat(day)
        # within the projected range: PARTITION_START to today (NOW, UTC)
        assert c.PARTITION_START <= day <= datetime.now(timezone.utc).date().isoformat(), key
        if REGISTRY[table.collector].history is not None:  # a History's rows, by their day
            assert {row["day"] for row in lines[key]} == {day}, key
        else:
            assert match.group(2) == run_id and {row["run_id"] for row in lines[key]} == {run_id}, key
    empty = [t.name for t in tables if not any(k.startswith(t.prefix) and lines[k] for k in lines)]
    assert not empty, f"the run wrote no lines to these tables' datasets, so nothing tests their columns: {empty}"


@pytest.mark.parametrize("table", COLLECTOR_TABLES, ids=lambda t: t.name)
def test_every_line_fits_its_table_and_every_column_is_written(written, table):
    rows = [row for key, found in written[1].items() if key.startswith(table.prefix) for row in found]
    assert rows
    types = {name: parse_type(kind) for name, kind in table.columns.items()}
    problems = []
    for row in rows:
        problems += [p for name, value in row.items() if name in types
                     for p in type_problems(value, types[name], f"{row['key']}.{name}")]
    assert problems[:10] == []
    # A dataset of one kind of record: each line has exactly the declared columns. One of several
    # kinds (a `kind` field: members and their 2FA, teams and their repositories, ...): each kind's
    # lines have the same fields, and the kinds together exactly the declared columns.
    fields_of_kind: dict[str, set[frozenset[str]]] = {}
    for row in rows:
        fields_of_kind.setdefault(row.get("kind"), set()).add(frozenset(row))
    assert {kind: len(found) for kind, found in fields_of_kind.items()} == dict.fromkeys(fields_of_kind, 1)
    written_fields = set().union(*(found for kinds in fields_of_kind.values() for found in kinds))
    assert sorted(written_fields - set(types)) == [], "written, not declared"
    assert sorted(set(types) - written_fields) == [], "declared, in no line of the run's dataset"
    if "kind" not in types:
        assert {frozenset(row) for row in rows} == {frozenset(types)}
