"""What the simulator saw: one record per request, for tests and benchmarks to assert on."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestRecord:
    kind: str  # "graphql" | "rest"
    method: str
    path: str
    status: int  # 0 when the connection was dropped without an answer
    cost: int  # rate-limit points charged (GraphQL); 0 for REST
    repos: int  # number of repository() fields in the query
    fault: str | None  # the injected Fault's kind, "secondary_concurrency", or None
    duration_s: float
    seq: int = 0  # arrival order (1-based, over both kinds)
    query: str | None = None  # the GraphQL document (None for REST)
    installation: str | None = None  # the App installation whose token sent it (None: another credential)


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def all(self) -> list[RequestRecord]:
        with self._lock:
            return sorted(self._records, key=lambda r: r.seq)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
