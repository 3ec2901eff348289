"""A seeded story of activity in a few repositories, told as GitHub's webhook deliveries, with
its truth.

`story(seed=...)` makes pull requests (opened, maybe converted to draft and back, reviewed by
others and sometimes commented on by their author, then merged, closed or left open; a few
closed and reopened), Actions workflow runs and their jobs (queued → in_progress → completed,
failures included, hosted and self-hosted labels), check suites (requested → completed, some
rerequested and completed again) and deployments per environment (statuses in_progress → success
/ failure / error; some deploy a merged pull request's merge commit).

Every entity's events are made in its own order, then all deliveries are put in true time order
(ties keep the order they were made in); GUIDs are drawn from the seeded generator after that,
so a seed always gives the same deliveries, byte for byte. The truth holds the facts a
processor must end up with, as plain dataclasses, so tests can work expected figures out simply.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from simulator import webhook_payloads as wp

DEFAULT_START = datetime(2024, 5, 6, 9, 0, 0, tzinfo=timezone.utc)
DEFAULT_HOOK_ID = "123456789"
DEFAULT_REPOS = ("widgets", "gadgets", "platform")
ENVIRONMENTS = ("production", "staging")

# entity families (Delivery.entity is "<family>:<id>")
PULL_REQUEST = "pull_request"
WORKFLOW_JOB = "workflow_job"
CHECK_SUITE = "check_suite"
DEPLOYMENT = "deployment"

_PEOPLE = ("octocat", "hubot", "monalisa", "mona", "defunkt", "pjhyett", "wycats", "ada")
_WORKFLOWS = {"CI": ("build", "test", "lint"), "Release": ("package", "publish"), "Nightly": ("e2e",),
              "CodeQL": ("analyze",)}
_LABELS = (("ubuntu-latest",), ("ubuntu-latest",), ("ubuntu-22.04",), ("self-hosted", "linux"),
           ("self-hosted", "linux", "x64"), ("windows-latest",), ("macos-14",))
_APPS = (wp.App(15368, "github-actions", "GitHub Actions"), wp.App(18001, "circleci-checks", "CircleCI Checks"),
         wp.App(254, "codecov", "Codecov"))
_BOT = wp.Actor("github-actions[bot]", 41898282, "Bot")


def compact(payload: dict[str, Any]) -> bytes:
    """The body as GitHub sends it: compact JSON, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Delivery:
    guid: str
    hook_id: str
    event: str
    action: str | None
    payload: dict[str, Any] = field(compare=False, repr=False)
    body: bytes = field(repr=False)
    at: datetime = field(default=DEFAULT_START)  # when GitHub sent it (the event's time)
    entity: str = ""  # "<family>:<id>", e.g. "pull_request:acme/widgets#3", "workflow_job:5000001"

    @property
    def repository_id(self) -> int | None:
        repo = self.payload.get("repository")
        return repo.get("id") if isinstance(repo, dict) else None

    @property
    def installation_id(self) -> int | None:
        inst = self.payload.get("installation")
        return inst.get("id") if isinstance(inst, dict) else None


# -- truth ---------------------------------------------------------------------------------------

@dataclass
class PullRequestTruth:
    repo: str  # full_name
    repository_id: int
    number: int
    author: str
    created_at: datetime
    merged_at: datetime | None
    closed_at: datetime | None
    first_review_at: datetime | None  # earliest review submitted by someone other than the author
    additions: int
    deletions: int
    changed_files: int
    merge_commit_sha: str | None
    draft: bool  # at the end
    state: str  # "open" / "closed" at the end
    ready_at: datetime | None = None  # last ready_for_review, if any
    reviews: list[tuple[str, str, datetime]] = field(default_factory=list)  # (login, state, submitted_at)

    @property
    def merged(self) -> bool:
        return self.merged_at is not None


