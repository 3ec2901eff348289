"""Aggregate's memory and time against repositories: the step that merges a run into its outputs.

    .venv/bin/python -m bench.aggregate [--scales 10000,50000,200000] [--out bench/results-aggregate.md]

One real run (the ASL in moto's engine, the handlers in-process, against the simulator: 600
repositories in 3 orgs, repository_stats and repository_policy, batches of 50) is collected once;
its stored batches and results are then replicated, with every key renamed, to each scale, and
collected again as the previous run (a day earlier, its outputs kept); the real `aggregate()` of
the run runs over them in a child process of its own (fresh memory), comparing itself with that
previous run as every run after the first does: once for its time, once under tracemalloc for
its peak of Python allocations. The store is a dict that keeps
what Aggregate reads and counts, then lets go, what it writes (S3 holds the outputs, not the
function's memory), so the peak is Aggregate's own. README's "Scale and limits" projects from it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

COLLECTORS = ("repository_stats", "repository_policy")
ORGS = {"bench-agg-a": 300, "bench-agg-b": 200, "bench-agg-c": 100}
TOKEN = "ghs_bench_token_not_a_secret"
RENAMED_FIELDS = ("name_with_owner", "repository", "key")


class SinkStore:
    """Objects Aggregate reads are kept (as JSON text, as S3 would hand them over); what it writes
    is counted and, when larger than 1 MB, dropped, unless `keep` (the previous run's outputs,
    which the measured run reads back)."""

    def __init__(self, objects: dict[str, str]):
        self.objects = objects
        self.puts = 0
        self.bytes_written = 0
        self.keep = False

    def get_json(self, key: str) -> Any | None:
        text = self.objects.get(key)
        return None if text is None else json.loads(text)

    def get_text(self, key: str) -> str | None:
        return self.objects.get(key)

    def get_lines(self, key: str) -> Iterator[str] | None:
        text = self.objects.get(key)
        return None if text is None else _lines_of(text)

    def put_json(self, key: str, value: Any, *, transient: bool = False) -> None:
        self.put_text(key, json.dumps(value))

    def put_text(self, key: str, text: str, content_type: str = "text/plain", *, transient: bool = False) -> None:
        self.puts += 1
        self.bytes_written += len(text)
        if len(text) < 1_000_000 or self.keep:
            self.objects[key] = text

    def put_lines(self, key: str, lines: Iterable[str], content_type: str = "application/json") -> None:
        self.puts += 1
        if self.keep:
            self.objects[key] = "".join(lines)
            return
        for line in lines:
            self.bytes_written += len(line)

    def copy(self, source_key: str, key: str) -> None:
        self.puts += 1
        if self.keep and source_key in self.objects:
            self.objects[key] = self.objects[source_key]

    def list_keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))


def _lines_of(text: str) -> Iterator[str]:
    """`text` a line at a time, as S3ObjectStore.get_lines reads an object (no list of every line)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def collect_once(orgs: dict[str, int] = ORGS) -> tuple[dict[str, str], str]:
    """One real run's objects under runs/<id>/ (JSON text) and its run id."""
    import logging
    import warnings

    from ghstats_cli.local_aws import BUCKET, LocalAws
    from ghstats_cli.local_runs import quiet_engine
    from simulator import GitHubSimulator

    quiet_engine()
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with GitHubSimulator(orgs=orgs, seed=7, tokens=(TOKEN,), graphql_points_per_hour=10**9,
                         rest_requests_per_hour=10**9) as sim, LocalAws({"GITHUB_TOKEN": TOKEN}) as aws:
        config = {"orgs": list(orgs), "api_url": sim.url, "collectors": dict.fromkeys(COLLECTORS, True),
                  "batch_size": 50, "max_concurrency": 4}
        outcome = aws.run(config, poll_s=0.25)
        if outcome.status != "SUCCEEDED":
            raise SystemExit(f"the benchmark's run did not succeed: {outcome.status} {outcome.cause}")
        objects: dict[str, str] = {}
        for page in aws.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"runs/{outcome.run_id}/"):
            for entry in page.get("Contents", []):
                objects[entry["Key"]] = aws.s3.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read().decode()
        return objects, outcome.run_id


