"""The benchmark's parent process: the plan of steps (the main rows' jobs and the other sections'
steps), the one time budget they draw from (bench/budget.py), the main rows' simulator and the
counts GitHub saw, and the results file (rewritten after every step, so a partial run leaves a
table)."""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import budget, report, results_file
from bench import steps as steps_module

REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ghs_bench_token_0123456789abcdef"
UNLIMITED = 10**9  # the simulator's hourly budgets: measure the need, never throttle


@dataclass
class Settings:
    scales: list[int]
    base_ms: float
    per_repo_ms: float
    rest_ms: float
    batch_size: int = 50  # repositories per batch: the config's setting resolved (auto: for repository_stats)
    max_concurrency: int = 4
    serial_batch_size: int = 65
    pygithub_sample: int | None = 60
    budget_s: float = 780.0
    profile: bool = True
    quick: bool = False
    seed: int = 1
    out: str | None = None
    json_out: str | None = None
    approaches: tuple[str, ...] = ("ghstats", "serial", "pygithub")
    as_shipped: bool = True
    steps: tuple[str, ...] = ("main", "points", "collectors", "several-orgs", "webhooks")
    batch_setting: str = "50"  # the config's batch_size as given to the workflow: "auto" or a number


def resolve_batch_setting(value: str) -> tuple[int, str]:
    """(repositories per batch, the config's setting) for --batch-size: a number stands; "auto" is
    what the workflow's planner picks for the benchmark's one collector, repository_stats."""
    from ghstats import limits
    from ghstats.collect.batch_size import resolve_batch_size
    from ghstats.collectors import INVENTORY_COLLECTOR

    if value.strip() == limits.AUTO_BATCH_SIZE:
        return resolve_batch_size(limits.AUTO_BATCH_SIZE, [INVENTORY_COLLECTOR])[0], limits.AUTO_BATCH_SIZE
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not limits.MIN_BATCH_SIZE <= size <= limits.MAX_BATCH_SIZE:
        raise SystemExit(f"--batch-size: {value!r} is neither \"auto\" nor a whole number of repositories "
                         f"{limits.MIN_BATCH_SIZE}..{limits.MAX_BATCH_SIZE}")
    return size, str(size)


@dataclass
class Job:
    approach: str  # ghstats | serial | pygithub
    scale: int
    profile: bool = False
    warm: bool = True  # False: LocalAws as shipped (clients built for every invocation)
    optional: bool = False  # runs only when the budget holds every other step at full scale
    result: dict[str, Any] | None = None
    github: dict[str, Any] | None = None
    skipped: str | None = None
    elapsed_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        tags = (" (profiled)" if self.profile else "") + ("" if self.warm else " (LocalAws as shipped)")
        if self.extra.get("max_batches"):
            tags += f" (time-boxed: listing + {self.extra['max_batches']} batches)"
        return f"{self.approach}{tags} @ {self.scale:,}"


def org_name(scale: int) -> str:
    return f"bench-{scale}"


