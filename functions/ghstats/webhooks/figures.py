"""The figures derived from webhook state: one record per pull request, job, check suite and
deployment, and per-day figures per repository (and workflow, app or environment).

Plain functions of the merged state (ghstats.webhooks.state). Times are UTC ISO strings;
durations are whole seconds. Days are UTC ("YYYY-MM-DD").

- A record belongs to the day its thing was created (its dataset partition, `dt=`), so a
  pull request is one line in `webhooks_pull_requests` however many days it lived.
- A day's figures count what happened that day: opened, merged, completed, deployed. A
  thing is indexed under every day something happened to it (`milestone_days`).
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

from ghstats.webhooks.events import CHECK_SUITES, DEPLOYMENTS, PULL_REQUESTS, WORKFLOW_JOBS
from ghstats.webhooks.state import State

Record = dict[str, Any]

# job conclusions that count as a failure, and those that are a verdict at all (failure rate's base)
FAILED_CONCLUSIONS = frozenset({"failure", "timed_out", "startup_failure"})
VERDICT_CONCLUSIONS = FAILED_CONCLUSIONS | {"success"}
# deployment statuses that end a deployment; failure and error count toward the change failure rate
TERMINAL_DEPLOYMENT_STATES = frozenset({"success", "failure", "error"})
FAILED_DEPLOYMENT_STATES = frozenset({"failure", "error"})


def day_of(moment: str | None) -> str | None:
    return moment[:10] if moment else None


def seconds_between(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
               - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
    return int(seconds) if seconds >= 0 else None


def median(values: Iterable[int | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def percentile(values: Iterable[int | None], fraction: float) -> int | None:
    """Nearest-rank percentile (the value at rank ceil(fraction * n))."""
    present = sorted(value for value in values if value is not None)
    if not present:
        return None
    return present[max(0, math.ceil(fraction * len(present)) - 1)]


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# -- records -----------------------------------------------------------------------------------

def pull_request_record(state: State) -> Record:
    reviews = state.get("reviews") or {}
    first_review_at = min((review["at"] for review in reviews.values()), default=None)
    size = state.get("size") or {}
    additions, deletions = size.get("additions"), size.get("deletions")
    return {
        "repository": state.get("repository"), "repository_id": state.get("repository_id"),
        "number": state.get("number"), "author": state.get("author"), "base_ref": state.get("base_ref"),
        "state": "merged" if state.get("merged_at") else state.get("state"), "draft": state.get("draft"),
        "created_at": state.get("created_at"), "ready_at": state.get("ready_at"),
        "first_review_at": first_review_at, "merged_at": state.get("merged_at"),
        "closed_at": state.get("closed_at") or state.get("merged_at"),
        "time_to_first_review_s": seconds_between(state.get("created_at"), first_review_at),
        "time_to_merge_s": seconds_between(state.get("created_at"), state.get("merged_at")),
        "additions": additions, "deletions": deletions, "changed_files": size.get("changed_files"),
        "commits": size.get("commits"),
        "size": additions + deletions if additions is not None and deletions is not None else None,
        "reviews": len(reviews), "merge_commit_sha": state.get("merge_commit_sha"),
        "updated_at": state.get("updated_at"),
    }


def workflow_job_record(state: State) -> Record:
    return {
        "repository": state.get("repository"), "repository_id": state.get("repository_id"),
        "workflow_name": state.get("workflow_name"), "name": state.get("name"), "job_id": state.get("job_id"),
        "run_id": state.get("run_id"), "run_attempt": state.get("run_attempt"), "status": state.get("status"),
        "conclusion": state.get("conclusion"), "created_at": state.get("created_at"),
        "started_at": state.get("started_at"), "completed_at": state.get("completed_at"),
        "queue_s": seconds_between(state.get("created_at"), state.get("started_at")),
        "run_s": seconds_between(state.get("started_at"), state.get("completed_at")),
        "labels": list(state.get("labels") or []), "runner_name": state.get("runner_name"),
        "runner_group_name": state.get("runner_group_name"), "head_branch": state.get("head_branch"),
    }


def check_suite_record(state: State) -> Record:
    completed_at = state.get("updated_at") if state.get("status") == "completed" else None
    return {
        "repository": state.get("repository"), "repository_id": state.get("repository_id"),
        "check_suite_id": state.get("check_suite_id"), "app": state.get("app"),
        "head_branch": state.get("head_branch"), "head_sha": state.get("head_sha"), "status": state.get("status"),
        "conclusion": state.get("conclusion"), "created_at": state.get("created_at"), "completed_at": completed_at,
        "duration_s": seconds_between(state.get("created_at"), completed_at),
    }


def deployment_record(state: State, merged_at: str | None = None) -> Record:
    """`merged_at`: when the pull request whose merge commit is this deployment's sha was merged."""
    statuses = sorted((status["at"], int(status_id), status["state"])
                      for status_id, status in (state.get("statuses") or {}).items())
    final = statuses[-1] if statuses else None
    terminal = [status for status in statuses if status[2] in TERMINAL_DEPLOYMENT_STATES]
    first_success_at = next((at for at, _, status in statuses if status == "success"), None)
    lead_time = seconds_between(merged_at, first_success_at)
    return {
        "repository": state.get("repository"), "repository_id": state.get("repository_id"),
        "deployment_id": state.get("deployment_id"), "environment": state.get("environment"),
        "sha": state.get("sha"), "ref": state.get("ref"), "created_at": state.get("created_at"),
        "final_state": final[2] if final else None, "first_success_at": first_success_at,
        "finished_at": terminal[-1][0] if terminal else None,
        "failed": bool(terminal) and terminal[-1][2] in FAILED_DEPLOYMENT_STATES,
        "merged_at": merged_at, "lead_time_s": lead_time, "statuses": len(statuses),
    }


