"""WebhookProcessor: the queued deliveries (SQS, batches of up to 10) into derived state.

Each message is processed on its own (ghstats.webhooks.process). A message that fails is
reported in `batchItemFailures`, so SQS retries only it; after the queue's maxReceiveCount it
moves to the dead-letter queue (its alarm fires) and the rest of the batch goes on. Payloads are
never logged: a failure logs the message id, the raw object's key and the error's class and
text (which names a field, never a value).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import boto3

from ghstats.storage import S3ObjectStore
from ghstats.webhooks import names
from ghstats.webhooks.events import MalformedEvent
from ghstats.webhooks.process import MissingDelivery, process
from ghstats.webhooks.store import Contended, StateStore
from handlers.dependencies import require
from handlers.observability import logged_invocation, logger, publish_metrics, tracer

# failures whose text is ours (it names a key or a field); any other exception logs its class only
_OWN_ERRORS = (MalformedEvent, MissingDelivery, Contended)


@dataclass
class ProcessorDependencies:
    read_raw: Callable[[str], Any]
    store: StateStore


def build(environ: Mapping[str, str], *, s3: Any = None, dynamodb: Any = None) -> ProcessorDependencies:
    objects = S3ObjectStore(s3 or boto3.client("s3"), require(environ, names.ENV_BUCKET))
    table = (dynamodb or boto3.resource("dynamodb")).Table(require(environ, names.ENV_TABLE))
    return ProcessorDependencies(read_raw=objects.get_json, store=StateStore(table))


_cached: ProcessorDependencies | None = None


def from_environment() -> ProcessorDependencies:
    global _cached
    if _cached is None:
        _cached = build(os.environ)
    return _cached


def process_records(records: list[Mapping[str, Any]], deps: ProcessorDependencies) -> tuple[list[str], dict[str, int]]:
    """(message ids that failed, counts by outcome)."""
    failed: list[str] = []
    counts: dict[str, int] = {}
    for record in records:
        message_id = str(record.get("messageId"))
        key = None
        try:
            message = json.loads(record.get("body") or "")
            if not isinstance(message, dict):
                raise MalformedEvent("the queued message is not a JSON object")
            key = message.get("key")
            outcome = process(message, read_raw=deps.read_raw, store=deps.store).outcome
        except Exception as exc:  # noqa: BLE001 - one bad delivery must not hold back the batch
            failed.append(message_id)
            error = {"error": type(exc).__name__, "message_id": message_id, "key": key}
            if isinstance(exc, _OWN_ERRORS):
                error["reason"] = str(exc)
            logger.error("webhook delivery not processed; SQS retries it, then dead-letters it", extra=error)
            continue
        counts[outcome] = counts.get(outcome, 0) + 1
    return failed, counts


@logged_invocation(None)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any, deps: ProcessorDependencies | None = None) -> dict[str, Any]:
    deps = deps or from_environment()
    records = list(event.get("Records") or [])
    failed, counts = process_records(records, deps)
    logger.info("webhook deliveries processed", extra={"received": len(records), "failed": len(failed), **counts})
    publish_metrics({names.METRIC_WEBHOOK_PROCESSED: len(records) - len(failed),
                     names.METRIC_WEBHOOK_PROCESSING_FAILED: len(failed)})
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
