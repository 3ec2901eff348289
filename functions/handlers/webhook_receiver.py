"""WebhookReceiver: GitHub webhook deliveries through the stack's API Gateway HTTP API (payload format 2.0).

Verifies, dedupes, stores raw and queues each delivery (ghstats.webhooks.receive), answering
within GitHub's 10 s. The webhook secret is read from Secrets Manager at run time (cached); it
and the signature header are never logged.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

import boto3

from ghstats.storage import S3ObjectStore
from ghstats.webhooks import limits, names
from ghstats.webhooks.dedupe import Dedupe, DynamoDedupe
from ghstats.webhooks.queue import SqsQueue
from ghstats.webhooks.receive import FAILED, PONG, QUEUED, DUPLICATE, Response, WebhookRequest, receive
from ghstats.secret_logging import no_response_bodies_in_logs
from handlers.dependencies import require
from handlers.observability import logged_invocation, logger, publish_metrics, tracer


def _powertools_secret(name: str) -> bytes:
    from aws_lambda_powertools.utilities import parameters

    with no_response_bodies_in_logs():
        value = parameters.get_secret(name, max_age=limits.SECRET_CACHE_S)
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


@dataclass
class WebhookDependencies:
    secret: Callable[[], bytes]
    dedupe: Dedupe
    store_raw: Callable[[str, dict[str, Any]], None]
    enqueue: Callable[[dict[str, Any]], None]
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)


def build(environ: Mapping[str, str], *, s3: Any = None, dynamodb: Any = None, sqs: Any = None,
          fetch_secret: Callable[[str], bytes] = _powertools_secret) -> WebhookDependencies:
    secret_name = require(environ, names.ENV_WEBHOOK_SECRET_NAME)
    queue_url = require(environ, names.ENV_WEBHOOK_QUEUE_URL)
    bucket = require(environ, names.ENV_BUCKET)
    table = (dynamodb or boto3.resource("dynamodb")).Table(require(environ, names.ENV_TABLE))
    store = S3ObjectStore(s3 or boto3.client("s3"), bucket)
    return WebhookDependencies(
        secret=lambda: fetch_secret(secret_name),
        dedupe=DynamoDedupe(table),
        store_raw=lambda key, document: store.put_json(key, document),
        enqueue=SqsQueue(sqs or boto3.client("sqs"), queue_url).send,
    )


_cached: WebhookDependencies | None = None


def from_environment() -> WebhookDependencies:
    global _cached
    if _cached is None:
        _cached = build(os.environ)
    return _cached


def request_of(event: Mapping[str, Any]) -> WebhookRequest | None:
    """The request of a function URL / HTTP API v2 event; None when its body is not valid base64."""
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method") or ""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return None
    else:
        raw = body.encode("utf-8")
    return WebhookRequest.of(method, event.get("headers") or {}, raw)


def _http(response: Response) -> dict[str, Any]:
    return {"statusCode": response.status, "headers": {"content-type": "application/json"},
            "body": json.dumps(response.body)}


_METRICS = {QUEUED: names.METRIC_WEBHOOK_QUEUED, DUPLICATE: names.METRIC_WEBHOOK_DUPLICATES,
            FAILED: names.METRIC_WEBHOOK_FAILED}


@logged_invocation(None)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any, deps: WebhookDependencies | None = None) -> dict[str, Any]:
    deps = deps or from_environment()
    request = request_of(event)
    if request is None:
        response = Response(400, {"error": "the body is not valid base64"})
    else:
        try:
            secret = deps.secret()
        except Exception as exc:  # noqa: BLE001 - never echo it: the error may describe the secret
            logger.error("webhook secret unavailable", extra={"error": type(exc).__name__})
            return _http(Response(500, {"error": "the webhook secret is unavailable"}, FAILED))
        response = receive(request, secret, dedupe=deps.dedupe, store_raw=deps.store_raw, enqueue=deps.enqueue,
                           now=deps.now)
    fields = {"status": response.status, "outcome": response.outcome, "github_event": response.event,
              "delivery": response.delivery, "hook_id": response.hook_id, "unknown": response.unknown}
    if response.error:
        fields["error"] = response.error
    if response.status >= 500:
        logger.error("webhook delivery failed", extra=fields)
    elif response.outcome in (QUEUED, DUPLICATE, PONG):
        logger.info("webhook delivery", extra=fields)
    else:
        logger.warning("webhook delivery refused", extra={**fields, "reason": response.body.get("error")})
    counts = {_METRICS.get(response.outcome, names.METRIC_WEBHOOK_REJECTED): 1}
    if response.unknown and response.outcome == QUEUED:
        counts[names.METRIC_WEBHOOK_UNKNOWN] = 1
    if response.outcome != PONG:
        publish_metrics(counts)
    return _http(response)
