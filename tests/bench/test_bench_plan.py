"""`make bench`'s plan: which steps run in which order, which main-row jobs are optional, and how
the serial reference is time-boxed to its grant (plain arithmetic: nothing runs)."""

from __future__ import annotations

import pytest

from bench.runner import Job, JobStep, MainRows, parse_args, plan_jobs, plan_steps
from bench.steps import SectionStep


def test_the_two_smallest_scales_are_required_and_larger_ones_optional():
    s = parse_args([])
    jobs = plan_jobs(s)
    assert [(j.label, j.optional) for j in jobs] == [
        ("ghstats @ 1,000", False), ("serial @ 1,000", False), ("pygithub @ 1,000", False),
        ("ghstats (profiled) @ 1,000", False), ("ghstats (LocalAws as shipped) @ 1,000", False),
        ("ghstats @ 10,000", False), ("serial @ 10,000", False),
        ("ghstats @ 50,000", True), ("serial @ 50,000", True)]


def test_every_step_in_order_the_cheap_sections_first_and_the_long_ones_last():
    s = parse_args([])
    steps = plan_steps(s, MainRows(s, plan_jobs(s)))
    names = [step.key if isinstance(step, SectionStep) else step.job.label for step in steps]
    assert names[:2] == ["points", "collectors"] and names[-2:] == ["several-orgs", "webhooks"]
    assert len(names) == 2 + 9 + 2
    quick = parse_args(["--quick", "--steps", "several-orgs,main"])
    chosen = plan_steps(quick, MainRows(quick, plan_jobs(quick)))
    assert isinstance(chosen[-1], SectionStep) and chosen[-1].scale == 30  # --quick's scale
    assert {step.job.scale for step in chosen[:-1]} == {120}
    with pytest.raises(SystemExit, match="unknown steps: nope"):
        plan_steps(parse_args(["--steps", "main,nope"]), MainRows(s, []))


def _serial_done(scale: int) -> Job:
    """A finished serial run: 1 s to start, 11 listing pages of 0.3 s, 16 batches of 0.75 s."""
    job = Job("serial", scale, elapsed_s=1.0 + 3.3 + 12.0)
    job.result = {"status": "SUCCEEDED", "wall_s": 15.3, "listing_s": 3.3, "batches_s": 12.0, "batches": 16,
                  "batches_run": 16}
    return job


def test_the_serial_reference_is_time_boxed_to_the_batches_its_grant_buys():
    s = parse_args([])
    rows = MainRows(s, [])
    rows.done.append(_serial_done(1000))
    step = JobStep(Job("serial", 10_000), rows)
    ask = step.ask(pace=3.0)  # predicted from this run's own serial run: the pace does not apply
    fixed = 101 * 0.3 + 1.0 + 5  # the whole listing, start-up and a margin
    assert ask.nominal_s == pytest.approx(fixed + 154 * 0.75)
    assert ask.floor_s == pytest.approx(fixed + 10 * 0.75)
    assert step.time_box(ask.nominal_s) is None  # granted all of it: not time-boxed
    assert step.time_box(fixed + 60 * 0.75 + 0.5) == 60
    assert step.time_box(0) == 10  # never fewer than 10 batches
    # before any serial run, from the latency model: 300 ms a page, 300 + 65 × 5 ms a batch, × 1.25
    before = JobStep(Job("serial", 10_000), MainRows(s, [])).ask(pace=1.0)
    assert before.floor_s == pytest.approx(1.25 * (101 * 0.3 + 10 * 0.625) + 2 + 5)
    # the smallest scale's serial run is the comparison everyone reads: never time-boxed
    assert JobStep(Job("serial", 1000), rows).time_box(1.0) is None
