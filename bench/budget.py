"""One time budget for the whole of `make bench`: every step draws from it.

Before each step the driver (bench/runner.py) asks every step still to run what it needs now:
`nominal_s`, its predicted time at full scale, and `floor_s`, its predicted time at the smallest
scale that still shows what it shows (equal to `nominal_s` for a step that cannot shrink); an
`optional` step may be left out whole. `allocate` grants seconds from what is left of the budget;
the step runs at the scale its grant buys, and the grants are made again before the next step
from what is then left, so a step that ran short or long moves the others.

Predictions of the steps with a cost model (`Cost`) are multiplied by `pace`: how much slower
than predicted the steps done so far ran (a shared or slower machine).
"""

from __future__ import annotations

import math
import resource
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol, Sequence

HEADING = "## Where `make bench`'s time goes"


@dataclass(frozen=True)
class Ask:
    """What one step needs, predicted: seconds at full scale, and at its smallest useful scale."""

    nominal_s: float
    floor_s: float
    optional: bool = False


def allocate(asks: Sequence[Ask], budget_s: float) -> list[float]:
    """Seconds granted to each step, in order (0: not run).

    1. Every step at full scale when that fits.
    2. Else the optional steps are left out, the last first, until the others fit at full scale.
    3. Else (no optional step left) every step gets its floor, and what the budget holds beyond the
       floors is shared in proportion to what each would take beyond its floor.
    4. If even the floors do not fit, the steps get their floors in order while the budget lasts;
       the steps after that get nothing.
    """
    budget_s = max(0.0, budget_s)
    kept = list(range(len(asks)))
    for i in reversed(range(len(asks))):
        if sum(asks[j].nominal_s for j in kept) <= budget_s:
            break
        if asks[i].optional:
            kept.remove(i)
    grants = [0.0] * len(asks)
    if sum(asks[j].nominal_s for j in kept) <= budget_s:
        for j in kept:
            grants[j] = asks[j].nominal_s
        return grants
    kept = [j for j in kept if not asks[j].optional]
    floors = sum(asks[j].floor_s for j in kept)
    if floors <= budget_s:
        spare = budget_s - floors
        wanted = sum(asks[j].nominal_s - asks[j].floor_s for j in kept)
        for j in kept:
            extra = asks[j].nominal_s - asks[j].floor_s
            grants[j] = asks[j].floor_s + (spare * extra / wanted if wanted else 0.0)
        return grants
    left = budget_s
    for j in kept:
        if asks[j].floor_s > left:
            break
        grants[j] = asks[j].floor_s
        left -= asks[j].floor_s
    return grants


def pace(done: Iterable[tuple[float, float]]) -> float:
    """Measured ÷ predicted seconds over the (predicted, measured) steps done so far, never below 1:
    a machine slower than the cost models is planned for as slow as it has been; a faster one
    only leaves time over, which the next grants hand out anyway."""
    done = list(done)
    predicted = sum(p for p, _ in done)
    measured = sum(m for _, m in done)
    return max(1.0, measured / predicted) if predicted > 0 else 1.0


@dataclass(frozen=True)
class Cost:
    """A step's predicted seconds: fixed + per unit (a repository, a delivery), measured on a quiet
    2-core machine."""

    fixed_s: float
    per_unit_s: float

    def seconds(self, units: float) -> float:
        return self.fixed_s + self.per_unit_s * units

    def units_within(self, seconds: float, least: int, most: int, step: int = 1) -> int:
        """The most units (a multiple of `step`, between `least` and `most`) predicted to fit."""
        units = math.floor((seconds - self.fixed_s) / self.per_unit_s / step + 1e-6) * step if self.per_unit_s else most
        return max(least, min(most, units))


@dataclass
class Record:
    """One step of a `make bench` run, as the time table shows it."""

    name: str
    nominal_s: float | None = None  # predicted at full scale when it was granted its time
    granted_s: float | None = None
    ran: str = ""  # what it ran: its scale, and what was scaled or time-boxed
    status: str = "pending"  # full | scaled | time-boxed | skipped | failed | pending
    wall_s: float | None = None
    cpu_s: float | None = None  # this process and its children: the simulator's CPU is in it
    extra: dict[str, Any] = field(default_factory=dict)


class Step(Protocol):
    record: Record
    paced: bool  # predicted by a cost model (times the pace), or from this run's own measurements

    def ask(self, pace: float) -> Ask: ...

    def run(self, grant_s: float, pace: float) -> None:
        """Run at the scale `grant_s` buys; set record.ran and record.status."""

    def skip(self, reason: str) -> None: ...

    def model_s(self) -> float:
        """The cost model's seconds for what it ran (paced steps only)."""


