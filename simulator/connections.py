"""Relay-style connections over sorted lists: opaque cursors, first/last/after/before."""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from functools import cached_property, total_ordering
from typing import Any, Callable, Sequence

CURSOR_PREFIX = "cursor:v2:"


class InvalidCursor(ValueError):
    pass


@total_ordering
class Desc:
    """Inverts the order of a sort key (for DESC listings over bisect)."""

    __slots__ = ("key",)

    def __init__(self, key: Any):
        self.key = key

    def __lt__(self, other: "Desc") -> bool:
        return self.key > other.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desc) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


def encode_cursor(key: Any) -> str:
    raw = key.key if isinstance(key, Desc) else key
    payload = CURSOR_PREFIX + json.dumps(list(raw) if isinstance(raw, tuple) else raw, separators=(",", ":"))
    return base64.b64encode(payload.encode()).decode()


def decode_cursor(cursor: str, descending: bool = False) -> Any:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if not text.startswith(CURSOR_PREFIX):
            raise ValueError(cursor)
        raw = json.loads(text[len(CURSOR_PREFIX):])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor(f"`{cursor}` does not appear to be a valid cursor.") from None
    key = tuple(raw) if isinstance(raw, list) else raw
    return Desc(key) if descending else key


class Connection:
    """A page of a sorted sequence; GraphQL reads totalCount/nodes/edges/pageInfo from it.

    `items` and `keys` are parallel and sorted by key; pages are computed on first access, so
    a totalCount-only selection never builds items (`items` may be a callable).
    """

    def __init__(self, items: Sequence[Any] | Callable[[], tuple[Sequence[Any], Sequence[Any]]],
                 keys: Sequence[Any] | None = None, *, total: int | None = None,
                 first: int | None = None, last: int | None = None, after: str | None = None,
                 before: str | None = None, descending: bool = False,
                 node: Callable[[Any], Any] = lambda item: item):
        self._source = items
        self._keys = keys
        self._total = total
        self._args = (first, last, after, before, descending)
        self._node = node
        if after is not None:
            decode_cursor(after, descending)  # raise early for a bad cursor
        if before is not None:
            decode_cursor(before, descending)

    def _sequences(self) -> tuple[Sequence[Any], Sequence[Any]]:
        if callable(self._source):
            return self._source()
        return self._source, self._keys if self._keys is not None else list(range(len(self._source)))

    @cached_property
    def totalCount(self) -> int:  # noqa: N802 (GraphQL name)
        if self._total is not None:
            return self._total
        return len(self._sequences()[0])

    @cached_property
    def _page(self) -> tuple[list[Any], list[Any], bool, bool]:
        items, keys = self._sequences()
        first, last, after, before, descending = self._args
        lo = 0 if after is None else bisect.bisect_right(keys, decode_cursor(after, descending))
        hi = len(keys) if before is None else bisect.bisect_left(keys, decode_cursor(before, descending))
        hi = max(lo, hi)
        start, end = lo, hi
        if first is not None:
            end = min(end, start + max(0, first))
        if last is not None:
            start = max(start, end - max(0, last))
        has_next = end < hi if first is not None else (before is not None and hi < len(keys))
        has_previous = start > lo if last is not None else (after is not None and lo > 0)
        return list(items[start:end]), list(keys[start:end]), has_next, has_previous

    @property
    def nodes(self) -> list[Any]:
        return [self._node(item) for item in self._page[0]]

    @property
    def edges(self) -> list[dict[str, Any]]:
        items, keys, _, _ = self._page
        return [{"cursor": encode_cursor(k), "node": self._node(i)} for i, k in zip(items, keys)]

    @property
    def pageInfo(self) -> dict[str, Any]:  # noqa: N802 (GraphQL name)
        _, keys, has_next, has_previous = self._page
        return {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": encode_cursor(keys[0]) if keys else None,
            "endCursor": encode_cursor(keys[-1]) if keys else None,
        }


def empty_connection() -> Connection:
    return Connection([], [])
