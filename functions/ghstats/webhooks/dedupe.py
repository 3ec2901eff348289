"""Dedupe marks: one per (hook id, delivery GUID), so that a redelivery is stored and queued once.

A mark is claimed before the delivery is stored and queued, and completed after both succeeded:

- no mark, or a PENDING mark whose lease ran out (the attempt failed, crashed or timed out):
  the claim succeeds; the mark remembers the object key of the first claim, so every attempt
  writes the same object (one object per delivery even when a redelivery comes another day);
- a DONE mark: the delivery is a duplicate;
- a PENDING mark still leased: another attempt is under way (the caller answers 409, GitHub
  shows a failed delivery, nothing is lost: that attempt or a later redelivery stores it).

A failed attempt releases its claim at once (best effort; the lease covers a release that fails
or never runs), so that GitHub's redelivery is not blocked. Releasing ends the lease but keeps
the mark and its object key: a redelivery (maybe another UTC day) overwrites the object the
failed attempt may already have written instead of writing a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from ghstats.webhooks import limits, names

PENDING = "PENDING"
DONE = "DONE"

# claim outcomes
CLAIMED = "claimed"
DUPLICATE = "duplicate"
IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class Claim:
    outcome: str  # CLAIMED, DUPLICATE or IN_PROGRESS
    key: str | None = None  # CLAIMED: the object key to write (the first claim's)
    token: int = 0  # CLAIMED: this attempt's number, so it releases only its own claim


class Dedupe(Protocol):
    def claim(self, hook_id: str, delivery: str, key: str, now_s: float) -> Claim: ...

    def complete(self, hook_id: str, delivery: str, now_s: float) -> None: ...

    def release(self, hook_id: str, delivery: str, token: int) -> None: ...

    def is_done(self, hook_id: str, delivery: str) -> bool: ...


def _expires(now_s: float) -> int:
    return int(now_s) + limits.DELIVERY_TTL_DAYS * 86_400


class DynamoDedupe:
    """Marks in the ledger table: pk DELIVERY#<hook_id>#<delivery>, sk DELIVERY, TTL expires_at."""

    def __init__(self, table: Any):
        self._table = table

    @staticmethod
    def _key(hook_id: str, delivery: str) -> dict[str, str]:
        return {"pk": names.delivery_pk(hook_id, delivery), "sk": names.DELIVERY_SK}

    def claim(self, hook_id: str, delivery: str, key: str, now_s: float) -> Claim:
        try:
            item = self._table.update_item(
                Key=self._key(hook_id, delivery),
                UpdateExpression="SET #state = :pending, lease_until = :lease, expires_at = :expires, "
                                 "object_key = if_not_exists(object_key, :key), "
                                 "attempts = if_not_exists(attempts, :zero) + :one",
                ConditionExpression="attribute_not_exists(pk) OR (#state = :pending AND lease_until < :now)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":pending": PENDING, ":lease": int(now_s) + limits.CLAIM_LEASE_S, ":expires": _expires(now_s),
                    ":key": key, ":zero": 0, ":one": 1, ":now": int(now_s),
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            existing = self._table.get_item(Key=self._key(hook_id, delivery), ConsistentRead=True).get("Item") or {}
            return Claim(DUPLICATE if existing.get("state") == DONE else IN_PROGRESS)
        return Claim(CLAIMED, str(item["object_key"]), int(item["attempts"]))

    def complete(self, hook_id: str, delivery: str, now_s: float) -> None:
        self._table.update_item(
            Key=self._key(hook_id, delivery),
            UpdateExpression="SET #state = :done, expires_at = :expires REMOVE lease_until",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":done": DONE, ":expires": _expires(now_s)},
        )

    def release(self, hook_id: str, delivery: str, token: int) -> None:
        try:
            self._table.update_item(
                Key=self._key(hook_id, delivery),
                UpdateExpression="SET lease_until = :zero",
                ConditionExpression="#state = :pending AND attempts = :token",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":pending": PENDING, ":token": token, ":zero": 0},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise  # another attempt took the claim over, or it completed: leave it

    def is_done(self, hook_id: str, delivery: str) -> bool:
        """Whether the delivery was stored and queued (its mark is DONE): the redelivery sweep
        never asks GitHub to send it again, even if GitHub saw the attempt fail (a late answer)."""
        item = self._table.get_item(Key=self._key(hook_id, delivery), ConsistentRead=True).get("Item")
        return bool(item) and item.get("state") == DONE


class MemoryDedupe:
    """The same rules in memory (tests, local runs)."""

    def __init__(self) -> None:
        self.marks: dict[tuple[str, str], dict[str, Any]] = {}

    def claim(self, hook_id: str, delivery: str, key: str, now_s: float) -> Claim:
        mark = self.marks.get((hook_id, delivery))
        if mark is not None and not (mark["state"] == PENDING and mark["lease_until"] < int(now_s)):
            return Claim(DUPLICATE if mark["state"] == DONE else IN_PROGRESS)
        mark = mark or {"object_key": key, "attempts": 0}
        mark.update(state=PENDING, lease_until=int(now_s) + limits.CLAIM_LEASE_S, expires_at=_expires(now_s),
                    attempts=mark["attempts"] + 1)
        self.marks[(hook_id, delivery)] = mark
        return Claim(CLAIMED, mark["object_key"], mark["attempts"])

    def complete(self, hook_id: str, delivery: str, now_s: float) -> None:
        mark = self.marks.setdefault((hook_id, delivery), {"attempts": 0})
        mark.update(state=DONE, expires_at=_expires(now_s))
        mark.pop("lease_until", None)

    def release(self, hook_id: str, delivery: str, token: int) -> None:
        mark = self.marks.get((hook_id, delivery))
        if mark is not None and mark["state"] == PENDING and mark["attempts"] == token:
            mark["lease_until"] = 0

    def is_done(self, hook_id: str, delivery: str) -> bool:
        mark = self.marks.get((hook_id, delivery))
        return mark is not None and mark.get("state") == DONE
