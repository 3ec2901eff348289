"""A run's records as Aggregate holds them: each record's JSON text, on the function's local
disk (a table of a `RecordDisk`), decoded when it is read.

A record of repository_stats is about 850 bytes of JSON and about 3 KB as a Python dict; a
million of them, once per collector, fit a Lambda's memory neither way, and its disk (up to
10 GB of /tmp) as text. Reading one (`records[key]`, `.values()`, `.items()`) decodes a fresh
dict: changing it changes nothing held (assign it back to keep it). Writers take the text as it
is (`texts()`), without decoding. Iterating reads the rows a page at a time, in the order they
are in the file; changing the records meanwhile (assigning back what was read) is allowed.
"""

from __future__ import annotations

import json
from collections.abc import ItemsView, ValuesView
from typing import Any, Iterable, Iterator, Mapping, MutableMapping

from ghstats import limits
from ghstats.collect.record_disk import RecordDisk, Table
from ghstats.storage import dumps

Record = dict[str, Any]


class CompactRecords(MutableMapping[str, Record]):
    """key -> record, kept as JSON text on `disk`, in the order keys were first added (like a
    dict's) until `sorted()` puts them in the outputs' order."""

    __slots__ = ("_table",)

    def __init__(self, disk: RecordDisk):
        self._table: Table = disk.table()

    def __getitem__(self, key: str) -> Record:
        text = self._table.get(key)
        if text is None:
            raise KeyError(key)
        return json.loads(text)

    def __setitem__(self, key: str, record: Record) -> None:
        self._table.put(key, dumps(record))

    def __delitem__(self, key: str) -> None:
        if not self._table.delete(key):
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (key for (key,) in self._table.rows("key"))

    def __len__(self) -> int:
        return self._table.count()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._table.contains(key)

    def __repr__(self) -> str:
        return f"CompactRecords({len(self)} records)"

    def items(self) -> ItemsView[str, Record]:
        return _Items(self)

    def values(self) -> ValuesView[Record]:
        return _Values(self)

    def add(self, records: Mapping[str, Record]) -> None:
        """Each of `records` (decoded: a batch's result) kept as its text."""
        self._table.put_many([(key, dumps(record)) for key, record in records.items()])

    def add_texts(self, texts: Iterable[tuple[str, str]]) -> None:
        """(key, JSON text) pairs kept as they are (a document read back)."""
        self._table.put_many(list(texts))

    def texts(self) -> Iterator[tuple[str, str]]:
        """(key, the record's JSON text), in order, nothing decoded."""
        return self._table.rows("key, text")  # type: ignore[return-value]

    def sorted(self) -> "CompactRecords":
        """These records put in the outputs' order, in place (and returned): key,
        case-insensitive, then the order keys were first added, as a stable sort of a dict's
        items gives. A key added afterwards goes last, as in a dict."""
        self._table.sort()
        return self


class _Items(ItemsView):
    """(key, record) a page of rows at a time, not a lookup per key."""

    def __iter__(self) -> Iterator[tuple[str, Record]]:
        for key, text in self._mapping.texts():
            yield key, json.loads(text)


class _Values(ValuesView):
    def __iter__(self) -> Iterator[Record]:
        for _, text in self._mapping.texts():
            yield json.loads(text)


def record_texts(records: Mapping[str, Record]) -> Iterable[tuple[str, str]]:
    """(key, JSON text) of any records: held text as it is, a dict's records encoded one at a time."""
    if isinstance(records, CompactRecords):
        return records.texts()
    return ((key, dumps(record)) for key, record in records.items())


def document_record_texts(lines: Iterable[str], field_name: str) -> Iterator[tuple[str, str]] | None:
    """(key, JSON text) of each record of a document written by `aggregate.document_lines` (a
    header line, one `"key":{record},` line each, the closing line), a line at a time; None when
    the text is not in that layout (a document written before it: the caller parses it whole)."""
    decoder = json.JSONDecoder()
    lines = iter(lines)
    header = next(lines, "")
    if not header.rstrip("\n").endswith(dumps(field_name) + ":{"):
        return None

    def texts() -> Iterator[tuple[str, str]]:
        for line in lines:
            line = line.rstrip("\n")
            if line == "}}":
                return
            key, end = decoder.raw_decode(line)
            if line[end] != ":":
                raise ValueError(f"a record line of the document does not start with its key: {line[:80]!r}")
            yield key, line[end + 1 :].rstrip(",")
        raise ValueError("the document ends before its records do (a truncated object?)")

    return texts()


def parse_document_lines(lines: Iterable[str], field_name: str, disk: RecordDisk) -> CompactRecords | None:
    """The records of a document written by `aggregate.document_lines`, read a line at a time onto
    `disk`; None when the text is not in that layout (`document_record_texts`)."""
    texts = document_record_texts(lines, field_name)
    if texts is None:
        return None
    found = CompactRecords(disk)
    pending: list[tuple[str, str]] = []
    for pair in texts:
        pending.append(pair)
        if len(pending) >= limits.RECORD_DISK_ROWS_PER_READ:
            found.add_texts(pending)
            pending = []
    found.add_texts(pending)
    return found

