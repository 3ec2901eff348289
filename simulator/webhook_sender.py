"""Deliver webhook deliveries the way GitHub does: its headers, its signature, its 10 s timeout,
concurrently, and with what a receiver must survive (redeliveries, reordering, forgeries,
oversized and unsigned requests).

    sends = scenario(story(seed=1).deliveries, seed=1, duplicates=3, shuffle_window=6, bad_signatures=2)
    sender = WebhookSender(secret, http_post(url), log)      # or post=an in-process call
    statuses = sender.send_all(sends, concurrency=8)
    sender.redeliver(attempt_id)                             # what POST .../attempts asks for

Every attempt is recorded in the DeliveryLog (GitHub's "Recent Deliveries"), forged ones too:
they stand for GitHub sending with a wrong or missing secret, or a proxy changing the body, so
their failures are attempts the redelivery sweep sees. A redelivery always sends the genuine
body, signed with the sender's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from ghstats.webhooks.limits import MAX_PAYLOAD_BYTES
from ghstats.webhooks.signature import signature_of
from simulator.webhook_deliveries import DeliveryAttempt, DeliveryLog
from simulator.webhook_story import Delivery

USER_AGENT = "GitHub-Hookshot/044aadd"
TIMEOUT_S = 10  # GitHub gives up on a delivery after 10 seconds

Post = Callable[[dict[str, str], bytes], int]

# what a Send is
ORIGINAL = "original"  # the first send of a delivery
REDELIVERY = "redelivery"  # the same GUID and body again (redelivery=True)
TAMPERED = "tampered"  # the body changed after signing (the signature is the genuine body's)
WRONG_SECRET = "wrong_secret"  # signed with another secret
UNSIGNED = "unsigned"  # no signature headers
OVERSIZED = "oversized"  # padded past GitHub's 25 MB cap, validly signed
VALID_KINDS = frozenset({ORIGINAL, REDELIVERY})

_WRONG_SECRET = b"not-the-webhook-secret"


def _sha1(secret: bytes, body: bytes) -> str:
    return "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()


def _headers(delivery: Delivery, body: bytes, secret: bytes | None, *, hook_target_type: str,
             target_id: str) -> dict[str, str]:
    headers = {
        "Accept": "*/*",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-GitHub-Event": delivery.event,
        "X-GitHub-Delivery": delivery.guid,
        "X-GitHub-Hook-ID": delivery.hook_id,
        "X-GitHub-Hook-Installation-Target-Type": hook_target_type,
        "X-GitHub-Hook-Installation-Target-ID": target_id,
    }
    if secret is not None:
        headers["X-Hub-Signature"] = _sha1(secret, body)
        headers["X-Hub-Signature-256"] = signature_of(secret, body)
    return headers


def signed_headers(delivery: Delivery, secret: bytes, *, hook_target_type: str = "organization",
                   target_id: str = "42") -> dict[str, str]:
    """The headers GitHub sends with `delivery.body` (an App's hook: hook_target_type="integration")."""
    return _headers(delivery, delivery.body, secret, hook_target_type=hook_target_type, target_id=target_id)


@dataclass(frozen=True)
class Send:
    """One request to make, and what the receiver should answer.

    `stores` is True for the send that should store the delivery (its first valid send); every
    other send must store nothing. The body is built when asked for: an oversized one exists only
    while it is posted."""

    delivery: Delivery
    kind: str = ORIGINAL
    expected_status: int = 202
    stores: bool = True

    @property
    def redelivery(self) -> bool:
        return self.kind == REDELIVERY

    @property
    def valid(self) -> bool:
        return self.kind in VALID_KINDS

    @property
    def expected_class(self) -> int:
        """2 for 2xx, 4 for 4xx."""
        return self.expected_status // 100

    def body(self) -> bytes:
        if self.kind == TAMPERED:  # someone else's sender, the same length or not: the bytes differ
            payload = dict(self.delivery.payload, sender={"login": "mallory", "id": 666, "type": "User"})
            return json.dumps(payload, separators=(",", ":")).encode()
        if self.kind == OVERSIZED:  # trailing whitespace keeps it JSON
            return self.delivery.body + b" " * (MAX_PAYLOAD_BYTES + 1 - len(self.delivery.body))
        return self.delivery.body

    def headers(self, secret: bytes, body: bytes | None = None, **target: str) -> dict[str, str]:
        body = self.body() if body is None else body
        if self.kind == UNSIGNED:
            return _headers(self.delivery, body, None, **_target(target))
        if self.kind == WRONG_SECRET:
            return _headers(self.delivery, body, _WRONG_SECRET, **_target(target))
        if self.kind == TAMPERED:  # the genuine body's signature on other bytes
            return _headers(self.delivery, self.delivery.body, secret, **_target(target))
        return _headers(self.delivery, body, secret, **_target(target))


def _target(target: dict[str, str]) -> dict[str, str]:
    return {"hook_target_type": target.get("hook_target_type", "organization"), "target_id": target.get("target_id", "42")}


def _bounded_shuffle(items: list[Delivery], window: int, rng: random.Random) -> list[Delivery]:
    """Each item moves by less than `window` places: sort by index + uniform(0, window)."""
    if window <= 1:
        return list(items)
    keys = [(index + rng.uniform(0, window), index) for index in range(len(items))]
    return [items[index] for _key, index in sorted(keys)]


def scenario(deliveries: Iterable[Delivery], *, seed: int, duplicates: int = 0, shuffle_window: int = 0,
             bad_signatures: int = 0, oversized: int = 0, unsigned: int = 0) -> list[Send]:
    """A send order for `deliveries`, with trouble mixed in, deterministic per seed.

    - shuffle_window: deliveries move by less than this many places (so a job's completed can
      come before its queued, a pull request's closed before its opened);
    - duplicates: that many deliveries are sent again later (same GUID and body, redelivery=True);
      202, nothing stored the second time;
    - bad_signatures: forged sends of real deliveries (same GUID), alternately a tampered body
      and a wrong secret, anywhere in the order (also before the genuine one): 401, nothing stored;
    - unsigned: real deliveries without signature headers: 401;
    - oversized: real deliveries padded past 25 MB (validly signed): 413.
    Every delivery keeps one ORIGINAL send, which is the one that stores it."""
    rng = random.Random(seed)
    ordered = _bounded_shuffle(list(deliveries), shuffle_window, rng)
    if not ordered:
        return []
    sends = [Send(d) for d in ordered]
    for _ in range(duplicates):
        index = rng.randrange(len(sends))  # only originals and redeliveries so far
        sends.insert(rng.randint(index + 1, len(sends)), Send(sends[index].delivery, REDELIVERY, 202, False))
    extras = ([Send(rng.choice(ordered), (TAMPERED, WRONG_SECRET)[i % 2], 401, False) for i in range(bad_signatures)]
              + [Send(rng.choice(ordered), UNSIGNED, 401, False) for _ in range(unsigned)]
              + [Send(rng.choice(ordered), OVERSIZED, 413, False) for _ in range(oversized)])
    for extra in extras:
        sends.insert(rng.randint(0, len(sends)), extra)
    return sends


def inversions(sends: Iterable[Send], deliveries: Iterable[Delivery]) -> list[tuple[Delivery, Delivery]]:
    """Pairs (a, b) of one entity's valid first sends where b happened before a but a was sent first."""
    story_order = {d.guid: index for index, d in enumerate(deliveries)}
    sent = [s.delivery for s in sends if s.kind == ORIGINAL]
    pairs = []
    for i, a in enumerate(sent):
        for b in sent[i + 1:]:
            if a.entity == b.entity and story_order[b.guid] < story_order[a.guid]:
                pairs.append((a, b))
    return pairs


def http_post(url: str, timeout: float = TIMEOUT_S) -> Post:
    """A transport POSTing to `url`; a connection error or timeout answers 0 (GitHub's "timed out")."""
    import requests

    def post(headers: dict[str, str], body: bytes) -> int:
        try:
            return requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False).status_code
        except requests.RequestException:
            return 0

    return post