def _renamed(record: dict[str, Any], key: str, new_key: str) -> dict[str, Any]:
    return {field: (new_key if field in RENAMED_FIELDS and value == key else value) for field, value in record.items()}


def replicate(objects: dict[str, str], run_id: str, repos: int) -> SinkStore:
    """The run's batches and results copied, whole batches, until at least `repos` repositories (a
    batch holds one owner's: the last may go past it): copy c renames key k to
    k-c<c> (copy 0 keeps its keys), so every repository is distinct and the merge's checks hold."""
    from ghstats import names

    plan = json.loads(objects[names.run_config_key(run_id)])
    owner_keys = [names.owner_plan_key(run_id, owner) for owner in plan["owners"]]
    owner_plans = [json.loads(objects[key]) for key in owner_keys]
    batch_ids = [b for owner_plan in owner_plans for b in owner_plan["batch_ids"]]
    base = [(json.loads(objects[names.batch_key(run_id, b)]), json.loads(objects[names.result_key(run_id, b)]))
            for b in batch_ids]
    for b in batch_ids:
        del objects[names.batch_key(run_id, b)], objects[names.result_key(run_id, b)]
    ids: list[str] = []
    copy = held = 0
    while held < repos:
        def ren(key: str) -> str:
            return key if copy == 0 else f"{key}-c{copy}"

        for batch, result in base:
            if held >= repos:
                break
            held += len(batch["keys"])
            batch_id = names.batch_id(0, len(ids))
            objects[names.batch_key(run_id, batch_id)] = json.dumps({**batch, "keys": [ren(k) for k in batch["keys"]]})
            objects[names.result_key(run_id, batch_id)] = json.dumps({
                **result, "batch_id": batch_id, "keys": [ren(k) for k in result["keys"]],
                "answered": {ren(k): ren(v) for k, v in result["answered"].items()},
                "errors": {ren(k): v for k, v in result["errors"].items()},
                "records": {name: {ren(k): _renamed(r, k, ren(k)) for k, r in found.items()}
                            for name, found in result["records"].items()},
                "coverage": [{**e, "repo": ren(e["repo"])} for e in result.get("coverage", [])]})
            ids.append(batch_id)
        copy += 1
    # Aggregate finds a run's batches in its owners' plans: the copies are listed in the first's
    for index, (key, owner_plan) in enumerate(zip(owner_keys, owner_plans)):
        objects[key] = json.dumps({**owner_plan, "batch_ids": ids if index == 0 else []})
    return SinkStore(objects)


def with_previous_run(store: SinkStore, run_id: str) -> None:
    """The same repositories collected a day before under another run id, aggregated (its outputs
    kept): the measured run compares itself with it, reading its records back, as every run after
    the first does."""
    from ghstats import names
    from ghstats.collect.steps import aggregate

    previous = f"{run_id}-previous"
    for key in [k for k in store.objects if k.startswith(names.run_prefix(run_id))]:
        store.objects[key.replace(names.run_prefix(run_id), names.run_prefix(previous), 1)] = store.objects[key]
    plan = json.loads(store.objects[names.run_config_key(previous)])
    day_before = datetime.fromisoformat(plan["started_at"].replace("Z", "+00:00")) - timedelta(days=1)
    plan["started_at"] = day_before.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.objects[names.run_config_key(previous)] = json.dumps(plan)
    store.keep = True
    aggregate(previous, store)
    store.keep, store.puts, store.bytes_written = False, 0, 0


def _measure(objects: dict[str, str], run_id: str, repos: int, traced: bool, answer: Any) -> None:
    from ghstats.collect.steps import aggregate

    store = replicate(objects, run_id, repos)
    with_previous_run(store, run_id)
    count = sum(len(json.loads(store.objects[k])["keys"]) for k in store.objects
                if k.startswith(f"runs/{run_id}/batches/"))
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    outcome = aggregate(run_id, store)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    answer.put({"repos": count, "traced": traced, "seconds": elapsed, "peak_bytes": peak, "puts": store.puts,
                "bytes_written": store.bytes_written, "status": outcome["status"], "repos_ok": outcome["repos_ok"],
                "compared_with": (outcome["since_previous_run"] or {}).get("run_id")})


