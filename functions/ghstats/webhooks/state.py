"""Derived state per pull request, job, check suite and deployment, and the rules that merge an
Observation into it.

The rules do not depend on the order deliveries arrive in, and a delivery merged twice changes
nothing (GitHub redelivers, SQS delivers at least once, and events overtake each other):

- a snapshot (a pull request's state, a job's status) is taken from the observation that is
  newest by GitHub's own clock (`updated_at`), then by how far along its action is, then by its
  content, so two processors that see the same observations in any order agree;
- what only happens once is kept from the first time it happened: created_at, merged_at, a
  job's completion, a deployment's first success;
- what accumulates (reviews, deployment statuses) is a union keyed by GitHub's id.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from ghstats.webhooks.events import CHECK_SUITES, DEPLOYMENTS, PULL_REQUESTS, WORKFLOW_JOBS, Observation

State = dict[str, Any]

# how far along an action is, for snapshots with the same updated_at
_PULL_REQUEST_ACTION_RANK = {
    "pull_request.opened": 0, "pull_request.edited": 1, "pull_request.synchronize": 1,
    "pull_request_review.submitted": 1, "pull_request_review.edited": 1, "pull_request_review.dismissed": 1,
    "pull_request.converted_to_draft": 2, "pull_request.ready_for_review": 3,
    "pull_request.reopened": 4, "pull_request.closed": 5,
}
# a job only moves forward through these (GitHub re-runs a job under a new id)
JOB_STATUS_RANK = {"queued": 0, "waiting": 1, "pending": 1, "requested": 0, "in_progress": 2, "completed": 3}
SUITE_STATUS_RANK = {"requested": 0, "queued": 0, "pending": 0, "in_progress": 1, "completed": 2}


def _content(facts: dict[str, Any]) -> str:
    return json.dumps(facts, sort_keys=True, separators=(",", ":"))


def _newer(state: State, order: list[Any]) -> bool:
    """True when `order` beats the order of the snapshot the state holds."""
    held = state.get("snapshot_order")
    return held is None or order > held


def _earliest(*values: str | None) -> str | None:
    present = [value for value in values if value]
    return min(present) if present else None


def _union(held: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    """Entries keyed by GitHub's id; of two versions of one entry the greater content wins."""
    merged = dict(held or {})
    for key, value in (new or {}).items():
        if key not in merged or _content(value) > _content(merged[key]):
            merged[key] = value
    return merged


_PR_SNAPSHOT = ("repository", "author", "base_ref", "html_url", "state", "draft", "closed_at", "merge_commit_sha",
                "updated_at")


def _merge_pull_request(state: State, kind: str, facts: dict[str, Any]) -> State:
    new = dict(state)
    new["repository_id"], new["number"] = facts["repository_id"], facts["number"]
    new["created_at"] = _earliest(state.get("created_at"), facts["created_at"])
    snapshot = {key: facts.get(key) for key in _PR_SNAPSHOT}
    order = [facts["updated_at"], _PULL_REQUEST_ACTION_RANK.get(kind, 1), _content(snapshot)]
    if _newer(state, order):
        new.update(snapshot)
        new["snapshot_order"] = order
    new["merged_at"] = _earliest(state.get("merged_at"), facts.get("merged_at"))  # a merge is never undone
    new["ready_at"] = _earliest(state.get("ready_at"), facts.get("ready_at"))
    if "size" in facts:
        size_order = [facts["updated_at"], _content(facts["size"])]
        if state.get("size_order") is None or size_order > state["size_order"]:
            new["size"], new["size_order"] = facts["size"], size_order
    if "reviews" in facts:
        new["reviews"] = _union(state.get("reviews"), facts["reviews"])
    return new


_JOB_SNAPSHOT = ("repository", "workflow_name", "name", "run_id", "run_attempt", "status", "conclusion",
                 "started_at", "completed_at", "labels", "runner_name", "runner_group_name", "head_branch")


def _merge_workflow_job(state: State, kind: str, facts: dict[str, Any]) -> State:
    new = dict(state)
    new["repository_id"], new["job_id"] = facts["repository_id"], facts["job_id"]
    new["created_at"] = _earliest(state.get("created_at"), facts["created_at"])
    snapshot = {key: facts.get(key) for key in _JOB_SNAPSHOT}
    order = [JOB_STATUS_RANK.get(str(facts.get("status")), 0), facts.get("completed_at") or "",
             facts.get("started_at") or "", _content(snapshot)]
    if _newer(state, order):
        new.update(snapshot)
        new["snapshot_order"] = order
    # the labels of the furthest-along observation that has any (a snapshot without labels keeps them)
    new["labels"], new["labels_order"] = state.get("labels") or [], state.get("labels_order")
    if facts.get("labels") and (new["labels_order"] is None or order > new["labels_order"]):
        new["labels"], new["labels_order"] = list(facts["labels"]), order
    return new


_SUITE_SNAPSHOT = ("repository", "app", "head_branch", "head_sha", "status", "conclusion", "updated_at")


def _merge_check_suite(state: State, kind: str, facts: dict[str, Any]) -> State:
    new = dict(state)
    new["repository_id"], new["check_suite_id"] = facts["repository_id"], facts["check_suite_id"]
    new["created_at"] = _earliest(state.get("created_at"), facts["created_at"])
    snapshot = {key: facts.get(key) for key in _SUITE_SNAPSHOT}
    # a re-requested suite goes back to queued with a later updated_at: that is news, not disorder
    order = [facts["updated_at"], SUITE_STATUS_RANK.get(str(facts.get("status")), 0), _content(snapshot)]
    if _newer(state, order):
        new.update(snapshot)
        new["snapshot_order"] = order
    return new


_DEPLOYMENT_IDENTITY = ("repository", "environment", "sha", "ref")


def _merge_deployment(state: State, kind: str, facts: dict[str, Any]) -> State:
    new = dict(state)
    new["repository_id"], new["deployment_id"] = facts["repository_id"], facts["deployment_id"]
    new["created_at"] = _earliest(state.get("created_at"), facts["created_at"])
    # environment and sha never change; the repository's name can (a rename): the newest wins
    times = [status["at"] for status in (facts.get("statuses") or {}).values()] or [facts["created_at"]]
    identity = {key: facts.get(key) for key in _DEPLOYMENT_IDENTITY}
    order = [max(times), _content(identity)]
    if state.get("identity_order") is None or order > state["identity_order"]:
        new.update(identity)
        new["identity_order"] = order
    if "statuses" in facts:
        new["statuses"] = _union(state.get("statuses"), facts["statuses"])
    return new


_MERGES: dict[str, Callable[[State, str, dict[str, Any]], State]] = {
    PULL_REQUESTS: _merge_pull_request,
    WORKFLOW_JOBS: _merge_workflow_job,
    CHECK_SUITES: _merge_check_suite,
    DEPLOYMENTS: _merge_deployment,
}


def merge(state: State | None, observation: Observation) -> State:
    """The state after `observation`; merging it again, or in another order, gives the same state."""
    return _MERGES[observation.family](dict(state or {}), observation.kind, observation.facts)
