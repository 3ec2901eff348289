"""Aggregate's held records: JSON text on the local disk (sqlite in a temporary folder), decoded
on reading, behaving as the dict they replace; documents read back a line at a time; the
folder removed whatever happens; tables that keep only their first rows."""

import json
import os
import random
import subprocess
import sys

import pytest

from ghstats import limits
from ghstats.collect import record_disk
from ghstats.collect.aggregate import dataset_lines, document_header, document_lines
from ghstats.collect.compact import CompactRecords, parse_document_lines
from ghstats.collect.record_disk import RecordDisk
from ghstats.report.blocks import Smallest
from ghstats.storage import dumps

RECORDS = {"acme/b": {"stars": 2, "name": "b"}, 'acme/"q":x': {"stars": 1, "text": "é\n,}"}, "Acme/a": {}}


@pytest.fixture
def disk(tmp_path):
    with RecordDisk(str(tmp_path)) as opened:
        yield opened


@pytest.fixture
def small_pages(monkeypatch):
    """Rows read back 3 at a time: every test's records span several reads."""
    monkeypatch.setattr(limits, "RECORD_DISK_ROWS_PER_READ", 3)


def held_records(disk, records):
    held = CompactRecords(disk)
    held.add(records)
    return held


def tables(disk):
    return {name for (name,) in disk.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_held_record_is_decoded_afresh_on_each_read(disk):
    held = held_records(disk, RECORDS)
    assert dict(held) == RECORDS and list(held) == list(RECORDS) and len(held) == 3
    held["acme/b"]["stars"] = 99  # a read's dict is the reader's own
    assert held["acme/b"]["stars"] == 2
    held["acme/b"] = {**held["acme/b"], "stars": 99}  # kept only when assigned back
    assert held["acme/b"]["stars"] == 99
    assert list(held) == list(RECORDS)  # replaced where it was
    del held["Acme/a"]
    assert "Acme/a" not in held and len(held) == 2
    with pytest.raises(KeyError):
        held["Acme/a"]
    with pytest.raises(KeyError):
        del held["Acme/a"]
    assert held.get("Acme/a") is None and held.get("acme/b") == {"stars": 99, "name": "b"}
    assert "acme/B" not in held and 7 not in held  # keys are exact (the order is what folds case)


def test_held_records_sort_case_insensitively_and_give_their_text_as_is(disk, small_pages):
    held = held_records(disk, RECORDS).sorted()
    assert list(held) == sorted(RECORDS, key=str.lower)
    assert list(held.texts()) == [(k, dumps(RECORDS[k])) for k in sorted(RECORDS, key=str.lower)]


def test_unicode_keys_and_values_come_back_as_they_went_in_and_sort_as_python_does(disk, small_pages):
    records = {"zoë/ünïcode": {"name": "ünïcode", "emoji": "🚀", "ctl": "\u0000\t\u2028"},
               "ÄBC/x": {"text": "日本語"}, "äbc/y": {}, "abc/z": {"n": -1.5e300}, "Ωmega/1": {"big": 2**70},
               "ǅ/title": {}, "ǆ/lower": {}, "𝔘/astral": {"s": "𝔘"}}
    held = held_records(disk, records)
    assert dict(held.items()) == records and list(held.values()) == list(records.values())
    assert dict(held.texts()) == {k: dumps(r) for k, r in records.items()}
    assert list(held.sorted()) == sorted(records, key=str.lower)  # Python's folding, not sqlite's ASCII one


def test_keys_equal_but_for_case_keep_the_order_they_were_first_added(disk, small_pages):
    order = ["b/x", "A/x", "a/X", "B/x", "a/x", "C", "c", "b/X"]
    held = held_records(disk, {key: {"i": i} for i, key in enumerate(order)})
    held["A/x"] = {"i": "again"}  # replacing keeps the place
    del held["a/X"]
    held["a/X"] = {"i": "back"}  # deleting and adding again goes last, as in a dict
    assert list(held) == ["b/x", "A/x", "B/x", "a/x", "C", "c", "b/X", "a/X"]
    assert list(held.sorted()) == ["A/x", "a/x", "a/X", "b/x", "B/x", "b/X", "C", "c"]  # ties as added
    assert held["A/x"] == {"i": "again"} and len(held) == 8


def test_it_behaves_as_a_dict_under_any_mix_of_changes(disk, small_pages):
    rng = random.Random(15)
    held, model = CompactRecords(disk), {}
    pool = [f"{o}/{n}" for o in ("acme", "Acme", "ACME", "beta") for n in ("x", "X", "y", "ÿ", "z")]
    for step in range(600):
        key = rng.choice(pool)
        action = rng.random()
        if action < 0.5:
            held[key] = model[key] = {"step": step}
        elif action < 0.6:
            batch = {rng.choice(pool): {"batch": step, "i": i} for i in range(4)}
            held.add(batch)
            model.update(batch)
        elif action < 0.85 and key in model:
            del held[key], model[key]
        else:
            assert held.pop(key, None) == model.pop(key, None)
        if step % 50 == 0:
            assert list(held.items()) == list(model.items()) and len(held) == len(model)
    assert list(held) == list(model) and dict(held.texts()) == {k: dumps(r) for k, r in model.items()}
    assert list(held.sorted().items()) == sorted(model.items(), key=lambda kv: kv[0].lower())
    assert all((key in held) == (key in model) for key in pool)
    model = dict(sorted(model.items(), key=lambda kv: kv[0].lower()))  # the sorted copy the dict code made
    for step in range(100):  # and after sorting, the sorted records change as that copy would
        key = rng.choice(pool)
        if rng.random() < 0.6:
            held[key] = model[key] = {"after": step}
        elif key in model:
            del held[key], model[key]
    assert list(held.items()) == list(model.items())


def test_sorting_puts_the_same_records_in_the_outputs_order(disk, small_pages):
    held = held_records(disk, {f"{o}/{i}": {"i": i} for i in range(4) for o in ("b", "A", "a")})
    ordered = held.sorted()
    assert ordered is held and list(held) == [f"{o}/{i}" for i in range(4) for o in ("A", "a")] + \
        [f"b/{i}" for i in range(4)]  # "A/0" and "a/0" tie: as they were added
    held["a/1"] = {"finalised": True}  # as Aggregate's finalise does
    assert held["a/1"] == {"finalised": True} and list(held)[3] == "a/1"
    held["A/9"] = {}  # a key added afterwards goes last, as in the sorted dict it replaces
    assert list(held)[-1] == "A/9" and len(held) == 13


def test_records_may_be_assigned_back_while_they_are_read(disk, small_pages):
    held = held_records(disk, {f"o/{i:02d}": {"i": i} for i in range(20)}).sorted()
    for key, record in held.items():  # Aggregate's finalise: each record replaced as it is read
        held[key] = {**record, "seen": True}
    assert list(held.values()) == [{"i": i, "seen": True} for i in range(20)]
    for key in held:  # deleting behind the reader
        del held[key]
    assert len(held) == 0 and list(held) == []


def test_a_mappings_table_leaves_the_disk_when_it_is_let_go(disk):
    kept = held_records(disk, RECORDS).sorted()
    let_go = held_records(disk, RECORDS)
    also = let_go
    assert len(tables(disk)) == 2
    del let_go  # still held
    assert len(tables(disk)) == 2 and len(also) == 3
    del also
    assert len(tables(disk)) == 1 and dict(kept) == RECORDS


@pytest.mark.parametrize("records", [RECORDS, "held"])
def test_dataset_lines_are_each_record_with_its_run_id_last(disk, records):
    records = held_records(disk, RECORDS) if records == "held" else records
    lines = list(dataset_lines("r1", records))
    assert [json.loads(line) for line in lines] == [{**r, "run_id": "r1"} for r in RECORDS.values()]
    assert all(line.endswith('"run_id":"r1"}\n') for line in lines)


@pytest.mark.parametrize("records", [RECORDS, "held"])
def test_a_document_read_back_a_line_at_a_time_is_the_document(disk, small_pages, records):
    records = held_records(disk, RECORDS) if records == "held" else records
    text = "".join(document_lines(document_header("r1", 3, "2026-12-04T00:00:00Z", 1), "records", records))
    held = parse_document_lines(text.splitlines(keepends=True), "records", disk)
    assert isinstance(held, CompactRecords) and dict(held) == RECORDS == json.loads(text)["records"]
    assert "".join(document_lines(document_header("r1", 3, "2026-12-04T00:00:00Z", 1), "records", held)) == text


def test_a_long_document_is_read_back_whole(disk, small_pages):
    records = {f"acme/r{i}": {"i": i} for i in range(10)}  # more records than a read's rows
    text = "".join(document_lines({}, "records", records))
    assert dict(parse_document_lines(text.splitlines(keepends=True), "records", disk)) == records


def test_a_document_in_another_layout_is_left_to_the_caller(disk):
    whole = json.dumps({"run_id": "r1", "records": RECORDS})  # an earlier run's: one line
    assert parse_document_lines([whole], "records", disk) is None
    assert parse_document_lines(["{\"repositories\":{\n"], "records", disk) is None  # another field


def test_a_truncated_document_fails_loudly(disk):
    text = "".join(document_lines({"run_id": "r1"}, "records", RECORDS))
    with pytest.raises(ValueError, match="ends before"):
        parse_document_lines(text.splitlines(keepends=True)[:-1], "records", disk)


# -- the folder on disk ---------------------------------------------------------------------


def leftovers(parent):
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(record_disk.PREFIX))


