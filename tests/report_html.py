"""Read a rendered report back: its sections, figures and tables, as a test (or a person) sees them."""

from __future__ import annotations

from html.parser import HTMLParser


class ReportReader(HTMLParser):
    """sections: ids in order; tables: (section id, title) -> rows (cells as text, header first);
    figures: (section id, label) -> value text."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.tables: dict[tuple[str, str], list[list[str]]] = {}
        self.figures: dict[tuple[str, str], str] = {}
        self._title = ""
        self._text: list[str] | None = None
        self._row: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._dt = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs["data-section"])
        elif tag in ("h3", "figcaption", "td", "th", "dt", "dd"):
            self._text = []
        elif tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._row = []

    def handle_endtag(self, tag):
        text = "".join(self._text or []).strip()
        if tag in ("h3", "figcaption"):
            self._title, self._text = text, None
        elif tag in ("td", "th") and self._row is not None:
            self._row.append(text)
            self._text = None
        elif tag == "tr" and self._rows is not None and self._row is not None:
            self._rows.append(self._row)
            self._row = None
        elif tag == "table" and self._rows is not None:
            self.tables[(self.sections[-1], self._title)] = self._rows
            self._rows = None
        elif tag == "dt":
            self._dt, self._text = text, None
        elif tag == "dd":
            self.figures[(self.sections[-1], self._dt)] = text
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def read_report(html: str) -> ReportReader:
    reader = ReportReader()
    reader.feed(html)
    return reader


def as_number(text: str) -> float:
    return float(text.replace(",", ""))
