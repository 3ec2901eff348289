"""AWS cost of one run from measured counts, and the history-event projection.

Prices: ghstats.aws_prices (us-east-1 list prices). Durations are the handlers' wall times measured
in-process on the benchmark machine (they include the wait for GitHub, which a Lambda is
billed for too); a real Lambda adds cold starts and its own CPU speed.
"""

from __future__ import annotations

import math
from typing import Any

from ghstats.aws_prices import PRICES

# Memory of each function as the CDK stack sizes them (MB).
LAMBDA_MEMORY_MB = {"ListRepos": 512, "QueryBatch": 512, "Aggregate": 1769, "TrackRun": 256}

S3_PUT_TIER = ("PutObject", "CopyObject", "ListObjectsV2", "ListObjects", "PostObject", "CreateMultipartUpload")

HISTORY_LIMIT = 25_000


def dynamodb_units(calls: dict[str, int], items: dict[str, int], run_item_bytes: int) -> tuple[float, float]:
    """(write units, read units).

    Writes: 1 WRU per KB per item, 2 per KB in a transaction; the run item (in the by_time
    GSI, projection ALL) costs its size in KB again for the index on every write. Reads: items
    are small, eventually consistent GetItem/Query = 0.5 RRU.
    """
    run_kb = max(1, math.ceil(run_item_bytes / 1024))
    wru = 0.0
    for key, n in items.items():
        kind, which = key.split(":")
        size = run_kb if which == "run" else 1
        factor = 2 if kind == "transact" else 1
        wru += n * size * factor
        if which == "run":
            wru += n * run_kb  # the GSI copy
    rru = 0.5 * sum(n for k, n in calls.items() if k in ("dynamodb.GetItem", "dynamodb.Query"))
    return wru, rru


def run_cost(result: dict[str, Any]) -> dict[str, Any]:
    """Dollars per run, by service, for one measured ghstats workflow run."""
    transitions = result["history"]["billable_transitions"]
    sfn = transitions / 1000 * PRICES["sfn_per_1k_transitions"]
    gb_s = 0.0
    requests = 0
    for name, stats in result["lambda_s"].items():
        gb_s += stats["sum"] * LAMBDA_MEMORY_MB.get(name, 512) / 1024
        requests += stats["n"]
    lam = gb_s * PRICES["lambda_per_gb_s"] + requests / 1e6 * PRICES["lambda_per_1m_requests"]
    calls = result["aws_calls"]
    s3_put = sum(n for k, n in calls.items() if k.startswith("s3.") and k.split(".", 1)[1] in S3_PUT_TIER)
    s3_get = sum(n for k, n in calls.items() if k.startswith("s3.")) - s3_put
    s3 = s3_put / 1000 * PRICES["s3_put_per_1k"] + s3_get / 1000 * PRICES["s3_get_per_1k"]
    wru, rru = dynamodb_units(calls, result.get("dynamodb_items", {}), result.get("run_item_bytes", 1024))
    ddb = wru / 1e6 * PRICES["ddb_per_1m_wru"] + rru / 1e6 * PRICES["ddb_per_1m_rru"]
    events = calls.get("events.PutEvents", 0) / 1e6 * 1.0
    return {
        "transitions": transitions, "sfn": sfn,
        "lambda_requests": requests, "lambda_gb_s": gb_s, "lambda": lam,
        "s3_put": s3_put, "s3_get": s3_get, "s3": s3,
        "ddb_wru": wru, "ddb_rru": rru, "dynamodb": ddb,
        "eventbridge": events,
        "total": sfn + lam + s3 + ddb + events,
    }


def history_projection(repos: int, fixed: int, per_iteration: float, batch_sizes: tuple[int, ...] = (25, 50, 100),
                       retry_events: int = 3) -> list[dict[str, Any]]:
    """Events of a run of `repos` repositories for each batch size (no retries), and how many
    retried Tasks (each adds about `retry_events` events) still fit under the limit."""
    rows = []
    for size in batch_sizes:
        batches = math.ceil(repos / size)
        events = fixed + round(batches * per_iteration)
        rows.append({"batch_size": size, "batches": batches, "events": events,
                     "share": events / HISTORY_LIMIT,
                     "retries_that_fit": max(0, (HISTORY_LIMIT - events) // retry_events)})
    return rows


def max_batches(fixed: int, per_iteration: float, headroom: float = 0.2) -> int:
    """The most batches that leave `headroom` of the 25,000 events for retries."""
    return int((HISTORY_LIMIT * (1 - headroom) - fixed) // per_iteration)
