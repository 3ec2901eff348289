"""A run's repository-level records as Aggregate holds them: each record's JSON text, decoded
when it is read.

A record of repository_stats is about 850 bytes of JSON and about 3 KB as a Python dict; a
million of them, once per repository-level collector, fit a Lambda only as text. Reading one
(`records[key]`, `.values()`, `.items()`) decodes a fresh dict: changing it changes nothing
held (assign it back to keep it). Writers take the text as it is (`texts()`), without decoding.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator, Mapping, MutableMapping

from ghstats.storage import dumps

Record = dict[str, Any]


class CompactRecords(MutableMapping[str, Record]):
    __slots__ = ("_texts",)

    def __init__(self, texts: dict[str, str] | None = None):
        self._texts: dict[str, str] = {} if texts is None else texts

    def __getitem__(self, key: str) -> Record:
        return json.loads(self._texts[key])

    def __setitem__(self, key: str, record: Record) -> None:
        self._texts[key] = dumps(record)

    def __delitem__(self, key: str) -> None:
        del self._texts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def __repr__(self) -> str:
        return f"CompactRecords({len(self)} records)"

    def add(self, records: Mapping[str, Record]) -> None:
        """Each of `records` (decoded: a batch's result) kept as its text."""
        for key, record in records.items():
            self._texts[key] = dumps(record)

    def texts(self) -> Iterable[tuple[str, str]]:
        """(key, the record's JSON text), in order, nothing decoded."""
        return self._texts.items()

    def sorted(self) -> "CompactRecords":
        """The same records in key order, case-insensitive (the outputs' order)."""
        return CompactRecords(dict(sorted(self._texts.items(), key=lambda kv: kv[0].lower())))


def record_texts(records: Mapping[str, Record]) -> Iterable[tuple[str, str]]:
    """(key, JSON text) of any records: held text as it is, a dict's records encoded one at a time."""
    if isinstance(records, CompactRecords):
        return records.texts()
    return ((key, dumps(record)) for key, record in records.items())


def parse_document_lines(lines: Iterable[str], field_name: str) -> CompactRecords | None:
    """The records of a document written by `aggregate.document_lines` (a header line, one
    `"key":{record},` line each, the closing line), read a line at a time; None when the text is
    not in that layout (a document written before it: the caller parses it whole)."""
    found: dict[str, str] = {}
    decoder = json.JSONDecoder()
    lines = iter(lines)
    header = next(lines, "")
    if not header.rstrip("\n").endswith(dumps(field_name) + ":{"):
        return None
    for line in lines:
        line = line.rstrip("\n")
        if line == "}}":
            return CompactRecords(found)
        key, end = decoder.raw_decode(line)
        if line[end] != ":":
            raise ValueError(f"a record line of the document does not start with its key: {line[:80]!r}")
        found[key] = line[end + 1 :].rstrip(",")
    raise ValueError("the document ends before its records do (a truncated object?)")
