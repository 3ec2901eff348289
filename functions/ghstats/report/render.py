"""The report's HTML: Jinja2 templates (autoescaped) over the sections, charts inlined as SVG."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ghstats.report import charts
from ghstats.report.blocks import Chart, Figures, Section, Table

TEMPLATES = Path(__file__).parent / "templates"


def number(value: Any) -> str:
    """A cell as a person reads it: 1,234; 4.1; yes/no; '–' for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    return str(value)


def sort_key(value: Any) -> str:
    """data-sort of a numeric cell (the page sorts numbers as numbers); '' for text."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=number, sort_key=sort_key)
    env.globals.update(is_chart=lambda b: isinstance(b, Chart), is_table=lambda b: isinstance(b, Table),
                       is_figures=lambda b: isinstance(b, Figures), svg=lambda chart: Markup(charts.svg(chart)))
    return env


def render(*, title: str, run: dict[str, Any], sections: Sequence[Section]) -> str:
    """The whole page. `run`: run_id, status, started_at, finished_at (the header's facts)."""
    return environment().get_template("report.html.j2").render(
        title=title, run=run, sections=[s for s in sections if s.blocks],
        style=Markup((TEMPLATES / "report.css").read_text()), script=Markup((TEMPLATES / "report.js").read_text()))