def parse_args(argv: list[str] | None) -> Settings:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--scales", default=None, help="comma-separated repository counts (default 1000,10000,50000)")
    p.add_argument("--latency-base-ms", type=float, default=None, help="GraphQL base latency (default 300)")
    p.add_argument("--latency-per-repo-ms", type=float, default=None, help="GraphQL latency per repository in a batch (default 5)")
    p.add_argument("--latency-rest-ms", type=float, default=None, help="latency of one REST call (default 120)")
    p.add_argument("--batch-size", default="auto",
                   help="the workflow's batch_size: \"auto\" (the default, as in a config) or 1..100")
    p.add_argument("--max-concurrency", type=int, default=4)
    p.add_argument("--serial-batch-size", type=int, default=65)
    p.add_argument("--pygithub-sample", type=int, default=None,
                   help="repositories the PyGithub collector reads per repo (default 60; --quick: all)")
    p.add_argument("--budget-s", type=float, default=780.0,
                   help="seconds for every step together: steps are scaled down, time-boxed or left out to fit "
                        "(default 780 s: with a fresh clone's set-up, `make bench` stays under 15 minutes)")
    p.add_argument("--steps", default=",".join(Settings.steps),
                   help="which steps to run (default all: " + ",".join(Settings.steps) + "; main = the main rows)")
    p.add_argument("--approaches", default="ghstats,serial,pygithub",
                   help="which approaches to run (default all: ghstats,serial,pygithub)")
    p.add_argument("--no-profile", action="store_true", help="skip the profiled 1k workflow run")
    p.add_argument("--no-as-shipped", action="store_true",
                   help="skip the 1k workflow run with LocalAws as shipped (clients built per invocation)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: every step at a small scale (main rows: 120 repos, no latency, no profile)")
    p.add_argument("--out", default=None, help="results file (default bench/results.md; --quick: none)")
    p.add_argument("--json", dest="json_out", default=None,
                   help="the raw results as JSON (default: the results file's name with .json: bench/results.json)")
    a = p.parse_args(argv)
    quick = a.quick
    scales = [int(s.replace("_", "")) for s in a.scales.split(",")] if a.scales else ([120] if quick else [1000, 10000, 50000])
    zero_or = (lambda v, d: v if v is not None else (0.0 if quick else d))
    out = a.out if a.out is not None else (None if quick else str(REPO_ROOT / "bench" / "results.md"))
    json_out = a.json_out if a.json_out is not None else (str(Path(out).with_suffix(".json")) if out else None)
    batch_size, batch_setting = resolve_batch_setting(a.batch_size)
    return Settings(
        scales=scales,
        base_ms=zero_or(a.latency_base_ms, 300.0),
        per_repo_ms=zero_or(a.latency_per_repo_ms, 5.0),
        rest_ms=zero_or(a.latency_rest_ms, 120.0),
        batch_size=batch_size,
        batch_setting=batch_setting,
        max_concurrency=a.max_concurrency,
        serial_batch_size=a.serial_batch_size,
        pygithub_sample=a.pygithub_sample if a.pygithub_sample is not None else (None if quick else 60),
        budget_s=a.budget_s,
        profile=not (quick or a.no_profile),
        quick=quick,
        out=out,
        json_out=json_out,
        approaches=tuple(x.strip() for x in a.approaches.split(",") if x.strip()),
        as_shipped=not (quick or a.no_as_shipped),
        steps=tuple(x.strip() for x in a.steps.split(",") if x.strip()),
    )


def plan_jobs(s: Settings) -> list[Job]:
    """The smallest scale with every approach (the comparison everyone reads), the profiled run and
    the LocalAws-as-shipped comparison; then at each larger scale the workflow and the serial
    reference (time-boxed to what the budget grants). The two smallest scales are required; the
    jobs of larger ones are optional: they run when the budget holds every other step at full
    scale."""
    scales = sorted(s.scales)
    first = scales[0]
    jobs = [Job("ghstats", first), Job("serial", first), Job("pygithub", first)]
    if s.profile:
        jobs.append(Job("ghstats", first, profile=True))
    if s.as_shipped:
        jobs.append(Job("ghstats", first, warm=False))
    for n in scales[1:]:
        jobs += [Job(approach, n, optional=n not in scales[:2]) for approach in ("ghstats", "serial")]
    return [j for j in jobs if j.approach in s.approaches]


# Before any run of an approach: its latency floor (ideal_s) × a factor, + its start-up; from the
# 2026-12-04 run on a quiet 2-core machine: ghstats took 1.6-2.0× its floor, serial-65 1.1-1.25×,
# PyGithub 1.04×, each 1-4 s to start.
PRIOR = {"ghstats": (1.8, 4.0), "serial": (1.25, 2.0), "pygithub": (1.1, 2.0)}


def predict_s(job: Job, done: list[Job], s: Settings) -> float:
    """From the largest finished run of the same approach: its start-up, plus its wall time
    linear in repositories; before any, from the latency model (PRIOR)."""
    same = [j for j in done if j.approach == job.approach and j.result and j.result.get("status") == "SUCCEEDED"
            and not j.profile and j.warm and not j.extra.get("max_batches")]
    if same:
        ref = max(same, key=lambda j: j.scale)
        wall = ref.result["wall_s"]
        return (ref.elapsed_s or wall) - wall + wall * job.scale / ref.scale
    factor, startup = PRIOR[job.approach]
    return factor * ideal_s(job.approach, job.scale, s, s.pygithub_sample) + startup


