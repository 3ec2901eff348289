"""Primary budgets per token (GraphQL points, REST requests) and the concurrency limit."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from simulator.dataset import iso

WINDOW_S = 3600
GRAPHQL = "graphql"
CORE = "core"  # REST


@dataclass(frozen=True)
class RateSnapshot:
    resource: str
    limit: int
    remaining: int
    used: int
    reset: int  # epoch seconds

    @property
    def reset_at(self) -> str:
        return iso(self.reset)  # type: ignore[return-value]

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": self.resource,
        }

    def exhausted(self) -> "RateSnapshot":
        """The same window, as GitHub reports it when refusing a request: nothing remaining."""
        return RateSnapshot(self.resource, self.limit, 0, max(self.used, self.limit), self.reset)

    def as_rest(self) -> dict[str, int]:
        return {"limit": self.limit, "used": self.used, "remaining": self.remaining, "reset": self.reset}


@dataclass
class _Budget:
    limit: int
    used: int = 0
    reset_at: float | None = None  # the window starts at first use

    def refresh(self, now: float) -> None:
        if self.reset_at is not None and now >= self.reset_at:
            self.used = 0
            self.reset_at = None

    def snapshot(self, resource: str, now: float) -> RateSnapshot:
        reset = self.reset_at if self.reset_at is not None else now + WINDOW_S
        return RateSnapshot(resource, self.limit, max(0, self.limit - self.used), self.used, int(reset))


class RateLimiter:
    """One budget per (token, resource); the hour starts at the token's first use."""

    def __init__(self, limits: dict[str, int], clock: Callable[[], float] = time.time):
        self._limits = dict(limits)
        self._clock = clock
        self._lock = threading.Lock()
        self._budgets: dict[tuple[str, str], _Budget] = {}

    def _budget(self, token: str, resource: str) -> _Budget:
        budget = self._budgets.get((token, resource))
        if budget is None:
            budget = self._budgets[(token, resource)] = _Budget(self._limits[resource])
        budget.refresh(self._clock())
        return budget

    def snapshot(self, token: str, resource: str) -> RateSnapshot:
        with self._lock:
            return self._budget(token, resource).snapshot(resource, self._clock())

    def charge(self, token: str, resource: str, amount: int) -> tuple[bool, RateSnapshot]:
        """Take `amount` from the budget if it can pay it all; the snapshot after."""
        with self._lock:
            now = self._clock()
            budget = self._budget(token, resource)
            if budget.reset_at is None:
                budget.reset_at = now + WINDOW_S
            if amount > budget.limit - budget.used:
                return False, budget.snapshot(resource, now)
            budget.used += amount
            return True, budget.snapshot(resource, now)

    def set_budget(self, token: str, resource: str, *, remaining: int | None = None,
                   reset_in: float | None = None, limit: int | None = None) -> RateSnapshot:
        with self._lock:
            now = self._clock()
            budget = self._budget(token, resource)
            if limit is not None:
                budget.limit = limit
            if remaining is not None:
                budget.used = max(0, budget.limit - remaining)
            if reset_in is not None:
                budget.reset_at = now + reset_in
            elif budget.reset_at is None:
                budget.reset_at = now + WINDOW_S
            return budget.snapshot(resource, now)


class ConcurrencyGate:
    """Counts requests in flight; the one over `limit` is refused (a secondary rate limit)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    def enter(self) -> bool:
        with self._lock:
            if self.in_flight >= self.limit:
                return False
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return True

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1
