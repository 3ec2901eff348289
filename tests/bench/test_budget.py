"""bench/budget.py: how `make bench`'s one time budget is shared among its steps, and the loop that
runs them (with stand-in steps on a fake clock: no simulator, nothing timed for real)."""

from __future__ import annotations

import pytest

from bench.budget import Ask, Cost, Record, allocate, drive, pace, render


def test_every_step_at_full_scale_when_they_fit():
    asks = [Ask(100, 100), Ask(200, 50), Ask(300, 300, optional=True)]
    assert allocate(asks, 600) == [100, 200, 300]


def test_optional_steps_go_first_the_last_one_first():
    asks = [Ask(100, 100), Ask(50, 50, optional=True), Ask(200, 60), Ask(40, 40, optional=True)]
    # 390 in all: without the last optional step (40) the rest fits at full scale
    assert allocate(asks, 360) == [100, 50, 200, 0]
    # without both optional steps it fits: nobody shrinks while an optional step could go instead
    assert allocate(asks, 300) == [100, 0, 200, 0]


def test_shrinkable_steps_share_what_is_left_over_their_floors():
    asks = [Ask(100, 100), Ask(200, 50), Ask(100, 50), Ask(500, 500, optional=True)]
    grants = allocate(asks, 300)
    # floors 200; the 100 s beyond them split 150 : 50 between what each would take beyond its floor
    assert grants == pytest.approx([100, 125, 75, 0])
    assert sum(grants) == pytest.approx(300)


def test_when_even_the_floors_do_not_fit_the_first_steps_get_theirs():
    asks = [Ask(100, 100), Ask(100, 80), Ask(50, 50), Ask(10, 10)]
    # floors 240 > 190: 100 + 80 fit, then 50 does not (10 left), and nothing after it runs
    assert allocate(asks, 190) == [100, 80, 0, 0]
    assert allocate(asks, -5) == [0, 0, 0, 0]


def test_pace_is_how_much_slower_than_predicted_never_faster():
    assert pace([]) == 1.0
    assert pace([(10, 20), (10, 10)]) == 1.5
    assert pace([(10, 5)]) == 1.0


def test_a_cost_model_gives_the_units_that_fit():
    cost = Cost(fixed_s=10, per_unit_s=0.1)
    assert cost.seconds(500) == 60
    assert cost.units_within(60, least=100, most=2000) == 500
    assert cost.units_within(60, least=100, most=2000, step=300) == 300
    assert cost.units_within(5, least=100, most=2000) == 100  # never below its smallest useful scale
    assert cost.units_within(1000, least=100, most=2000) == 2000


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeStep:
    """Takes `per_unit_s` × the units its grant buys (at least `least`), on the fake clock; `slow`
    times longer than its cost model says."""

    def __init__(self, clock: FakeClock, name: str, full: int, least: int, per_unit_s: float = 1.0,
                 paced: bool = True, optional: bool = False, slow: float = 1.0, fails: bool = False):
        self.clock, self.full, self.least, self.per_unit_s = clock, full, least, per_unit_s
        self.paced, self.optional, self.slow, self.fails = paced, optional, slow, fails
        self.record = Record(name)
        self.units = 0
        self.skipped: str | None = None

    def ask(self, pace: float) -> Ask:
        return Ask(self.full * self.per_unit_s * pace, self.least * self.per_unit_s * pace, self.optional)

    def run(self, grant_s: float, pace: float) -> None:
        if self.fails:
            raise SystemExit("the run did not succeed")
        self.units = max(self.least, min(self.full, int(grant_s / pace / self.per_unit_s)))
        self.clock.now += self.units * self.per_unit_s * self.slow
        self.record.ran = f"{self.units} units"
        self.record.status = "full" if self.units == self.full else "scaled"

    def skip(self, reason: str) -> None:
        self.skipped = reason
        self.record.status, self.record.ran = "skipped", reason

    def model_s(self) -> float:
        return self.units * self.per_unit_s


def test_drive_runs_every_step_at_full_scale_within_a_roomy_budget():
    clock = FakeClock()
    steps = [FakeStep(clock, "a", 100, 100), FakeStep(clock, "b", 200, 50)]
    assert drive(steps, 1000, began=0.0, clock=clock, cpu=lambda: 0.0) == 1.0
    assert [s.record.status for s in steps] == ["full", "full"]
    assert [s.record.wall_s for s in steps] == [100, 200]


def test_drive_scales_later_steps_down_by_the_pace_of_the_earlier_ones():
    clock = FakeClock()
    first = FakeStep(clock, "first", 100, 100, slow=2.0)  # the machine runs at half the cost models' speed
    fixed = FakeStep(clock, "fixed", 50, 50, paced=False)  # predicted from this run's measurements
    last = FakeStep(clock, "last", 300, 50, slow=2.0)
    saved = []
    paced = drive([first, fixed, last], 600, began=0.0, clock=clock, cpu=lambda: 0.0,
                  after=lambda: saved.append(clock.now))
    assert paced == 2.0 and saved == [200, 250, 600]
    # 350 s left after 250: at pace 2 "last" asks 600 s (100 at least), so it gets the 350 s: 175 units
    assert last.record.granted_s == pytest.approx(350) and last.units == 175
    assert last.record.status == "scaled" and clock.now <= 600


def test_drive_leaves_out_an_optional_step_and_says_why():
    clock = FakeClock()
    steps = [FakeStep(clock, "a", 100, 100), FakeStep(clock, "big", 500, 500, optional=True),
             FakeStep(clock, "b", 200, 50)]
    drive(steps, 400, began=0.0, clock=clock, cpu=lambda: 0.0)
    big = steps[1]
    assert big.record.status == "skipped" and big.record.granted_s == 0 and big.units == 0
    assert big.skipped.startswith("not run (optional")
    assert "predicted 500 s, 300 s of the 400 s budget left" in big.skipped
    assert steps[2].record.status == "full"


def test_a_failed_step_is_recorded_and_the_next_one_runs():
    clock = FakeClock()
    steps = [FakeStep(clock, "a", 10, 10, fails=True), FakeStep(clock, "b", 20, 20)]
    drive(steps, 100, began=0.0, clock=clock, cpu=lambda: 0.0)
    assert steps[0].record.status == "failed" and "did not succeed" in steps[0].record.ran
    assert steps[1].record.status == "full"


def test_the_time_table_names_every_step_and_what_was_not_at_full_scale():
    records = [Record("a", 100, 100, "100 units", "full", 101, 90),
               Record("b", 300, 150, "150 units (scaled down from 300)", "scaled", 149, 140),
               Record("c", 500, 0, "not run (optional: ...)", "skipped", 0.0, 0.0)]
    text = render(records, 780, 250, 1.0, final=True)
    assert "| a | 100 units | 100 s | 100 s | 101 s | 90 s | full |" in text
    assert "| **all steps** | | 900 s | | **250 s** | 230 s | |" in text
    assert "Not at full scale in this run: **b** (scaled), **c** (skipped)." in text
