"""GitHub's rateLimit answer (GraphQL), as the client accounts it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RateLimit:
    cost: int
    remaining: int
    limit: int
    used: int
    reset_at: str | None
    node_count: int

    @classmethod
    def from_graphql(cls, data: dict[str, Any] | None) -> "RateLimit | None":
        if not data:
            return None
        return cls(
            cost=int(data.get("cost") or 0),
            remaining=int(data.get("remaining") or 0),
            limit=int(data.get("limit") or 0),
            used=int(data.get("used") or 0),
            reset_at=data.get("resetAt"),
            node_count=int(data.get("nodeCount") or 0),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "cost": self.cost,
            "remaining": self.remaining,
            "limit": self.limit,
            "used": self.used,
            "reset_at": self.reset_at,
            "node_count": self.node_count,
        }
