"""The run ledger in DynamoDB (item layout: docs/architecture.md and README).

Updates that can repeat (Lambda retries, redrives, at-least-once events) are conditional, so
a repeat never counts twice.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any, Callable, Iterable

from concurrent.futures import ThreadPoolExecutor

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from ghstats import limits, names

_STATUS_RANK = {names.RUNNING: 0}  # every terminal status ranks 1
SWEEP_GUIDS_KEPT = 100  # redelivered / given-up GUIDs kept in a sweep's item (the counts are whole)
SWEEP_TTL_DAYS = 90  # a sweep's item expires (TTL expires_at) after this long


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; give callers ints and floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set, tuple)):
        return [_plain(v) for v in value]
    return value


def _run(item: dict[str, Any]) -> dict[str, Any]:
    """A run item for callers: plain numbers, and output_keys as the map RecordFinish stored as
    JSON (the collectors' outputs vary, so the state machine stores the whole map as one string)."""
    run = _plain(item)
    for key in ("output_keys", "collectors"):
        if isinstance(run.get(key), str):
            run[key] = json.loads(run[key])
    return run


def _conditional_failed(exc: ClientError) -> bool:
    """True only when a condition said "already applied"; conflicts and throttling are not."""
    code = exc.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
        return "ConditionalCheckFailed" in reasons and all(r in ("None", "ConditionalCheckFailed", None) for r in reasons)
    return False


# record_start's outcomes
STARTED = "started"
LOCKED = "locked"  # another execution holds the collection's lock
CONFIG_CHANGED = "config_changed"  # the run id was planned with another config


def _cancel_reasons(exc: ClientError) -> list[str | None]:
    return [r.get("Code") for r in exc.response.get("CancellationReasons", [])]


class Ledger:
    def __init__(self, table: Any, now: Callable[[], float] = time.time):
        self._table = table
        self._client = table.meta.client
        self._now = now

    def _update_if(self, **update: Any) -> bool:
        """One conditional UpdateItem: True when applied, False when its condition said no."""
        try:
            self._table.update_item(**update)
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def _iso_now(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._now()))

    # -- StartRun and the collection lock ---------------------------------------------------

    def _lock_update(self, collection: str, run_id: str, execution_arn: str, since: str,
                     taken_at_ms: int | None = None) -> dict[str, Any]:
        """Take the collection's lock unless another execution holds a lock that has not expired.
        `taken_at_ms` (default now) dates this taking: an end event older than it frees nothing."""
        now = int(self._now())
        return {
            "Key": {"pk": names.lock_pk(collection), "sk": names.LOCK_SK},
            "UpdateExpression": "SET run_id = :run, execution_arn = :arn, since = :since, expires_at = :expires, "
                                "taken_at_ms = :taken, collection_name = :name, updated_at = :iso",
            "ConditionExpression": "attribute_not_exists(pk) OR execution_arn = :arn OR expires_at < :now",
            "ExpressionAttributeValues": {":run": run_id, ":arn": execution_arn, ":since": since, ":name": collection,
                                          ":expires": now + limits.EXECUTION_TIMEOUT_S, ":now": now,
                                          ":taken": taken_at_ms if taken_at_ms is not None else int(self._now() * 1000),
                                          ":iso": self._iso_now()},
        }

    def record_start(self, run_id: str, execution_arn: str, started_at: str, config: dict[str, Any],
                     fingerprint: str, collection: str) -> str:
        """Take the collection's lock and mark the run RUNNING, both or neither (a transaction).

        The lock is free, expired (a run never released it: it outlived the execution timeout) or
        already this execution's (a retry, a redrive). The run id must not have been started
        with another config. Returns STARTED, LOCKED or CONFIG_CHANGED; nothing is written
        unless STARTED.
        """
        run_update = {
            "Key": {"pk": names.run_pk(run_id), "sk": names.RUN_SK},
            "UpdateExpression": (
                "SET #s = :running, run_id = :run, execution_arn = :arn, config = :config, config_hash = :hash, "
                "collection_name = :name, started_at = if_not_exists(started_at, :started), gsi1pk = :runs, "
                "gsi1sk = if_not_exists(gsi1sk, :order), redrive_count = if_not_exists(redrive_count, :zero), "
                "updated_at = :started REMOVE #e, cause, track_rank, finished_at"
            ),
            "ConditionExpression": "attribute_not_exists(config_hash) OR config_hash = :hash",
            "ExpressionAttributeNames": {"#s": "status", "#e": "error"},
            "ExpressionAttributeValues": {
                ":running": names.RUNNING, ":run": run_id, ":arn": execution_arn,
                ":config": json.dumps(config, sort_keys=True), ":hash": fingerprint, ":name": collection,
                ":started": started_at, ":runs": names.RUNS_GSI_PK, ":order": names.time_order(started_at, run_id),
                ":zero": 0,
            },
        }
        table = self._table.name
        lock_update = self._lock_update(collection, run_id, execution_arn, started_at)
        try:
            self._client.transact_write_items(TransactItems=[
                {"Update": {"TableName": table, **lock_update}},
                {"Update": {"TableName": table, **run_update}},
            ])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = _cancel_reasons(exc)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                return LOCKED
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                return CONFIG_CHANGED
            raise
        return STARTED

    def take_lock(self, collection: str, run_id: str, execution_arn: str, since: str,
                  taken_at_ms: int | None = None) -> bool:
        """Take the lock alone (a redriven execution takes it back); False when another holds it."""
        return self._update_if(**self._lock_update(collection, run_id, execution_arn, since, taken_at_ms))

    def hold_lock(self, collection: str, run_id: str, execution_arn: str) -> dict[str, Any] | None:
        """Before a step sends anything to GitHub: keep this execution's lock (and its expiry one
        execution timeout ahead), or take it back if it is free or expired (a redrive after the
        lock was freed). Returns None when held, else the item of the execution that holds it."""
        now = int(self._now())
        if self._update_if(
            Key={"pk": names.lock_pk(collection), "sk": names.LOCK_SK},
            UpdateExpression="SET expires_at = :expires",
            ConditionExpression="execution_arn = :arn AND expires_at >= :now",
            ExpressionAttributeValues={":arn": execution_arn, ":now": now, ":expires": now + limits.EXECUTION_TIMEOUT_S},
        ):
            return None
        if self.take_lock(collection, run_id, execution_arn, self._iso_now()):
            return None
        return self.get_lock(collection) or {}

    def release_lock(self, collection: str, execution_arn: str, ended_at_ms: int | None = None) -> bool:
        """Free the lock if this execution holds it (it expires at once); False otherwise. With
        `ended_at_ms` (an end event's time) only a lock taken before then: a late FAILED of the
        first attempt never frees the lock its redrive took back."""
        condition = "execution_arn = :arn"
        values: dict[str, Any] = {":zero": 0, ":arn": execution_arn, ":iso": self._iso_now()}
        if ended_at_ms is not None:
            condition += " AND (attribute_not_exists(taken_at_ms) OR taken_at_ms <= :ended)"
            values[":ended"] = ended_at_ms
        return self._update_if(
            Key={"pk": names.lock_pk(collection), "sk": names.LOCK_SK},
            UpdateExpression="SET expires_at = :zero, released_at = :iso",
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
        )

    def get_lock(self, collection: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": names.lock_pk(collection), "sk": names.LOCK_SK}).get("Item")
        return _plain(item) if item else None

    # -- PlanRun and ListRepos ----------------------------------------------------------------

    def record_run_plan(
        self,
        run_id: str,
        started_at: str,
        owners: Iterable[str],
        planning_points: int = 0,
        predicted: dict[str, int] | None = None,
    ) -> None:
        """The run's owners and prediction (PlanRun), its counters started at zero, one pointer
        per owner (for 'last runs of org'). Each owner's listing adds its batches and repositories
        (`record_owner_plan`), so the totals grow as the owners are listed."""
        order = names.time_order(started_at, run_id)
        owners = list(owners)
        zero_if_new = ("batches_total", "repos_total", "batches_done", "repos_ok", "repos_failed", "owners_listed",
                       "listing_pages")
        self._table.update_item(
            Key={"pk": names.run_pk(run_id), "sk": names.RUN_SK},
            UpdateExpression=(
                "SET " + ", ".join(f"{n} = if_not_exists({n}, :zero)" for n in zero_if_new)
                + ", points_used = if_not_exists(points_used, :planning), warnings = if_not_exists(warnings, :none), "
                "orgs_failed = if_not_exists(orgs_failed, :none), listing = if_not_exists(listing, :nothing), "
                "orgs = :orgs, owners_total = :owners, updated_at = :now" + (", predicted = :predicted" if predicted else "")
            ),
            ExpressionAttributeValues={
                ":zero": 0, ":planning": planning_points, ":none": [], ":nothing": {},
                ":orgs": sorted(owners, key=str.lower), ":owners": len(owners), ":now": self._iso_now(),
                **({":predicted": predicted} if predicted else {}),
            },
        )
        for owner in owners:
            self._put_new({
                "pk": names.run_pk(run_id), "sk": names.org_sk(owner), "run_id": run_id, "org": owner,
                "gsi1pk": names.org_gsi_pk(owner), "gsi1sk": order,
            })

    def record_owner_plan(
        self,
        run_id: str,
        owner: str,
        batch_sizes: dict[str, int],
        repos_total: int,
        warnings: list[str],
        listing_points: int = 0,
        org_failed: str | None = None,
    ) -> bool:
        """An owner listed: its batches and repositories added to the run's totals, once (one
        transaction with the owner's item: a plan written again after a crash or on a redrive
        adds nothing), then one PENDING item per batch. False when it was added before."""
        table = self._table.name
        try:
            self._client.transact_write_items(TransactItems=[
                {"Update": {
                    "TableName": table,
                    "Key": {"pk": names.run_pk(run_id), "sk": names.owner_sk(owner)},
                    "UpdateExpression": "SET #s = :listed, owner_name = :owner, batches = :bt, repos = :rt, updated_at = :now "
                                        "REMOVE #e, cause",
                    "ConditionExpression": "attribute_not_exists(#s) OR #s <> :listed",
                    "ExpressionAttributeNames": {"#s": "status", "#e": "error"},
                    "ExpressionAttributeValues": {":listed": names.OWNER_LISTED, ":owner": owner, ":bt": len(batch_sizes),
                                                  ":rt": repos_total, ":now": self._iso_now()},
                }},
                {"Update": {
                    "TableName": table,
                    "Key": {"pk": names.run_pk(run_id), "sk": names.RUN_SK},
                    "UpdateExpression": "ADD batches_total :bt, repos_total :rt, points_used :points, owners_listed :one "
                                        "SET warnings = list_append(if_not_exists(warnings, :none), :warnings), "
                                        "orgs_failed = list_append(if_not_exists(orgs_failed, :none), :failed), "
                                        "updated_at = :now",
                    "ExpressionAttributeValues": {":bt": len(batch_sizes), ":rt": repos_total, ":points": listing_points,
                                                  ":one": 1, ":none": [], ":warnings": warnings,
                                                  ":failed": [org_failed] if org_failed else [], ":now": self._iso_now()},
                }},
            ])
            added = True
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            added = False
        self._put_batches(run_id, batch_sizes)
        return added

    def _put_batches(self, run_id: str, batch_sizes: dict[str, int]) -> None:
        """One PENDING item per batch. Conditional: a batch item that exists already (a plan
        written again) keeps its status and counts, so a batch done before is never done and
        counted twice. limits.S3_PARALLEL_REQUESTS at a time, through the table's client
        (thread-safe, unlike the resource; it takes plain values, as the resource's calls do)."""
        expires = int(self._now()) + limits.BATCH_ITEM_TTL_DAYS * 86_400
        client, table = self._table.meta.client, self._table.name

        def put_batch(item: dict[str, Any]) -> None:
            try:
                client.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
            except ClientError as exc:
                if not _conditional_failed(exc):
                    raise

        items = [{"pk": names.run_pk(run_id), "sk": names.batch_sk(batch_id), "run_id": run_id, "batch_id": batch_id,
                  "status": names.BATCH_PENDING, "repos": size, "attempts": 0, "expires_at": expires}
                 for batch_id, size in batch_sizes.items()]
        with ThreadPoolExecutor(limits.S3_PARALLEL_REQUESTS) as pool:
            for future in [pool.submit(put_batch, item) for item in items]:
                future.result()

    def owner_failed(self, run_id: str, owner: str, error: str, cause: str, failure_key: str | None) -> None:
        """An owner's listing failed for good: what and why, for TrackRun to name (a Distributed
        Map's own failure names no child) and for status to show. A listed owner stays listed."""
        self._update_if(
            Key={"pk": names.run_pk(run_id), "sk": names.owner_sk(owner)},
            UpdateExpression="SET #s = :failed, owner_name = :owner, #e = :error, cause = :cause, updated_at = :now"
            + (", failure_key = :fk" if failure_key else ""),
            ConditionExpression="attribute_not_exists(#s) OR #s <> :listed",
            ExpressionAttributeNames={"#s": "status", "#e": "error"},
            ExpressionAttributeValues={":failed": names.OWNER_FAILED, ":listed": names.OWNER_LISTED, ":owner": owner,
                                       ":error": error, ":cause": cause[:1000], ":now": self._iso_now(),
                                       **({":fk": failure_key} if failure_key else {})},
        )
        if failure_key:
            self.add_failure(run_id, failure_key)

    def _put_new(self, item: dict[str, Any]) -> bool:
        """Put an item that does not exist yet; False (and nothing written) when it does."""
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def note_listing(self, run_id: str, org: str, listed: int) -> None:
        """One more page of `org` listed (`listed`: its repositories so far), for status and
        progress. Owners list side by side: each sets its own entry of the run's `listing` map."""
        self._table.update_item(
            Key={"pk": names.run_pk(run_id), "sk": names.RUN_SK},
            UpdateExpression="SET listing.#org = :listed, updated_at = :now ADD listing_pages :one "
                             "REMOVE waiting_until, waiting_for",
            ExpressionAttributeNames={"#org": org},
            ExpressionAttributeValues={":listed": listed, ":one": 1, ":now": self._iso_now()},
        )

    def note_wait(self, run_id: str, wait_seconds: float, what: str) -> None:
        """GitHub said wait: when the run goes on and what waits, for status and progress to show
        as a wait (not as a run that stopped)."""
        self._table.update_item(
            Key={"pk": names.run_pk(run_id), "sk": names.RUN_SK},
            UpdateExpression="SET waiting_until = :until, waiting_for = :what, updated_at = :now",
            ExpressionAttributeValues={":until": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._now() + wait_seconds)),
                                       ":what": what, ":now": self._iso_now()},
        )

    # -- QueryBatch -------------------------------------------------------------------------

    def batch_started(self, run_id: str, batch_id: str) -> None:
        self._update_if(  # a DONE batch stays DONE (a late duplicate)
            Key={"pk": names.run_pk(run_id), "sk": names.batch_sk(batch_id)},
            UpdateExpression="SET #s = :running, updated_at = :now ADD attempts :one",
            ConditionExpression="attribute_not_exists(#s) OR #s <> :done",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":running": names.BATCH_RUNNING, ":done": names.BATCH_DONE, ":one": 1,
                ":now": self._iso_now(),
            },
        )

    def batch_done(
        self, run_id: str, batch_id: str, repos_ok: int, repos_failed: int, points: int,
        points_remaining: int | None = None,
    ) -> bool:
        """Mark a batch DONE and add it to the run's progress, once (a transaction)."""
        table = self._table.name
        try:
            # The resource's client (table.meta.client) takes plain Python values.
            self._client.transact_write_items(TransactItems=[
                {"Update": {
                    "TableName": table,
                    "Key": {"pk": names.run_pk(run_id), "sk": names.batch_sk(batch_id)},
                    "UpdateExpression": "SET #s = :done, repos_ok = :ok, repos_failed = :failed, points = :points, updated_at = :now REMOVE #e, cause",
                    "ConditionExpression": "attribute_not_exists(#s) OR #s <> :done",
                    "ExpressionAttributeNames": {"#s": "status", "#e": "error"},
                    "ExpressionAttributeValues": {":done": names.BATCH_DONE, ":ok": repos_ok, ":failed": repos_failed,
                                                  ":points": points, ":now": self._iso_now()},
                }},
                {"Update": {
                    "TableName": table,
                    "Key": {"pk": names.run_pk(run_id), "sk": names.RUN_SK},
                    # a batch done: whatever waited goes on (the wait is no longer shown)
                    "UpdateExpression": "ADD batches_done :one, repos_ok :ok, repos_failed :failed, points_used :points "
                                        "REMOVE waiting_until, waiting_for SET updated_at = :now"
                    + (", points_remaining = :remaining" if points_remaining is not None else ""),
                    "ExpressionAttributeValues": {":one": 1, ":ok": repos_ok, ":failed": repos_failed, ":points": points,
                                                  ":now": self._iso_now(),
                                                  **({":remaining": points_remaining} if points_remaining is not None else {})},
                }},
            ])
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def batch_failed(self, run_id: str, batch_id: str, error: str, cause: str, failure_key: str | None) -> None:
        self._table.update_item(
            Key={"pk": names.run_pk(run_id), "sk": names.batch_sk(batch_id)},
            UpdateExpression="SET #s = :failed, #e = :error, cause = :cause, updated_at = :now"
            + (", failure_key = :fk" if failure_key else ""),
            ExpressionAttributeNames={"#s": "status", "#e": "error"},
            ExpressionAttributeValues={
                ":failed": names.BATCH_FAILED, ":error": error, ":cause": cause[:1000],
                ":now": self._iso_now(), **({":fk": failure_key} if failure_key else {}),
            },
        )
        if failure_key:
            self.add_failure(run_id, failure_key)

    def add_failure(self, run_id: str, failure_key: str) -> None:
        """List a dead letter (runs/<run_id>/failures/...) in the run record."""
        self._table.update_item(
            Key={"pk": names.run_pk(run_id), "sk": names.RUN_SK},
            UpdateExpression="ADD failure_keys :fk",
            ExpressionAttributeValues={":fk": {failure_key}},
        )

    # -- TrackRun ---------------------------------------------------------------------------

    def apply_execution_status(
        self,
        run_id: str,
        status: str,
        redrive_count: int,
        *,
        error: str | None = None,
        cause: str | None = None,
        at: str | None = None,
        run_status: str | None = None,
        execution_arn: str | None = None,
        started_at: str | None = None,
    ) -> bool:
        """Apply a "Step Functions Execution Status Change" event, ignoring stale or repeated ones.

        Events are unordered and at-least-once: an event applies only when its rank
        (redrive count, then RUNNING < terminal) is higher than the last applied one.
        SUCCEEDED sets the run's status from the execution's output (`run_status`, SUCCEEDED or
        PARTIAL, what RecordFinish wrote too): after a redrive that re-ran only the last step,
        RecordFinish does not run again. A RUNNING that arrives after the workflow finished the
        run is stale and never overwrites SUCCEEDED or PARTIAL. Other statuses (e.g.
        PENDING_REDRIVE) say nothing the record keeps and are ignored. An event of another
        execution than the one that started the run (one refused because the run id was in use)
        never touches the run's record.
        """
        if status not in (names.RUNNING, names.SUCCEEDED, *names.TERMINAL_FAILURES):
            return False
        rank = redrive_count * 10 + _STATUS_RANK.get(status, 1)
        values: dict[str, Any] = {":rank": rank, ":rc": redrive_count, ":now": self._iso_now()}
        sets = ["track_rank = :rank", "redrive_count = :rc", "updated_at = :now"]
        removes: list[str] = []
        if status == names.RUNNING:
            sets.append("#s = :status")
            values[":status"] = names.RUNNING
            if redrive_count:
                sets.append("redriven_at = :at")
                values[":at"] = at or self._iso_now()
                removes += ["#e", "cause", "finished_at"]
        elif status == names.SUCCEEDED and run_status in (names.SUCCEEDED, names.PARTIAL):
            sets += ["#s = :status", "finished_at = if_not_exists(finished_at, :at)"]
            values.update({":status": run_status, ":at": at or self._iso_now()})
        elif status in names.TERMINAL_FAILURES:
            sets += ["#s = :status", "#e = :error", "cause = :cause", "finished_at = :at"]
            values.update({":status": status, ":error": error or status, ":cause": (cause or "")[:4000],
                           ":at": at or self._iso_now()})
            if started_at:  # a run refused before StartRun recorded it is listed among the last runs too
                sets += ["run_id = if_not_exists(run_id, :run)", "started_at = if_not_exists(started_at, :started)",
                         "gsi1pk = if_not_exists(gsi1pk, :runs)", "gsi1sk = if_not_exists(gsi1sk, :order)"]
                values.update({":run": run_id, ":started": started_at, ":runs": names.RUNS_GSI_PK,
                               ":order": names.time_order(started_at, run_id)})
        condition = "(attribute_not_exists(track_rank) OR track_rank < :rank)"
        if execution_arn:
            condition += " AND (attribute_not_exists(execution_arn) OR execution_arn = :arn)"
            values[":arn"] = execution_arn
        if status == names.RUNNING:
            condition += " AND NOT (#s IN (:succeeded, :partial))"
            values.update({":succeeded": names.SUCCEEDED, ":partial": names.PARTIAL})
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        attr_names = {k: v for k, v in (("#s", "status"), ("#e", "error")) if k in expression + condition}
        return self._update_if(
            Key={"pk": names.run_pk(run_id), "sk": names.RUN_SK},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
            **({"ExpressionAttributeNames": attr_names} if attr_names else {}),
        )

    # -- lookups ----------------------------------------------------------------------------

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": names.run_pk(run_id), "sk": names.RUN_SK}).get("Item")
        return _run(item) if item else None

    def get_batches(self, run_id: str) -> list[dict[str, Any]]:
        return self._items(run_id, names.batch_sk(""))

    def get_owners(self, run_id: str) -> list[dict[str, Any]]:
        """The run's owner items: each owner once listed (LISTED) or failed (FAILED, why)."""
        return self._items(run_id, names.owner_sk(""))

    def _items(self, run_id: str, sk_prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(names.run_pk(run_id)) & Key("sk").begins_with(sk_prefix)
        }
        while True:
            page = self._table.query(**kwargs)
            items.extend(_plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def last_runs(self, limit: int = 10, org: str | None = None) -> list[dict[str, Any]]:
        """The newest runs first, overall or for one organisation (GSI by_time)."""
        partition = names.org_gsi_pk(org) if org else names.RUNS_GSI_PK
        page = self._table.query(
            IndexName=names.RUNS_INDEX,
            KeyConditionExpression=Key("gsi1pk").eq(partition),
            ScanIndexForward=False,
            Limit=limit,
        )
        runs = []
        for item in page["Items"]:
            run = _run(item) if item["sk"] == names.RUN_SK else self.get_run(item["run_id"])
            if run:
                runs.append(run)
        return runs

    # -- webhook redelivery sweeps ----------------------------------------------------------

    def sweep_started(self, sweep_id: str, started_at: str) -> None:
        """Mark a sweep RUNNING (a sweep that dies on the way stays visible as RUNNING); a
        repeat of the same sweep (the scheduler's retry of one event) starts it again."""
        self._table.update_item(
            Key={"pk": names.sweep_pk(sweep_id), "sk": names.SWEEP_SK},
            UpdateExpression="SET #s = :running, sweep_id = :id, started_at = :started, gsi1pk = :sweeps, "
                             "gsi1sk = :order, updated_at = :now, expires_at = :expires REMOVE finished_at",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":running": names.RUNNING, ":id": sweep_id, ":started": started_at, ":sweeps": names.SWEEPS_GSI_PK,
                ":order": names.time_order(started_at, sweep_id), ":now": self._iso_now(),
                ":expires": int(self._now()) + SWEEP_TTL_DAYS * 86_400,
            },
        )

    def record_sweep(self, sweep_id: str, started_at: str, status: str, hooks: dict[str, dict[str, Any]],
                     redelivered: list[str], gave_up: list[str] | None = None, error: str | None = None) -> None:
        """A finished sweep: SUCCEEDED, PARTIAL (some hook failed) or FAILED (every hook did, or
        the sweep itself: `error`), the counts per hook ({hook: {listed, failed_guids, redelivered,
        already_stored, gave_up, errors}}), their totals, and at most SWEEP_GUIDS_KEPT of the GUIDs
        redelivered and given up."""
        totals: dict[str, int] = {}
        for counts in hooks.values():
            for name, value in counts.items():  # numbers add up; a list (errors) counts its entries
                if isinstance(value, (int, list)) and not isinstance(value, bool):
                    totals[name] = totals.get(name, 0) + (len(value) if isinstance(value, list) else value)
        self._table.update_item(
            Key={"pk": names.sweep_pk(sweep_id), "sk": names.SWEEP_SK},
            UpdateExpression="SET #s = :status, sweep_id = :id, started_at = if_not_exists(started_at, :started), "
                             "gsi1pk = :sweeps, gsi1sk = if_not_exists(gsi1sk, :order), hooks = :hooks, "
                             "totals = :totals, redelivered_guids = :redelivered, redelivered_total = :nr, "
                             "gave_up_guids = :gave_up, finished_at = :now, updated_at = :now, expires_at = :expires"
                             + (", #e = :error" if error else " REMOVE #e"),
            ExpressionAttributeNames={"#s": "status", "#e": "error"},
            ExpressionAttributeValues={
                ":status": status, ":id": sweep_id, ":started": started_at, ":sweeps": names.SWEEPS_GSI_PK,
                ":order": names.time_order(started_at, sweep_id), ":hooks": json.dumps(hooks, sort_keys=True),
                ":totals": totals, ":redelivered": list(redelivered[:SWEEP_GUIDS_KEPT]), ":nr": len(redelivered),
                ":gave_up": list((gave_up or [])[:SWEEP_GUIDS_KEPT]), ":now": self._iso_now(),
                ":expires": int(self._now()) + SWEEP_TTL_DAYS * 86_400, **({":error": error[:1000]} if error else {}),
            },
        )

    def get_sweep(self, sweep_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": names.sweep_pk(sweep_id), "sk": names.SWEEP_SK}).get("Item")
        return _sweep(item) if item else None

    def last_sweeps(self, limit: int = 10) -> list[dict[str, Any]]:
        """The newest sweeps first (GSI by_time, partition SWEEPS)."""
        page = self._table.query(
            IndexName=names.RUNS_INDEX,
            KeyConditionExpression=Key("gsi1pk").eq(names.SWEEPS_GSI_PK),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_sweep(item) for item in page["Items"]]


def _sweep(item: dict[str, Any]) -> dict[str, Any]:
    """A sweep item for callers: plain numbers, and the per-hook counts as stored (one JSON
    string: hook names such as "acme/123" are no safe attribute names in expressions)."""
    sweep = _plain(item)
    if isinstance(sweep.get("hooks"), str):
        sweep["hooks"] = json.loads(sweep["hooks"])
    return sweep