SERIAL_LEAST_BATCHES = 10  # a time-boxed serial run measures at least this many batches


def serial_model(job: Job, done: list[Job], s: Settings) -> tuple[float, float, int] | None:
    """The serial reference above the smallest scale: (seconds for start-up and the whole listing,
    seconds per batch, batches), from its finished run at a smaller scale, else from the latency
    model (PRIOR). Every batch is alike, so a run of the listing plus the first N batches scales to
    the whole linearly. None at the smallest scale (never time-boxed) or without latency."""
    if job.approach != "serial" or job.scale == min(s.scales):
        return None
    ref = next((j for j in done if j.approach == "serial" and j.result and j.result.get("status") == "SUCCEEDED"), None)
    if ref is None:
        factor, startup = PRIOR["serial"]
        page_s = factor * s.base_ms / 1000
        batch_s = factor * (s.base_ms + s.per_repo_ms * s.serial_batch_size) / 1000
    else:
        r = ref.result
        page_s = r["listing_s"] / (1 + math.ceil(ref.scale / 100))
        batch_s = r["batches_s"] / max(1, r.get("batches_run") or r["batches"])
        startup = (ref.elapsed_s or r["wall_s"]) - r["wall_s"]
    if batch_s <= 0:
        return None
    return (1 + math.ceil(job.scale / 100)) * page_s + startup + 5, batch_s, math.ceil(job.scale / s.serial_batch_size)


def ideal_s(approach: str, n: int, s: Settings, sample: int | None = None) -> float:
    """Wall time if only the latency model cost anything (the floor for this approach: the report's)."""
    return report.floor_s(approach, n, asdict(s), min(n, sample or n))


def github_counts(sim: Any, s: Settings) -> dict[str, Any]:
    records = sim.requests
    graphql = [r for r in records if r.kind == "graphql"]
    rest = [r for r in records if r.kind == "rest"]
    listing = [r for r in graphql if r.query and "ListOrgRepos" in r.query]
    batches = [r for r in graphql if r.repos > 0]
    other = [r for r in graphql if r not in listing and r not in batches]

    def overhead(rs: list[Any], latency: Any) -> float | None:
        if not rs:
            return None
        return round(sum(r.duration_s - latency(r) for r in rs) / len(rs) * 1000, 1)

    return {
        "graphql": len(graphql),
        "rest": len(rest),
        "requests": len(records),
        "listing_pages": len(listing),
        "batches": len(batches),
        "other_graphql": len(other),
        "batch_sizes": sorted({r.repos for r in batches}),
        "non_200": sum(1 for r in records if r.status != 200),
        "faults": sum(1 for r in records if r.fault),
        "points": sum(r.cost for r in records),
        "batch_points": sum(r.cost for r in batches),
        "listing_points": sum(r.cost for r in listing),
        "other_points": sum(r.cost for r in other),
        "repos_asked": sum(r.repos for r in batches),
        # Time the simulator spent per request beyond the injected latency (its own CPU).
        "sim_overhead_ms": {
            "graphql_batch": overhead(batches, lambda r: (s.base_ms + s.per_repo_ms * r.repos) / 1000),
            "graphql_listing": overhead(listing, lambda r: s.base_ms / 1000),
            "rest": overhead(rest, lambda r: s.rest_ms / 1000),
        },
    }


def connections_per_repo() -> int:
    """Connections one repository's fragment selects (each costs one request per repository in
    GitHub's formula), from the simulator's cost analysis of a one-repository batch."""
    try:
        from ghstats.collectors import INVENTORY_COLLECTOR
        from ghstats.github import documents
        from simulator import graphql_api

        prepared = graphql_api.prepare(documents.batch_query(["o/r"], [INVENTORY_COLLECTOR.fragment()]))
        return graphql_api.analyze_prepared(prepared, {}, None).requests
    except Exception:  # fall back to the fragment's documented count
        return 8


