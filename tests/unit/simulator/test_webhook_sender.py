"""The webhook sender: GitHub's headers and signature, scenarios with trouble in them, attempts
recorded as GitHub's Recent Deliveries, redelivery, HTTP with a timeout, concurrency, and a
scenario posted end to end into the receiver."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import socket
import threading
import time
from collections import Counter

import pytest

from ghstats.webhooks import limits
from ghstats.webhooks.receive import WebhookRequest
from ghstats.webhooks.signature import verify
from simulator.webhook_deliveries import DeliveryLog
from simulator.webhook_sender import (
    ORIGINAL,
    OVERSIZED,
    REDELIVERY,
    TAMPERED,
    UNSIGNED,
    WRONG_SECRET,
    Send,
    WebhookSender,
    http_post,
    inversions,
    scenario,
    signed_headers,
)
from simulator.webhook_story import story
from tests.unit.webhooks.helpers import SECRET, Sinks

STORY = story(seed=3)
DELIVERIES = STORY.deliveries
TROUBLE = dict(duplicates=4, shuffle_window=6, bad_signatures=4, oversized=1, unsigned=2)


def test_signed_headers_are_githubs_and_the_signature_verifies():
    d = DELIVERIES[0]
    headers = signed_headers(d, SECRET)
    assert verify(SECRET, d.body, headers["X-Hub-Signature-256"])
    assert not verify(b"another secret", d.body, headers["X-Hub-Signature-256"])
    assert not verify(SECRET, d.body + b" ", headers["X-Hub-Signature-256"])
    assert headers["X-Hub-Signature"] == "sha1=" + hmac.new(SECRET, d.body, hashlib.sha1).hexdigest()
    assert headers["X-GitHub-Event"] == d.event and headers["X-GitHub-Delivery"] == d.guid
    assert headers["X-GitHub-Hook-ID"] == d.hook_id
    assert headers["X-GitHub-Hook-Installation-Target-Type"] == "organization"
    assert headers["X-GitHub-Hook-Installation-Target-ID"] == "42"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("GitHub-Hookshot/")
    app = signed_headers(d, SECRET, hook_target_type="integration", target_id="777")
    assert (app["X-GitHub-Hook-Installation-Target-Type"], app["X-GitHub-Hook-Installation-Target-ID"]) == \
           ("integration", "777")


def test_scenario_is_deterministic_and_has_the_trouble_asked_for():
    sends = scenario(DELIVERIES, seed=9, **TROUBLE)
    again = scenario(DELIVERIES, seed=9, **TROUBLE)
    assert [(s.delivery.guid, s.kind) for s in sends] == [(s.delivery.guid, s.kind) for s in again]
    assert [s.delivery.guid for s in scenario(DELIVERIES, seed=10, **TROUBLE)] != [s.delivery.guid for s in sends]
    kinds = Counter(s.kind for s in sends)
    assert kinds == {ORIGINAL: len(DELIVERIES), REDELIVERY: 4, TAMPERED: 2, WRONG_SECRET: 2, UNSIGNED: 2, OVERSIZED: 1}
    assert Counter(s.delivery.guid for s in sends if s.kind == ORIGINAL) == Counter(d.guid for d in DELIVERIES)
    first = {}
    for index, s in enumerate(sends):
        if s.kind == ORIGINAL:
            first[s.delivery.guid] = index
        if s.kind == REDELIVERY:  # a redelivery comes after the original
            assert s.delivery.guid in first and s.redelivery
    assert all(s.stores == (s.kind == ORIGINAL) for s in sends)
    assert {s.kind: s.expected_class for s in sends} == {ORIGINAL: 2, REDELIVERY: 2, TAMPERED: 4, WRONG_SECRET: 4,
                                                         UNSIGNED: 4, OVERSIZED: 4}


def test_no_shuffle_keeps_time_order_and_a_window_puts_later_actions_first():
    plain = scenario(DELIVERIES, seed=1)
    assert [s.delivery for s in plain] == DELIVERIES and not inversions(plain, DELIVERIES)
    sends = scenario(DELIVERIES, seed=1, shuffle_window=6)
    pairs = inversions(sends, DELIVERIES)
    assert pairs  # one entity's later action is sent before its earlier one
    assert {(b.event, b.action) for _a, b in pairs} & {("workflow_job", "queued"), ("workflow_job", "in_progress"),
                                                       ("pull_request", "opened"), ("check_suite", "requested")}
    position = {s.delivery.guid: i for i, s in enumerate(sends)}
    assert all(abs(position[d.guid] - i) < 6 for i, d in enumerate(DELIVERIES))


def test_forged_sends_do_not_verify_and_the_oversized_one_is_over_the_cap():
    d = DELIVERIES[1]
    for kind in (TAMPERED, WRONG_SECRET):
        s = Send(d, kind, 401, False)
        body = s.body()
        assert not verify(SECRET, body, s.headers(SECRET, body)["X-Hub-Signature-256"])
    assert Send(d, TAMPERED).body() != d.body
    assert "X-Hub-Signature-256" not in Send(d, UNSIGNED).headers(SECRET)
    big = Send(d, OVERSIZED, 413, False)
    body = big.body()
    assert len(body) == limits.MAX_PAYLOAD_BYTES + 1 and json.loads(body) == d.payload
    assert verify(SECRET, body, big.headers(SECRET, body)["X-Hub-Signature-256"])  # refused for its size alone
    assert Send(d).body() is d.body


class Recorder:
    """A transport answering by what it was sent: 202 signed, 401 otherwise; raises on request."""

    def __init__(self, fail_with: BaseException | None = None):
        self.calls = []
        self.fail_with = fail_with
        self.lock = threading.Lock()

    def __call__(self, headers, body):
        with self.lock:
            self.calls.append((headers, body))
        if self.fail_with is not None:
            raise self.fail_with
        return 202 if verify(SECRET, body, headers.get("X-Hub-Signature-256")) else 401


def test_the_sender_records_every_attempt_with_its_status():
    log, post = DeliveryLog(), Recorder()
    sender = WebhookSender(SECRET, post, log)
    d = DELIVERIES[4]
    assert sender.send(Send(d)) == 202
    assert sender.send(Send(d, WRONG_SECRET, 401, False)) == 401
    assert sender.send(Send(d, REDELIVERY, 202, False)) == 202
    attempts = log.attempts()
    assert [(a.guid, a.status_code, a.redelivery) for a in attempts] == [(d.guid, 202, False), (d.guid, 401, False),
                                                                         (d.guid, 202, True)]
    assert [a.id for a in attempts] == [1, 2, 3]
    assert {(a.event, a.action, a.hook_id, a.repository_id) for a in attempts} == \
           {(d.event, d.action, d.hook_id, d.payload["repository"]["id"])}
    assert attempts[0].as_json()["status"] == "OK" and attempts[1].as_json()["status"] == "Invalid HTTP Response: 401"
    assert post.calls[0][1] == d.body and post.calls[0][0] == signed_headers(d, SECRET)


@pytest.mark.parametrize("error", [ConnectionError("refused"), TimeoutError("slow"), OSError("reset")])
def test_a_connection_error_or_timeout_is_recorded_as_status_0(error):
    log = DeliveryLog()
    assert WebhookSender(SECRET, Recorder(fail_with=error), log).deliver(DELIVERIES[0]) == 0
    assert log.attempts()[0].status_code == 0 and log.attempts()[0].status == "timed out"


def test_redeliver_resends_an_attempts_genuine_delivery():
    log, post = DeliveryLog(), Recorder()
    sender = WebhookSender(SECRET, post, log)
    d = DELIVERIES[2]
    sender.send(Send(d, UNSIGNED, 401, False))  # the only attempt failed
    assert log.attempts()[0].status_code == 401
    assert sender.redeliver(1) == 202
    again = log.get(2)
    assert (again.guid, again.redelivery, again.status_code) == (d.guid, True, 202)
    headers, body = post.calls[-1]
    assert body == d.body and headers["X-GitHub-Delivery"] == d.guid and verify(SECRET, body, headers["X-Hub-Signature-256"])
    with pytest.raises(KeyError):
        sender.redeliver(99)
    with pytest.raises(KeyError):
        WebhookSender(SECRET, post, None).redeliver(1)


def test_send_all_delivers_concurrently_and_answers_in_order():
    barrier = threading.Barrier(4, timeout=5)  # four posts must be in flight at once, or this breaks
    log = DeliveryLog()

    def post(headers, body):
        barrier.wait()
        return 202 if verify(SECRET, body, headers["X-Hub-Signature-256"]) else 401

    sends = [Send(d) for d in DELIVERIES[:7]] + [Send(DELIVERIES[0], WRONG_SECRET, 401, False)]
    assert WebhookSender(SECRET, post, log).send_all(sends, concurrency=4) == [202] * 7 + [401]
    assert sorted(a.id for a in log.attempts()) == list(range(1, 9))
    assert Counter(a.guid for a in log.attempts()) == Counter(s.delivery.guid for s in sends)


class _Handler(http.server.BaseHTTPRequestHandler):
    received: list = []
    delay_s = 0.0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        time.sleep(type(self).delay_s)
        self.send_response(202 if verify(SECRET, body, self.headers["X-Hub-Signature-256"]) else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.received, _Handler.delay_s = [], 0.0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/webhooks"
    httpd.shutdown()
    httpd.server_close()


def test_http_post_sends_the_body_and_headers(server):
    d = DELIVERIES[0]
    log = DeliveryLog()
    sender = WebhookSender(SECRET, http_post(server), log)
    assert sender.deliver(d) == 202 and sender.send(Send(d, TAMPERED, 401, False)) == 401
    headers, body = _Handler.received[0]
    assert body == d.body and headers["X-GitHub-Delivery"] == d.guid and headers["User-Agent"].startswith("GitHub-Hookshot/")
    assert [a.status_code for a in log.attempts()] == [202, 401]


def test_http_post_answers_0_when_refused_or_too_slow(server):
    _Handler.delay_s = 1.0
    assert http_post(server, timeout=0.2)({"Content-Type": "application/json"}, b"{}") == 0
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert http_post(f"http://127.0.0.1:{port}/")({}, b"{}") == 0


def _in_process(sinks, lock=None):
    def post(headers, body):
        if lock is None:
            return sinks.receive(WebhookRequest.of("POST", headers, body)).status
        with lock:  # MemoryDedupe is not thread-safe; DynamoDB is
            return sinks.receive(WebhookRequest.of("POST", headers, body)).status
    return post


def test_a_scenario_end_to_end_stores_every_valid_delivery_once_and_no_bad_one():
    sinks = Sinks()
    sender = WebhookSender(SECRET, _in_process(sinks), DeliveryLog())
    sends = scenario(DELIVERIES, seed=4, **TROUBLE)
    assert any(s.kind in (TAMPERED, WRONG_SECRET, UNSIGNED, OVERSIZED) and s.delivery.guid not in
               {t.delivery.guid for t in sends[:i] if t.kind == ORIGINAL} for i, s in enumerate(sends))  # some come first
    for item in sends:
        before = sinks.puts
        status = sender.send(item)
        assert status == item.expected_status, (item.kind, status)
        assert sinks.puts - before == (1 if item.stores else 0), item.kind
    stored = {doc["headers"]["x-github-delivery"]: doc for doc in sinks.objects.values()}
    assert len(sinks.objects) == sinks.puts == len(DELIVERIES)
    assert set(stored) == {d.guid for d in DELIVERIES}
    for d in DELIVERIES:
        assert stored[d.guid]["payload"] == d.payload  # the genuine payload, never a forged one
    assert len(sinks.messages) == len(DELIVERIES)
    assert Counter(a.status_code for a in sender.log.attempts()) == Counter(s.expected_status for s in sends)


def test_a_concurrent_scenario_stores_the_same():
    sinks = Sinks()
    sends = scenario(DELIVERIES, seed=5, duplicates=6, bad_signatures=3, unsigned=1)
    statuses = WebhookSender(SECRET, _in_process(sinks, threading.Lock())).send_all(sends, concurrency=8)
    assert statuses == [s.expected_status for s in sends]
    assert sinks.puts == len(DELIVERIES) == len({m["delivery"] for m in sinks.messages})