def test_the_folder_is_removed_when_the_disk_closes_and_on_an_exception(tmp_path):
    with RecordDisk(str(tmp_path)) as disk:
        held_records(disk, RECORDS)
        assert leftovers(tmp_path) and disk.bytes_used() > 0
    assert leftovers(tmp_path) == []
    with pytest.raises(RuntimeError, match="boom"):
        with RecordDisk(str(tmp_path)) as disk:
            held_records(disk, RECORDS)
            raise RuntimeError("boom")
    assert leftovers(tmp_path) == []
    with pytest.raises(ValueError, match="closed"):
        CompactRecords(disk)


def test_folders_left_by_ended_processes_are_removed_and_live_ones_kept(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = tmp_path / f"{record_disk.PREFIX}{int(ended.stdout)}-abc"  # a Lambda cut short (timeout, memory)
    ours = tmp_path / f"{record_disk.PREFIX}{os.getpid()}-old"  # this process's, before a restart with its pid
    alive = tmp_path / f"{record_disk.PREFIX}{os.getppid()}-xyz"  # another running process's
    other = tmp_path / "someone-elses"
    for folder in (gone, ours, alive, other):
        folder.mkdir()
        (folder / "records.sqlite").write_text("x")
    with RecordDisk(str(tmp_path)) as first, RecordDisk(str(tmp_path)) as second:
        assert sorted(leftovers(tmp_path)) == sorted([alive.name, os.path.basename(first.directory),
                                                      os.path.basename(second.directory)])
        assert other.exists()  # not ours to touch
    assert leftovers(tmp_path) == [alive.name]


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
