"""A small wall-clock sampling profiler over every thread (stdlib only).

cProfile sees one thread; moto's engine runs the Map iterations (and so the handlers) in
threads of its own. This samples `sys._current_frames()` every few milliseconds and sorts
each thread's stack into "blocked" (waiting on GitHub, sleeping, idle) or "busy" in one of a
few layers, by the innermost frame that names a known library.
"""

from __future__ import annotations

import linecache
import sys
import threading
import time
from collections import Counter
from typing import Any

# Busy layers: the innermost frame whose path contains one of these names the layer.
LAYERS = (
    ("/moto/stepfunctions/", "Step Functions engine (moto's ASL interpreter)"),
    ("/moto/", "S3 / DynamoDB / EventBridge emulation (moto)"),
    ("/graphql/", "GraphQL document parse/validate/print (gql + graphql-core, client side)"),
    ("/gql/", "GraphQL document parse/validate/print (gql + graphql-core, client side)"),
    ("/botocore/", "boto3/botocore (build, sign, parse AWS calls)"),
    ("/boto3/", "boto3/botocore (build, sign, parse AWS calls)"),
    ("/aws_lambda_powertools/", "Powertools (logger, metrics, tracer decorators)"),
    ("/requests/", "HTTP client (requests/urllib3/http.client)"),
    ("/urllib3/", "HTTP client (requests/urllib3/http.client)"),
    ("/http/client.py", "HTTP client (requests/urllib3/http.client)"),
    ("/json/", "JSON encode/decode"),
    ("/github/", "PyGithub"),
    ("/functions/ghstats/", "ghstats domain code"),
    ("/functions/handlers/", "ghstats handlers"),
    ("/ghstats_cli/", "local runner (LocalAws)"),
)

BLOCKING_CALLS = ("recv_into(", "recv(", "readinto(", ".read(")
SLEEP_CALLS = ("sleep(",)
IDLE_CALLS = (".acquire(", ".wait(", "select(", ".join(", "poll(", ".get(")


_LINES: dict[tuple[str, int], str] = {}


def _line(frame: Any) -> str:
    """The source line a frame is at, cached: linecache retries a missing file (e.g. "<frozen
    ...>") against every sys.path entry on every call, which starved the sampler."""
    key = (frame.f_code.co_filename, frame.f_lineno or 0)  # f_lineno can be None mid-instruction
    text = _LINES.get(key)
    if text is None:
        text = "" if key[0].startswith("<") or not key[1] else linecache.getline(*key).strip()
        _LINES[key] = text
    return text


def classify(frame: Any) -> tuple[str, str]:
    """(state, label) for one thread's current stack."""
    leaf = frame
    text = _line(leaf)
    paths = []
    f = frame
    while f is not None:
        paths.append(f.f_code.co_filename)
        f = f.f_back
    stack = " ".join(paths)
    leaf_file = leaf.f_code.co_filename
    if ("socket.py" in leaf_file or "ssl.py" in leaf_file) and any(c in text for c in BLOCKING_CALLS):
        if "/functions/ghstats/github/" in stack or "/site-packages/github/" in stack:
            return "blocked", "waiting for GitHub's answer (latency model + simulator)"
        return "blocked", "waiting on a socket (other)"
    if leaf.f_code.co_name == "one_at_a_time":
        return "blocked", "queueing for LocalAws' lock around moto (one AWS call at a time)"
    if any(c in text for c in SLEEP_CALLS):
        if "/ghstats_cli/local_aws.py" in stack:
            return "blocked", "runner polling DescribeExecution (sleep)"
        return "blocked", "sleeping (engine retry/wait, throttles)"
    if any(c in text for c in IDLE_CALLS) and (
        "threading.py" in leaf_file or "queue.py" in leaf_file or "selectors.py" in leaf_file
        or "concurrent/futures" in leaf_file or "/moto/stepfunctions/" in leaf_file
    ):
        return "blocked", "idle thread (waiting for work or a lock)"
    f = frame
    while f is not None:
        path = f.f_code.co_filename
        for needle, label in LAYERS:
            if needle in path:
                return "busy", label
        f = f.f_back
    return "busy", "other Python (stdlib, threading)"


class Sampler:
    def __init__(self, interval_s: float = 0.005):
        self.interval_s = interval_s
        self.samples: Counter[tuple[str, str]] = Counter()
        self.leaves: Counter[str] = Counter()
        self.ticks = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self.started = 0.0
        self.elapsed = 0.0

    def start(self) -> "Sampler":
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        self.elapsed = time.perf_counter() - self.started
        return self.report()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval_s):
            self.ticks += 1
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                try:
                    state, label = classify(frame)
                except Exception:  # a frame in an odd state must not end the sampling
                    state, label = "busy", "unclassified"
                self.samples[(state, label)] += 1
                if state == "busy":
                    code = frame.f_code
                    short = code.co_filename.split("site-packages/")[-1].split("/work/main/")[-1]
                    self.leaves[f"{short}:{code.co_name}"] += 1

    def report(self) -> dict[str, Any]:
        """Thread-seconds per (state, label): samples × the real interval between ticks."""
        per_tick = self.elapsed / self.ticks if self.ticks else self.interval_s
        rows = [{"state": s, "label": l, "thread_s": round(n * per_tick, 2)}
                for (s, l), n in self.samples.most_common()]
        busy_total = sum(n for (s, _), n in self.samples.items() if s == "busy")
        return {
            "elapsed_s": round(self.elapsed, 2),
            "ticks": self.ticks,
            "interval_s": round(per_tick, 4),
            "rows": rows,
            "busy_thread_s": round(busy_total * per_tick, 2),
            "top_busy_functions": [{"function": k, "thread_s": round(n * per_tick, 2)}
                                   for k, n in self.leaves.most_common(12)],
        }