@dataclass
class JobTruth:
    id: int
    run_id: int
    repo: str
    workflow_name: str
    name: str
    created_at: datetime
    started_at: datetime
    completed_at: datetime
    conclusion: str
    labels: list[str]
    runner_name: str
    runner_group_name: str


@dataclass
class CheckSuiteTruth:
    id: int
    repo: str
    app: str  # slug
    created_at: datetime
    completed_at: datetime
    conclusion: str
    head_sha: str
    rerequested: bool = False


@dataclass
class DeploymentTruth:
    id: int
    repo: str
    environment: str
    sha: str
    ref: str
    created_at: datetime
    state: str  # the last status's state
    first_success_at: datetime | None
    statuses: list[tuple[str, datetime]] = field(default_factory=list)  # (state, created_at), in order
    pull_number: int | None = None  # the merged pull request whose merge commit it deploys


@dataclass
class Truth:
    pull_requests: list[PullRequestTruth] = field(default_factory=list)
    jobs: list[JobTruth] = field(default_factory=list)
    check_suites: list[CheckSuiteTruth] = field(default_factory=list)
    deployments: list[DeploymentTruth] = field(default_factory=list)

    def pull_request(self, repo: str, number: int) -> PullRequestTruth:
        return next(p for p in self.pull_requests if p.repo == repo and p.number == number)


@dataclass
class Story:
    deliveries: list[Delivery]
    truth: Truth
    repos: list[wp.Repo]


# -- generation ----------------------------------------------------------------------------------

class _Teller:
    """Collects (time, event, action, payload, entity) while entities are played out."""

    def __init__(self, rng: random.Random, org: str, repo_names: tuple[str, ...], installation_id: int | None):
        self.rng = rng
        self.installation_id = installation_id
        owner = wp.Actor(org, 9_000_001, "Organization")
        self.repos = [wp.Repo(700_000_000 + 1_000 * i + rng.randrange(1_000), name, owner)
                      for i, name in enumerate(repo_names)]
        self.people = [wp.Actor(login, 1_000 + i * 7) for i, login in enumerate(_PEOPLE)]
        self.events: list[tuple[datetime, int, str, str, dict[str, Any], str]] = []
        self._ids: dict[str, int] = {}

    def next_id(self, kind: str, base: int) -> int:
        self._ids[kind] = self._ids.get(kind, base) + self.rng.randint(1, 40)
        return self._ids[kind]

    def sha(self) -> str:
        return "%040x" % self.rng.getrandbits(160)

    def later(self, at: datetime, low_s: int, high_s: int) -> datetime:
        return at + timedelta(seconds=self.rng.randint(low_s, high_s))

    def emit(self, at: datetime, event: str, action: str, payload: dict[str, Any], entity: str) -> None:
        self.events.append((at, len(self.events), event, action, payload, entity))


def _outcomes(rng: random.Random, n: int, kinds: tuple[str, ...], weights: tuple[float, ...]) -> list[str]:
    """n outcomes, every kind at least once when n allows (so small stories still cover them)."""
    chosen = list(kinds[:n]) + rng.choices(kinds, weights, k=max(0, n - len(kinds)))
    rng.shuffle(chosen)
    return chosen


