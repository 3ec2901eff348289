"""Charts as inline SVG, drawn by pygal on the server: nothing to load in the page, nothing fetched.

pygal's default config links a tooltip script on a CDN; `js=[]` keeps the file offline.
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from ghstats.report.blocks import Chart

STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#24292f", foreground_strong="#24292f",
    foreground_subtle="#8c959f", opacity=".9", opacity_hover="1", font_family="system-ui, sans-serif",
    colors=("#0969da", "#cf222e", "#bf8700", "#1a7f37", "#8250df", "#57606a", "#e16f24", "#0550ae"),
)
COMMENT = re.compile(r"<!--.*?-->", re.S)
KINDS = {"bar": pygal.Bar, "stacked": pygal.StackedBar, "horizontal": pygal.HorizontalBar, "line": pygal.Line}


def svg(chart: Chart, *, width: int = 640, height: int = 320) -> str:
    """The chart as an <svg> element (no XML declaration), sized so a page lays it out."""
    many = len(chart.labels) > 12
    style = STYLE if not chart.colors else Style(**{**STYLE.to_dict(), "colors": tuple(chart.colors)})
    rotate = len(chart.labels) > 5 and chart.kind != "horizontal"
    drawing = KINDS[chart.kind](
        style=style, js=[], width=width, height=height, explicit_size=True, show_legend=len(chart.series) > 1,
        legend_at_bottom=True, x_label_rotation=30 if rotate else 0,
        show_minor_x_labels=not many or chart.kind == "horizontal", x_labels_major_every=max(1, len(chart.labels) // 10),
        print_values=False, margin=8, title=None, dots_size=2, truncate_label=28,
    )
    drawing.x_labels = [str(label) for label in chart.labels]
    for name, values in chart.series.items():
        drawing.add(name, [float(v) if v is not None else None for v in values])
    # pygal's comment credits it with links; a page of many charts needs them once (the footer)
    return COMMENT.sub("", drawing.render(is_unicode=True, disable_xml_declaration=True))
