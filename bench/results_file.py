"""bench/results.md is written by several steps: the main rows' report on top, then one section per
other step (a "## " heading up to the next), each replaced in place by the step that owns it."""

from __future__ import annotations

import re
from typing import Mapping, Sequence


def _pattern(heading: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)


def replace_section(text: str, section: str, heading: str) -> str:
    """`text` with its section under `heading` (up to the next "## " heading) replaced, or appended."""
    pattern = _pattern(heading)
    if pattern.search(text):
        return pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1)
    return text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"


def compose(text: str, headings: Sequence[str], top: str | None = None,
            sections: Mapping[str, str] | None = None) -> str:
    """The results file: `top` (else the text before the first of `headings`), then the sections of
    `headings` in that order, each from `sections` or else as `text` has it (absent: left out)."""
    sections = sections or {}
    found = {h: m.group(0) for h in headings if (m := _pattern(h).search(text))}
    starts = [m.start() for h in headings if (m := _pattern(h).search(text))]
    parts = [top if top is not None else text[: min(starts, default=len(text))]]
    parts += [sections.get(h) or found.get(h) or "" for h in headings]
    return "\n\n".join(p.strip("\n") for p in parts if p.strip()) + "\n"