def _play_pull_request(t: _Teller, number: int, repo: wp.Repo, opened_at: datetime, outcome: str) -> PullRequestTruth:
    rng = t.rng
    author = rng.choice(t.people)
    others = [p for p in t.people if p != author]
    entity = f"{PULL_REQUEST}:{repo.full_name}#{number}"
    additions, deletions = rng.randint(1, 800), rng.randint(0, 300)
    pr = wp.PullRequest(
        id=t.next_id("pr", 1_800_000_000), number=number, repo=repo, author=author,
        title=f"Change {number} in {repo.name}", created_at=opened_at, updated_at=opened_at,
        head_ref=f"{author.login}/change-{number}", head_sha=t.sha(), draft=rng.random() < 0.3,
        additions=additions, deletions=deletions, changed_files=rng.randint(1, 40), commits=rng.randint(1, 6))

    def pr_event(action: str, sender: wp.Actor = author) -> None:
        t.emit(pr.updated_at, "pull_request", action, wp.pull_request(action, pr, sender, t.installation_id), entity)

    pr_event("opened")
    at = opened_at
    ready_at = None
    if not pr.draft and rng.random() < 0.15:  # second thoughts: back to draft for a while
        at = t.later(at, 300, 7_200)
        pr = replace(pr, draft=True, updated_at=at)
        pr_event("converted_to_draft")
    if pr.draft and (outcome == "merged" or rng.random() < 0.7):
        at = ready_at = t.later(at, 600, 36_000)
        pr = replace(pr, draft=False, updated_at=at)
        pr_event("ready_for_review")

    reviews: list[tuple[str, str, datetime]] = []
    if rng.random() < 0.3:  # the author comments on their own pull request: not a review
        at = t.later(at, 60, 1_800)
        review = wp.Review(t.next_id("review", 2_000_000_000), author, "commented", at, "notes for reviewers")
        reviews.append((author.login, review.state, at))
        pr = replace(pr, updated_at=at)
        t.emit(at, "pull_request_review", "submitted", wp.pull_request_review("submitted", pr, review, author,
                                                                              t.installation_id), entity)
    for _ in range(0 if pr.draft else rng.choice((0, 1, 1, 2, 3))):
        at = t.later(at, 300, 20_000)
        reviewer = rng.choice(others)
        state = rng.choices(("approved", "commented", "changes_requested"), (5, 3, 2))[0]
        review = wp.Review(t.next_id("review", 2_000_000_000), reviewer, state, at)
        reviews.append((reviewer.login, state, at))
        pr = replace(pr, updated_at=at)
        t.emit(at, "pull_request_review", "submitted", wp.pull_request_review("submitted", pr, review, reviewer,
                                                                              t.installation_id), entity)
        if state == "changes_requested":  # the author pushes again
            at = t.later(at, 600, 10_000)
            pr = replace(pr, updated_at=at, head_sha=t.sha(), additions=pr.additions + rng.randint(0, 60),
                         deletions=pr.deletions + rng.randint(0, 20), commits=pr.commits + 1)
            pr_event("synchronize")

    if outcome == "merged":
        at = t.later(at, 300, 30_000)
        merger = rng.choice(others)
        pr = replace(pr, state="closed", merged=True, closed_at=at, merged_at=at, updated_at=at,
                     merge_commit_sha=t.sha(), merged_by=merger)
        pr_event("closed", merger)
    elif outcome in ("closed", "reopened"):
        at = t.later(at, 600, 50_000)
        pr = replace(pr, state="closed", closed_at=at, updated_at=at)
        pr_event("closed")
        if outcome == "reopened":
            at = t.later(at, 600, 20_000)
            pr = replace(pr, state="open", closed_at=None, updated_at=at)
            pr_event("reopened")

    by_others = [when for login, _state, when in reviews if login != author.login]
    return PullRequestTruth(
        repo=repo.full_name, repository_id=repo.id, number=number, author=author.login, created_at=opened_at,
        merged_at=pr.merged_at, closed_at=pr.closed_at, first_review_at=min(by_others, default=None),
        additions=pr.additions, deletions=pr.deletions, changed_files=pr.changed_files,
        merge_commit_sha=pr.merge_commit_sha, draft=pr.draft, state=pr.state, ready_at=ready_at, reviews=reviews)


