"""One approach at one scale, in a process of its own: `python -m bench.worker SPEC_JSON OUT_JSON`.

The parent owns the simulator and counts what reached GitHub; this process measures what
only it can see: wall time, its peak memory (VmHWM), the execution history, Lambda
invocations and durations, and the S3/DynamoDB calls (a boto3 event hook).

Approaches:
  ghstats   the real workflow: statemachine/collect.asl.json in moto's engine, handlers in-process
  serial    ghstats' client, list_owner + plan_owner + collect_batch in a plain loop, one request at a time
  pygithub  a per-repository REST collector written with PyGithub, as many scripts are
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import threading
import time
import traceback
import tracemalloc
from collections import Counter, defaultdict
from typing import Any, Callable


class GcTimer:
    """Time spent in the cyclic garbage collector (it stops every thread of the process)."""

    def __init__(self) -> None:
        import gc

        self.total = 0.0
        self.max = 0.0
        self.full = 0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        spent = time.perf_counter() - self._started
        self.total += spent
        self.max = max(self.max, spent)
        if info.get("generation") == 2:
            self.full += 1

    def report(self) -> dict[str, Any]:
        return {"gc_s": round(self.total, 2), "gc_max_s": round(self.max, 3), "gc_full": self.full}


class RssTimeline:
    """The process's resident memory once a second (from /proc/self/statm)."""

    def __init__(self, interval_s: float = 1.0) -> None:
        import os

        self._page = os.sysconf("SC_PAGE_SIZE")
        self.points: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, args=(interval_s,), daemon=True, name="bench-rss")
        self._thread.start()

    def _rss_mb(self) -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * self._page / 2**20

    def _run(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                self.points.append((round(time.perf_counter() - self._t0, 1), round(self._rss_mb(), 1)))
            except OSError:
                return

    def stop(self) -> list[tuple[float, float]]:
        self._stop.set()
        return self.points


def _rusage() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_rss_mb": round(_peak_rss_kb(usage) / 1024, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}


def status_kb(field: str) -> int | None:
    """A field of /proc/self/status in kB (Linux); None elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _peak_rss_kb(usage: resource.struct_rusage) -> int:
    """This process's own peak resident memory (VmHWM). Linux's ru_maxrss carries the parent's
    peak over into a child started by fork and exec, so it reads the bench's parent whenever that
    is the larger."""
    return status_kb("VmHWM") or usage.ru_maxrss


# -- AWS calls made by the workflow (boto3 event hook) -----------------------------------------


class AwsCalls:
    """Counts every AWS API call made through the default boto3 session (handlers and the
    engine's own service integrations), and the DynamoDB write units they would consume."""

    def __init__(self) -> None:
        self.active = False
        self.calls: Counter[str] = Counter()
        self.dynamodb_items: Counter[str] = Counter()  # write items by kind
        self._lock = threading.Lock()

    def on_call(self, params: dict[str, Any], model: Any = None, **_: Any) -> None:
        if not self.active or model is None:
            return
        service = model.service_model.service_name
        name = f"{service}.{model.name}"
        extra: Counter[str] = Counter()
        if service == "dynamodb" and model.name in ("UpdateItem", "PutItem", "DeleteItem",
                                                   "TransactWriteItems", "BatchWriteItem"):
            try:
                body = json.loads(params.get("body") or b"{}")
            except ValueError:
                body = {}
            for kind, key in _dynamodb_write_keys(model.name, body):
                extra[f"{kind}:{'run' if key == 'RUN' else 'other'}"] += 1
        with self._lock:
            self.calls[name] += 1
            self.dynamodb_items.update(extra)


def _dynamodb_write_keys(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(plain|transact, sort key) of every item a write touches."""
    def sk(item: dict[str, Any]) -> str:
        return str((item.get("sk") or {}).get("S", ""))

    if operation == "TransactWriteItems":
        out = []
        for entry in body.get("TransactItems", []):
            for op in entry.values():
                out.append(("transact", sk(op.get("Key") or op.get("Item") or {})))
        return out
    if operation == "BatchWriteItem":
        return [("plain", sk((r.get("PutRequest") or {}).get("Item") or (r.get("DeleteRequest") or {}).get("Key") or {}))
                for requests in body.get("RequestItems", {}).values() for r in requests]
    return [("plain", sk(body.get("Key") or body.get("Item") or {}))]


def serialise_boto3_client_creation() -> None:
    """boto3's client()/resource() on the shared default session is not thread-safe
    (boto/boto3#2750: "RuntimeError: dictionary changed size during iteration"). moto's engine
    runs every Task in a new thread, where the local runner builds the handler's clients and
    the engine builds a Lambda client: at thousands of invocations one of them eventually
    fails the run. Creating clients under one lock (this process only) avoids it; the calls
    themselves still run in parallel."""
    import boto3.session

    if getattr(boto3.session.Session, "_bench_locked", False):
        return
    lock = threading.RLock()
    for name in ("client", "resource"):
        original = getattr(boto3.session.Session, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        setattr(boto3.session.Session, name, locked)
    boto3.session.Session._bench_locked = True


def warm_containers(aws: Any) -> dict[str, int]:
    """Dispatch invocations as warm Lambda containers would: a pool of handler dependencies
    (boto3 clients, the GitHub client's session), one per invocation in flight, reused after.

    LocalAws as shipped keeps them per thread, and moto's engine runs every Task in a new
    thread, so locally each invocation builds new clients (a cold start each time, ~0.1 s of
    CPU) where AWS reuses its containers. Also caches the engine's own boto3 clients (moto
    builds one per Task). Returns counters: containers built."""
    import os
    import queue

    import boto3

    from ghstats_cli.local_aws import LambdaContext
    from handlers import dependencies

    pool: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
    stats = {"containers": 0}

    def invoke(name: str, event: dict[str, Any]) -> Any:
        with aws._lock:
            aws.invocations[name] = aws.invocations.get(name, 0) + 1
        try:
            deps = pool.get_nowait()
        except queue.Empty:
            extra = {"timeout": aws.client_timeout} if aws.client_timeout else {}
            deps = dependencies.build(os.environ, s3=boto3.client("s3"), dynamodb=boto3.resource("dynamodb"), **extra)
            stats["containers"] += 1
        try:
            return aws.handler(name)(event, LambdaContext(name), deps=deps)
        finally:
            pool.put(deps)

    aws.invoke = invoke
    _cache_engine_clients()
    return stats


def _cache_engine_clients() -> None:
    """moto's engine builds a boto3 client for every Task it runs; clients are thread-safe,
    so one per (region, service) does (the ASL and the calls made are unchanged)."""
    try:
        from moto.stepfunctions.parser.asl.utils import boto_client
    except ImportError:
        return
    original = boto_client.boto_client_for
    if getattr(original, "_bench_cached", False):
        return
    cache: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def cached(region: str, service: str, state_credentials: Any = None) -> Any:
        with lock:
            key = (region, service)
            if key not in cache:
                cache[key] = original(region, service, state_credentials)
            return cache[key]

    cached._bench_cached = True  # type: ignore[attr-defined]
    boto_client.boto_client_for = cached
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions") and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = cached


def scoped_transaction_rollback() -> bool:
    """moto's TransactWriteItems deep-copies every table it touches (twice when two items share
    a table) so that it can roll back: O(table) under the GIL per transaction. The ledger's
    table holds one item per batch, so a run of B batches costs O(B²) locally (0.13 s per
    transaction at 1,000 batches, stalling every thread), which DynamoDB does not. This keeps
    moto's logic and rolls back the same way, from a copy of only the items the transaction
    touches. Returns whether the patch applied (moto's internals may move)."""
    try:
        import copy as real_copy

        from moto.dynamodb import models
        from moto.dynamodb.models import DynamoDBBackend, Table
    except ImportError:
        return False
    original = DynamoDBBackend.transact_write_items
    if getattr(original, "_bench_scoped", False):
        return True

    class _Ref:  # what the table "backup" becomes: the table itself
        def __init__(self, table: Any) -> None:
            self.table = table

    class _Copy:
        @staticmethod
        def deepcopy(obj: Any, *args: Any) -> Any:
            return _Ref(obj) if isinstance(obj, Table) else real_copy.deepcopy(obj, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(real_copy, name)

    def touched_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], Any]]:
        touched = []
        for item in transact_items:
            if len(item) != 1:
                continue
            op_type, op = next(iter(item.items()))
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            if op_type == "Put":
                attrs = op.get("Item") or {}
                key = {table.hash_key_attr: attrs.get(table.hash_key_attr)}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs.get(table.range_key_attr)
            else:
                key = op.get("Key") or {}
            try:
                current = backend.get_item(op["TableName"], key)
            except Exception:
                current = None
            touched.append((op["TableName"], key, real_copy.deepcopy(current.to_json()["Attributes"]) if current else None))
        return touched

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        tables = dict(self.tables)
        touched = touched_items(self, transact_items)
        try:
            original(self, transact_items)
        except Exception:
            for name, table in tables.items():  # moto put its "backup" (our _Ref) back: undo that
                if isinstance(self.tables.get(name), _Ref):
                    self.tables[name] = table
            for name, key, attrs in reversed(touched):  # and restore the items themselves
                try:
                    if attrs is None:
                        self.delete_item(name, key)
                    else:
                        self.put_item(name, attrs)
                except Exception:
                    pass
            raise

    transact_write_items._bench_scoped = True  # type: ignore[attr-defined]
    models.copy = _Copy()
    DynamoDBBackend.transact_write_items = transact_write_items
    return True


# -- history -----------------------------------------------------------------------------------


class ChildHistories:
    """The events of the Distributed Maps' child executions. They are not in the parent's
    history (that is the point) and moto's engine keeps them nowhere: each map run's events are
    taken from its event manager as the run ends. moto records a child's states, not its
    ExecutionStarted/ExecutionSucceeded (2 more events per child in AWS, neither a transition)."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []  # per map run: children, events, event types

    def install(self) -> "ChildHistories":
        from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
            distributed_iteration_component as component)

        from ghstats_cli.moto_distributed_map import enforce_tolerated_failures

        enforce_tolerated_failures()  # what LocalAws installs too; wrapped here, not replaced
        current = component.DistributedIterationComponent._map_run
        recorder = self

        def map_run(self: Any, env: Any, eval_input: Any) -> None:
            try:
                current(self, env, eval_input)
            finally:
                events = env.event_manager.get_event_history()
                record = eval_input.map_run_record  # its ARN: ...:mapRun:<machine>/<outer label>/<label>:<id>
                recorder.runs.append({"label": record.map_run_arn.rsplit(":", 1)[0].rsplit("/", 1)[-1],
                                      "children": record.item_counter.total.get(),
                                      "events": len(events), "types": dict(Counter(e["type"] for e in events))})

        component.DistributedIterationComponent._map_run = map_run
        self._restore = lambda: setattr(component.DistributedIterationComponent, "_map_run", current)
        return self

    def uninstall(self) -> None:
        self._restore()


def analyse_history(events: list[dict[str, Any]], children: list[dict[str, Any]] = (),
                    spans: dict[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """The parent's history (what counts against its 25,000 events) and, from `children`
    (ChildHistories.runs), the child executions': the owners' (CollectOwners, label Owners), and
    the batches' (each owner's CollectBatches, label Batches), per child and in the billed
    transitions. `spans`: handler name -> (first start, last end), perf_counter seconds: an
    owner's listing and its batches run inside its child execution, so their phases are the
    handlers' own span (the bench lists one org)."""
    types = Counter(e["type"] for e in events)
    child_types: Counter[str] = Counter()
    for run in children:
        child_types.update(run["types"])
    entered = sum(n for t, n in (types + child_types).items() if t.endswith("StateEntered"))
    retries = max(0, (types + child_types).get("TaskScheduled", 0) - (types + child_types).get("TaskStateEntered", 0))
    first = events[0]["timestamp"] if events else None

    def at(e: dict[str, Any]) -> float:
        return (e["timestamp"] - first).total_seconds()

    phases: dict[str, float] = {}
    opened: dict[str, float] = {}
    for e in events:
        details = e.get("stateEnteredEventDetails") or e.get("stateExitedEventDetails") or {}
        name = details.get("name")
        if name in ("StartRun", "PlanRun", "CollectOwners", "Aggregate", "RecordFinish", "ReleaseLock",
                    "AnnounceCompletion"):
            if e["type"].endswith("StateEntered"):
                opened[name] = at(e)
            elif e["type"].endswith("StateExited") and name in opened:
                phases[name] = round(at(e) - opened.pop(name), 3)
    for phase, handler in (("ListRepos", "ListRepos"), ("CollectBatches", "QueryBatch")):
        if spans and handler in spans:
            phases[phase] = round(spans[handler][1] - spans[handler][0], 3)

    def of(label: str) -> dict[str, int]:
        runs = [run for run in children if run.get("label") == label]
        return {"children": sum(run["children"] for run in runs), "events": sum(run["events"] for run in runs)}

    batches, owners = of("Batches"), of("Owners")
    return {
        "events": len(events),  # the parent's: none of them per owner or per batch
        "types": dict(types),
        "child_types": dict(child_types),
        "state_entered": entered,
        "retries": retries,
        "billable_transitions": entered + retries,
        "iterations": batches["children"],  # child executions of the owners' CollectBatches
        "iteration_events": batches["events"],  # in the children's own histories
        "events_per_iteration": round(batches["events"] / batches["children"], 3) if batches["children"] else None,
        "owners": owners["children"],  # child executions of CollectOwners
        "owner_events": owners["events"],  # their own histories (listing, the Maps' own events), not their batches'
        "fixed_events": len(events),
        "phases_s": phases,
        "execution_s": round(at(events[-1]), 3) if events else None,
    }


# -- ghstats: the real workflow --------------------------------------------------------------------


def run_ghstats(spec: dict[str, Any]) -> dict[str, Any]:
    import boto3

    from ghstats import names
    from ghstats_cli.local_aws import LocalAws
    from ghstats_cli.local_runs import quiet_engine

    quiet_engine()
    serialise_boto3_client_creation()
    scoped = scoped_transaction_rollback() if spec.get("warm", True) else False
    # The benchmark compares repository statistics with the peers: every other collector is off.
    from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY

    config = {"orgs": [spec["org"]], "batch_size": spec["batch_size"],
              "collectors": {name: name == INVENTORY_COLLECTOR.name for name in REGISTRY},
              "max_concurrency": spec["max_concurrency"], "api_url": spec["url"]}
    started = time.perf_counter()
    with LocalAws({"GITHUB_TOKEN": spec["token"]}) as aws:
        setup_s = time.perf_counter() - started
        calls = AwsCalls()
        boto3._get_default_session().events.register("before-call", calls.on_call)
        durations: dict[str, list[float]] = defaultdict(list)
        spans: dict[str, tuple[float, float]] = {}  # handler -> first start, last end
        failures: list[str] = []
        lock = threading.Lock()

        def timed(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
            def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
                def run(event: Any, context: Any, **kwargs: Any) -> Any:
                    t = time.perf_counter()
                    try:
                        return handler(event, context, **kwargs)
                    except Exception:
                        with lock:
                            failures.append(f"{name}: {traceback.format_exc()[-2500:]}")
                        raise
                    finally:
                        with lock:
                            ended = time.perf_counter()
                            durations[name].append(ended - t)
                            spans[name] = (min(t, spans.get(name, (t, t))[0]), max(ended, spans.get(name, (t, t))[1]))
                return run
            return wrap

        aggregate_memory: dict[str, int] = {}

        def traced(handler: Callable[..., Any]) -> Callable[..., Any]:
            """Aggregate's peak of Python allocations (tracemalloc): what its Lambda's memory
            must hold, apart from the interpreter and the modules loaded before it ran."""
            def run(event: Any, context: Any, **kwargs: Any) -> Any:
                tracemalloc.start()
                try:
                    return handler(event, context, **kwargs)
                finally:
                    aggregate_memory["peak_bytes"] = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
            return run

        for name in ("PlanRun", "ListRepos", "QueryBatch", "Aggregate", "TrackRun"):
            aws.wrappers[name] = timed(name)
        aws.wrappers["Aggregate"] = (lambda inner: lambda handler: inner(traced(handler)))(aws.wrappers["Aggregate"])
        containers = warm_containers(aws) if spec.get("warm", True) else None
        if containers is not None:
            # A local-runtime setting: everything loaded so far (moto, boto3's models, the
            # engine) stays for the process's life; the cyclic GC need not rescan it, and it
            # runs less often (every thread stops while it does).
            gc.collect()
            gc.freeze()
            gc.set_threshold(50_000, 20, 10)
        sampler = None
        if spec.get("profile"):
            from bench.sampler import Sampler
            sampler = Sampler().start()
        cpu_before = _rusage()["cpu_s"]
        gc_timer = GcTimer()
        timeline = RssTimeline()
        calls.active = True
        children = ChildHistories().install()
        t = time.perf_counter()
        try:
            outcome = aws.run(config, poll_s=spec.get("poll_s", 0.25))
        finally:
            children.uninstall()
        wall = time.perf_counter() - t
        calls.active = False
        rss = timeline.stop()
        gc_stats = gc_timer.report()
        cpu_run = _rusage()["cpu_s"] - cpu_before
        profile = sampler.stop() if sampler else None
        events = aws.history(outcome.execution_arn)
        history = analyse_history(events, children.runs, spans)
        del events
        run_item = aws.ledger().get_run(outcome.run_id) or {}
        summary_key = ((outcome.output or {}).get("output_keys") or {}).get("summary")
        budget = (aws.get_json(summary_key) or {}).get("budget") if summary_key else None
        result = {
            "status": outcome.status,
            "output": outcome.output,
            "error": outcome.error,
            "cause": (outcome.cause or "")[:500] or None,
            "wall_s": round(wall, 3),
            "setup_s": round(setup_s, 3),
            "run_cpu_s": round(cpu_run, 2),
            "history": history,
            "aggregate_peak_mb": round(aggregate_memory.get("peak_bytes", 0) / 2**20, 1),
            "budget": budget,  # the planning step's prediction against the run (summary.json)
            "invocations": dict(aws.invocations),
            "handler_failures": failures[:3],
            "warm": containers is not None,
            "scoped_transactions": scoped,
            **gc_stats,
            "rss_timeline": rss[:: max(1, len(rss) // 60)],
            "containers": containers["containers"] if containers else None,
            "handler_failure_count": len(failures),
            "lambda_s": {k: {"n": len(v), "sum": round(sum(v), 3), "mean": round(sum(v) / len(v), 4),
                             "max": round(max(v), 3), "p50": round(sorted(v)[len(v) // 2], 4)}
                         for k, v in durations.items() if v},
            "aws_calls": dict(calls.calls),
            "dynamodb_items": dict(calls.dynamodb_items),
            "run_item_bytes": len(json.dumps(run_item, default=str)),
            "repos_ok": (outcome.output or {}).get("repos_ok"),
            "repos_failed": (outcome.output or {}).get("repos_failed"),
            "profile": profile,
        }
        if outcome.status == "SUCCEEDED":
            summary = aws.get_json(names.summary_key(outcome.run_id)) or {}
            result["summary_keys"] = sorted(summary)
    return result


# -- reference 1: serial batches of 65, with ghstats' own client ----------------------------------


def run_serial(spec: dict[str, Any]) -> dict[str, Any]:
    from ghstats.collect.batch import collect_batch
    from ghstats.collect.planning import ListingProgress, list_owner, owner_in, plan_owner
    from ghstats.collectors import INVENTORY_COLLECTOR
    from ghstats.config import parse_config
    from ghstats.github.auth import StaticTokenProvider
    from ghstats.github.client import GitHubClient
    from ghstats.github.endpoints import Endpoints

    config = parse_config({"orgs": [spec["org"]], "batch_size": spec["batch_size"], "api_url": spec["url"]})
    client = GitHubClient(Endpoints.from_api_url(spec["url"]), StaticTokenProvider(spec["token"]))
    t = time.perf_counter()
    client.preflight()
    owner = owner_in(config, spec["org"])
    progress = ListingProgress.resume(None, config.api_url, owner.org)
    list_owner(client, owner.org, progress)
    plan = plan_owner(owner, progress, spec["batch_size"], progress.spent(client))
    listed = time.perf_counter()
    records: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    batches = list(plan.batches.values())
    limit = spec.get("max_batches") or len(batches)  # a time-boxed run measures the first N batches
    asked = 0
    for keys in batches[:limit]:  # one at a time, as the Azure Functions collector does
        outcome = collect_batch(client, keys, [INVENTORY_COLLECTOR])
        records.update(outcome.records.get(INVENTORY_COLLECTOR.name, {}))
        errors.update(outcome.errors)
        asked += len(keys)
    done = time.perf_counter()
    return {
        "status": "SUCCEEDED" if len(records) + len(errors) == asked else "INCOMPLETE",
        "batches_run": min(limit, len(batches)),
        "repos_total": len(plan.repos),
        "wall_s": round(done - t, 3),
        "listing_s": round(listed - t, 3),
        "batches_s": round(done - listed, 3),
        "batches": len(plan.batches),
        "client_requests": client.requests_made,
        "client_points": client.points_used,
        "repos_ok": len(records),
        "repos_failed": len(errors),
    }


# -- reference 2: per-repository REST with PyGithub ------------------------------------------------


def run_pygithub(spec: dict[str, Any]) -> dict[str, Any]:
    from github import Auth, Github

    # PyGithub's defaults would add a 0.25 s pause between requests (seconds_between_requests)
    # and urllib3 retries with backoff; both off, so the reference is measured at its fastest.
    g = Github(base_url=spec["url"], auth=Auth.Token(spec["token"]), per_page=100,
               retry=None, seconds_between_requests=None, seconds_between_writes=None)
    t = time.perf_counter()
    org = g.get_organization(spec["org"])
    repos = [r.full_name for r in org.get_repos()]
    listed = time.perf_counter()
    sample = repos[: spec["sample"]] if spec.get("sample") else repos
    counts: dict[str, dict[str, int]] = {}
    for full_name in sample:
        repo = g.get_repo(full_name)
        counts[full_name] = {
            "stars": repo.stargazers_count,
            "watchers": repo.subscribers_count,  # not watchers_count, which is the star count
            # REST's issues include pull requests: these two are issues + PRs.
            "issues_open_incl_prs": repo.get_issues(state="open").totalCount,
            "issues_closed_incl_prs": repo.get_issues(state="closed").totalCount,
            "pulls_open": repo.get_pulls(state="open").totalCount,
            "pulls_closed_incl_merged": repo.get_pulls(state="closed").totalCount,
        }
    done = time.perf_counter()
    return {
        "status": "SUCCEEDED",
        "wall_s": round(done - t, 3),
        "listing_s": round(listed - t, 3),
        "per_repo_s": round((done - listed) / max(1, len(sample)), 4),
        "repos_listed": len(repos),
        "sample": len(sample),
        "counts": counts,
    }


APPROACHES = {"ghstats": run_ghstats, "serial": run_serial, "pygithub": run_pygithub}


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    out_path = argv[1]
    try:
        result = APPROACHES[spec["approach"]](spec)
    except Exception as exc:  # reported in the results, not a crash of the whole bench
        import traceback

        result = {"status": "CRASHED", "error": f"{type(exc).__name__}: {exc}",
                  "traceback": traceback.format_exc()[-3000:]}
    result.update(_rusage())
    with open(out_path, "w") as fh:
        json.dump(result, fh, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
