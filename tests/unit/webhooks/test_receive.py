"""receive(): every refusal stores, queues and marks nothing; a delivery is stored and queued once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from ghstats.webhooks import limits
from ghstats.webhooks.receive import WebhookRequest
from ghstats.webhooks.signature import signature_of
from tests.unit.webhooks.helpers import DELIVERY, HOOK_ID, SECRET, Sinks, delivery, github_headers, pr_payload

KEY = f"events/raw/type=pull_request/dt=2024-05-06/{HOOK_ID}-{DELIVERY}.json"


@pytest.fixture
def sinks():
    return Sinks()


def with_headers(request: WebhookRequest, drop: tuple[str, ...] = (), **changes: str) -> WebhookRequest:
    headers = {k: v for k, v in request.headers.items() if k not in {d.lower() for d in drop}}
    headers.update({k.lower(): v for k, v in changes.items()})
    return WebhookRequest.of(request.method, headers, request.body)


def signed(body: bytes, **header_changes: str) -> WebhookRequest:
    headers = github_headers(body)
    headers.update(header_changes)
    return WebhookRequest.of("POST", headers, body)


def refusals():
    good = delivery()
    body = good.body
    big = b" " * (limits.MAX_PAYLOAD_BYTES + 1 - len(body)) + body  # 25 MB + 1 byte, validly signed
    yield "no signature", with_headers(good, drop=("X-Hub-Signature-256",)), 401
    yield "bad signature", with_headers(good, **{"X-Hub-Signature-256": "sha256=" + "0" * 64}), 401
    yield "other bytes", with_headers(good, **{"X-Hub-Signature-256": signature_of(SECRET, body + b"\n")}), 401
    yield "other secret", with_headers(good, **{"X-Hub-Signature-256": signature_of(b"guess", body)}), 401
    yield "only sha1", with_headers(good, drop=("X-Hub-Signature-256",), **{"X-Hub-Signature": "sha1=abc"}), 401
    yield "form encoded", with_headers(good, **{"Content-Type": "application/x-www-form-urlencoded"}), 400
    yield "text/plain", with_headers(good, **{"Content-Type": "text/plain"}), 400
    yield "no content type", with_headers(good, drop=("Content-Type",)), 400
    yield "25 MB + 1", signed(big), 413
    yield "declared too big", with_headers(good, **{"Content-Length": str(limits.MAX_PAYLOAD_BYTES + 1)}), 413
    yield "not JSON", signed(b"payload=%7B%7D"), 400
    yield "JSON but not an object", signed(b"[1, 2]"), 400
    yield "deeply nested", signed(b"[" * 100_000 + b"]" * 100_000), 400
    for header in ("X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID"):
        yield f"no {header}", with_headers(good, drop=(header,)), 400
    yield "event with a path", with_headers(good, **{"X-GitHub-Event": "../../x"}), 400
    yield "delivery with a slash", with_headers(good, **{"X-GitHub-Delivery": "a/b"}), 400
    yield "GET", WebhookRequest.of("GET", dict(good.headers.items()), good.body), 405


@pytest.mark.parametrize("name, request_, status", list(refusals()), ids=[r[0] for r in refusals()])
def test_refusals_store_queue_and_mark_nothing(sinks, name, request_, status):
    response = sinks.receive(request_)
    assert response.status == status, response.body
    assert "error" in response.body
    assert sinks.nothing_done()


def test_size_is_checked_before_the_signature(sinks):
    response = sinks.receive(WebhookRequest.of("POST", {"Content-Type": "application/json"},
                                               b"x" * (limits.MAX_PAYLOAD_BYTES + 1)))
    assert response.status == 413 and sinks.nothing_done()
    assert sinks.receive(WebhookRequest.of("POST", {"Content-Type": "application/json"},
                                           b"x" * limits.MAX_PAYLOAD_BYTES)).status == 401  # at the limit: read on


def test_form_encoded_says_to_choose_json(sinks):
    response = sinks.receive(with_headers(delivery(), **{"Content-Type": "application/x-www-form-urlencoded"}))
    assert "application/json" in response.body["error"]


def test_no_secret_configured_verifies_nothing(sinks):
    response = sinks.receive(delivery(secret=b""), secret=b"")
    assert response.status == 500 and sinks.nothing_done()


def test_a_delivery_is_stored_once_and_queued_once(sinks):
    request = delivery()
    response = sinks.receive(request)
    assert (response.status, response.body, response.unknown) == (202, {"queued": True}, False)
    assert list(sinks.objects) == [KEY]
    stored = sinks.objects[KEY]
    assert stored["payload"] == pr_payload()
    assert stored["received_at"] == "2024-05-06T23:59:30+00:00"
    assert stored["headers"] == {
        "x-github-event": "pull_request", "x-github-delivery": DELIVERY, "x-github-hook-id": HOOK_ID,
        "x-github-hook-installation-target-type": "organization", "x-github-hook-installation-target-id": "42",
    }  # GitHub's own headers only: no signature, no user agent or content type
    assert "signature" not in json.dumps(stored).lower()
    assert sinks.messages == [{"key": KEY, "event": "pull_request", "action": "opened", "delivery": DELIVERY,
                               "hook_id": HOOK_ID, "unknown": False}]
    assert sinks.dedupe.marks[(HOOK_ID, DELIVERY)]["state"] == "DONE"


def test_headers_are_case_insensitive(sinks):
    request = delivery()
    upper = WebhookRequest.of("post", {k.upper(): v for k, v in request.headers.items()}, request.body)
    assert sinks.receive(upper).status == 202 and list(sinks.objects) == [KEY]


def test_the_same_delivery_again_is_a_duplicate(sinks):
    assert sinks.receive(delivery()).status == 202
    sinks.now += timedelta(days=1)  # a manual redelivery the next day
    again = sinks.receive(delivery())
    assert (again.status, again.body) == (202, {"duplicate": True})
    assert sinks.puts == 1 and len(sinks.messages) == 1 and list(sinks.objects) == [KEY]


def test_another_hook_on_the_same_event_is_not_a_duplicate(sinks):
    assert sinks.receive(delivery()).status == 202
    assert sinks.receive(delivery(hook_id="987")).status == 202
    assert len(sinks.objects) == 2 and len(sinks.messages) == 2


@pytest.mark.parametrize("failing", ["store", "enqueue"])
def test_a_failure_then_a_redelivery_stores_once(sinks, failing):
    sinks.failing = {failing}
    first = sinks.receive(delivery())
    assert first.status == 503 and first.error == "OSError"
    assert not sinks.messages
    mark = sinks.dedupe.marks[(HOOK_ID, DELIVERY)]
    assert (mark["state"], mark["lease_until"], mark["object_key"]) == ("PENDING", 0, KEY)  # released, key kept
    sinks.failing = set()
    sinks.now += timedelta(hours=2)  # redelivered by hand, the next UTC day
    again = sinks.receive(delivery())
    assert again.status == 202
    assert list(sinks.objects) == [KEY]  # one object, under the first attempt's day
    assert len(sinks.messages) == 1 and sinks.messages[0]["key"] == KEY
    assert sinks.receive(delivery()).body == {"duplicate": True}


def test_a_crashed_attempt_blocks_only_for_its_lease(sinks):
    # an attempt that claimed and then died (timeout): no release ran
    claim = sinks.dedupe.claim(HOOK_ID, DELIVERY, KEY, sinks.now.timestamp())
    assert claim.outcome == "claimed"
    during = sinks.receive(delivery())
    assert during.status == 409 and sinks.puts == 0 and not sinks.messages
    sinks.now += timedelta(seconds=limits.CLAIM_LEASE_S + 1)
    assert sinks.receive(delivery()).status == 202
    assert list(sinks.objects) == [KEY] and len(sinks.messages) == 1


def test_a_release_that_fails_too_still_answers_5xx(sinks):
    sinks.failing = {"store"}
    sinks.dedupe.release = lambda *a: (_ for _ in ()).throw(OSError("DynamoDB is down"))
    assert sinks.receive(delivery()).status == 503
    sinks.failing = set()
    sinks.now += timedelta(seconds=limits.CLAIM_LEASE_S + 1)
    assert sinks.receive(delivery()).status == 202 and len(sinks.objects) == 1


def test_a_dedupe_failure_stores_nothing(sinks):
    sinks.dedupe.claim = lambda *a: (_ for _ in ()).throw(OSError("DynamoDB is down"))
    response = sinks.receive(delivery())
    assert response.status == 503 and not sinks.objects and not sinks.messages


def test_completing_the_mark_fails_after_storing_and_queueing(sinks):
    sinks.dedupe.complete = lambda *a: (_ for _ in ()).throw(OSError("DynamoDB is down"))
    response = sinks.receive(delivery())
    assert response.status == 202 and response.error == "OSError"  # stored and queued: not lost
    assert len(sinks.objects) == 1 and len(sinks.messages) == 1


def test_unknown_event_is_stored_and_marked_unknown(sinks):
    response = sinks.receive(delivery({"action": "created", "star": 1}, event="star"))
    assert response.status == 202 and response.unknown
    key = f"events/raw/type=star/dt=2024-05-06/{HOOK_ID}-{DELIVERY}.json"
    assert list(sinks.objects) == [key]
    assert sinks.messages == [{"key": key, "event": "star", "action": "created", "delivery": DELIVERY,
                               "hook_id": HOOK_ID, "unknown": True}]


def test_an_event_without_action(sinks):
    assert sinks.receive(delivery({"ref": "main"}, event="push")).status == 202
    assert sinks.messages[0]["action"] is None and sinks.messages[0]["unknown"] is True


def test_ping_is_answered_and_not_stored(sinks):
    response = sinks.receive(delivery({"zen": "Keep it logically awesome.", "hook_id": 123456789}, event="ping"))
    assert (response.status, response.body) == (200, {"pong": True})
    assert sinks.nothing_done()


def test_ping_must_be_signed_too(sinks):
    ping = delivery({"zen": "x"}, event="ping")
    assert sinks.receive(with_headers(ping, drop=("X-Hub-Signature-256",))).status == 401


def test_no_response_carries_the_secret(sinks):
    secret_text = SECRET.decode()
    for request in [delivery(), delivery(), with_headers(delivery(), drop=("X-Hub-Signature-256",)),
                    with_headers(delivery(), **{"X-Hub-Signature-256": "sha256=00"})]:
        response = sinks.receive(request)
        assert secret_text not in repr(response) and secret_text not in json.dumps(response.body)
    assert secret_text not in json.dumps(sinks.objects) + json.dumps(sinks.messages)
