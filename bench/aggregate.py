"""Aggregate's memory, disk and time against repositories: the step that merges a run into its outputs.

    .venv/bin/python -m bench.aggregate [--scales 10000,50000,200000] [--out bench/results-aggregate.md]
        [--before results.json]

One real run (the ASL in moto's engine, the handlers in-process, against the simulator: 600
repositories in 3 orgs, repository_stats and repository_policy, batches of 50) is collected once;
its stored batches and results are then replicated, with every key renamed, to each scale, and
collected again as the previous run (a day earlier, its outputs kept); the real `aggregate()` of
the run runs over them in a child process of its own (fresh memory), comparing itself with that
previous run as every run after the first does: once for its time, its peak resident memory
(the kernel's high-water mark, reset just before) and the most its record disk held (sqlite's
pages, read as the disk closes), once under tracemalloc for its peak of Python allocations
(tracemalloc does not see sqlite's own C allocations: the resident peak does). The store keeps
its objects in files (as S3 holds them: not in the function's memory) and counts, then lets go,
what Aggregate writes, so both peaks are Aggregate's own. README's "Scale and limits" projects
from it. `--before` adds the rows of an earlier measurement (its JSON) to compare with.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import multiprocessing
import os
import platform
import resource
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import MutableMapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from bench.worker import status_kb

COLLECTORS = ("repository_stats", "repository_policy")
ORGS = {"bench-agg-a": 300, "bench-agg-b": 200, "bench-agg-c": 100}
TOKEN = "ghs_bench_token_not_a_secret"
RENAMED_FIELDS = ("name_with_owner", "repository", "key")


class FolderObjects(MutableMapping[str, str]):
    """key -> text, each object a file under `folder` (the measured process holds none of them)."""

    def __init__(self, folder: str):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key

    def __getitem__(self, key: str) -> str:
        try:
            return self._path(key).read_text()
        except FileNotFoundError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, text: str) -> None:
        self.write(key, [text])

    def write(self, key: str, lines: Iterable[str]) -> None:
        self._path(key).parent.mkdir(parents=True, exist_ok=True)
        with self._path(key).open("w") as file:
            file.writelines(lines)

    def lines(self, key: str) -> Iterator[str] | None:
        """The object's lines, read from its file one at a time (as S3ObjectStore.get_lines)."""
        if not self._path(key).exists():
            return None

        def read() -> Iterator[str]:
            with self._path(key).open() as file:
                yield from file
        return read()

    def __delitem__(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._path(key).is_file()

    def __iter__(self) -> Iterator[str]:
        return (p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*") if p.is_file())

    def __len__(self) -> int:
        return sum(1 for _ in self)


class SinkStore:
    """Objects Aggregate reads are kept (as JSON text, as S3 would hand them over; in files with
    FolderObjects); what it writes is counted and, when larger than 1 MB, dropped, unless `keep`
    (the previous run's outputs, which the measured run reads back)."""

    def __init__(self, objects: MutableMapping[str, str]):
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
        if isinstance(self.objects, FolderObjects):
            return self.objects.lines(key)
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
            if isinstance(self.objects, FolderObjects):
                self.objects.write(key, lines)
            else:
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


def replicate(objects: MutableMapping[str, str], run_id: str, repos: int) -> SinkStore:
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


def _trim() -> None:
    """Hand memory freed by the set-up back to the system (glibc), so the resident peak is Aggregate's."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _cpu_seconds() -> float:
    """The process's CPU time (user and system, every thread): what a busy shared machine does not inflate."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime



def _reset_resident_peak() -> bool:
    """Reset the kernel's high-water mark of resident memory to what is resident now (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _watch_record_disk(held: list[int]) -> None:
    """Note the most each record disk held (its size as it closes; it never shrinks)."""
    try:
        from ghstats.collect import record_disk
    except ImportError:  # a version that holds the records in memory
        return
    close = record_disk.RecordDisk.close

    def noted(self: Any) -> None:
        held.append(self.bytes_used())
        close(self)
    record_disk.RecordDisk.close = noted


def _measure(objects: dict[str, str], run_id: str, repos: int, traced: bool, answer: Any) -> None:
    from ghstats.collect.steps import aggregate

    folder = tempfile.mkdtemp(prefix="bench-aggregate-")
    try:
        files = FolderObjects(folder)
        files.update(objects)
        objects.clear()
        store = replicate(files, run_id, repos)
        with_previous_run(store, run_id)
        count = sum(len(json.loads(store.objects[k])["keys"]) for k in store.objects
                    if k.startswith(f"runs/{run_id}/batches/"))
        disk_held: list[int] = []
        _watch_record_disk(disk_held)
        _trim()
        resident_before = status_kb("VmRSS")
        peak_reset = _reset_resident_peak()
        if traced:
            tracemalloc.start()
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        outcome = aggregate(run_id, store)
        elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        resident_peak = status_kb("VmHWM") if peak_reset else None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    answer.put({"repos": count, "traced": traced, "seconds": elapsed, "cpu_seconds": cpu, "peak_bytes": peak,
                "puts": store.puts,
                "bytes_written": store.bytes_written, "status": outcome["status"], "repos_ok": outcome["repos_ok"],
                "compared_with": (outcome["since_previous_run"] or {}).get("run_id"),
                "rss_before_kb": resident_before, "rss_peak_kb": resident_peak,
                "disk_bytes": max(disk_held) if disk_held else None})


def measure(objects: dict[str, str], run_id: str, repos: int, traced: bool) -> dict[str, Any]:
    """One aggregate() in a fresh child process."""
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    child = context.Process(target=_measure, args=(objects, run_id, repos, traced, answer))
    child.start()
    result = answer.get()
    child.join()
    return result


def projected(rows: list[dict[str, Any]], field: str, repos: int = 1_000_000) -> float | None:
    """`field` at `repos`, on the line through the smallest and the largest rows (a fixed part and
    a part per repository)."""
    first, last = rows[0], rows[-1]
    if first.get(field) is None or last.get(field) is None:
        return None
    if last["repos"] == first["repos"]:
        return last[field] / last["repos"] * repos
    slope = (last[field] - first[field]) / (last["repos"] - first["repos"])
    return first[field] + slope * (repos - first["repos"])


def per_10k(rows: list[dict[str, Any]], field: str) -> float | None:
    """What `field` grows by per 10,000 repositories (the slope between the smallest and largest rows)."""
    first, last = rows[0], rows[-1]
    if first.get(field) is None or last.get(field) is None:
        return None
    if last["repos"] == first["repos"]:  # one row: in proportion
        return last[field] / last["repos"] * 10_000
    return (last[field] - first[field]) / (last["repos"] - first["repos"]) * 10_000


def _mb(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f} MB"


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| repositories | Aggregate time (CPU) | per 10,000 | peak of allocations | per 10,000 | peak resident "
             "(before) | record disk | per 10,000 | written | objects written |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        per = row["repos"] / 10_000
        disk = row.get("disk_mb")
        cpu = f" ({row['cpu_seconds']:.1f} s)" if row.get("cpu_seconds") is not None else ""
        lines.append(f"| {row['repos']:,} | {row['seconds']:.1f} s{cpu} | {row['seconds'] / per:.2f} s | "
                     f"{_mb(row['peak_mb'])} | {_mb(row['peak_mb'] / per, 1)} | "
                     f"{_mb(row.get('rss_peak_mb'))} ({_mb(row.get('rss_before_mb'))}) | {_mb(disk)} | "
                     f"{_mb(None if disk is None else disk / per, 1)} | {_mb(row['written_mb'])} | {row['puts']} |")
    return lines


def projection(rows: list[dict[str, Any]]) -> str:
    parts = []
    for field, what in (("seconds", "time"), ("cpu_seconds", "CPU time"), ("peak_mb", "Python allocations"),
                        ("rss_peak_mb", "resident memory"), ("disk_mb", "record disk")):
        at_1m, slope = projected(rows, field), per_10k(rows, field)
        if at_1m is None:
            continue
        unit = "s" if field.endswith("seconds") else "MB"
        parts.append(f"{what} {at_1m:,.0f} {unit} ({slope:,.{2 if unit == 's' else 1}f} {unit} per 10,000)")
    return "; ".join(parts)


def markdown(rows: list[dict[str, Any]], started: str, wall: float, load: list[float],
             before: dict[str, Any] | None = None) -> str:
    lines = [
        "# Aggregate against repositories",
        "",
        f"Generated by `make bench-aggregate` (`.venv/bin/python -m bench.aggregate`), started {started}, finished in "
        f"{wall:.0f} s, on {multiprocessing.cpu_count()} cores (load average {load[0]:.1f} when it started, "
        f"{load[1]:.1f} when it ended: the cores are shared, so times are a busy machine's), "
        f"Python {platform.python_version()}.",
        "",
        f"One real run of {sum(ORGS.values())} repositories ({', '.join(COLLECTORS)}; the ASL in moto, the simulator) "
        "replicated with renamed keys to each scale, and collected once more a day earlier as the previous run; the "
        "real `aggregate()` of the run (comparing itself with that previous run, reading its records back) in a "
        "child process of its own. Time, resident memory and record disk: a run without tracemalloc. Peak of "
        "allocations: the peak of Python allocations under tracemalloc. Peak resident: the process's high-water "
        "mark of resident memory (VmHWM, reset as Aggregate starts; in brackets what was resident then: the "
        "interpreter and its modules). Record disk: the most Aggregate's sqlite database held in /tmp (its "
        "pages, as it closes). The outputs it writes are counted, not kept, as S3 keeps them.",
        "",
        *table(rows),
        "",
        "Projected to 1,000,000 repositories on the line through the smallest and largest rows (a fixed part and a "
        f"part per repository): {projection(rows)}. Aggregate has 3,008 MB of memory by default "
        "(`ghstats:aggregateMemoryMb`), the /tmp given by `ghstats:aggregateEphemeralStorageMb` and 900 s, a "
        "Lambda's maximum.",
        "",
    ]
    if before:
        old = before["rows"]
        lines += [f"## Before: {before.get('label', 'an earlier version')}", "",
                  f"The same measurement of {before.get('label', 'an earlier version')}, started "
                  f"{before['started_at']} (load average {before['load'][0]:.1f} → {before['load'][1]:.1f}):", "",
                  *table(old), "", f"Projected to 1,000,000 repositories: {projection(old)}.", "",
                  "| repositories | time, on disk / in memory | peak of allocations | peak resident |",
                  "| ---: | ---: | ---: | ---: |"]
        for new, was in zip(rows, old):
            cpu = (f"; CPU {new['cpu_seconds']:.1f} s / {was['cpu_seconds']:.1f} s "
                   f"({new['cpu_seconds'] / was['cpu_seconds']:.2f}×)" if was.get("cpu_seconds") else "")
            lines.append(f"| {new['repos']:,} | {new['seconds']:.1f} s / {was['seconds']:.1f} s "
                         f"({new['seconds'] / was['seconds']:.2f}×){cpu} | {_mb(new['peak_mb'])} / "
                         f"{_mb(was['peak_mb'])} | {_mb(new.get('rss_peak_mb'))} / {_mb(was.get('rss_peak_mb'))} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10000,50000,200000")
    parser.add_argument("--out", default="bench/results-aggregate.md")
    parser.add_argument("--json", default="bench/results-aggregate.json")
    parser.add_argument("--before", help="an earlier measurement's JSON, shown beside this one")
    parser.add_argument("--label", default="this version", help="what this measurement is of (its JSON keeps it)")
    args = parser.parse_args()
    started_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    load = [os.getloadavg()[0]]
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
        row = {"repos": timed["repos"], "seconds": timed["seconds"], "cpu_seconds": timed["cpu_seconds"],
               "peak_mb": traced["peak_bytes"] / 1e6,
               "rss_peak_mb": None if timed["rss_peak_kb"] is None else timed["rss_peak_kb"] * 1024 / 1e6,
               "rss_before_mb": None if timed["rss_before_kb"] is None else timed["rss_before_kb"] * 1024 / 1e6,
               "disk_mb": None if timed["disk_bytes"] is None else timed["disk_bytes"] / 1e6,
               "written_mb": timed["bytes_written"] / 1e6, "puts": timed["puts"]}
        rows.append(row)
        print(f"{row['repos']:>9,} repositories: {row['seconds']:.1f} s (CPU {row['cpu_seconds']:.1f} s), "
              f"peak {row['peak_mb']:.0f} MB, "
              f"resident {_mb(row['rss_peak_mb'])}, disk {_mb(row['disk_mb'])}", flush=True)
    load.append(os.getloadavg()[0])
    before = json.loads(Path(args.before).read_text()) if args.before else None
    Path(args.out).write_text(markdown(rows, started_at, time.perf_counter() - started, load, before))
    Path(args.json).write_text(json.dumps({"started_at": started_at, "label": args.label, "load": load, "rows": rows,
                                           **({"before": before} if before else {})}, indent=2) + "\n")
    print(f"written: {args.out}, {args.json}")


if __name__ == "__main__":
    main()
