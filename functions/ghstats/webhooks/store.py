"""Derived webhook state in the ledger table (keys: ghstats.webhooks.names).

A state item holds one thing's merged state as JSON, with a version: an update reads it, merges,
and writes it back only if nobody wrote in between (a conditional put), else reads again. So
two processors that take deliveries of one pull request at once both count.

Everything else here is idempotent (puts of the same item, a touch counter), so a message that
is processed twice, or a processor that crashes between two writes and is retried, changes
nothing more than processing it once.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable, Iterable

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from ghstats.webhooks import names
from ghstats.webhooks.state import State

MAX_ATTEMPTS = 20  # conditional-put retries of one state update under contention
_BATCH_GET = 100  # DynamoDB BatchGetItem's limit


class Contended(RuntimeError):
    """A state item kept changing under us (the message is retried by SQS)."""


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class StateStore:
    def __init__(self, table: Any):
        self._table = table

    # -- state ---------------------------------------------------------------------------------

    def _get_state(self, family: str, entity: str) -> tuple[State | None, int]:
        item = self._table.get_item(Key={"pk": names.state_pk(family, entity), "sk": names.STATE_SK},
                                    ConsistentRead=True).get("Item")
        if not item:
            return None, 0
        return json.loads(item["doc"]), int(item["version"])

    def update(self, family: str, entity: str, change: Callable[[State | None], State]) -> tuple[State | None, State]:
        """(state before, state after) of applying `change`; written only when it changed something."""
        for _ in range(MAX_ATTEMPTS):
            old, version = self._get_state(family, entity)
            new = change(old)
            if new == old:
                return old, new
            try:
                self._table.put_item(
                    Item={"pk": names.state_pk(family, entity), "sk": names.STATE_SK, "family": family,
                          "entity": entity, "doc": json.dumps(new, sort_keys=True, separators=(",", ":")),
                          "version": version + 1},
                    ConditionExpression="attribute_not_exists(pk) OR version = :version",
                    ExpressionAttributeValues={":version": version},
                )
                return old, new
            except ClientError as exc:
                if not _conditional_failed(exc):
                    raise
        raise Contended(f"{family} {entity} changed {MAX_ATTEMPTS} times while it was being updated")

    def states(self, family: str, entities: Iterable[str]) -> dict[str, State]:
        keys = [{"pk": names.state_pk(family, entity), "sk": names.STATE_SK} for entity in sorted(set(entities))]
        return {_plain(item["entity"]): json.loads(_plain(item["doc"])) for item in self._batch_get(keys)}

    # -- indexes -------------------------------------------------------------------------------

    def index_days(self, family: str, entity: str, days: Iterable[str]) -> None:
        for day in sorted(set(days)):
            self._table.put_item(Item={"pk": names.day_pk(family, day), "sk": entity})

    def entities_on(self, family: str, day: str) -> list[str]:
        return [str(item["sk"]) for item in self._query(names.day_pk(family, day))]

    def count_delivery(self, day: str, event: str, hook_id: str, delivery: str, unknown: bool) -> None:
        self._table.put_item(Item={"pk": names.day_pk(names.DELIVERIES, day), "sk": f"{event}#{hook_id}#{delivery}",
                                   "unknown": unknown})

    def deliveries_on(self, day: str) -> list[dict[str, Any]]:
        """[{"event", "hook_id", "delivery", "unknown"}] of the deliveries received that day."""
        lines = []
        for item in self._query(names.day_pk(names.DELIVERIES, day)):
            event, hook_id, delivery = str(item["sk"]).split("#", 2)
            lines.append({"event": event, "hook_id": hook_id, "delivery": delivery, "unknown": bool(item.get("unknown"))})
        return lines

    def record_merge(self, repository_id: int, sha: str, merged_at: str, entity: str) -> None:
        """When the pull request whose merge commit is `sha` was merged (the earliest, if told twice)."""
        try:
            self._table.put_item(
                Item={"pk": names.merge_sha_pk(repository_id, sha), "sk": names.STATE_SK, "merged_at": merged_at,
                      "entity": entity},
                ConditionExpression="attribute_not_exists(pk) OR merged_at > :merged",
                ExpressionAttributeValues={":merged": merged_at},
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def note_deployed(self, repository_id: int, sha: str, entity: str, days: Iterable[str]) -> None:
        """A deployment of `sha` (and its days), so that a merge of that commit told later rewrites them."""
        self._table.put_item(Item={"pk": names.merge_sha_pk(repository_id, sha), "sk": f"{names.DEPLOYMENT_SK_PREFIX}{entity}",
                                   "days": sorted(set(days))})

    def deployed_days(self, repository_id: int, sha: str) -> set[str]:
        """Every day of the deployments of `sha` noted so far."""
        return {str(day) for item in self._query(names.merge_sha_pk(repository_id, sha))
                if str(item["sk"]).startswith(names.DEPLOYMENT_SK_PREFIX) for day in item.get("days", [])}

    def merged_at(self, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
        by_pk = {names.merge_sha_pk(repository_id, sha): (repository_id, sha) for repository_id, sha in sorted(set(pairs))}
        keys = [{"pk": pk, "sk": names.STATE_SK} for pk in by_pk]
        return {by_pk[_plain(item["pk"])]: _plain(item["merged_at"]) for item in self._batch_get(keys)}

    # -- what the next rollup rewrites ---------------------------------------------------------

    def mark_dirty(self, family: str, days: Iterable[str]) -> None:
        """Mark each day with a token never used before: a rollup clears a mark only if it still
        holds the token the rollup read (a count could come back to the same value after a
        concurrent rollup deleted the mark and a delivery made it anew)."""
        for day in sorted(set(days)):
            self._table.update_item(Key={"pk": names.DIRTY_PK, "sk": f"{family}#{day}"},
                                    UpdateExpression="SET #token = :token", ExpressionAttributeNames={"#token": "token"},
                                    ExpressionAttributeValues={":token": uuid.uuid4().hex})

    def dirty(self) -> list[tuple[str, str, str]]:
        """[(family, day, token)], oldest day first."""
        marks = []
        for item in self._query(names.DIRTY_PK):
            family, day = str(item["sk"]).rsplit("#", 1)
            marks.append((family, day, str(item["token"])))
        return sorted(marks, key=lambda mark: (mark[1], mark[0]))

    def clear_dirty(self, family: str, day: str, token: str) -> bool:
        """Clear the mark unless it was marked again since it was read (then the next rollup does it again)."""
        try:
            self._table.delete_item(Key={"pk": names.DIRTY_PK, "sk": f"{family}#{day}"},
                                    ConditionExpression="#token = :seen", ExpressionAttributeNames={"#token": "token"},
                                    ExpressionAttributeValues={":seen": token})
            return True
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            return False

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items of `keys` that exist (consistent reads), BatchGetItem's limit at a time, asking
        again for the keys it left unprocessed."""
        items: list[dict[str, Any]] = []
        client = self._table.meta.client
        for start in range(0, len(keys), _BATCH_GET):
            request: dict[str, Any] = {self._table.name: {"Keys": keys[start:start + _BATCH_GET], "ConsistentRead": True}}
            while request:
                answer = client.batch_get_item(RequestItems=request)
                items.extend(answer.get("Responses", {}).get(self._table.name, []))
                request = answer.get("UnprocessedKeys") or {}
        return items

    def _query(self, pk: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(pk), "ConsistentRead": True}
        while True:
            answer = self._table.query(**request)
            items.extend(answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                return items
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _plain(value: Any) -> Any:
    """A low-level client's attribute value ({"S": ...}) or a resource's, as a Python value."""
    if isinstance(value, dict) and len(value) == 1:
        (kind, inner), = value.items()
        if kind == "S":
            return inner
        if kind == "N":
            return int(inner)
    return value
