"""bench/results.md from the measured jobs (any subset: a partial run still gives tables)."""

from __future__ import annotations

import math
from typing import Any, Iterator

from bench import costs
from ghstats.collect.batch_size import points_per_request as _ppr
from ghstats.limits import FUNCTION_MEMORY_MB

APPROACH_LABEL = {
    "ghstats": "ghstats workflow (Step Functions Map, {bs}, concurrency {mc})",
    "serial": "serial batches of {sbs} (a configuration of ghstats' client, modelled on the Azure Functions collector)",
    "pygithub": "per-repository REST with PyGithub (list, then per repo: get_repo + 4 × totalCount)",
}
PAT_BUDGET = 5000  # points (GraphQL) or requests (REST core) per hour for a personal access token
APP_BUDGET = 12500  # GitHub App installation, at most


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _secs(value: float) -> str:
    if value >= 3600:
        return f"{value:,.0f} s ({value / 3600:.1f} h)"
    return f"{value:.1f} s" if value < 10 else f"{value:,.0f} s"


def _money(value: float) -> str:
    if value >= 0.01:
        return f"${value:,.3f}"
    if value == 0:
        return "$0"
    return f"${value:.5f}"


def _speed(theirs: float, ours: float) -> str:
    if ours <= 0 or theirs <= 0:
        return "–"
    if ours <= theirs:
        return f"**{theirs / ours:.1f}× faster**"
    return f"{ours / theirs:.1f}× slower"


def _main(row: dict[str, Any]) -> bool:
    """The headline runs: not the profiled one, not the LocalAws-as-shipped one."""
    return not row["profile"] and row.get("warm", True)


def pages(n: int) -> int:
    return max(1, math.ceil(n / 100))


def build(done: list[Any], jobs: list[Any], context: dict[str, Any], s: Any, total_s: float,
          final: bool) -> dict[str, Any]:
    conn = context["connections_per_repo"]
    rows = []
    for job in done:
        row: dict[str, Any] = {"approach": job.approach, "scale": job.scale, "profile": job.profile, "warm": job.warm,
                               "skipped": job.skipped, "elapsed_s": job.elapsed_s}
        if job.skipped:
            rows.append(row)
            continue
        r, g = job.result or {}, job.github or {}
        row.update(status=r.get("status"), result=r, github=g, extra=job.extra)
        n = job.scale
        if job.approach in ("ghstats", "serial"):
            bs = s.batch_size if job.approach == "ghstats" else s.serial_batch_size
            row["batches_total"] = math.ceil(n / bs)
            row["batches_run"] = r.get("batches_run", row["batches_total"])
            planning = PLANNING_REQUESTS[job.approach]
            row["expected_requests"] = planning + pages(n) + row["batches_run"]
            row["floor_points"] = planning + pages(n) + n * conn / 100
        else:
            sample = r.get("sample") or 0
            row["expected_requests"] = 1 + pages(r.get("repos_listed") or n) + 5 * sample
        rows.append(row)
    return {"context": context, "settings": context["settings"], "total_s": round(total_s, 1), "final": final,
            "rows": rows, "planned": [j.label for j in jobs]}


# -- derived figures ---------------------------------------------------------------------------------


def measured(data: dict[str, Any], approach: str, scale: int, profile: bool = False) -> dict[str, Any] | None:
    for row in data["rows"]:
        if (row["approach"], row["scale"], row["profile"]) == (approach, scale, profile) and not row.get("skipped") \
                and row.get("status") == "SUCCEEDED" and row.get("warm", True):
            return row
    return None


def pygithub_estimate(data: dict[str, Any], scale: int) -> dict[str, Any] | None:
    """The REST collector at `scale`, from its sample: requests exact (1 org + pages + 5 per
    repo), wall time = listing pages × measured page time + repos × measured time per repo."""
    sample_rows = [r for r in data["rows"] if r["approach"] == "pygithub" and r.get("status") == "SUCCEEDED"]
    if not sample_rows:
        return None
    row = sample_rows[0]
    r = row["result"]
    listed = r["repos_listed"]
    page_s = r["listing_s"] / (1 + pages(listed))
    wall = (1 + pages(scale)) * page_s + scale * r["per_repo_s"]
    rest = 1 + pages(scale) + 5 * scale
    exact = r["sample"] == scale and listed == scale
    return {"rest": rest, "wall_s": wall, "exact": exact, "sample": r["sample"], "from_scale": row["scale"],
            "peak_rss_mb": r.get("peak_rss_mb"), "measured_rest": row["github"]["rest"],
            "measured_wall_s": r["wall_s"]}


def serial_figures(data: dict[str, Any], scale: int) -> dict[str, Any] | None:
    """The serial reference at `scale`: measured, measured on the first batches (time-boxed,
    the rest scaled linearly: every batch is alike), or scaled from a smaller scale."""
    row = measured(data, "serial", scale)
    if row:
        g, r = row["github"], row["result"]
        total, run = row["batches_total"], row["batches_run"]
        if run >= total:
            return {"kind": "measured", "requests": g["requests"], "points": g["points"], "wall_s": r["wall_s"]}
        return {"kind": "partial", "run": run, "total": total,
                "requests": g["requests"] - run + total,
                "points": round(g["other_points"] + g["listing_points"] + g["batch_points"] * total / run),
                "wall_s": r["listing_s"] + r["batches_s"] * total / run}
    est = serial_estimate(data, scale)
    if est:
        return {"kind": "scaled", "from_scale": est["from_scale"], "wall_s": est["wall_s"],
                "requests": None, "points": None}
    return None


def serial_estimate(data: dict[str, Any], scale: int) -> dict[str, Any] | None:
    rows = [r for r in data["rows"] if r["approach"] == "serial" and r.get("status") == "SUCCEEDED"
            and r.get("batches_run") == r.get("batches_total")]
    if not rows:
        return None
    ref = max(rows, key=lambda r: r["scale"])
    return {"wall_s": ref["result"]["wall_s"] * scale / ref["scale"], "from_scale": ref["scale"]}


# -- rendering -----------------------------------------------------------------------------------------