# -- days ------------------------------------------------------------------------------------

def milestone_days(family: str, record: Record) -> set[str]:
    """Every day something happened to it: the days whose figures it counts in."""
    fields = {
        PULL_REQUESTS: ("created_at", "first_review_at", "merged_at", "closed_at"),
        WORKFLOW_JOBS: ("created_at", "completed_at"),
        CHECK_SUITES: ("created_at", "completed_at"),
        DEPLOYMENTS: ("created_at", "first_success_at", "finished_at"),
    }[family]
    return {day for day in (day_of(record.get(name)) for name in fields) if day}


def anchor_day(record: Record) -> str | None:
    """The day of its record's partition: the day it was created."""
    return day_of(record.get("created_at"))


def _grouped(records: Iterable[Record], *keys: str) -> dict[tuple[Any, ...], list[Record]]:
    groups: dict[tuple[Any, ...], list[Record]] = {}
    for record in records:
        groups.setdefault(tuple(record.get(key) for key in keys), []).append(record)
    return dict(sorted(groups.items(), key=lambda item: tuple(str(part) for part in item[0])))


def _on(day: str, record: Record, field: str) -> bool:
    return day_of(record.get(field)) == day


def pull_requests_daily(day: str, records: Iterable[Record]) -> list[Record]:
    lines = []
    for (repository,), group in _grouped(records, "repository").items():
        merged = [r for r in group if _on(day, r, "merged_at")]
        reviewed = [r for r in group if _on(day, r, "first_review_at")]
        lines.append({
            "day": day, "repository": repository,
            "opened": sum(_on(day, r, "created_at") for r in group),
            "merged": len(merged),
            "closed_unmerged": sum(_on(day, r, "closed_at") and not r.get("merged_at") for r in group),
            "median_time_to_merge_s": median(r["time_to_merge_s"] for r in merged),
            "median_time_to_first_review_s": median(r["time_to_first_review_s"] for r in reviewed),
            "median_size": median(r["size"] for r in merged),
        })
    return lines


def workflow_runs(jobs: Iterable[Record]) -> list[Record]:
    """The workflow runs (each attempt of a run its own) of completed jobs: from the first job's
    start to the last job's end; failed when any of its jobs failed."""
    runs: dict[tuple[Any, Any], list[Record]] = {}
    for job in jobs:
        runs.setdefault((job.get("run_id"), job.get("run_attempt")), []).append(job)
    found = []
    for _, attempt in sorted(runs.items(), key=lambda item: str(item[0])):
        started = [job["started_at"] for job in attempt if job.get("started_at")]
        ended = [job["completed_at"] for job in attempt if job.get("completed_at")]
        found.append({"failed": any(job.get("conclusion") in FAILED_CONCLUSIONS for job in attempt),
                      "verdict": any(job.get("conclusion") in VERDICT_CONCLUSIONS for job in attempt),
                      "duration_s": seconds_between(min(started), max(ended)) if started and ended else None})
    return found


