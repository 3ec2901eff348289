"""Each collector's dataset columns (Collector.dataset_columns, the Athena tables' columns): declared
for every collector, in Athena's (Hive's) type syntax, with the engine's run columns added once.
tests/workflow/test_dataset_columns.py holds them against the lines a real run writes."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from cdk_app import constants as c
from ghstats import names
from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY

PRIMITIVES = {"string", "bigint", "double", "boolean"}  # what the datasets hold (JSON text, integers, numbers, flags)
TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|[<>:,])")

# a parsed type: ("string",), ("array", element), ("struct", {field: type})
Type = tuple


def parse_type(text: str) -> Type:
    """An Athena (Hive) column type, e.g. struct<a:array<string>,b:bigint>; ValueError if malformed."""
    tokens, at = [], 0
    while at < len(text):
        match = TOKEN.match(text, at)
        if not match:
            raise ValueError(f"{text!r}: unexpected {text[at:]!r}")
        tokens.append(match.group(1))
        at = match.end()
    found, rest = _parse(tokens, text)
    if rest:
        raise ValueError(f"{text!r}: {''.join(rest)!r} after the type")
    return found


def _expect(tokens: list[str], token: str, text: str) -> list[str]:
    if not tokens or tokens[0] != token:
        raise ValueError(f"{text!r}: expected {token!r} at {''.join(tokens)!r}")
    return tokens[1:]


def _parse(tokens: list[str], text: str) -> tuple[Type, list[str]]:
    if not tokens:
        raise ValueError(f"{text!r}: a type is missing")
    head, rest = tokens[0], tokens[1:]
    if head in PRIMITIVES:
        return (head,), rest
    if head == "array":
        element, rest = _parse(_expect(rest, "<", text), text)
        return ("array", element), _expect(rest, ">", text)
    if head == "struct":
        fields: dict[str, Type] = {}
        rest = _expect(rest, "<", text)
        while True:
            if not rest or not re.fullmatch(r"[a-z_][a-z0-9_]*", rest[0]) or rest[0] in fields:
                raise ValueError(f"{text!r}: a new lower-case field name expected at {''.join(rest)!r}")
            name = rest[0]
            fields[name], rest = _parse(_expect(rest[1:], ":", text), text)
            if rest[:1] == [","]:
                rest = rest[1:]
                continue
            return ("struct", fields), _expect(rest, ">", text)
    raise ValueError(f"{text!r}: {head!r} is not one of {sorted(PRIMITIVES)}, array<…> or struct<…>")


def type_problems(value: Any, kind: Type, where: str) -> list[str]:
    """Why a JSON value does not fit a column type (null fits every type), [] when it does."""
    if value is None:
        return []
    name = kind[0]
    fits = {"string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
            "bigint": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}
    if name in fits:
        return [] if fits[name](value) else [f"{where}: {value!r} is not {name}"]
    if name == "array":
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not an array"]
        return [p for i, v in enumerate(value) for p in type_problems(v, kind[1], f"{where}[{i}]")]
    if not isinstance(value, dict):
        return [f"{where}: {value!r} is not a struct"]
    problems = [f"{where}: fields {sorted(set(value) ^ set(kind[1]))} differ from the struct's"] \
        if set(value) != set(kind[1]) else []
    return problems + [p for f, v in value.items() if f in kind[1] for p in type_problems(v, kind[1][f], f"{where}.{f}")]


def test_every_collector_declares_its_dataset_columns_in_athena_syntax():
    for collector in REGISTRY.values():
        assert collector.dataset_columns, f"{collector.name} declares no dataset_columns"
        for name, kind in collector.dataset_columns.items():
            assert re.fullmatch(r"[a-z_][a-z0-9_]*", name), (collector.name, name)
            parse_type(kind)  # raises if malformed


def collector_tables():
    return [t for t in c.dataset_tables() if t.collector != "webhooks"]


def test_one_table_per_collector_named_after_its_dataset_folder():
    tables = {t.collector: t for t in collector_tables()}
    assert list(tables) == list(REGISTRY)
    assert tables[INVENTORY_COLLECTOR.name].name == "repositories"
    for collector in REGISTRY.values():
        table = tables[collector.name]
        if collector.name != INVENTORY_COLLECTOR.name:
            assert table.name == collector.name
        assert table.prefix == f"datasets/{table.name}/"
        # the keys the engine writes are in the table's partitions
        if collector.history is not None:
            key = names.history_dataset_key(collector.name, "2026-01-02", "Acme")
        elif collector.name == INVENTORY_COLLECTOR.name:
            key = names.dataset_key("2026-01-02", "run-1")
        else:
            key = names.collector_dataset_key(collector.name, "2026-01-02", "run-1")
        assert key.startswith(f"{table.prefix}dt=2026-01-02/") and key.endswith(".jsonl")


def test_the_webhook_datasets_are_tables_at_the_rollups_keys_with_no_engine_columns():
    from ghstats.webhooks import names as webhook_names
    from ghstats.webhooks.columns import DATASET_COLUMNS
    from ghstats.webhooks.events import FAMILIES

    tables = {t.name: t for t in c.dataset_tables() if t.collector == "webhooks"}
    written = {webhook_names.DELIVERIES: [False], **{family: [False, True] for family in FAMILIES}}
    keys = [webhook_names.dataset_key(family, "2026-01-02", daily) for family, kinds in written.items() for daily in kinds]
    assert sorted(tables) == sorted(DATASET_COLUMNS) and len(keys) == len(tables)
    for key in keys:
        [table] = [t for t in tables.values() if key.startswith(f"{t.prefix}dt=2026-01-02/")]
        assert table.columns == DATASET_COLUMNS[table.name]  # (a job's run_id is its workflow run: no engine column)


def test_the_engine_columns_are_added_once_after_the_declared_ones():
    for table in collector_tables():
        collector = REGISTRY[table.collector]
        extra = {"run_id": "string", **({"run_started_at": "string"} if collector.history is not None else {})}
        assert list(table.columns.items()) == [*collector.dataset_columns.items(), *extra.items()]
        assert "dt" not in table.columns  # the partition column


@pytest.mark.parametrize("change, message", [
    ({}, "declares no dataset_columns"),
    ({"run_id": "string"}, "declares run_id"),
    ({"dt": "string"}, "declares dt"),
])
def test_a_collector_without_its_columns_or_with_an_engine_column_fails_synth(monkeypatch, change, message):
    from ghstats import collectors

    broken = dataclasses.replace(REGISTRY["members"], dataset_columns=change)
    monkeypatch.setitem(collectors.REGISTRY, "members", broken)
    with pytest.raises(ValueError, match=f"collector members {message}"):
        c.dataset_tables()


@pytest.mark.parametrize("text", ["strng", "array<string", "struct<a:string,>", "struct<A:string>", "struct<a:string,a:bigint>",
                                  "array<string>>", "struct<a string>", "map<string,string>"])
def test_a_malformed_type_is_refused(text):
    with pytest.raises(ValueError):
        parse_type(text)


def test_values_are_checked_against_their_type():
    kind = parse_type("struct<a:array<string>,b:bigint,c:double,d:boolean>")
    assert type_problems({"a": ["x"], "b": 1, "c": 1.5, "d": None}, kind, "v") == []
    assert type_problems(None, kind, "v") == []
    assert type_problems({"a": [1], "b": True, "c": "1", "d": 0}, kind, "v") == [
        "v.a[0]: 1 is not string", "v.b: True is not bigint", "v.c: '1' is not double", "v.d: 0 is not boolean"]
    assert type_problems({"a": []}, kind, "v") == ["v: fields ['b', 'c', 'd'] differ from the struct's"]
