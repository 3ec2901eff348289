"""What a report section is made of: key figures, tables and charts, as data (no HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Sequence, Union

ChartKind = Literal["bar", "stacked", "horizontal", "line"]


@dataclass(frozen=True)
class Figures:
    """A row of headline numbers: label -> value."""

    items: dict[str, Any]


@dataclass(frozen=True)
class Table:
    """Rows a reader can sort and filter in the page. `total`: how many rows there were when
    only the first ones are shown (the run's JSON outputs hold them all)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    total: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A chart of one or more series over labels; the page shows its numbers in a table beside it."""

    title: str
    kind: ChartKind
    labels: Sequence[str]
    series: dict[str, Sequence[float]]  # series name -> one value per label
    label_header: str = ""  # the table's first column (what a label is)
    colors: Sequence[str] = ()  # one per series where colour means something (fail is red); else the palette

    def table(self) -> Table:
        rows = [[label, *(values[i] for values in self.series.values())] for i, label in enumerate(self.labels)]
        return Table(self.title, [self.label_header or "", *self.series], rows)


# Colours with a meaning, for a chart's `colors`.
GOOD, BAD, UNKNOWN = "#1a7f37", "#cf222e", "#8c959f"
SEVERITY_COLORS = {"critical": "#82071e", "high": "#cf222e", "medium": "#e16f24", "low": "#d4a72c", "unrated": "#8c959f"}

Block = Union[Figures, Table, Chart]


@dataclass(frozen=True)
class Section:
    """One part of the report, with an anchor id; a collector's sections name it."""

    id: str
    title: str
    blocks: Sequence[Block] = field(default_factory=list)
    intro: str = ""


def first(rows: Sequence[Sequence[Any]], limit: int) -> tuple[list[Sequence[Any]], int | None]:
    """The first `limit` rows, and the total when some were cut (None when all are shown)."""
    return list(rows[:limit]), (len(rows) if len(rows) > limit else None)


def limited_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], limit: int,
                  note: str = "") -> Table:
    shown, total = first(rows, limit)
    return Table(title, headers, shown, total, note)


class Smallest:
    """The `limit` rows of the smallest sort keys among everything `add`ed, and how many were
    added: a table of the first rows of a million repositories holds `limit` rows, not a million
    (kept to twice the limit, then cut; ties keep the order of adding)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.seen = 0
        self._held: list[tuple[Any, int, Sequence[Any]]] = []

    def add(self, sort_key: Any, row: Sequence[Any]) -> None:
        self._held.append((sort_key, self.seen, row))
        self.seen += 1
        if len(self._held) >= 2 * self.limit + 64:
            self._cut()

    def _cut(self) -> None:
        self._held.sort(key=lambda held: held[:2])
        del self._held[self.limit :]

    def rows(self) -> list[Sequence[Any]]:
        self._cut()
        return [row for _, _, row in self._held]

    def table(self, title: str, headers: Sequence[str], note: str = "") -> Table:
        """The rows as a table that says how many there were when some are not shown."""
        return Table(title, headers, self.rows(), self.seen if self.seen > self.limit else None, note)