class WebhookSender:
    """Sends Sends through `post` and records each attempt in `log` (when given)."""

    def __init__(self, secret: bytes, post: Post, log: DeliveryLog | None = None, *,
                 clock: Callable[[], datetime] | None = None, hook_target_type: str = "organization",
                 target_id: str = "42"):
        self.secret = secret
        self.post = post
        self.log = log
        self._clock = clock  # None: the log's own clock dates the attempts
        self._target = {"hook_target_type": hook_target_type, "target_id": target_id}
        self._deliveries: dict[str, Delivery] = {}

    def send(self, item: Send) -> int:
        """Post once; 0 when the transport raised a connection error or timed out."""
        self._deliveries.setdefault(item.delivery.guid, item.delivery)
        body = item.body()
        headers = item.headers(self.secret, body, **self._target)
        try:
            status = self.post(headers, body)
        except (OSError, TimeoutError):  # ConnectionError is an OSError
            status = 0
        del body
        self._record(item, status)
        return status

    def deliver(self, delivery: Delivery, *, redelivery: bool = False) -> int:
        """Send one genuine delivery."""
        return self.send(Send(delivery, REDELIVERY if redelivery else ORIGINAL))

    def send_all(self, sends: Iterable[Send], concurrency: int = 1) -> list[int]:
        """Send in order (concurrency 1) or from a pool of threads, as GitHub delivers; statuses in `sends` order."""
        sends = list(sends)
        if concurrency <= 1:
            return [self.send(item) for item in sends]
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="webhook-sender") as pool:
            return list(pool.map(self.send, sends))

    def redeliver(self, attempt_id: int) -> int:
        """Send the delivery of attempt `attempt_id` again (genuine, redelivery=True).

        KeyError when the log has no such attempt or this sender never sent its delivery."""
        if self.log is None:
            raise KeyError(attempt_id)
        attempt = self.log.get(attempt_id)
        if attempt is None or attempt.guid not in self._deliveries:
            raise KeyError(attempt_id)
        return self.deliver(self._deliveries[attempt.guid], redelivery=True)

    def delivery(self, guid: str) -> Delivery | None:
        return self._deliveries.get(guid)

    def _record(self, item: Send, status: int) -> DeliveryAttempt | None:
        if self.log is None:
            return None
        d = item.delivery
        return self.log.record(d.guid, d.hook_id, d.event, d.action, status, redelivery=item.redelivery,
                               delivered_at=self._clock() if self._clock else None,
                               repository_id=d.repository_id, installation_id=d.installation_id)
