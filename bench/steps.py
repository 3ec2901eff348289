"""The steps of `make bench` beside the main rows, in one place: what each runs at full scale, the
smallest scale that still shows what it shows, its cost model, and where its section goes.

Cost models (bench/budget.py's `Cost`: fixed seconds + seconds per unit) are each step's
CPU-seconds at two scales, measured step by step on the 2-core machine of bench/results.md
(2026-12-07, shared: CPU-seconds stand in for a quiet machine's wall time, as each of these steps
is CPU-bound: no latency model); several orgs' full scale from its 2026-12-04 wall time (205 s at
5 × 2,000, then in one process) less the simulator's share it now runs beside (a fifth of the
CPU). A shared or slower machine is caught by the budget's pace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bench import batch_points, collectors, installations, webhooks
from bench.budget import Ask, Cost, Record
from bench.report import SCALE_HEADING

Run = Callable[[int, str, "Path | None"], "tuple[str, bool]"]


@dataclass
class SectionStep:
    key: str  # its name for --steps
    name: str  # the time table's
    unit: str  # what its scale counts, e.g. "repositories per org"
    full: int  # its scale in `make bench`
    least: int  # the smallest scale that still shows what it shows
    quick: int  # --quick's
    cost: Cost
    run_at: Run  # (units, note for its section, results.md or None) -> (its text, every check passed)
    heading: str | None  # its section of results.md; None: `own_file`, next to results.md
    own_file: str | None = None
    granularity: int = 1
    paced = True  # predicted by a cost model: the budget multiplies it by the pace
    record: Record = field(init=False)
    scale: int = field(init=False)  # full, or quick
    out: Path | None = field(init=False, default=None)
    text: str | None = field(init=False, default=None)
    units: int | None = field(init=False, default=None)  # what it ran

    def __post_init__(self) -> None:
        self.record = Record(self.name)
        self.scale = self.full

    def ask(self, pace: float) -> Ask:
        return Ask(self.cost.seconds(self.scale) * pace, self.cost.seconds(min(self.least, self.scale)) * pace)

    def model_s(self) -> float:
        """The cost model's seconds for what it ran (the pace compares them with the wall time)."""
        return self.cost.seconds(self.units or 0)

    def skip(self, reason: str) -> None:
        self.record.status, self.record.ran = "skipped", reason
        self.text = None

    def run(self, grant_s: float, pace: float) -> None:
        self.units = self.cost.units_within(grant_s / pace, min(self.least, self.scale), self.scale, self.granularity)
        scaled = self.units < self.scale
        note = (f"**Scaled down to fit `make bench`'s time budget: {self.units:,} {self.unit} instead of "
                f"{self.scale:,}** (\"Where `make bench`'s time goes\" in results.md). ") if scaled else ""
        self.text, ok = self.run_at(self.units, note, self.out)
        self.record.ran = f"{self.units:,} {self.unit}" + (f" (scaled down from {self.scale:,})" if scaled else "")
        self.record.status = ("scaled" if scaled else "full") if ok else "failed (a check of its section failed)"


def _points(units: int, note: str, out: Path | None) -> tuple[str, bool]:
    return batch_points.section(units, note)


def _collectors(units: int, note: str, out: Path | None) -> tuple[str, bool]:
    return collectors.section(units, note)


def _orgs(units: int, note: str, out: Path | None) -> tuple[str, bool]:
    return installations.section(units, note, out)


def _webhooks(units: int, note: str, out: Path | None) -> tuple[str, bool]:
    return webhooks.section(units, note)


def section_steps() -> dict[str, SectionStep]:
    """Every section step by its --steps name (fresh: a step keeps what it ran)."""
    return {
        # exact counts at one scale: 1,000 shows "auto"'s batches of 18 and 10 whole; 2.7 CPU-s at 120, 19.5 at 1,000
        "points": SectionStep(
            "points", "points per repository (auto vs 50 vs serial 65)", "repositories", full=1_000, least=1_000,
            quick=120, cost=Cost(0.5, 0.019), run_at=_points, heading=batch_points.HEADING),
        # counts per bucket, multiplied out to 10,000 in its table; 12.7 CPU-s at 200, 37.1 at 1,000
        "collectors": SectionStep(
            "collectors", "multi-collector (6 collectors, 10 orgs)", "repositories", full=1_000, least=200,
            quick=40, cost=Cost(6.5, 0.031), run_at=_collectors, heading=None, own_file="collectors.md",
            granularity=collectors.ORGS),
        # the 5 orgs × 2,000; each installation's share is exact at any size; 18 CPU-s at 5 × 30 (two
        # child processes' start-up), 58.6 at 5 × 400, 137 at 5 × 1,000 (both runs, both processes); 205 s of
        # wall time at 5 × 2,000 in one process, of which the simulator's fifth now runs beside the collector
        "several-orgs": SectionStep(
            "several-orgs", f"several orgs: one PAT vs an installation per org ({installations.ORGS} orgs)",
            "repositories per org", full=2_000, least=200, quick=30, cost=Cost(12.0, 0.078),
            run_at=_orgs, heading=installations.HEADING, granularity=100),
        # moto's receiving and processing rates and the exactly-once checks; 29.7 CPU-s at 500, 103.7 at 2,000
        "webhooks": SectionStep(
            "webhooks", "webhooks (deliveries through the local receiver)", "deliveries", full=webhooks.DELIVERIES,
            least=500, quick=100, cost=Cost(5.0, 0.055), run_at=_webhooks, heading=webhooks.SECTION,
            granularity=100),
    }


# The cheap steps run before the main rows (and tell the machine's pace), the long ones after them.
BEFORE = ("points", "collectors")
AFTER = ("several-orgs", "webhooks")
# results.md's sections after the report (the last: `make bench-scale`'s summary, written by that command)
HEADINGS = (batch_points.HEADING, installations.HEADING, webhooks.SECTION, SCALE_HEADING)