def run_job(job: Job, sim: Any, s: Settings) -> None:
    spec: dict[str, Any] = {"approach": job.approach, "org": org_name(job.scale), "url": sim.url, "token": TOKEN,
                            "profile": job.profile, "warm": job.warm}
    if job.approach == "ghstats":
        # the setting, not its resolution: the workflow's own planner resolves "auto"
        spec.update(batch_size=s.batch_setting if s.batch_setting == "auto" else s.batch_size,
                    max_concurrency=s.max_concurrency)
    elif job.approach == "serial":
        spec.update(batch_size=s.serial_batch_size, max_batches=job.extra.get("max_batches"))
    else:
        spec.update(sample=s.pygithub_sample)
    sim.reset_records()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out_path = fh.name
    started = time.perf_counter()
    cpu = _cpu_s()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "bench.worker", json.dumps(spec), out_path], cwd=REPO_ROOT,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    job.elapsed_s = round(time.perf_counter() - started, 2)
    try:
        with open(out_path) as fh:
            job.result = json.load(fh)
    except (OSError, ValueError):
        job.result = {"status": "CRASHED", "error": f"worker exited {proc.returncode}", "traceback": proc.stdout[-3000:]}
    finally:
        try:
            os.unlink(out_path)
        except OSError:
            pass
    job.github = github_counts(sim, s)
    job.github["sim_cpu_s"] = round(_cpu_s() - cpu, 2)  # the parent only serves GitHub meanwhile
    if job.approach == "pygithub" and job.result.get("counts"):
        job.extra["rest_trap"] = rest_trap(job.result.pop("counts"), sim)


def _cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rest_trap(counts: dict[str, dict[str, int]], sim: Any) -> dict[str, Any]:
    """What the REST script gets right and wrong against the simulator's truth."""
    naive_issues = fixed_issues = naive_watchers = fixed_closed = pulls_closed_mixed = 0
    for full_name, c in counts.items():
        truth = sim.dataset.get(full_name)
        if truth is None:
            continue
        naive_issues += c["issues_open_incl_prs"] != truth.open_issues
        fixed_issues += (c["issues_open_incl_prs"] - c["pulls_open"]) != truth.open_issues
        fixed_closed += (c["issues_closed_incl_prs"] - c["pulls_closed_incl_merged"]) != truth.closed_issues
        naive_watchers += c["stars"] != truth.watchers  # watchers_count would be the stars
        pulls_closed_mixed += c["pulls_closed_incl_merged"] != truth.closed_prs
    return {"repos": len(counts), "open_issues_wrong_if_not_subtracted": naive_issues,
            "open_issues_wrong_after_subtracting_prs": fixed_issues,
            "closed_issues_wrong_after_subtracting_prs": fixed_closed,
            "watchers_wrong_if_watchers_count": naive_watchers,
            "closed_prs_wrong_because_merged_mixed_in": pulls_closed_mixed}


def machine() -> dict[str, Any]:
    import platform
    from importlib import metadata

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": mem_gib, "os": platform.platform(),
            "python": platform.python_version(), "moto": version("moto"), "pygithub": version("PyGithub"),
            "graphql-core": version("graphql-core"), "gql": version("gql"), "boto3": version("boto3")}


class MainRows:
    """The main rows' shared state: the simulator (started by the first job, each scale's dataset
    built before its first job, outside the job's time), the jobs done, the report's context."""

    def __init__(self, s: Settings, jobs: list[Job]):
        self.s, self.jobs = s, jobs
        self.done: list[Job] = []
        self.sim: Any = None
        self.built: set[int] = set()
        self.context: dict[str, Any] = {}

    def prepare(self, scale: int) -> Any:
        if self.sim is None:
            from simulator import GitHubSimulator, Latency

            s = self.s
            orgs = {org_name(n): n for n in s.scales}
            print(f"bench: simulator with {', '.join(f'{o} ({n:,} repos)' for o, n in orgs.items())}; latency "
                  f"GraphQL {s.base_ms:g} ms + {s.per_repo_ms:g} ms/repo, REST {s.rest_ms:g} ms", flush=True)
            self.sim = GitHubSimulator(orgs=orgs, seed=s.seed, tokens=(TOKEN,),
                                       latency=Latency(base_ms=s.base_ms, per_repo_ms=s.per_repo_ms, rest_ms=s.rest_ms),
                                       graphql_points_per_hour=UNLIMITED, rest_requests_per_hour=UNLIMITED).start()
            self.context["connections_per_repo"] = connections_per_repo()
        if scale not in self.built:
            self.sim.dataset.repos(org_name(scale))  # build the dataset now, not inside a measured run
            self.built.add(scale)
            gc.collect()
            gc.freeze()  # the dataset and GitHub's schema stay; keep them out of the collector's scans
        return self.sim

    def stop(self) -> None:
        if self.sim is not None:
            self.sim.stop()
            self.sim = None