def render(data: dict[str, Any]) -> str:
    s = data["settings"]
    ctx = data["context"]
    m = ctx["machine"]
    out: list[str] = []
    w = out.append
    title = "# Benchmark results" + ("" if data["final"] else " (PARTIAL: the run is still going or was stopped)")
    w(title)
    w("")
    w(f"Generated by `make bench` (`.venv/bin/python -m bench`), started {ctx['started']}, "
      f"finished in {data['total_s']:.0f} s. Every figure below is from that one run unless marked *scaled*.")
    w("")
    w("## Machine and latency model")
    w("")
    w(f"- Machine: {m['cores']} cores ({m['cpu']}), {m['mem_gib']} GiB RAM, {m['os']}; Python {m['python']}, "
      f"moto {m['moto']}, boto3 {m['boto3']}, gql {m['gql']}, graphql-core {m['graphql-core']}, PyGithub {m['pygithub']}.")
    w("- GitHub: the bundled simulator (`simulator/`, graphql-core over GitHub's published schema, GitHub's "
      "point formula, REST with `link` pagination), in the parent process; each approach and scale runs in a "
      "child process of its own (`python -m bench.worker`), so on 2 cores the simulator's CPU and the "
      "collector's CPU are separate processes and each peak-memory figure is one approach's alone.")
    w(f"- Latency model: every GraphQL request waits **{s['base_ms']:g} ms + {s['per_repo_ms']:g} ms per "
      f"`repository()` in the query**; every REST call waits **{s['rest_ms']:g} ms**. The simulator's own CPU "
      f"time comes on top (shown below as overhead). Waits run in parallel threads, as GitHub's servers would.")
    w(f"- Rate limits: the simulator charges GitHub's formula (connections per parent, ÷100, rounded, minimum 1) "
      f"but with unlimited hourly budgets, so every run finishes and the tables show what a run *needs*; "
      f"a personal access token has {PAT_BUDGET:,} GraphQL points and, separately, {PAT_BUDGET:,} REST requests "
      f"per hour (a GitHub App installation up to {APP_BUDGET:,} points).")
    w(f"- ghstats: the real `statemachine/collect.asl.json` in moto's embedded Step Functions engine, the "
      f"Lambda handlers in-process (as threads: the Map's MaxConcurrency bounds parallel GitHub requests as in "
      f"AWS), S3 and DynamoDB in moto; config {batch_label(s)}, `max_concurrency` "
      f"{s['max_concurrency']}. No faults are injected: no Retry or Wait fires. Lambda invocations are "
      "dispatched as warm containers would run them: a pool of handler dependencies (boto3 clients, the GitHub "
      "client's HTTP session), one per invocation in flight, reused afterwards, and moto's engine keeps one boto3 "
      "client per service. LocalAws as shipped builds them per thread, and moto runs every Task on a new thread, "
      "so every invocation would pay a cold start in CPU. Two more local-only costs are removed in the child "
      "process: moto's TransactWriteItems deep-copies the whole ledger table to be able to roll back (the table "
      "holds one item per batch, so 0.13 s under the GIL per transaction at 1,000 batches, O(batches²) in all); the "
      "benchmark rolls back from a copy of the touched items only (same semantics, checked); and the cyclic GC "
      "skips the start-up heap (`gc.freeze()`) and runs less often. The *LocalAws as shipped* row (1,000 "
      "repositories, when the time budget allows) runs with none of these. "
      "LocalAws creates its boto3 clients under a lock and lets one AWS call at a time into moto (since this "
      "benchmark's first 10,000-repository run failed on boto/boto3#2750, `RuntimeError: dictionary changed size "
      "during iteration`, creating clients from the default session in parallel threads); the benchmark's own "
      "client creation takes a lock too.")
    w(f"- The batch query selects {ctx['connections_per_repo']} connections per repository (watchers, "
      f"issues×2, pullRequests×3, releases, repositoryTopics): {ctx['connections_per_repo']} / 100 points per "
      "repository before GitHub rounds each request's points to a whole number, plus 1 per listing page and 1 each "
      "for the token check and the counting query: that is the *unrounded* column (a batch size whose requests "
      "round down costs less).")
    w("")
    _summary(data, w)
    _results_table(data, w)
    _ratios(data, w)
    _economy(data, w)
    _cost(data, w)
    _history(data, w)
    _time(data, w)
    _levers(data, w)
    _rest_trap(data, w)
    _skipped(data, w)
    return "\n".join(out) + "\n"


# Requests before the first listing page: the token check, and ghstats' planning step's counting
# query (its prediction, before any listing); the peers check the token only.
PLANNING_REQUESTS = {"ghstats": 2, "serial": 1}


def ghstats_projection(data: dict[str, Any], scale: int) -> dict[str, Any] | None:
    """ghstats at a scale the budget left out, from its largest measured run: requests and points
    by the formula every measured run met exactly (token check + counting query + listing pages + batches, each
    batch round(size × connections / 100) points), wall time and AWS cost linear in repositories
    (every batch alike, listing pages one after another), the parent's history as measured."""
    from ghstats.collect.budget import batch_requests_and_points

    runs = [row for n, row in ghstats_by_scale(data) if n < scale]
    if not runs:
        return None
    ref = runs[-1]
    s, conn, n0 = data["settings"], data["context"]["connections_per_repo"], ref["scale"]
    batches, batch_points = batch_requests_and_points(scale, s["batch_size"], conn)
    return {"from_scale": n0, "requests": PLANNING_REQUESTS["ghstats"] + pages(scale) + batches,
            "points": PLANNING_REQUESTS["ghstats"] + pages(scale) + batch_points, "wall_s": ref["result"]["wall_s"] * scale / n0,
            "cost": costs.run_cost(ref["result"])["total"] * scale / n0,
            "events": ref["result"]["history"]["events"]}


