"""Aggregate's held records: JSON text decoded on reading, documents read back a line at a time,
tables that keep only their first rows."""

import json
import random

import pytest

from ghstats.collect.aggregate import dataset_lines, document_header, document_lines
from ghstats.collect.compact import CompactRecords, parse_document_lines
from ghstats.report.blocks import Smallest
from ghstats.storage import dumps

RECORDS = {"acme/b": {"stars": 2, "name": "b"}, 'acme/"q":x': {"stars": 1, "text": "é\n,}"}, "Acme/a": {}}


def held_records(records):
    held = CompactRecords()
    held.add(records)
    return held


def test_a_held_record_is_decoded_afresh_on_each_read():
    held = held_records(RECORDS)
    assert dict(held) == RECORDS and list(held) == list(RECORDS) and len(held) == 3
    held["acme/b"]["stars"] = 99  # a read's dict is the reader's own
    assert held["acme/b"]["stars"] == 2
    held["acme/b"] = {**held["acme/b"], "stars": 99}  # kept only when assigned back
    assert held["acme/b"]["stars"] == 99
    del held["Acme/a"]
    assert "Acme/a" not in held and len(held) == 2


def test_held_records_sort_case_insensitively_and_give_their_text_as_is():
    held = held_records(RECORDS).sorted()
    assert list(held) == sorted(RECORDS, key=str.lower)
    assert dict(held.texts()) == {k: dumps(r) for k, r in RECORDS.items()}


@pytest.mark.parametrize("records", [RECORDS, held_records(RECORDS)])
def test_dataset_lines_are_each_record_with_its_run_id_last(records):
    lines = list(dataset_lines("r1", records))
    assert [json.loads(line) for line in lines] == [{**r, "run_id": "r1"} for r in RECORDS.values()]
    assert all(line.endswith('"run_id":"r1"}\n') for line in lines)


@pytest.mark.parametrize("records", [RECORDS, held_records(RECORDS)])
def test_a_document_read_back_a_line_at_a_time_is_the_document(records):
    text = "".join(document_lines(document_header("r1", 3, "2026-12-04T00:00:00Z", 1), "records", records))
    held = parse_document_lines(text.splitlines(keepends=True), "records")
    assert isinstance(held, CompactRecords) and dict(held) == RECORDS == json.loads(text)["records"]


def test_a_document_in_another_layout_is_left_to_the_caller():
    whole = json.dumps({"run_id": "r1", "records": RECORDS})  # an earlier run's: one line
    assert parse_document_lines([whole], "records") is None
    assert parse_document_lines(["{\"repositories\":{\n"], "records") is None  # another field


def test_a_truncated_document_fails_loudly():
    text = "".join(document_lines({"run_id": "r1"}, "records", RECORDS))
    with pytest.raises(ValueError, match="ends before"):
        parse_document_lines(text.splitlines(keepends=True)[:-1], "records")


@pytest.mark.parametrize("limit", [1, 5, 20])
def test_smallest_keeps_the_first_rows_of_a_sort_and_counts_them_all(limit):
    rng = random.Random(limit)
    items = [(rng.randint(0, 30), f"r{i}") for i in range(500)]  # many ties
    kept = Smallest(limit)
    for key, name in items:
        kept.add(key, [name])
    expected = [[name] for _, name in sorted(items, key=lambda item: item[0])[:limit]]  # stable: ties in order added
    assert kept.rows() == expected and kept.seen == 500
    table = kept.table("t", ["name"])
    assert table.rows == expected and table.total == 500
    few = Smallest(limit)
    few.add(1, ["only"])
    assert few.table("t", ["name"]).total is None
