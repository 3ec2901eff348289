"""What one webhook delivery says about one thing: an Observation of a pull request, a job, a
check suite or a deployment, read from GitHub's payload.

Plain functions of the payload. A payload of a known event type that lacks what the
observation needs raises MalformedEvent: the processor lets that message fail, so it is
retried and then waits in the dead-letter queue (it is stored raw either way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from ghstats.webhooks import names

# families of derived state (their datasets are webhooks_<family> and webhooks_<family>_daily)
PULL_REQUESTS = "pull_requests"
WORKFLOW_JOBS = "workflow_jobs"
CHECK_SUITES = "check_suites"
DEPLOYMENTS = "deployments"
FAMILIES = (PULL_REQUESTS, WORKFLOW_JOBS, CHECK_SUITES, DEPLOYMENTS)


class MalformedEvent(ValueError):
    """A known event whose payload lacks a field the derivation needs (names the field)."""


@dataclass(frozen=True)
class Observation:
    family: str
    entity: str  # stable id within the family (a repository's id survives renames)
    kind: str  # what was observed: the event and action, e.g. "pull_request.closed"
    facts: dict[str, Any] = field(default_factory=dict)


def _get(payload: Mapping[str, Any], path: str) -> Any:
    value: Any = payload
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise MalformedEvent(f"the payload has no {path}")
        value = value[part]
    return value


def _opt(payload: Mapping[str, Any], path: str) -> Any:
    try:
        return _get(payload, path)
    except MalformedEvent:
        return None


def _time(payload: Mapping[str, Any], path: str, *, required: bool = False) -> str | None:
    """An ISO timestamp, normalised to UTC "YYYY-MM-DDTHH:MM:SSZ"; None when absent or null."""
    value = _get(payload, path) if required else _opt(payload, path)
    if value is None:
        if required:
            raise MalformedEvent(f"the payload's {path} is null")
        return None
    if not isinstance(value, str):
        raise MalformedEvent(f"the payload's {path} is not a timestamp")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedEvent(f"the payload's {path} is not a timestamp") from exc
    if parsed.tzinfo is None:
        raise MalformedEvent(f"the payload's {path} has no time zone")
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(payload: Mapping[str, Any], path: str) -> int:
    value = _get(payload, path)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEvent(f"the payload's {path} is not a number")
    return value


def _repository(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"repository_id": _id(payload, "repository.id"), "repository": _get(payload, "repository.full_name")}


def _login(payload: Mapping[str, Any], path: str) -> str | None:
    value = _opt(payload, path)
    return value if isinstance(value, str) else None


def _pull_request_snapshot(payload: Mapping[str, Any]) -> dict[str, Any]:
    facts = {
        **_repository(payload),
        "number": _id(payload, "pull_request.number"),
        "author": _login(payload, "pull_request.user.login"),
        "base_ref": _opt(payload, "pull_request.base.ref"),
        "html_url": _opt(payload, "pull_request.html_url"),
        "created_at": _time(payload, "pull_request.created_at", required=True),
        "updated_at": _time(payload, "pull_request.updated_at", required=True),
        "state": _get(payload, "pull_request.state"),
        "draft": bool(_opt(payload, "pull_request.draft")),
        "closed_at": _time(payload, "pull_request.closed_at"),
        "merged_at": _time(payload, "pull_request.merged_at"),
        "merge_commit_sha": _opt(payload, "pull_request.merge_commit_sha"),
    }
    return facts


_SIZE_FIELDS = ("additions", "deletions", "changed_files", "commits")


def _pull_request(payload: Mapping[str, Any], action: str) -> list[Observation]:
    facts = _pull_request_snapshot(payload)
    pull = _get(payload, "pull_request")
    size = {name: pull[name] for name in _SIZE_FIELDS if isinstance(pull.get(name), int)}
    if size:
        facts["size"] = size
    if action == "ready_for_review":
        facts["ready_at"] = facts["updated_at"]
    entity = f"{facts['repository_id']}:{facts['number']}"
    return [Observation(PULL_REQUESTS, entity, f"pull_request.{action}", facts)]


def _pull_request_review(payload: Mapping[str, Any], action: str) -> list[Observation]:
    facts = _pull_request_snapshot(payload)
    review_id = _id(payload, "review.id")
    submitted = _time(payload, "review.submitted_at")
    reviewer = _login(payload, "review.user.login")
    if submitted is not None and reviewer != facts["author"]:
        facts["reviews"] = {str(review_id): {"at": submitted, "by": reviewer,
                                             "state": str(_opt(payload, "review.state") or "").lower()}}
    entity = f"{facts['repository_id']}:{facts['number']}"
    return [Observation(PULL_REQUESTS, entity, f"pull_request_review.{action}", facts)]


def _workflow_job(payload: Mapping[str, Any], action: str) -> list[Observation]:
    job = _get(payload, "workflow_job")
    labels = job.get("labels")
    facts = {
        **_repository(payload),
        "job_id": _id(payload, "workflow_job.id"),
        "run_id": _id(payload, "workflow_job.run_id"),
        "run_attempt": job.get("run_attempt") if isinstance(job.get("run_attempt"), int) else None,
        "workflow_name": _opt(payload, "workflow_job.workflow_name"),
        "name": _opt(payload, "workflow_job.name"),
        "status": _get(payload, "workflow_job.status"),
        "conclusion": job.get("conclusion"),
        "created_at": _time(payload, "workflow_job.created_at", required=True),
        "started_at": _time(payload, "workflow_job.started_at"),
        "completed_at": _time(payload, "workflow_job.completed_at"),
        "labels": [str(label) for label in labels] if isinstance(labels, list) else [],
        "runner_name": job.get("runner_name"),
        "runner_group_name": job.get("runner_group_name"),
        "head_branch": job.get("head_branch"),
    }
    return [Observation(WORKFLOW_JOBS, str(facts["job_id"]), f"workflow_job.{action}", facts)]


def _check_suite(payload: Mapping[str, Any], action: str) -> list[Observation]:
    facts = {
        **_repository(payload),
        "check_suite_id": _id(payload, "check_suite.id"),
        "app": _opt(payload, "check_suite.app.slug"),
        "head_branch": _opt(payload, "check_suite.head_branch"),
        "head_sha": _opt(payload, "check_suite.head_sha"),
        "status": _get(payload, "check_suite.status"),
        "conclusion": _opt(payload, "check_suite.conclusion"),
        "created_at": _time(payload, "check_suite.created_at", required=True),
        "updated_at": _time(payload, "check_suite.updated_at", required=True),
    }
    return [Observation(CHECK_SUITES, str(facts["check_suite_id"]), f"check_suite.{action}", facts)]


def _deployment_facts(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_repository(payload),
        "deployment_id": _id(payload, "deployment.id"),
        "environment": _get(payload, "deployment.environment"),
        "sha": _opt(payload, "deployment.sha"),
        "ref": _opt(payload, "deployment.ref"),
        "created_at": _time(payload, "deployment.created_at", required=True),
    }


def _deployment(payload: Mapping[str, Any], action: str) -> list[Observation]:
    facts = _deployment_facts(payload)
    return [Observation(DEPLOYMENTS, str(facts["deployment_id"]), f"deployment.{action}", facts)]


def _deployment_status(payload: Mapping[str, Any], action: str) -> list[Observation]:
    facts = _deployment_facts(payload)
    status_id = _id(payload, "deployment_status.id")
    facts["statuses"] = {str(status_id): {"state": str(_get(payload, "deployment_status.state")).lower(),
                                          "at": _time(payload, "deployment_status.created_at", required=True)}}
    return [Observation(DEPLOYMENTS, str(facts["deployment_id"]), f"deployment_status.{action}", facts)]


_READERS: dict[str, Callable[[Mapping[str, Any], str], list[Observation]]] = {
    "pull_request": _pull_request,
    "pull_request_review": _pull_request_review,
    "workflow_job": _workflow_job,
    "check_suite": _check_suite,
    "deployment": _deployment,
    "deployment_status": _deployment_status,
}
if frozenset(_READERS) != names.KNOWN_EVENTS:  # one list of the event types processed: names.KNOWN_EVENTS
    raise RuntimeError("ghstats.webhooks.events reads other event types than names.KNOWN_EVENTS")


def observe(event: str, payload: Any) -> list[Observation]:
    """The observations in one delivery; [] for an event type nothing is derived from."""
    reader = _READERS.get(event)
    if reader is None:
        return []
    if not isinstance(payload, Mapping):
        raise MalformedEvent("the payload is not a JSON object")
    action = payload.get("action")
    return reader(payload, action if isinstance(action, str) else "")