class JobStep:
    """One main-row job as a step of the budget. Predicted from this run's finished jobs (not paced);
    the serial reference above the smallest scale can be time-boxed to its listing plus the first
    batches that fit."""

    paced = False

    def __init__(self, job: Job, rows: MainRows):
        self.job, self.rows = job, rows
        self.record = budget.Record(job.label)

    def _serial(self) -> tuple[float, float, int] | None:
        return serial_model(self.job, self.rows.done, self.rows.s)

    def ask(self, pace: float) -> budget.Ask:
        model = self._serial()
        if model:
            fixed, batch_s, batches = model
            return budget.Ask(fixed + batches * batch_s, fixed + min(batches, SERIAL_LEAST_BATCHES) * batch_s,
                              self.job.optional)
        predicted = predict_s(self.job, self.rows.done, self.rows.s)
        return budget.Ask(predicted, predicted, self.job.optional)

    def model_s(self) -> float:
        return 0.0

    def skip(self, reason: str) -> None:
        self.job.skipped = reason
        self.record.status, self.record.ran = "skipped", reason
        self.rows.done.append(self.job)
        print(f"bench: skip {self.job.label}: {reason}", flush=True)

    def time_box(self, grant_s: float) -> int | None:
        """The serial reference's batches that fit `grant_s` (at least SERIAL_LEAST_BATCHES), when not all do."""
        model = self._serial()
        if not model:
            return None
        fixed, batch_s, batches = model
        fits = max(SERIAL_LEAST_BATCHES, math.floor((grant_s - fixed) / batch_s + 1e-6))
        return fits if fits < batches else None

    def run(self, grant_s: float, pace: float) -> None:
        job, model = self.job, self._serial()
        boxed = self.time_box(grant_s)
        if boxed:
            job.extra["max_batches"] = boxed
        sim = self.rows.prepare(job.scale)
        print(f"bench: {job.label} (granted ~{grant_s:.0f} s) ...", flush=True)
        run_job(job, sim, self.rows.s)
        self.rows.done.append(job)
        r, g = job.result or {}, job.github or {}
        print(f"bench:   {r.get('status')} in {job.elapsed_s:.1f} s (wall {r.get('wall_s')} s): "
              f"{g.get('graphql')} GraphQL + {g.get('rest')} REST requests, {g.get('points')} points, "
              f"peak RSS {r.get('peak_rss_mb')} MB", flush=True)
        if r.get("status") == "CRASHED":
            print(r.get("traceback", r.get("error")), file=sys.stderr, flush=True)
        what = "ghstats' workflow" if job.approach == "ghstats" else job.approach
        self.record.ran = (f"{what}, {job.scale:,} repositories"
                           + (f"; time-boxed: listing + {boxed} of {model[2]} batches" if boxed and model else ""))
        self.record.status = ("failed" if r.get("status") != "SUCCEEDED" else "time-boxed" if boxed else "full")


def plan_steps(s: Settings, rows: MainRows) -> list[Any]:
    """Every step selected by --steps, in the order they run: the cheap section steps first (they
    tell the machine's pace), the main rows' jobs, then the long section steps."""
    sections = steps_module.section_steps()
    unknown = set(s.steps) - {"main", *sections}
    if unknown:
        raise SystemExit(f"unknown steps: {', '.join(sorted(unknown))} (known: main, {', '.join(sections)})")
    out = Path(s.out) if s.out else None
    chosen = []
    for key in steps_module.BEFORE + ("main",) + steps_module.AFTER:
        if key not in s.steps:
            continue
        if key == "main":
            chosen += [JobStep(job, rows) for job in rows.jobs]
            continue
        step = sections[key]
        step.scale = step.quick if s.quick else step.full
        step.out = out
        chosen.append(step)
    return chosen


