"""Webhook payloads in GitHub's shapes, built from plain snapshots of the things they describe.

The fields are those GitHub sends ("Webhook events and payloads") that the webhook processor
reads (notes: wh_spec.md), plus a few more so that a payload looks like GitHub's. Note what GitHub
itself leaves out, because the processor must cope with it: a `pull_request_review` payload's
pull request has no additions/deletions/changed_files/commits/merged; `workflow_job` has
`conclusion`, `completed_at` null until completed and `runner_name` null until in progress.

Snapshots are frozen dataclasses: the story generator makes a new one (dataclasses.replace) for
every change, so a payload built earlier never changes afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from simulator.dataset import node_id

SITE = "https://github.com"
API = "https://api.github.com"


def stamp(at: datetime | None) -> str | None:
    """GitHub's timestamp spelling: UTC, whole seconds, a Z."""
    return None if at is None else at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Actor:
    login: str
    id: int
    type: str = "User"  # "Bot" for apps (e.g. "github-actions[bot]")

    def json(self) -> dict[str, Any]:
        prefix = {"Organization": "O", "Bot": "BOT"}.get(self.type, "U")
        return {"login": self.login, "id": self.id, "node_id": node_id(prefix, self.id), "type": self.type,
                "site_admin": False, "html_url": f"{SITE}/{self.login}"}


@dataclass(frozen=True)
class Repo:
    id: int
    name: str
    owner: Actor  # an organization (type "Organization")
    default_branch: str = "main"
    private: bool = True

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "node_id": node_id("R", self.id), "name": self.name, "full_name": self.full_name,
                "private": self.private, "owner": self.owner.json(), "html_url": f"{SITE}/{self.full_name}",
                "url": f"{API}/repos/{self.full_name}", "default_branch": self.default_branch, "fork": False}


def envelope(action: str, repo: Repo, sender: Actor, installation_id: int | None = None) -> dict[str, Any]:
    """What every event carries: action, repository, organization, sender, maybe installation."""
    body: dict[str, Any] = {
        "action": action,
        "repository": repo.json(),
        "organization": {"login": repo.owner.login, "id": repo.owner.id, "node_id": node_id("O", repo.owner.id),
                         "url": f"{API}/orgs/{repo.owner.login}"},
        "sender": sender.json(),
    }
    if installation_id is not None:
        body["installation"] = {"id": installation_id, "node_id": node_id("MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u",
                                                                          installation_id)}
    return body


# -- pull requests -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PullRequest:
    id: int
    number: int
    repo: Repo
    author: Actor
    title: str
    created_at: datetime
    updated_at: datetime
    head_ref: str
    head_sha: str
    base_ref: str = "main"
    state: str = "open"  # "open" / "closed"
    draft: bool = False
    merged: bool = False
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    merged_by: Actor | None = None
    additions: int = 0
    deletions: int = 0
    changed_files: int = 0
    commits: int = 1


def _pull_request_json(pr: PullRequest, *, with_size: bool) -> dict[str, Any]:
    url = f"{SITE}/{pr.repo.full_name}/pull/{pr.number}"
    body: dict[str, Any] = {
        "id": pr.id, "node_id": node_id("PR", pr.id), "number": pr.number, "html_url": url,
        "url": f"{API}/repos/{pr.repo.full_name}/pulls/{pr.number}", "title": pr.title,
        "state": pr.state, "locked": False, "draft": pr.draft, "user": pr.author.json(),
        "created_at": stamp(pr.created_at), "updated_at": stamp(pr.updated_at),
        "closed_at": stamp(pr.closed_at), "merged_at": stamp(pr.merged_at), "merge_commit_sha": pr.merge_commit_sha,
        "author_association": "MEMBER",
        "base": {"label": f"{pr.repo.owner.login}:{pr.base_ref}", "ref": pr.base_ref, "sha": "0" * 40,
                 "repo": pr.repo.json()},
        "head": {"label": f"{pr.repo.owner.login}:{pr.head_ref}", "ref": pr.head_ref, "sha": pr.head_sha,
                 "repo": pr.repo.json()},
    }
    if with_size:  # the pull_request event's full pull request; GitHub's review payload omits these
        body.update({
            "merged": pr.merged, "mergeable": None if pr.state == "closed" else True,
            "merged_by": pr.merged_by.json() if pr.merged_by else None,
            "comments": 0, "review_comments": 0, "commits": pr.commits,
            "additions": pr.additions, "deletions": pr.deletions, "changed_files": pr.changed_files,
        })
    return body


def pull_request(action: str, pr: PullRequest, sender: Actor, installation_id: int | None = None) -> dict[str, Any]:
    """`pull_request` (opened, closed, reopened, ready_for_review, converted_to_draft, synchronize, edited)."""
    body = envelope(action, pr.repo, sender, installation_id)
    body["number"] = pr.number
    body["pull_request"] = _pull_request_json(pr, with_size=True)
    if action == "synchronize":
        body["before"], body["after"] = "f" * 40, pr.head_sha
    return body


@dataclass(frozen=True)
class Review:
    id: int
    user: Actor
    state: str  # "approved" / "commented" / "changes_requested" / "dismissed"
    submitted_at: datetime
    body: str | None = None


