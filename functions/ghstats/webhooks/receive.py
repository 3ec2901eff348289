"""Receive one GitHub webhook delivery: check it, dedupe it, store it raw, queue it, answer.

Order: method, size (413), content type (400), signature (401), only then JSON (400) and
GitHub's headers (400). Nothing is stored, queued or marked before all of these passed.

A `ping` (sent when a hook is created) is answered 200 {"pong": true} after the same checks and
is not stored, marked or queued: there is nothing to process, and its payload is the hook's
configuration.

Failures: the delivery is claimed in the dedupe table (with a lease), then stored, then queued,
then the claim is completed. If storing or queueing fails, the claim is released and GitHub
gets a 503, so its (manual) redelivery goes through: storing again writes the same object (the
claim remembers the first attempt's key), so a delivery ends up stored once. If only completing
the claim fails, the delivery is stored and queued: the answer is still 202 (the lease then
expires; a later redelivery would queue it again, and the processor dedupes on the key).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from ghstats.webhooks import dedupe as dedupe_mod
from ghstats.webhooks import limits, names
from ghstats.webhooks.signature import verify

# GitHub's header values; they are not covered by the signature, and they name S3 and ledger
# keys, so they must be plain
_EVENT_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DELIVERY_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_HOOK_ID_RE = re.compile(r"^[0-9]{1,20}$")

FORM_ENCODED = "application/x-www-form-urlencoded"
JSON = "application/json"

# outcomes (for logs and metrics)
QUEUED = "queued"
DUPLICATE = "duplicate"
PONG = "pong"
REJECTED = "rejected"
IN_PROGRESS = "in_progress"
FAILED = "failed"


class Headers:
    """HTTP headers, looked up case-insensitively; keys are kept lowercased."""

    def __init__(self, headers: Mapping[str, str] | None = None):
        self._items = {str(k).lower(): str(v) for k, v in (headers or {}).items()}

    def get(self, name: str) -> str | None:
        return self._items.get(name.lower())

    def items(self) -> list[tuple[str, str]]:
        return list(self._items.items())

    def __repr__(self) -> str:  # never the values: they include the signature
        return f"Headers({sorted(self._items)})"


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    headers: Headers
    body: bytes = field(repr=False)

    @classmethod
    def of(cls, method: str, headers: Mapping[str, str] | None, body: bytes) -> "WebhookRequest":
        return cls(method.upper(), Headers(headers), body)


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]
    outcome: str = REJECTED
    event: str | None = None
    delivery: str | None = None
    hook_id: str | None = None
    unknown: bool = False
    error: str | None = None  # the failure's exception class, for the log (never its arguments)


def _reject(status: int, message: str, **context: Any) -> Response:
    return Response(status, {"error": message}, REJECTED, **context)


def kept_headers(headers: Headers) -> dict[str, str]:
    """GitHub's own headers (X-GitHub-*), never a signature header."""
    return {k: v for k, v in headers.items()
            if k.startswith(names.GITHUB_HEADER_PREFIX) and "signature" not in k}


def receive(
    request: WebhookRequest,
    secret: bytes,
    *,
    dedupe: dedupe_mod.Dedupe,
    store_raw: Callable[[str, dict[str, Any]], None],
    enqueue: Callable[[dict[str, Any]], None],
    now: Callable[[], datetime],
) -> Response:
    if request.method != "POST":
        return _reject(405, "only POST is accepted")
    if len(request.body) > limits.MAX_PAYLOAD_BYTES:
        return _reject(413, f"payloads over {limits.MAX_PAYLOAD_BYTES} bytes are refused")
    declared = (request.headers.get("content-length") or "").strip()
    if declared.isdigit() and int(declared) > limits.MAX_PAYLOAD_BYTES:
        return _reject(413, f"payloads over {limits.MAX_PAYLOAD_BYTES} bytes are refused")

    media_type = (request.headers.get(names.HEADER_CONTENT_TYPE) or "").split(";")[0].strip().lower()
    if media_type == FORM_ENCODED:
        return _reject(400, "form-encoded payloads are refused: set the webhook's content type to application/json")
    if media_type != JSON:
        return _reject(400, "the content type must be application/json (set it in the webhook's settings)")

    if not secret:
        return Response(500, {"error": "the webhook secret is not configured"}, FAILED)
    signature = request.headers.get(names.HEADER_SIGNATURE_256)
    if not signature:
        return _reject(401, "X-Hub-Signature-256 is missing: set a secret on the webhook")
    if not verify(secret, request.body, signature):
        return _reject(401, "X-Hub-Signature-256 does not match the payload")

    try:
        payload = json.loads(request.body)
    except (ValueError, RecursionError):
        return _reject(400, "the payload is not JSON")
    if not isinstance(payload, dict):
        return _reject(400, "the payload is not a JSON object")

    event = (request.headers.get(names.HEADER_EVENT) or "").strip()
    delivery = (request.headers.get(names.HEADER_DELIVERY) or "").strip()
    hook_id = (request.headers.get(names.HEADER_HOOK_ID) or "").strip()
    for header, value, pattern in ((names.HEADER_EVENT, event, _EVENT_RE), (names.HEADER_DELIVERY, delivery, _DELIVERY_RE),
                                   (names.HEADER_HOOK_ID, hook_id, _HOOK_ID_RE)):
        if not value:
            return _reject(400, f"{header} is missing")
        if not pattern.match(value):
            return _reject(400, f"{header} is malformed")
    context = {"event": event, "delivery": delivery, "hook_id": hook_id}

    if event == names.PING:
        return Response(200, {"pong": True}, PONG, **context)

    received = now().astimezone(timezone.utc)
    now_s = received.timestamp()
    key = names.raw_key(event, received.strftime("%Y-%m-%d"), hook_id, delivery)
    try:
        claim = dedupe.claim(hook_id, delivery, key, now_s)
    except Exception as exc:  # noqa: BLE001 - nothing stored yet; GitHub sees a 5xx and can redeliver
        return Response(503, {"error": "could not record the delivery; redeliver it"}, FAILED, error=type(exc).__name__, **context)
    if claim.outcome == dedupe_mod.DUPLICATE:
        return Response(202, {"duplicate": True}, DUPLICATE, **context)
    if claim.outcome == dedupe_mod.IN_PROGRESS:
        return Response(409, {"error": "this delivery is being received right now; redeliver it if that fails"},
                        IN_PROGRESS, **context)

    unknown = event not in names.KNOWN_EVENTS
    key = claim.key or key
    document = {"headers": kept_headers(request.headers), "received_at": received.isoformat(), "payload": payload}
    action = payload.get("action")
    message = {"key": key, "event": event, "action": action if isinstance(action, str) else None,
               "delivery": delivery, "hook_id": hook_id, "unknown": unknown}
    try:
        store_raw(key, document)
        enqueue(message)
    except Exception as exc:  # noqa: BLE001 - release the claim so that GitHub's redelivery goes through
        try:
            dedupe.release(hook_id, delivery, claim.token)
        except Exception:  # noqa: BLE001 - the claim's lease runs out instead
            pass
        return Response(503, {"error": "could not store or queue the delivery; redeliver it"}, FAILED,
                        unknown=unknown, error=type(exc).__name__, **context)
    error = None
    try:
        dedupe.complete(hook_id, delivery, now_s)
    except Exception as exc:  # noqa: BLE001 - stored and queued: the delivery is not lost
        error = type(exc).__name__
    return Response(202, {"queued": True}, QUEUED, unknown=unknown, error=error, **context)