def cpu_s() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def drive(steps: Sequence[Step], budget_s: float, began: float, clock: Callable[[], float] = time.perf_counter,
          cpu: Callable[[], float] = cpu_s, after: Callable[[], None] = lambda: None) -> float:
    """Run `steps` in order within `budget_s` seconds from `began` (a clock() reading): before each,
    every step still to run asks, and the step gets its grant; `after` runs after each step. A
    step that fails is recorded as failed and the next one runs. Returns the pace at the end."""
    paced: list[tuple[float, float]] = []
    for i, step in enumerate(steps):
        now = pace(paced)
        asks = [s.ask(now if s.paced else 1.0) for s in steps[i:]]
        left = budget_s - (clock() - began)
        grant = allocate(asks, left)[0]
        record = step.record
        record.nominal_s, record.granted_s = asks[0].nominal_s, grant
        started, cpu_before = clock(), cpu()
        if grant <= 0:
            step.skip(why_not(asks, left, budget_s))
        else:
            try:
                step.run(grant, now if step.paced else 1.0)
            except (Exception, SystemExit) as exc:  # the next steps still run; the command fails at the end
                record.status = "failed"
                record.ran = (record.ran + "; " if record.ran else "") + f"{type(exc).__name__}: {exc}"[:300]
        record.wall_s, record.cpu_s = clock() - started, cpu() - cpu_before
        if step.paced and record.status in ("full", "scaled"):
            paced.append((step.model_s(), record.wall_s))
        after()
    return pace(paced)


def why_not(asks: Sequence[Ask], left: float, budget_s: float) -> str:
    """Why the first of `asks` was granted nothing, in the allocation's terms."""
    first, rest = asks[0], asks[1:]
    need = f"predicted {first.nominal_s:,.0f} s" + (f" (at least {first.floor_s:,.0f} s)" if first.floor_s < first.nominal_s else "")
    after = (f"; the {len(rest)} step{'s' if len(rest) > 1 else ''} after it were predicted {sum(a.nominal_s for a in rest if not a.optional):,.0f} s "
             f"at full scale" + ("" if first.optional else f", {sum(a.floor_s for a in rest if not a.optional):,.0f} s at "
                                 "their smallest") if rest else "")
    kind = ("optional: it runs only when every other step fits at full scale" if first.optional
            else "even the smallest scales did not fit")
    return f"not run ({kind}): {need}, {max(0.0, left):,.0f} s of the {budget_s:,.0f} s budget left{after}"


def render(records: Sequence[Record], budget_s: float, total_s: float, paced: float, final: bool,
           only: Sequence[str] | None = None) -> str:
    """results.md's section on the time of `make bench` itself, step by step (`only`: the --steps of a
    run of some steps; the other sections are then an earlier run's)."""
    lines = [HEADING, "",
             (f"*A run of some steps only (`--steps {','.join(only)}`): the other sections are from an earlier run.* "
              if only else "") + f"`python -m bench` had a budget of **{budget_s:,.0f} s** for every step together (`--budget-s`; with "
             "a fresh clone's `make setup`, about 1.5 minutes, `make bench` stays under 15 minutes) and "
             + (f"took **{total_s:,.0f} s**." if final else f"has run {total_s:,.0f} s so far (PARTIAL).")
             + " Before each step the steps still to run were granted time from what was left (bench/budget.py): "
             "all at full scale when they fit; else the optional ones left out; else the others shrunk towards "
             "their smallest useful scale. *Predicted* is the step's full scale as predicted when its turn came "
             f"(cost models × the pace of the steps before it, {paced:.2f} at the end); CPU is this process's and "
             "its children's (the main rows' simulator runs in this process, each collector in a child).",
             "",
             "| step | what it ran | predicted | granted | wall time | CPU | |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in records:
        lines.append(f"| {r.name} | {r.ran or '–'} | {_s(r.nominal_s)} | {_s(r.granted_s)} | {_s(r.wall_s)} | "
                     f"{_s(r.cpu_s)} | {r.status} |")
    spent = sum(r.wall_s or 0 for r in records)
    lines.append(f"| **all steps** | | {_s(sum(r.nominal_s or 0 for r in records))} | | **{_s(spent)}** | "
                 f"{_s(sum(r.cpu_s or 0 for r in records))} | |")
    lines.append("")
    shrunk = [r for r in records if r.status in ("scaled", "time-boxed", "skipped")]
    if shrunk:
        lines.append("Not at full scale in this run: " + ", ".join(f"**{r.name}** ({r.status})" for r in shrunk)
                     + ". The table says why; each section says what it ran, and from what any figure is scaled "
                     "or projected.")
        lines.append("")
    return "\n".join(lines)


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f} s" if value < 10 else f"{value:,.0f} s"