def pull_request_review(action: str, pr: PullRequest, review: Review, sender: Actor,
                        installation_id: int | None = None) -> dict[str, Any]:
    """`pull_request_review` (submitted, edited, dismissed); the pull request without its size."""
    body = envelope(action, pr.repo, sender, installation_id)
    body["review"] = {
        "id": review.id, "node_id": node_id("PRR", review.id), "user": review.user.json(), "body": review.body,
        "state": review.state, "submitted_at": stamp(review.submitted_at), "commit_id": pr.head_sha,
        "html_url": f"{SITE}/{pr.repo.full_name}/pull/{pr.number}#pullrequestreview-{review.id}",
        "author_association": "MEMBER",
    }
    body["pull_request"] = _pull_request_json(pr, with_size=False)
    return body


# -- Actions jobs and check suites ---------------------------------------------------------------

@dataclass(frozen=True)
class WorkflowJob:
    id: int
    run_id: int
    repo: Repo
    workflow_name: str
    name: str
    labels: tuple[str, ...]
    created_at: datetime
    head_branch: str
    head_sha: str
    run_attempt: int = 1
    status: str = "queued"  # queued / waiting / in_progress / completed
    conclusion: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    runner_name: str | None = None
    runner_group_name: str | None = None


def workflow_job(action: str, job: WorkflowJob, sender: Actor, installation_id: int | None = None) -> dict[str, Any]:
    """`workflow_job` (queued, waiting, in_progress, completed)."""
    body = envelope(action, job.repo, sender, installation_id)
    run_url = f"{SITE}/{job.repo.full_name}/actions/runs/{job.run_id}"
    body["workflow_job"] = {
        "id": job.id, "run_id": job.run_id, "run_attempt": job.run_attempt, "node_id": node_id("CR", job.id),
        "workflow_name": job.workflow_name, "name": job.name, "status": job.status, "conclusion": job.conclusion,
        "created_at": stamp(job.created_at),
        # GitHub sets started_at when the job is queued and moves it when a runner picks it up
        "started_at": stamp(job.started_at or job.created_at), "completed_at": stamp(job.completed_at),
        "labels": list(job.labels), "runner_id": None if job.runner_name is None else job.id % 1000 + 1,
        "runner_name": job.runner_name, "runner_group_id": None if job.runner_group_name is None else 1,
        "runner_group_name": job.runner_group_name, "head_branch": job.head_branch, "head_sha": job.head_sha,
        "html_url": f"{run_url}/job/{job.id}", "run_url": f"{API}/repos/{job.repo.full_name}/actions/runs/{job.run_id}",
        "steps": [],
    }
    return body


@dataclass(frozen=True)
class App:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class CheckSuite:
    id: int
    repo: Repo
    app: App
    head_branch: str
    head_sha: str
    created_at: datetime
    updated_at: datetime
    status: str = "queued"  # queued / in_progress / completed
    conclusion: str | None = None
    latest_check_runs_count: int = 1


def check_suite(action: str, suite: CheckSuite, sender: Actor, installation_id: int | None = None) -> dict[str, Any]:
    """`check_suite` (requested, rerequested, completed)."""
    body = envelope(action, suite.repo, sender, installation_id)
    body["check_suite"] = {
        "id": suite.id, "node_id": node_id("CS", suite.id), "head_branch": suite.head_branch,
        "head_sha": suite.head_sha, "status": suite.status, "conclusion": suite.conclusion,
        "url": f"{API}/repos/{suite.repo.full_name}/check-suites/{suite.id}",
        "created_at": stamp(suite.created_at), "updated_at": stamp(suite.updated_at),
        "app": {"id": suite.app.id, "slug": suite.app.slug, "name": suite.app.name,
                "node_id": node_id("A", suite.app.id)},
        "latest_check_runs_count": suite.latest_check_runs_count, "pull_requests": [],
        "rerequestable": True, "runs_rerequestable": True,
    }
    return body


# -- deployments ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Deployment:
    id: int
    repo: Repo
    sha: str
    ref: str
    environment: str
    creator: Actor
    created_at: datetime
    updated_at: datetime
    task: str = "deploy"
    production_environment: bool = False


@dataclass(frozen=True)
class DeploymentStatus:
    id: int
    state: str  # pending / queued / in_progress / success / failure / error / inactive
    environment: str
    creator: Actor
    created_at: datetime
    description: str = ""


def _deployment_json(d: Deployment) -> dict[str, Any]:
    return {
        "id": d.id, "node_id": node_id("DE", d.id), "sha": d.sha, "ref": d.ref, "task": d.task, "payload": {},
        "original_environment": d.environment, "environment": d.environment, "description": None,
        "creator": d.creator.json(), "created_at": stamp(d.created_at), "updated_at": stamp(d.updated_at),
        "url": f"{API}/repos/{d.repo.full_name}/deployments/{d.id}",
        "transient_environment": False, "production_environment": d.production_environment,
    }


def deployment(action: str, d: Deployment, sender: Actor, installation_id: int | None = None) -> dict[str, Any]:
    """`deployment` (created)."""
    body = envelope(action, d.repo, sender, installation_id)
    body["deployment"] = _deployment_json(d)
    return body


def deployment_status(action: str, d: Deployment, status: DeploymentStatus, sender: Actor,
                      installation_id: int | None = None) -> dict[str, Any]:
    """`deployment_status` (created): the status and its deployment."""
    body = envelope(action, d.repo, sender, installation_id)
    body["deployment_status"] = {
        "id": status.id, "node_id": node_id("DES", status.id), "state": status.state,
        "environment": status.environment, "description": status.description, "creator": status.creator.json(),
        "created_at": stamp(status.created_at), "updated_at": stamp(status.created_at),
        "target_url": "", "log_url": "",
        "url": f"{API}/repos/{d.repo.full_name}/deployments/{d.id}/statuses/{status.id}",
    }
    body["deployment"] = _deployment_json(d)
    return body
