"""The simulator's record of webhook deliveries: what GitHub's "Recent Deliveries" list shows.

Every attempt to deliver (first sends and redeliveries) is one entry, in GitHub's delivery
object shape (`GET /orgs/{org}/hooks/{hook_id}/deliveries`, `GET /app/hook/deliveries`). The
sender records into it; the redelivery sweep reads it through the REST endpoints.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable


@dataclass
class DeliveryAttempt:
    id: int
    guid: str
    hook_id: str
    event: str
    action: str | None
    status_code: int
    delivered_at: datetime
    redelivery: bool
    duration: float = 0.01
    installation_id: int | None = None
    repository_id: int | None = None

    @property
    def status(self) -> str:
        if 200 <= self.status_code < 300:
            return "OK"
        if self.status_code == 0:
            return "timed out"
        return f"Invalid HTTP Response: {self.status_code}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "guid": self.guid, "delivered_at": self.delivered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "redelivery": self.redelivery, "duration": self.duration, "status": self.status,
            "status_code": self.status_code, "event": self.event, "action": self.action,
            "installation_id": self.installation_id, "repository_id": self.repository_id, "throttled_at": None,
        }


class DeliveryLog:
    """Thread-safe list of delivery attempts, newest last; ids increase."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self._clock = clock
        self._lock = threading.Lock()
        self._attempts: list[DeliveryAttempt] = []

    def record(self, guid: str, hook_id: str, event: str, action: str | None, status_code: int, *,
               redelivery: bool = False, delivered_at: datetime | None = None,
               repository_id: int | None = None, installation_id: int | None = None) -> DeliveryAttempt:
        with self._lock:
            attempt = DeliveryAttempt(len(self._attempts) + 1, guid, hook_id, event, action, status_code,
                                      delivered_at or self._clock(), redelivery,
                                      installation_id=installation_id, repository_id=repository_id)
            self._attempts.append(attempt)
            return attempt

    def attempts(self, hook_id: str | None = None) -> list[DeliveryAttempt]:
        with self._lock:
            return [a for a in self._attempts if hook_id is None or a.hook_id == hook_id]

    def get(self, attempt_id: int) -> DeliveryAttempt | None:
        with self._lock:
            return self._attempts[attempt_id - 1] if 0 < attempt_id <= len(self._attempts) else None

    def redeliveries(self) -> list[DeliveryAttempt]:
        return [a for a in self.attempts() if a.redelivery]