def measure(objects: dict[str, str], run_id: str, repos: int, traced: bool) -> dict[str, Any]:
    """One aggregate() in a fresh child process."""
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    child = context.Process(target=_measure, args=(objects, run_id, repos, traced, answer))
    child.start()
    result = answer.get()
    child.join()
    return result


def markdown(rows: list[dict[str, Any]], started: str, wall: float) -> str:
    lines = [
        "# Aggregate against repositories",
        "",
        f"Generated by `make bench-aggregate` (`.venv/bin/python -m bench.aggregate`), started {started}, finished in "
        f"{wall:.0f} s, on {multiprocessing.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        f"One real run of {sum(ORGS.values())} repositories ({', '.join(COLLECTORS)}; the ASL in moto, the simulator) "
        "replicated with renamed keys to each scale, and collected once more a day earlier as the previous run; the "
        "real `aggregate()` of the run (comparing itself with that previous run, reading its records back) in a "
        "child process of its own. Time: "
        "a run without tracemalloc. Peak: the peak of Python allocations under tracemalloc (what the function's "
        "memory must hold; the outputs it writes are counted, not kept, as S3 keeps them).",
        "",
        "| repositories | Aggregate time | per 10,000 | peak of allocations | per 10,000 | written | objects written |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        per = row["repos"] / 10_000
        lines.append(f"| {row['repos']:,} | {row['seconds']:.1f} s | {row['seconds'] / per:.2f} s | "
                     f"{row['peak_mb']:,.0f} MB | {row['peak_mb'] / per:.1f} MB | {row['written_mb']:,.0f} MB | "
                     f"{row['puts']} |")
    last = rows[-1]
    per = last["repos"] / 10_000
    mb_1m, s_1m = last["peak_mb"] / per * 100, last["seconds"] / per * 100
    lines += ["", f"Projected from the largest row to 1,000,000 repositories: about {mb_1m:,.0f} MB of allocations "
              f"and {s_1m:,.0f} s on this machine's core. Aggregate has 3,008 MB by default "
              "(`ghstats:aggregateMemoryMb`, up to a Lambda's 10,240 MB) and 900 s, a Lambda's maximum.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10000,50000,200000")
    parser.add_argument("--out", default="bench/results-aggregate.md")
    parser.add_argument("--json", default="bench/results-aggregate.json")
    args = parser.parse_args()
    started_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    started = time.perf_counter()
    objects, run_id = collect_once()
    rows = []
    for repos in (int(s) for s in args.scales.split(",")):
        timed = measure(dict(objects), run_id, repos, traced=False)
        traced = measure(dict(objects), run_id, repos, traced=True)
        if timed["status"] != "SUCCEEDED" or timed["repos_ok"] != timed["repos"]:
            raise SystemExit(f"Aggregate did not merge every repository at {repos}: {timed}")
        if timed["compared_with"] != f"{run_id}-previous":
            raise SystemExit(f"Aggregate did not compare the run with the previous one at {repos}: {timed}")
        row = {"repos": timed["repos"], "seconds": timed["seconds"], "peak_mb": traced["peak_bytes"] / 1e6,
               "written_mb": timed["bytes_written"] / 1e6, "puts": timed["puts"]}
        rows.append(row)
        print(f"{row['repos']:>9,} repositories: {row['seconds']:.1f} s, peak {row['peak_mb']:.0f} MB", flush=True)
    Path(args.out).write_text(markdown(rows, started_at, time.perf_counter() - started))
    Path(args.json).write_text(json.dumps({"started_at": started_at, "rows": rows}, indent=2) + "\n")
    print(f"written: {args.out}, {args.json}")


if __name__ == "__main__":
    main()