def workflow_jobs_daily(day: str, records: Iterable[Record]) -> list[Record]:
    """Per workflow and day: its jobs completed that day, and the runs those jobs make up."""
    lines = []
    for (repository, workflow), group in _grouped(records, "repository", "workflow_name").items():
        done = [r for r in group if _on(day, r, "completed_at")]
        verdicts = [r for r in done if r.get("conclusion") in VERDICT_CONCLUSIONS]
        failed = sum(r.get("conclusion") in FAILED_CONCLUSIONS for r in done)
        if not done:
            continue
        runs = workflow_runs(done)
        failed_runs = sum(run["failed"] for run in runs)
        lines.append({
            "day": day, "repository": repository, "workflow_name": workflow,
            "runs": len(runs), "failed_runs": failed_runs,
            "run_failure_rate": rate(failed_runs, sum(run["verdict"] for run in runs)),
            "p50_run_duration_s": percentile((run["duration_s"] for run in runs), 0.5),
            "p95_run_duration_s": percentile((run["duration_s"] for run in runs), 0.95),
            "jobs": len(done), "failed": failed,
            "with_verdict": len(verdicts),
            "failure_rate": rate(failed, len(verdicts)),
            "p50_run_s": percentile((r["run_s"] for r in done), 0.5),
            "p95_run_s": percentile((r["run_s"] for r in done), 0.95),
            "p50_queue_s": percentile((r["queue_s"] for r in done), 0.5),
            "p95_queue_s": percentile((r["queue_s"] for r in done), 0.95),
        })
    return lines


def check_suites_daily(day: str, records: Iterable[Record]) -> list[Record]:
    lines = []
    for (repository, app), group in _grouped(records, "repository", "app").items():
        done = [r for r in group if _on(day, r, "completed_at")]
        if not done:
            continue
        verdicts = [r for r in done if r.get("conclusion") in VERDICT_CONCLUSIONS]
        failed = sum(r.get("conclusion") in FAILED_CONCLUSIONS for r in done)
        lines.append({
            "day": day, "repository": repository, "app": app, "completed": len(done), "failed": failed,
            "with_verdict": len(verdicts),
            "failure_rate": rate(failed, len(verdicts)),
            "p50_duration_s": percentile((r["duration_s"] for r in done), 0.5),
            "p95_duration_s": percentile((r["duration_s"] for r in done), 0.95),
        })
    return lines


def deployments_daily(day: str, records: Iterable[Record]) -> list[Record]:
    lines = []
    for (repository, environment), group in _grouped(records, "repository", "environment").items():
        succeeded = [r for r in group if _on(day, r, "first_success_at")]
        finished = [r for r in group if _on(day, r, "finished_at")]
        failed = sum(bool(r.get("failed")) for r in finished)
        lines.append({
            "day": day, "repository": repository, "environment": environment,
            "deployments": sum(_on(day, r, "created_at") for r in group),
            "successful": len(succeeded), "finished": len(finished), "failed": failed,
            "change_failure_rate": rate(failed, len(finished)),
            "median_lead_time_s": median(r["lead_time_s"] for r in succeeded),
        })
    return lines


RECORDS: Mapping[str, Callable[..., Record]] = {
    PULL_REQUESTS: pull_request_record, WORKFLOW_JOBS: workflow_job_record,
    CHECK_SUITES: check_suite_record, DEPLOYMENTS: deployment_record,
}
DAILY: Mapping[str, Callable[[str, Iterable[Record]], list[Record]]] = {
    PULL_REQUESTS: pull_requests_daily, WORKFLOW_JOBS: workflow_jobs_daily,
    CHECK_SUITES: check_suites_daily, DEPLOYMENTS: deployments_daily,
}