def _play_run(t: _Teller, repo: wp.Repo, at: datetime, conclusions: list[str]) -> list[JobTruth]:
    rng = t.rng
    workflow = rng.choice(sorted(_WORKFLOWS))
    run_id = t.next_id("run", 9_100_000_000)
    branch, sha = rng.choice(("main", "main", f"feature-{rng.randint(1, 99)}")), t.sha()
    truths = []
    for name in _WORKFLOWS[workflow]:
        labels = rng.choice(_LABELS)
        hosted = labels[0] != "self-hosted"
        job = wp.WorkflowJob(id=t.next_id("job", 25_000_000_000), run_id=run_id, repo=repo, workflow_name=workflow,
                             name=name, labels=labels, created_at=t.later(at, 0, 5), head_branch=branch, head_sha=sha)
        entity = f"{WORKFLOW_JOB}:{job.id}"
        t.emit(job.created_at, "workflow_job", "queued", wp.workflow_job("queued", job, _BOT, t.installation_id), entity)
        started = t.later(job.created_at, 2, 30 if hosted else 900)  # self-hosted runners are scarcer
        runner = f"GitHub Actions {rng.randint(1, 400)}" if hosted else f"build-{rng.randint(1, 9):02d}"
        group = "GitHub Actions" if hosted else "Default"
        job = replace(job, status="in_progress", started_at=started, runner_name=runner, runner_group_name=group)
        t.emit(started, "workflow_job", "in_progress", wp.workflow_job("in_progress", job, _BOT, t.installation_id),
               entity)
        conclusion = conclusions.pop() if conclusions else rng.choices(
            ("success", "failure", "cancelled", "skipped", "timed_out"), (80, 12, 4, 3, 1))[0]
        done = t.later(started, 1, 5 if conclusion == "skipped" else 1_800)
        job = replace(job, status="completed", conclusion=conclusion, completed_at=done)
        t.emit(done, "workflow_job", "completed", wp.workflow_job("completed", job, _BOT, t.installation_id), entity)
        truths.append(JobTruth(job.id, run_id, repo.full_name, workflow, name, job.created_at, started, done,
                               conclusion, list(labels), runner, group))
    return truths


def _play_check_suite(t: _Teller, repo: wp.Repo, at: datetime, conclusion: str) -> CheckSuiteTruth:
    rng = t.rng
    suite = wp.CheckSuite(id=t.next_id("suite", 21_000_000_000), repo=repo, app=rng.choice(_APPS),
                          head_branch="main", head_sha=t.sha(), created_at=at, updated_at=at,
                          latest_check_runs_count=rng.randint(1, 6))
    entity = f"{CHECK_SUITE}:{suite.id}"
    sender = rng.choice(t.people)

    def suite_event(action: str) -> None:
        t.emit(suite.updated_at, "check_suite", action, wp.check_suite(action, suite, sender, t.installation_id), entity)

    suite_event("requested")
    rerequested = False
    if rng.random() < 0.2:  # failed, someone re-ran it, and then it ends as `conclusion`
        first_done = t.later(at, 30, 1_200)
        suite = replace(suite, status="completed", conclusion="failure", updated_at=first_done)
        suite_event("completed")
        suite = replace(suite, status="queued", conclusion=None, updated_at=t.later(first_done, 60, 3_600))
        suite_event("rerequested")
        rerequested = True
    done = t.later(suite.updated_at, 30, 1_200)
    suite = replace(suite, status="completed", conclusion=conclusion, updated_at=done)
    suite_event("completed")
    return CheckSuiteTruth(suite.id, repo.full_name, suite.app.slug, at, done, conclusion, suite.head_sha, rerequested)


