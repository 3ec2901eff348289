"""Process one queued delivery: read it raw, count it, merge what it says into derived state, and
mark the days whose datasets the next rollup rewrites.

Every step is idempotent and the state write comes first, so processing a message again (SQS
delivers at least once; a failed batch item is retried) repeats nothing: the merge is a no-op,
the index and counts are the same puts. A delivery that cannot be processed raises, so that its
message is retried and then lands in the dead-letter queue; the raw object stays for replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ghstats.webhooks import names
from ghstats.webhooks.events import DEPLOYMENTS, PULL_REQUESTS, MalformedEvent, Observation, observe
from ghstats.webhooks.figures import RECORDS, anchor_day, milestone_days
from ghstats.webhooks.state import State, merge
from ghstats.webhooks.store import StateStore

# outcomes
DERIVED = "derived"
UNKNOWN = "unknown"  # stored and counted, nothing derived


# Every day a thing was ever indexed under, kept in its state (not in its record): the days it
# counts in now, and those it no longer counts in (a closed pull request reopened), so that a
# retry after a crash between the state write and the marks marks every one of them again.
INDEXED_DAYS = "indexed_days"


def _days(family: str, state: State) -> set[str]:
    record = RECORDS[family](state)
    return milestone_days(family, record) | ({anchor_day(record)} - {None})


def _merged_and_indexed(observation: Observation) -> Callable[[State | None], State]:
    def change(state: State | None) -> State:
        new = merge(state, observation)
        earlier = set(state.get(INDEXED_DAYS, [])) | _days(observation.family, state) if state else set()
        new[INDEXED_DAYS] = sorted(earlier | _days(observation.family, new))
        return new

    return change


class MissingDelivery(RuntimeError):
    """The queued message names a raw object that is not there (retried, then dead-lettered)."""


@dataclass(frozen=True)
class Processed:
    outcome: str
    event: str
    families: tuple[str, ...] = ()


def _message_field(message: Mapping[str, Any], name: str) -> str:
    value = message.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"the queued message has no {name}")
    return value


def process(message: Mapping[str, Any], *, read_raw: Callable[[str], Any], store: StateStore) -> Processed:
    key = _message_field(message, "key")
    event = _message_field(message, "event")
    document = read_raw(key)
    if not isinstance(document, Mapping) or not isinstance(document.get("payload"), Mapping):
        raise MissingDelivery(f"no stored delivery at {key}")
    received_at = document.get("received_at")
    if not isinstance(received_at, str) or len(received_at) < 10:
        raise MalformedEvent(f"the stored delivery {key} has no received_at")
    unknown = event not in names.KNOWN_EVENTS
    day = received_at[:10]
    store.count_delivery(day, event, _message_field(message, "hook_id"), _message_field(message, "delivery"), unknown)
    store.mark_dirty(names.DELIVERIES, [day])
    if unknown:
        return Processed(UNKNOWN, event)

    observations = observe(event, document["payload"])
    for observation in observations:
        family, entity = observation.family, observation.entity
        old, new = store.update(family, entity, _merged_and_indexed(observation))
        days = set(new[INDEXED_DAYS])
        record = RECORDS[family](new)
        if family == DEPLOYMENTS and record["sha"]:
            # noted before its days are marked: a merge of the commit processed meanwhile either
            # finds this note, or its merge record is there for the rollup these marks cause
            store.note_deployed(int(record["repository_id"]), str(record["sha"]), entity, days)
        store.index_days(family, entity, days)
        store.mark_dirty(family, days)
        if family == PULL_REQUESTS and record["merged_at"] and record["merge_commit_sha"]:
            repository_id, sha = int(record["repository_id"]), str(record["merge_commit_sha"])
            store.record_merge(repository_id, sha, record["merged_at"], entity)
            # a deployment of this commit told before its merge gets its lead time at the next rollup
            store.mark_dirty(DEPLOYMENTS, store.deployed_days(repository_id, sha))
    return Processed(DERIVED, event, tuple(o.family for o in observations))