def main(argv: list[str] | None = None) -> int:
    s = parse_args(argv)
    began = time.perf_counter()
    rows = MainRows(s, plan_jobs(s) if "main" in s.steps else [])
    rows.context.update(settings=asdict(s), machine=machine(),
                        started=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    steps = plan_steps(s, rows)
    state = {"pace": 1.0}

    def save(final: bool = False) -> str:
        return write(rows, steps, s, time.perf_counter() - began, state["pace"], final)

    print(f"bench: {len(steps)} steps, a budget of {s.budget_s:.0f} s for them all", flush=True)
    try:
        state["pace"] = budget.drive(steps, s.budget_s, began, after=save)
    finally:
        rows.stop()
    total = time.perf_counter() - began
    text = save(final=True)
    if not s.out:
        print(text)
    print(f"bench: done in {total:.0f} s" + (f"; wrote {s.out}" if s.out else ""), flush=True)
    ok = all(step.record.status in ("full", "scaled", "time-boxed", "skipped") for step in steps)
    from bench.report import prediction_misses

    for job in rows.done:
        budget_ = (job.result or {}).get("budget")
        if job.approach == "ghstats" and budget_ is not None and (misses := prediction_misses(budget_)):
            print(f"bench: {job.label}: the plan missed what the run spent by more than 5%: {', '.join(misses)}",
                  flush=True)
            ok = False
    return 0 if ok else 1


SCALE_RESULTS = "results-scale.md"  # `make bench-scale`'s own file, beside results.md


def summarise_scale(written: Path) -> None:
    """results.md's section on `make bench-scale` from that command's JSON, whichever of the two
    files was just written (each command rewrites only its own file otherwise)."""
    scale_json = written.with_name(SCALE_RESULTS).with_suffix(".json")
    results = written.with_name("results.md")
    if written.name not in (results.name, SCALE_RESULTS) or not (scale_json.exists() and results.exists()):
        return  # a results file elsewhere (--out) leaves bench/results.md alone
    section = report.scale_section(json.loads(scale_json.read_text()), SCALE_RESULTS)
    results.write_text(results_file.replace_section(results.read_text(), section, report.SCALE_HEADING))


def write(rows: MainRows, steps: list[Any], s: Settings, total_s: float, pace: float, final: bool) -> str:
    """results.md (and --json): the main rows' report, each section step's section, and where the
    time went; collectors.md and any other step's own file beside it."""
    sections = [step for step in steps if isinstance(step, steps_module.SectionStep)]
    records = [step.record for step in steps]
    top = data = None
    if rows.jobs and "connections_per_repo" in rows.context:
        data = report.build(rows.done, rows.jobs, rows.context, s, total_s, final)
        top = report.render(data)
    timing = budget.render(records, s.budget_s, total_s, pace, final,
                           only=s.steps if set(s.steps) != set(Settings.steps) else None)
    own = {step.heading: step.text for step in sections if step.heading and step.text}
    path = Path(s.out) if s.out else None
    before = path.read_text() if path and path.exists() else ""  # the sections of steps not run this time stay
    text = results_file.compose(before, steps_module.HEADINGS + (budget.HEADING,), top, {**own, budget.HEADING: timing})
    if path:
        path.write_text(text)
        for step in sections:
            if step.own_file and step.text:
                path.with_name(step.own_file).write_text(step.text)
    if s.json_out:
        json_path = Path(s.json_out)
        if data is None and json_path.exists():  # the main rows did not run: theirs stay
            data = json.loads(json_path.read_text())
        payload = dict(data or {})
        payload["budget"] = {"budget_s": s.budget_s, "total_s": round(total_s, 1), "pace": round(pace, 3),
                             "steps": [asdict(r) for r in records]}
        Path(s.json_out).write_text(json.dumps(payload, indent=1, default=str))
    if path:
        summarise_scale(path)  # after the JSON: make bench-scale's summary is read from it
    return text