def _play_deployment(t: _Teller, repo: wp.Repo, environment: str, at: datetime, final: str, sha: str, ref: str,
                     pull_number: int | None) -> DeploymentTruth:
    rng = t.rng
    creator = rng.choice(t.people)
    d = wp.Deployment(id=t.next_id("deployment", 1_500_000_000), repo=repo, sha=sha, ref=ref, environment=environment,
                      creator=creator, created_at=at, updated_at=at, production_environment=environment == "production")
    entity = f"{DEPLOYMENT}:{d.id}"
    t.emit(at, "deployment", "created", wp.deployment("created", d, creator, t.installation_id), entity)
    statuses: list[tuple[str, datetime]] = []
    when = at
    for state in (("queued",) if rng.random() < 0.3 else ()) + ("in_progress", final):
        when = t.later(when, 5, 900 if state != "in_progress" else 60)
        status = wp.DeploymentStatus(t.next_id("deployment_status", 3_300_000_000), state, environment, _BOT, when,
                                     f"Deployment {state}")
        d = replace(d, updated_at=when)
        statuses.append((state, when))
        t.emit(when, "deployment_status", "created", wp.deployment_status("created", d, status, _BOT, t.installation_id),
               entity)
    first_success = next((w for s, w in statuses if s == "success"), None)
    return DeploymentTruth(d.id, repo.full_name, environment, sha, ref, at, final, first_success, statuses, pull_number)


def story(*, seed: int = 1, start: datetime = DEFAULT_START, org: str = "acme", repos: tuple[str, ...] = DEFAULT_REPOS,
          pull_requests: int = 12, workflow_runs: int = 6, check_suites: int = 5, deployments: int = 6,
          hook_id: str = DEFAULT_HOOK_ID, installation_id: int | None = None, span_hours: float = 48) -> Story:
    """The deliveries (true time order) and truth of a seeded story beginning at `start`.

    Entities begin at random moments within `span_hours` of `start`; a pull request may take a
    few days. `installation_id` adds `installation{id}` to every payload (an App's webhook)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    start = start.astimezone(timezone.utc).replace(microsecond=0)
    rng = random.Random(seed)
    t = _Teller(rng, org, repos, installation_id)
    span_s = int(span_hours * 3600)
    truth = Truth()

    numbers = {r.name: rng.randint(1, 300) for r in t.repos}
    outcomes = _outcomes(rng, pull_requests, ("merged", "closed", "open", "reopened"), (6, 2, 2, 1))
    for outcome in outcomes:
        repo = rng.choice(t.repos)
        numbers[repo.name] += rng.randint(1, 3)
        truth.pull_requests.append(_play_pull_request(t, numbers[repo.name], repo, t.later(start, 0, span_s), outcome))

    conclusions = _outcomes(rng, workflow_runs, ("failure", "success"), (1, 4))  # a failure in most stories
    for index in range(workflow_runs):
        truth.jobs.extend(_play_run(t, rng.choice(t.repos), t.later(start, 0, span_s), [conclusions[index]]))

    for conclusion in _outcomes(rng, check_suites, ("success", "failure", "neutral", "cancelled"), (10, 3, 1, 1)):
        truth.check_suites.append(_play_check_suite(t, rng.choice(t.repos), t.later(start, 0, span_s), conclusion))

    merged = [p for p in truth.pull_requests if p.merged]
    finals = _outcomes(rng, deployments, ("success", "failure", "error"), (8, 2, 1))
    for index, final in enumerate(finals):
        environment = ENVIRONMENTS[index % len(ENVIRONMENTS)]
        if merged and (index == 0 or rng.random() < 0.6):  # deploy a merge commit, after the merge
            pull = rng.choice(merged) if index else merged[0]
            repo = next(r for r in t.repos if r.full_name == pull.repo)
            assert pull.merged_at is not None and pull.merge_commit_sha is not None
            at, sha, number = t.later(pull.merged_at, 60, 7_200), pull.merge_commit_sha, pull.number
        else:
            repo, at, sha, number = rng.choice(t.repos), t.later(start, 0, span_s), t.sha(), None
        truth.deployments.append(_play_deployment(t, repo, environment, at, final, sha, "main", number))

    t.events.sort(key=lambda e: (e[0], e[1]))
    deliveries = [Delivery(str(uuid.UUID(int=rng.getrandbits(128), version=4)), hook_id, event, action, payload,
                           compact(payload), at, entity)
                  for at, _seq, event, action, payload, entity in t.events]
    return Story(deliveries, truth, t.repos)
