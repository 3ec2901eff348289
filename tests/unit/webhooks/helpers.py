"""Deliveries and in-memory dependencies for the webhook tests."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ghstats.webhooks.dedupe import MemoryDedupe
from ghstats.webhooks.receive import WebhookRequest, receive
from ghstats.webhooks.signature import signature_of

SECRET = b"whsec-Do-Not-Log-Me-7f3a9c"
DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
HOOK_ID = "123456789"
NOW = datetime(2024, 5, 6, 23, 59, 30, tzinfo=timezone.utc)


def pr_payload(action: str = "opened") -> dict[str, Any]:
    return {"action": action, "number": 7, "pull_request": {"id": 1, "title": "Add webhooks"},
            "repository": {"full_name": "acme/widgets"}}


def github_headers(body: bytes, *, event: str = "pull_request", delivery: str = DELIVERY, hook_id: str = HOOK_ID,
                   secret: bytes = SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/abc",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-GitHub-Hook-ID": hook_id,
        "X-GitHub-Hook-Installation-Target-Type": "organization",
        "X-GitHub-Hook-Installation-Target-ID": "42",
        "X-Hub-Signature": "sha1=0000",
        "X-Hub-Signature-256": signature_of(secret, body),
    }


def delivery(payload: Any = None, **kwargs: Any) -> WebhookRequest:
    body = json.dumps(pr_payload() if payload is None else payload).encode()
    return WebhookRequest.of("POST", github_headers(body, **kwargs), body)


class Sinks:
    """What was stored, queued and marked; store/enqueue fail while `failing` says so."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.puts = 0
        self.messages: list[dict[str, Any]] = []
        self.dedupe = MemoryDedupe()
        self.failing: set[str] = set()
        self.now = NOW

    def store_raw(self, key: str, document: dict[str, Any]) -> None:
        if "store" in self.failing:
            raise OSError("S3 is down")
        json.dumps(document)  # storable as JSON
        self.puts += 1
        self.objects[key] = document

    def enqueue(self, message: dict[str, Any]) -> None:
        if "enqueue" in self.failing:
            raise OSError("SQS is down")
        assert len(json.dumps(message)) < 2_000  # a small message, never the payload
        self.messages.append(message)

    def receive(self, request: WebhookRequest, secret: bytes = SECRET):
        return receive(request, secret, dedupe=self.dedupe, store_raw=self.store_raw, enqueue=self.enqueue,
                       now=lambda: self.now)

    def nothing_done(self) -> bool:
        return not self.objects and not self.messages and not self.dedupe.marks and self.puts == 0


def deliver_to_moto(objects: Any, table: Any, delivery: Any, queue: list[dict[str, Any]]) -> Any:
    """A simulator story's delivery → the receiver (at the delivery's own time), storing it raw in
    `objects` (an S3ObjectStore), its dedupe mark in `table` and its message in `queue`."""
    from ghstats.webhooks.dedupe import DynamoDedupe
    from simulator.webhook_sender import signed_headers

    return receive(WebhookRequest.of("POST", signed_headers(delivery, SECRET), delivery.body), SECRET,
                   dedupe=DynamoDedupe(table), store_raw=objects.put_json, enqueue=queue.append,
                   now=lambda: delivery.at)


def sqs_records(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Queued messages as an SQS event's Records."""
    return [{"messageId": f"m-{i}", "body": json.dumps(m)} for i, m in enumerate(messages)]