def ghstats_by_scale(data: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(scale, ghstats' measured row) for every scale ghstats ran at, smallest first."""
    for n in sorted({r["scale"] for r in data["rows"]}):
        ours = measured(data, "ghstats", n)
        if ours:
            yield n, ours


def headline(data: dict[str, Any]) -> list[str]:
    """One line per scale: the figures the README quotes."""
    s = data["settings"]
    lines = []
    for n, ours in ghstats_by_scale(data):
        g, r = ours["github"], ours["result"]
        parts = [f"**{n:,} repositories**: ghstats {g['requests']:,} requests ({g['points']:,} points), "
                 f"{_secs(r['wall_s'])}"]
        sf = serial_figures(data, n)
        if sf and sf["kind"] == "measured":
            parts.append(f"serial-{s['serial_batch_size']} {sf['requests']:,} requests ({sf['points']:,} points), "
                         f"{_secs(sf['wall_s'])} (ghstats {_speed(sf['wall_s'], r['wall_s'])})")
        elif sf and sf["kind"] == "partial":
            parts.append(f"serial-{s['serial_batch_size']} {sf['requests']:,} requests (≈ {sf['points']:,} points), "
                         f"≈ {_secs(sf['wall_s'])} *scaled from {sf['run']} of its {sf['total']} batches* "
                         f"(ghstats ≈ {_speed(sf['wall_s'], r['wall_s'])})")
        elif sf:
            parts.append(f"serial-{s['serial_batch_size']} ≈ {_secs(sf['wall_s'])} *scaled from {sf['from_scale']:,}* "
                         f"(ghstats ≈ {_speed(sf['wall_s'], r['wall_s'])})")
        est = pygithub_estimate(data, n)
        if est:
            parts.append(f"PyGithub REST {est['rest']:,} requests{'' if est['exact'] else ' (exact count)'}, "
                         f"{'' if est['exact'] else '≈ '}{_secs(est['wall_s'])}{'' if est['exact'] else ' *scaled*'} "
                         f"(ghstats: **{est['rest'] / g['requests']:.0f}× fewer requests**, "
                         f"{_speed(est['wall_s'], r['wall_s'])})")
        h = r["history"]
        parts.append(f"{h['events']:,} events in the parent's history ({h['events'] / costs.HISTORY_LIMIT:.1%} of 25,000; "
                     f"the batches' are in their child executions), ≈ {_money(costs.run_cost(r)['total'])} of AWS per run")
        lines.append("; ".join(parts) + ".")
    for row in data["rows"]:
        p = ghstats_projection(data, row["scale"]) if row["approach"] == "ghstats" and row.get("skipped") else None
        if p:
            n, sf = row["scale"], serial_figures(data, row["scale"])
            serial = (f"; serial-{s['serial_batch_size']} ≈ {_secs(sf['wall_s'])} *scaled*" if sf else "")
            lines.append(f"**{n:,} repositories** (not run in this `make bench`: time budget; *projected from "
                         f"{p['from_scale']:,}*): ghstats {p['requests']:,} requests ({p['points']:,} points) by the "
                         f"formula, ≈ {_secs(p['wall_s'])}{serial}; {p['events']:,} events in the parent's history, "
                         f"≈ {_money(p['cost'])} of AWS per run.")
    return lines


SCALE_HEADING = "## One execution at scale (`make bench-scale`)"


def scale_section(data: dict[str, Any], results_name: str) -> str:
    """results.md's summary of `make bench-scale`'s run (its JSON `data`), pointing at its own file."""
    s = data["settings"]
    lines = [SCALE_HEADING, "",
             f"From [{results_name}]({results_name}) (`make bench-scale`, outside `make bench`: it takes longer than "
             f"`make bench`'s budget), started {data['context']['started']}; no latency model, `max_concurrency` "
             f"{s['max_concurrency']}, {batch_label(s)}: it measures what grows with the run, not GitHub's speed.", ""]
    lines += [f"- {line}" for line in headline(data)]
    for row in data["rows"]:
        b = (row.get("result") or {}).get("budget")
        if row["approach"] == "ghstats" and b:
            lines.append(f"- The plan predicted {b['graphql_requests']['predicted']:,} GraphQL requests and "
                         f"{b['graphql_points']['predicted']:,} points before any listing; the run spent "
                         f"{b['graphql_requests']['actual']:,} and {b['graphql_points']['actual']:,} "
                         f"({'within' if not prediction_misses(b) else '**not** within'} 5%).")
    return "\n".join(lines) + "\n"


def _summary(data: dict[str, Any], w: Any) -> None:
    lines = headline(data)
    if not lines:
        return
    w("## Headline")
    w("")
    for line in lines:
        w(f"- {line}")
    w("")


def _levers(data: dict[str, Any], w: Any) -> None:
    s = data["settings"]
    rows = [r for r in data["rows"] if r["approach"] == "ghstats" and r.get("status") == "SUCCEEDED" and _main(r)]
    if not rows:
        return
    top = max(rows, key=lambda r: r["scale"])
    n, r, g = top["scale"], top["result"], top["github"]
    ph = r["history"]["phases_s"]
    listing, mapping = ph.get("ListRepos", 0.0), ph.get("CollectBatches", 0.0)
    pg = pages(n)
    batches = math.ceil(n / s["batch_size"])
    waves = math.ceil(batches / s["max_concurrency"])
    batch_latency = (s["base_ms"] + s["per_repo_ms"] * s["batch_size"]) / 1000
    wave_s = mapping / waves if waves else 0
    sim_ms = g["sim_overhead_ms"].get("graphql_batch") or 0
    w("### Reading the time")
    w("")
    w(f"At {n:,} repositories the workflow took {r['wall_s']:.0f} s. **Listing** is {listing / r['wall_s']:.0%} of it: "
      f"{pg:,} pages fetched one after another (a GraphQL cursor names the next page only when the previous one "
      f"arrives), {listing:.0f} s against a floor of {pg * s['base_ms'] / 1000:.0f} s, the same for every "
      f"GraphQL collector. **The Map** took {mapping:.0f} s against a floor of {waves * batch_latency:.0f} s: a wave of "
      f"{s['max_concurrency']} batches took {wave_s:.2f} s instead of the {batch_latency:.2f} s of latency. Of the "
      f"difference, about {sim_ms / 1000:.2f} s per batch is the simulator's own CPU (graphql-core executing a "
      f"{s['batch_size']}-repository query; {s['max_concurrency']} queries arriving together share one Python process "
      "and finish together, a convoy GitHub's servers do not have), and the rest is the collector process's CPU "
      "(moto's engine, moto's S3 and DynamoDB, boto3, the gql client parsing and printing a "
      f"{s['batch_size']}-alias document), all under one GIL on 2 cores, and LocalAws lets one AWS call at a time "
      f"into moto. The waves also stay in step: the {s['max_concurrency']} iterations start together, wait together and then queue "
      "together for the same CPU, first in the simulator, then in the collector. "
      f"The collector process used {r.get('run_cpu_s')} CPU-seconds in {r['wall_s']:.0f} s and the simulator "
      f"{_f(g.get('sim_cpu_s'))} (including its listing pages), so neither of the 2 cores is saturated: the losses "
      "are serialisation, not capacity. In AWS the Lambdas "
      "and GitHub run on separate machines: expect the Map close to its latency floor plus GitHub's real "
      "execution time, and Step Functions' own ~tens of ms per state transition.")
    w("")
    target = 10000 if any(x["scale"] == 10000 for x in rows) else n
    ours_t = measured(data, "ghstats", target)
    sf = serial_figures(data, target)
    if ours_t and sf and s["base_ms"] > 0:
        pg_t = pages(target)
        b_t = math.ceil(target / s["batch_size"])
        map_floor = math.ceil(b_t / s["max_concurrency"]) * batch_latency
        our_floor = floor_s("ghstats", target, s)
        ser_floor = floor_s("serial", target, s)
        no_listing = 2 * s["base_ms"] / 1000 + map_floor
        no_listing_8 = 2 * s["base_ms"] / 1000 + math.ceil(b_t / 8) * batch_latency
        w(f"**Against the 3× target at {target:,} repositories:** measured, ghstats is "
          f"{sf['wall_s'] / ours_t['result']['wall_s']:.1f}× faster than serial-{s['serial_batch_size']}"
          f"{'' if sf['kind'] == 'measured' else ' (serial partly scaled)'}; even at the latency floors it would be "
          f"only {ser_floor / our_floor:.1f}× ({our_floor:.0f} s against {ser_floor:.0f} s), because both spend "
          f"{(1 + pg_t) * s['base_ms'] / 1000:.0f} s listing {pg_t} pages one after another, and that is "
          f"{(1 + pg_t) * s['base_ms'] / 1000 / our_floor:.0%} of ghstats' floor. With the listing off the critical path "
          f"(pipelined into the Map, or parallel REST pages) the floor would be ~{no_listing:.0f} s, "
          f"{ser_floor / no_listing:.1f}× faster than serial-{s['serial_batch_size']}; with `max_concurrency` 8 as well "
          f"~{no_listing_8:.0f} s, {ser_floor / no_listing_8:.1f}×. The rest of the measured gap to the floor is the "
          "local overhead described above.")
        w("")
    w("### What would move each figure")
    w("")
    w(f"- **Requests** are the design's minimum: 1 token check + 1 counting query (the planning step's prediction) + "
      f"⌈repos/100⌉ listing pages (GitHub's page maximum) + ⌈repos/batch_size⌉ batches. Batches trade requests for "
      f"points: `batch_size` 100 would send {2 + pg + math.ceil(n / 100):,} requests instead of {2 + pg + batches:,} at "
      f"{n:,} repos, for more points (below); nothing re-fetches.")
    conn = data["context"]["connections_per_repo"]
    w(f"- **Points** are GitHub's formula for the fields selected: {conn} connections per repository, each batch "
      f"round(size × {conn} / 100), + 1 per listing page. The batch size moves them only through that rounding, which "
      "`batch_size` \"auto\" uses (the size with the fewest points per repository, \"Points per repository\" below); "
      f"beyond it only selecting fewer connections does (each is 1/{conn} of a batch's points before rounding, e.g. dropping "
      "`releases` or `watchers`).")
    w(f"- **Wall time**: (1) within one org listing is serial and is {listing / r['wall_s']:.0%} of the run at {n:,} "
      "repos (across orgs it is not: each org is a pipeline of its own, and a small org's batches run while a big "
      "org lists; a one-org run has nothing to overlap): querying an org's batches while its later pages are still "
      "being listed (a Map fed page by page), or listing through REST `/orgs/{org}/repos?page=N` in parallel once "
      "the first page's `link: rel=last` gives the page count, would take most of it off the critical path; (2) the Map scales with ⌈batches / max_concurrency⌉: "
      f"`max_concurrency` 8 halves the floor of the Map phase ({waves * batch_latency:.0f} s → "
      f"{math.ceil(batches / 8) * batch_latency:.0f} s at {n:,}) and stays far below GitHub's secondary limits "
      "(100 concurrent requests, 2,000 GraphQL requests per minute), though GitHub's per-minute CPU limit on heavy "
      "queries is not observable in advance; (3) locally, the simulator's and the in-process Lambdas' CPU add "
      "the overhead measured above, which does not exist in AWS.")
    top_cost = costs.run_cost(r)
    w(f"- **AWS cost** is mostly Step Functions: {r['history']['billable_transitions']:,} transitions at {n:,} repos "
      f"({_money(top_cost['sfn'])} of {_money(top_cost['total'])}), 3 per batch (QueryBatch, `RateLimited?`, "
      "`BatchDone`). Larger batches mean fewer of them, at the price of points: `batch_size` 100 against "
      f"{s['batch_size']} is {100 / s['batch_size']:.1f}× fewer batches for "
      f"{(_ppr(conn, 100) / 100) / (_ppr(conn, s['batch_size']) / s['batch_size']):.2f}× the batch points; replacing the iteration's Choice + Pass (the rate-limit loop) by a Retry on "
      "a rate-limit error would cut them to about 1 per batch (but Retry cannot wait for a time GitHub names); "
      "Lambda's part is the QueryBatch functions waiting for GitHub at 512 MB, so less memory (256 MB) halves it.")
    w(f"- **History events** no longer grow with the run: the parent's history is {r['history']['events']:,} events; "
      f"each batch's {r['history']['events_per_iteration']} are in its own child execution.")
    peaks = ", ".join(f"{x['result']['peak_rss_mb']:,.0f} MB at {x['scale']:,}" for x in rows)
    w(f"- **Peak memory** of the local run ({peaks}) grows with the repositories because moto holds every S3 "
      "object, the ledger and the execution history in the process; a deployed QueryBatch holds one batch. "
      "(With moto's whole-table copies on every ledger transaction a 50,000-repository development run peaked at "
      "4.2 GB and took 607 s instead of about 460 s.)")
    w("")


PREDICTION_TOLERANCE = 0.05  # the bound: the plan within 5% of what the run spent
PREDICTED = ("graphql_requests", "graphql_points")


def prediction_misses(budget: dict[str, Any]) -> list[str]:
    """The figures of a run's summary `budget` whose prediction is off by more than 5% (or absent)."""
    return [k for k in PREDICTED if k not in budget or budget[k].get("error") is None
            or abs(budget[k]["error"]) > PREDICTION_TOLERANCE]


def batch_label(s: dict[str, Any]) -> str:
    """The workflow's batch setting as the config says it: `batch_size` "auto" (its size) or the number."""
    if s.get("batch_setting") == "auto":
        return f'`batch_size` "auto" ({s["batch_size"]} repositories per batch for repository_stats)'
    return f"`batch_size` {s['batch_size']}"


def _approach(name: str, s: dict[str, Any]) -> str:
    return APPROACH_LABEL[name].format(bs=batch_label(s), mc=s["max_concurrency"], sbs=s["serial_batch_size"])


def floor_s(approach: str, n: int, s: dict[str, Any], sample: int | None = None) -> float:
    """Wall time if only the latency model cost anything."""
    pg = pages(n)
    if approach == "ghstats":
        waves = math.ceil(math.ceil(n / s["batch_size"]) / s["max_concurrency"])
        return ((PLANNING_REQUESTS["ghstats"] + pg) * s["base_ms"]
                + waves * (s["base_ms"] + s["per_repo_ms"] * s["batch_size"])) / 1000
    if approach == "serial":
        return ((1 + pg) * s["base_ms"] + math.ceil(n / s["serial_batch_size"]) * s["base_ms"] + n * s["per_repo_ms"]) / 1000
    return (1 + pg + 5 * (sample if sample is not None else n)) * s["rest_ms"] / 1000


def _results_table(data: dict[str, Any], w: Any) -> None:
    s = data["settings"]
    w("## Results")
    w("")
    w("Approaches: **ghstats** = " + _approach("ghstats", s) + "; **serial-" + str(s["serial_batch_size"]) + "** = "
      + _approach("serial", s) + "; **PyGithub REST** = " + _approach("pygithub", s) + ".")
    w("")
    w("| repos | approach | GraphQL requests | REST requests | expected: token check (+ ghstats' counting query) + listing pages + batches "
      "| rate-limit points (unrounded) | wall time (latency floor) | state transitions | history events | Lambda invocations "
      "| peak RSS (child) |")
    w("| ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    scales = sorted({r["scale"] for r in data["rows"]})
    names = {"ghstats": "ghstats", "serial": f"serial-{s['serial_batch_size']}", "pygithub": "PyGithub REST"}
    for n in scales:
        for row in [r for r in data["rows"] if r["scale"] == n and not r["profile"]]:
            name = names[row["approach"]] + ("" if row.get("warm", True) else
                                             " with LocalAws as shipped (new clients every invocation)")
            if row.get("skipped"):
                p = ghstats_projection(data, n) if row["approach"] == "ghstats" else None
                if p:
                    w(f"| {n:,} | {name}: not run (time budget), *projected from {p['from_scale']:,}* | ≈ {p['requests']:,} | 0 | "
                      f"{p['requests']:,} = 2 + {pages(n)} + {p['requests'] - 2 - pages(n):,} (formula) | ≈ {p['points']:,} | "
                      f"≈ {p['wall_s']:,.0f} s ({floor_s('ghstats', n, s):,.0f} s) | | {p['events']:,} | | |")
                    continue
                est = serial_estimate(data, n) if row["approach"] == "serial" else None
                note = (f"≈ {est['wall_s']:,.0f} s *scaled from {est['from_scale']:,}* "
                        f"({floor_s('serial', n, s):,.0f} s)") if est else "–"
                w(f"| {n:,} | {name}: not run (time budget) | | | | | {note} | | | | |")
                continue
            r, g = row["result"], row["github"]
            if row.get("status") != "SUCCEEDED":
                w(f"| {n:,} | {name} | **{row.get('status')}**: {r.get('error') or r.get('cause') or ''} | | | | | | | | |")
                continue
            if row["approach"] == "pygithub":
                sample = r["sample"]
                listed = r["repos_listed"]
                w(f"| {n:,} | {name}, measured on {sample:,} of the {listed:,} repos | {g['graphql']:,} | "
                  f"{g['rest']:,} | {row['expected_requests']:,} = 1 org + {pages(listed)} pages + 5 × {sample:,} "
                  f"{'✓' if g['rest'] == row['expected_requests'] else '✗'} | 0 points; {g['rest']:,} REST requests | "
                  f"{r['wall_s']:.1f} s ({floor_s('pygithub', listed, s, sample):.1f} s) | – | – | – | {r['peak_rss_mb']:.0f} MB |")
                continue
            h = r.get("history") or {}
            inv = r.get("invocations") or {}
            exp = row["expected_requests"]
            ok = "✓" if g["requests"] == exp else f"✗ ({g['requests']:,} sent)"
            transitions = h.get("billable_transitions")
            if row["batches_run"] < row["batches_total"]:
                sf = serial_figures(data, n)
                w(f"| {n:,} | {name}, time-boxed: full listing + the first {row['batches_run']} of its "
                  f"{row['batches_total']} batches | {g['graphql']:,} | {g['rest']:,} | {exp:,} = {PLANNING_REQUESTS[row['approach']]} + "
                  f"{g['listing_pages']} + {g['batches']:,} {ok} | {g['points']:,} | {r['wall_s']:.1f} s | – | – | – | "
                  f"{r['peak_rss_mb']:.0f} MB |")
                w(f"| {n:,} | {name}, all {row['batches_total']} batches (*scaled*: batches × the measured time per "
                  f"batch) | {sf['requests']:,} | 0 | {sf['requests']:,} (exact) | ≈ {sf['points']:,} "
                  f"({row['floor_points']:,.0f}) | ≈ {sf['wall_s']:.0f} s ({floor_s('serial', n, s):.1f} s) | – | – | – | – |")
                continue
            w(f"| {n:,} | {name} | {g['graphql']:,} | {g['rest']:,} | {exp:,} = {PLANNING_REQUESTS[row['approach']]} + {g['listing_pages']} + "
              f"{g['batches']:,} {ok} | {g['points']:,} ({row['floor_points']:,.0f}) | {r['wall_s']:.1f} s "
              f"({floor_s(row['approach'], n, s):.1f} s) | {_f(transitions)} | {_f(h.get('events'))} | "
              f"{_f(sum(inv.values()) if inv else None)} | {r['peak_rss_mb']:.0f} MB |")
        est = pygithub_estimate(data, n)
        if est and not est["exact"]:
            w(f"| {n:,} | PyGithub REST, all {n:,} repos (*scaled* from {est['sample']:,} measured) | 0 | {est['rest']:,} "
              f"| {est['rest']:,} = 1 + {pages(n)} + 5 × {n:,} (exact) | 0 points; {est['rest']:,} REST requests "
              f"| ≈ {est['wall_s']:,.0f} s ({floor_s('pygithub', n, s):,.0f} s) | – | – | – | – |")
    w("")
    setups = [f"{r['result'].get('setup_s'):.1f} s" for r in data["rows"]
              if r["approach"] == "ghstats" and r.get("status") == "SUCCEEDED" and _main(r)]
    w("Wall time is the collection itself: for ghstats from StartExecution to the end of the execution "
      "(plus the TrackRun delivery; the runner polls DescribeExecution every 0.25 s), for the references from the first request to the last answer; process "
      "start-up and moto's set-up are excluded (ghstats' moto set-up: " + ", ".join(setups) + "). "
      "*Latency floor* = the time if only the latency model cost anything (no CPU anywhere): listing pages "
      "one after another, then ghstats ⌈batches / concurrency⌉ waves of one batch latency, serial-65 one batch "
      "after another, PyGithub one call after another. "
      "State transitions = `*StateEntered` events + retried Task attempts (what Standard workflows bill); "
      "history events = every event of the execution. Peak RSS is the child process's own high-water mark "
      "(VmHWM: Linux's `ru_maxrss` would carry over the parent's, the simulator's, from the start of the child); for "
      "ghstats it holds the whole local stack (engine, moto's S3 and DynamoDB, every Lambda's state), "
      "which in AWS is spread over services and separate Lambda sandboxes. PyGithub rows marked *scaled*: the "
      "request count is exact (1 organisation read + listing pages + 5 per repository); wall time = listing "
      "pages × the measured time per page + repositories × the measured time per repository.")
    w("")


def _ratios(data: dict[str, Any], w: Any) -> None:
    s = data["settings"]
    lines = []
    for n, ours in ghstats_by_scale(data):
        og, orr = ours["github"], ours["result"]
        our_floor = floor_s("ghstats", n, s)
        sf = serial_figures(data, n)
        sfloor = floor_s("serial", n, s)
        if sf and sf["kind"] in ("measured", "partial"):
            approx = "" if sf["kind"] == "measured" else "≈ "
            tag = "" if sf["kind"] == "measured" else f" (*{sf['run']} of {sf['total']} batches measured, scaled*)"
            lines.append(f"| {n:,} | serial-{s['serial_batch_size']}{tag} | {og['requests']:,} / {sf['requests']:,} = "
                         f"{og['requests'] / sf['requests']:.2f} | {og['points']:,} / {approx}{sf['points']:,} = "
                         f"{og['points'] / sf['points']:.2f} | {orr['wall_s']:.1f} / {approx}{sf['wall_s']:.1f} s = "
                         f"{orr['wall_s'] / sf['wall_s']:.2f} ({_speed(sf['wall_s'], orr['wall_s'])}) | "
                         f"{our_floor:.1f} / {sfloor:.1f} s ({_speed(sfloor, our_floor)}) |")
        elif sf:
            lines.append(f"| {n:,} | serial-{s['serial_batch_size']} (*scaled* from {sf['from_scale']:,}) | – | – | "
                         f"{orr['wall_s']:.1f} / ≈ {sf['wall_s']:,.0f} s = {orr['wall_s'] / sf['wall_s']:.2f} "
                         f"(≈ {_speed(sf['wall_s'], orr['wall_s'])}) | {our_floor:.1f} / "
                         f"{sfloor:.1f} s ({_speed(sfloor, our_floor)}) |")
        est = pygithub_estimate(data, n)
        if est:
            tag = "" if est["exact"] else " (*scaled*)"
            pf = floor_s("pygithub", n, s)
            lines.append(f"| {n:,} | PyGithub REST{tag} | {og['requests']:,} / {est['rest']:,} = "
                         f"{og['requests'] / est['rest']:.4f} (**{est['rest'] / og['requests']:.0f}× fewer**) | "
                         f"{og['points']:,} points / {est['rest']:,} REST requests = {og['points'] / est['rest']:.3f} | "
                         f"{orr['wall_s']:.1f} / ≈ {est['wall_s']:,.0f} s = {orr['wall_s'] / est['wall_s']:.3f} "
                         f"({_speed(est['wall_s'], orr['wall_s'])}) | {our_floor:.1f} / {pf:,.0f} s ({_speed(pf, our_floor)}) |")
    if not lines:
        return
    w("## Ours / theirs")
    w("")
    w("| repos | against | GitHub requests | rate-limit budget | wall time, measured | wall time, latency floors |")
    w("| ---: | --- | --- | --- | --- | --- |")
    for line in lines:
        w(line)
    w("")
    w(f"Rate-limit budget: GraphQL points for the GraphQL collectors; REST requests for the REST collector "
      f"(a separate bucket of the same {PAT_BUDGET:,}/hour for a personal access token).")
    w("")


def _economy(data: dict[str, Any], w: Any) -> None:
    lines = []
    for row in data["rows"]:
        if row["approach"] not in ("ghstats", "serial") or row.get("status") != "SUCCEEDED" or not _main(row) \
                or row["batches_run"] < row["batches_total"]:
            continue
        g, n = row["github"], row["scale"]
        wasted = g["requests"] - row["expected_requests"]
        hours = g["points"] / PAT_BUDGET
        lines.append(
            f"| {n:,} | {row['approach']} | {g['requests']:,} | {row['expected_requests']:,} | {wasted:+,} | "
            f"{g['repos_asked']:,} | {g['points']:,} = {g['other_points']} + {g['listing_points']:,} + {g['batch_points']:,} | "
            f"{row['floor_points']:,.1f} | {g['points'] / row['floor_points']:.3f} | {hours:.2f} h of a PAT's budget |")
    if not lines:
        return
    w("## API economy")
    w("")
    w("| repos | approach | requests sent | expected | difference | repositories asked for | points = check + listing + batches | unrounded | points / unrounded | budget |")
    w("| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |")
    for line in lines:
        w(line)
    w("")
    w("- Every repository is asked for exactly once (repositories asked = repos), no request is repeated, and no "
      "request failed (the simulator logged no non-200 answer): requests = 1 token check (+ 1 counting query: "
      "ghstats' planning step, its prediction before listing) + listing pages + batches.")
    from ghstats.collect.batch_size import points_per_request

    conn, size = data["context"]["connections_per_repo"], data["settings"]["batch_size"]
    w(f"- A batch of b repositories costs round(b × {conn} / 100) points, at least 1 (GitHub's formula). "
      f"*Unrounded* = check + listing + repos × {conn} / 100 without that rounding: a batch size GitHub rounds "
      f"down lands below it. ghstats' batches of {size} cost {points_per_request(conn, size)} point(s) each "
      f"({size * conn} connections ÷ 100, rounded), {points_per_request(conn, size) / size:.3f} per repository against "
      f"the unrounded {conn / 100:.3f}; serial-{data['settings']['serial_batch_size']} lands a little below only "
      f"because GitHub rounds {data['settings']['serial_batch_size'] * conn / 100:g} to "
      f"{points_per_request(conn, data['settings']['serial_batch_size'])}. `batch_size` \"auto\" leans on GitHub "
      "rounding to the nearest whole number, which GitHub documents but may change; a fixed `batch_size` does not.")
    big = [r for r in data["rows"] if r["approach"] == "ghstats" and r.get("status") == "SUCCEEDED" and _main(r)]
    if big:
        top = max(big, key=lambda r: r["scale"])
        pts = top["github"]["points"]
        w(f"- At {top['scale']:,} repositories one run needs {pts:,} points: "
          + (f"{pts / PAT_BUDGET:.0%} of a personal access token's 5,000 per hour"
             + (" (two such runs in one hour would wait for the reset, which the workflow's Wait state handles)"
                if pts > PAT_BUDGET / 2 else "") if pts <= PAT_BUDGET else
             "more than a personal access token's 5,000 per hour: the run waits for the reset (the workflow's Wait "
             "state) or uses a GitHub App installation (up to 12,500)") + ".")
    w("")


def _cost(data: dict[str, Any], w: Any) -> None:
    rows = [r for r in data["rows"] if r["approach"] == "ghstats" and r.get("status") == "SUCCEEDED" and _main(r)]
    if not rows:
        return
    w("## AWS cost per run (estimate from the measured counts)")
    w("")
    w("| repos | state transitions | Step Functions | Lambda invocations | Lambda GB-s | Lambda | S3 PUT/LIST | S3 GET | S3 | "
      "DynamoDB WRU / RRU | DynamoDB | EventBridge | **total per run** | per 1,000 repos | 30 daily runs |")
    w("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        c = costs.run_cost(row["result"])
        n = row["scale"]
        w(f"| {n:,} | {c['transitions']:,} | {_money(c['sfn'])} | {c['lambda_requests']:,} | {c['lambda_gb_s']:,.1f} | "
          f"{_money(c['lambda'])} | {c['s3_put']:,} | {c['s3_get']:,} | {_money(c['s3'])} | {c['ddb_wru']:,.0f} / "
          f"{c['ddb_rru']:,.1f} | {_money(c['dynamodb'])} | {_money(c['eventbridge'])} | **{_money(c['total'])}** | "
          f"{_money(c['total'] / n * 1000)} | {_money(c['total'] * 30)} |")
    w("")
    p = costs.PRICES
    w(f"Prices (us-east-1, 2025): Standard workflow ${p['sfn_per_1k_transitions']} per 1,000 state transitions; "
      f"Lambda x86 ${p['lambda_per_gb_s']} per GB-s + ${p['lambda_per_1m_requests']:.2f} per 1M requests, memory "
      + ", ".join(f"{k} {v} MB" for k, v in costs.LAMBDA_MEMORY_MB.items())
      + f", /tmp above 512 MB ${p['lambda_ephemeral_per_gb_s']} per GB-s: "
      + ", ".join(f"{k} {v} MB" for k, v in costs.LAMBDA_EPHEMERAL_STORAGE_MB.items())
      + f"; S3 ${p['s3_put_per_1k']} per 1,000 PUT/LIST, ${p['s3_get_per_1k']} per 1,000 GET; DynamoDB on-demand "
      f"${p['ddb_per_1m_wru']} per 1M WRU, ${p['ddb_per_1m_rru']} per 1M RRU; EventBridge $1 per 1M events. "
      "Counts: transitions from the execution history; Lambda invocations and durations from the in-process "
      "handlers (each duration is the handler's wall time on this machine, including its wait for GitHub, which "
      "AWS bills too; cold starts are not included); S3 and DynamoDB calls counted by a boto3 event hook on every "
      "call the handlers and the engine's service integrations made. DynamoDB: 1 WRU per KB per item, 2 in a "
      "transaction, and the run item (in the `by_time` GSI, projection ALL) again for the index; the run item "
      "measured " + ", ".join(f"{r['result'].get('run_item_bytes'):,} bytes" for r in rows[:1]) + ". Not included: "
      "S3 storage (the outputs are a few MB; results expire), CloudWatch Logs ingestion of the handlers' logs, "
      "Secrets Manager ($0.40/month per secret + $0.05 per 10,000 calls), data transfer.")
    w("")
    top = rows[-1]
    c = costs.run_cost(top["result"])
    share = {"Step Functions": c["sfn"], "Lambda": c["lambda"], "S3": c["s3"], "DynamoDB": c["dynamodb"]}
    biggest = max(share, key=share.get)
    w(f"At {top['scale']:,} repositories {biggest} is {share[biggest] / c['total']:.0%} of the bill. "
      f"Lambda's share is mostly QueryBatch waiting for GitHub at 512 MB; state transitions are "
      f"{top['result']['history']['billable_transitions'] / max(1, top['result']['history']['iterations']):.1f} per batch.")
    w("")


def _history(data: dict[str, Any], w: Any) -> None:
    rows = [r for r in data["rows"] if r["approach"] == "ghstats" and r.get("status") == "SUCCEEDED" and _main(r)]
    rows = [r for r in rows if r["result"]["history"].get("child_types") is not None]  # runs under the Distributed Map
    if not rows:
        return
    top = max(rows, key=lambda r: r["scale"])
    h = top["result"]["history"]
    w("## Execution history under the Distributed Map")
    w("")
    w("Each owner (here: the one org) is a child execution of `CollectOwners`' Distributed Map, and each of its "
      "batches a child execution of that owner's `CollectBatches`, each with its own history; the parent's history "
      "holds the run's steps and the one Map state, the owner's its listing loop and its two Map states, whatever "
      "the number of batches.")
    w("")
    w("| repos | batches (child executions) | parent's history events | of 25,000 | the owner's events (of 25,000) "
      "| events per batch child | events per 1,000 repositories (children) |")
    w("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        hh = row["result"]["history"]
        owner = f"{hh['owner_events'] / max(1, hh['owners']):,.0f}" if hh.get("owners") else "–"
        w(f"| {row['scale']:,} | {hh['iterations']:,} | {hh['events']:,} | {hh['events'] / costs.HISTORY_LIMIT:.2%} | "
          f"{owner} | {hh['events_per_iteration']} | {hh['iteration_events'] / row['scale'] * 1000:,.0f} |")
    w("")
    per, parent = h["events_per_iteration"], h["events"]
    w(f"A child is {per:g} events as moto records them with no retry (the QueryBatch Task's StateEntered, "
      "Scheduled, Started, Succeeded and StateExited, the `RateLimited?` Choice's 2 and `BatchDone`'s 2); AWS adds "
      "its ExecutionStarted and ExecutionSucceeded, and a retried Task about 3 events, a rate-limit wait about 9. "
      "A child's own limit is 25,000 events too: it would take thousands of retries to reach it. Event types of "
      "the children in the " + f"{top['scale']:,} run: " +
      ", ".join(f"{k} {v:,}" for k, v in sorted(h["child_types"].items())) + ".")
    w("")
    size = data["settings"]["batch_size"]
    w(f"Projected at `batch_size` {size}:")
    w("")
    w("| repos | batches | parent's events | events per child | children's events in all |")
    w("| ---: | ---: | ---: | ---: | ---: |")
    for n in (50_000, 200_000, 1_000_000):
        p = costs.history_projection(n, parent, per + 2, size)  # + ExecutionStarted/Succeeded in AWS
        w(f"| {n:,} | {p['batches']:,} | {p['parent_events']:,} | {p['child_events']:g} | {p['child_events_total']:,} |")
    w("")
    measured = [r for r in rows if r["result"].get("aggregate_peak_mb")]
    if measured:
        w("The Python allocations of the collector process while Aggregate ran (tracemalloc's peak). Locally this "
          "counts moto too: the S3 objects Aggregate reads and the outputs it writes (held by moto's S3 in the same "
          "process), the ledger and the engine; Aggregate's own memory is `make bench-aggregate`'s, which writes to "
          "a store that keeps nothing:")
        w("")
        w("| repos | peak while Aggregate ran | per 10,000 repositories |")
        w("| ---: | ---: | ---: |")
        for row in measured:
            mb = row["result"]["aggregate_peak_mb"]
            w(f"| {row['scale']:,} | {mb:,.1f} MB | {mb / row['scale'] * 10_000:,.1f} MB |")
        w("")
        memory = FUNCTION_MEMORY_MB["Aggregate"]
        w(f"Aggregate holds the run's records on its local disk (/tmp), not in its memory ({memory:,} MB by "
          "default); `make bench-aggregate` measures its memory, disk and time up to 200,000 repositories and "
          "projects them to 1,000,000 (bench/results-aggregate.md).")
        w("")
    predicted = [r for r in rows if r["result"].get("budget")]
    if predicted:
        w("The planning step's prediction (PlanRun, before any listing: `ghstats plan`'s arithmetic on GitHub's "
          "counts) against what the run spent, from each run's summary (`budget`):")
        w("")
        w("| repos | GraphQL requests predicted / spent | GraphQL points predicted / spent | within 5% |")
        w("| ---: | ---: | ---: | :---: |")
        for row in predicted:
            b = row["result"]["budget"]
            ok = not prediction_misses(b)
            w(f"| {row['scale']:,} | {b['graphql_requests']['predicted']:,} / {b['graphql_requests']['actual']:,} | "
              f"{b['graphql_points']['predicted']:,} / {b['graphql_points']['actual']:,} | {'yes' if ok else '**no**'} |")
        w("")
    w("**Finding:** the history no longer bounds a run: the 1,800-batch cap of the inline Map is gone. "
      "What grows with the run is billed transitions (3 per child, plus the child execution itself) and "
      "the Map Run's item count, which Step Functions does not cap.")
    w("")


def _time(data: dict[str, Any], w: Any) -> None:
    s = data["settings"]
    rows = [r for r in data["rows"] if r["approach"] == "ghstats" and r.get("status") == "SUCCEEDED"]
    if not rows:
        return
    w("## Where the time goes")
    w("")
    w("Phases of each workflow run (from the execution history's timestamps) against the latency model's floor "
      "(what the run would take if only GitHub's simulated latency cost anything): ListRepos = the org's "
      "listing pages one after another (from its first invocation's start to its last's end; the token check and "
      "the counting query are PlanRun's, among the other states); CollectBatches = ⌈batches / concurrency⌉ waves of one batch latency (from the first QueryBatch's "
      "start to the last's end). Aggregate runs under tracemalloc here (for its peak of allocations, below), "
      "which makes every allocation several times slower: at 20,000 repositories in batches of 18 the same "
      "`aggregate()` took 22 s under it and 5.9 s without (about 3 ms per batch without it: two S3 GETs, half of "
      "that moto serving them in this process); `make bench-aggregate` times it without.")
    w("")
    w("| repos | wall | ListRepos (floor) | CollectBatches (floor) | Aggregate | other states | QueryBatch handler p50 / max "
      "| simulator time per batch / listing page beyond latency | CPU: collector / simulator |")
    w("| ---: | ---: | --- | --- | ---: | ---: | --- | --- | ---: |")
    for row in rows:
        r, g = row["result"], row["github"]
        n = row["scale"]
        ph = r["history"]["phases_s"]
        list_floor = pages(n) * s["base_ms"] / 1000  # the org's pages (the token check and count: PlanRun)
        batches = math.ceil(n / s["batch_size"])
        map_floor = math.ceil(batches / s["max_concurrency"]) * (s["base_ms"] + s["per_repo_ms"] * s["batch_size"]) / 1000
        other = r["history"]["execution_s"] - sum(ph.get(k, 0) for k in ("ListRepos", "CollectBatches", "Aggregate"))
        qb = r["lambda_s"].get("QueryBatch", {})
        so = g["sim_overhead_ms"]
        tag = (" (profiled)" if row["profile"] else "") + ("" if row.get("warm", True) else " (as shipped)")
        w(f"| {n:,}{tag} | {r['wall_s']:.1f} s | {ph.get('ListRepos', 0):.1f} s ({list_floor:.1f} s) | "
          f"{ph.get('CollectBatches', 0):.1f} s ({map_floor:.1f} s) | {ph.get('Aggregate', 0):.1f} s | {other:.1f} s | "
          f"{qb.get('p50', 0) * 1000:.0f} / {qb.get('max', 0) * 1000:.0f} ms | "
          f"{_f(so.get('graphql_batch'))} / {_f(so.get('graphql_listing'))} ms | {r.get('run_cpu_s')} s / "
          f"{_f(g.get('sim_cpu_s'))} s |")
    w("")
    prof = next((r for r in rows if r["profile"] and r["result"].get("profile")), None)
    if prof:
        p = prof["result"]["profile"]
        w(f"Profile of the {prof['scale']:,}-repository workflow run (a wall-clock sampler over every thread of "
          f"the collector process, every {p['interval_s'] * 1000:.1f} ms; `bench/sampler.py`). Thread-seconds, "
          "so parallel threads add up; *busy* includes threads waiting for the GIL, so read the busy rows as "
          f"shares of the process's {prof['result'].get('run_cpu_s')} CPU-seconds, not as CPU time:")
        w("")
        w("| state | where | thread-seconds |")
        w("| --- | --- | ---: |")
        for row in p["rows"]:
            if row["thread_s"] >= 0.05:
                w(f"| {row['state']} | {row['label']} | {row['thread_s']:.2f} |")
        w("")
        w("Busiest functions (innermost frame): " + "; ".join(
            f"`{f['function']}` {f['thread_s']:.2f}" for f in p["top_busy_functions"][:8]) + ".")
        w("")
        busy = [x for x in p["rows"] if x["state"] == "busy"]
        top = ", ".join(f"{x['label']} ({x['thread_s'] / max(0.01, p['busy_thread_s']):.0%})" for x in busy[:4])
        funcs = " ".join(f["function"] for f in p["top_busy_functions"][:8])
        w("Read: the collector process is idle or waiting for GitHub nearly all the time. Its busy samples split "
          f"into {top} of the busy thread-seconds."
          + (" `uuid.uuid4` (request ids in botocore, moto and the Lambda context) stands out because "
             "`os.urandom` is slow on this virtual machine." if "uuid4" in funcs else "")
          + " Apart from the gql client's document work, the handlers' HTTP client and JSON, none of this is "
          "ghstats' own work in AWS: there a QueryBatch builds one GraphQL document, sends one HTTP request and "
          "makes two S3 GETs, one PUT and three DynamoDB writes.")
        w("")


def _rest_trap(data: dict[str, Any], w: Any) -> None:
    row = next((r for r in data["rows"] if r["approach"] == "pygithub" and r.get("extra", {}).get("rest_trap")), None)
    if not row:
        return
    t = row["extra"]["rest_trap"]
    w("## The REST collector's traps (checked against the simulator's truth)")
    w("")
    w(f"On the {t['repos']:,} repositories the PyGithub script read:")
    w("")
    w(f"- `get_issues(state=\"open\").totalCount` counts pull requests too: {t['open_issues_wrong_if_not_subtracted']:,} "
      f"repositories get a wrong open-issue count unless the script subtracts `get_pulls(state=\"open\").totalCount` "
      f"(after subtracting: {t['open_issues_wrong_after_subtracting_prs']:,} wrong; closed issues after subtracting "
      f"closed pulls: {t['closed_issues_wrong_after_subtracting_prs']:,} wrong).")
    w(f"- `get_pulls(state=\"closed\")` mixes merged and closed-unmerged pull requests: "
      f"{t['closed_prs_wrong_because_merged_mixed_in']:,} repositories would report a wrong closed-PR count. REST has "
      "no merged count short of reading every pull request's `merged_at` or the Search API (30 requests per "
      "minute), so a REST script with 5 calls per repository cannot give what ghstats' single batch query gives "
      "(`pullRequests(states: MERGED)`).")
    w(f"- `watchers_count` is the star count on REST; the real watcher count is `subscribers_count` from the full "
      f"repository (the `get_repo` call): {t['watchers_wrong_if_watchers_count']:,} repositories would be wrong "
      "with `watchers_count`.")
    w(f"- Budget: the REST script needs 1 + ⌈repos/100⌉ + 5 × repos REST requests, 5,011 for 1,000 repositories: "
      f"more than a personal access token's {PAT_BUDGET:,} REST requests per hour, so on github.com it would stall "
      "on the primary limit before finishing even 1,000 repositories (10,000 would take over ten hours of budget), "
      "and 5 calls × 120 ms per repository make it slow even when it is not limited.")
    w("- PyGithub's defaults would add a 0.25 s pause before every request (`seconds_between_requests`) and "
      "urllib3 retries with backoff; the benchmark turns both off so the reference is measured at its fastest. "
      "With the default pause every call takes at least 0.25 s: at least 1.25 s per repository.")
    w("")


def _skipped(data: dict[str, Any], w: Any) -> None:
    skipped = [r for r in data["rows"] if r.get("skipped")]
    crashed = [r for r in data["rows"] if not r.get("skipped") and r.get("status") not in ("SUCCEEDED", None)]
    done = {(r["approach"], r["scale"], r["profile"]) for r in data["rows"]}
    pending = [label for label in data["planned"]] if not data["final"] else []
    if not (skipped or crashed or pending):
        return
    w("## Not measured in this run")
    w("")
    for r in skipped:
        variant = "" if r.get("warm", True) else " with LocalAws as shipped"
        w(f"- {r['approach']}{variant} at {r['scale']:,}: skipped, {r['skipped']}.")
    for r in crashed:
        w(f"- {r['approach']} at {r['scale']:,}: {r.get('status')}: {(r.get('result') or {}).get('error')}")
    if pending:
        w(f"- planned: {', '.join(pending)}; finished so far: {len(done)}.")
    w("")
