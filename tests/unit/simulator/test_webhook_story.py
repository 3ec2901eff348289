"""The webhook story: deterministic per seed, GitHub's payload shapes, true time order, and a
truth that the payloads agree with (worked out here from the payloads alone)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from simulator.webhook_story import DEFAULT_START, compact, story

SEEDS = (1, 2, 3, 7)


def at(text):
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def get(payload, path):
    value = payload
    for part in path.split("."):
        assert isinstance(value, dict) and part in value, f"{path} missing"
        value = value[part]
    return value


@pytest.fixture(scope="module", params=SEEDS)
def told(request):
    return story(seed=request.param)


def of(s, event, entity=None):
    return [d for d in s.deliveries if d.event == event and (entity is None or d.entity == entity)]


def test_the_same_seed_tells_the_same_story_byte_for_byte():
    one, two = story(seed=5), story(seed=5)
    assert [(d.guid, d.event, d.action, d.body) for d in one.deliveries] == \
           [(d.guid, d.event, d.action, d.body) for d in two.deliveries]
    assert one.truth == two.truth
    other = story(seed=6)
    assert [d.body for d in other.deliveries] != [d.body for d in one.deliveries]
    assert not {d.guid for d in other.deliveries} & {d.guid for d in one.deliveries}


def test_deliveries_are_in_true_time_order_with_unique_uuid_guids(told):
    times = [d.at for d in told.deliveries]
    assert times == sorted(times)
    guids = [d.guid for d in told.deliveries]
    assert len(set(guids)) == len(guids)
    for d in told.deliveries:
        assert len(d.guid) == 36 and d.guid[14] == "4"  # a version 4 UUID
        assert d.hook_id.isdigit()
        assert d.body == compact(d.payload) and json.loads(d.body) == d.payload
        assert b": " not in d.body[:50] and b", " not in d.body[:50]  # compact
        assert d.action == d.payload["action"]


COMMON = ("action", "repository.id", "repository.node_id", "repository.name", "repository.full_name",
          "repository.owner.login", "organization.login", "sender.login", "sender.type")
PR_FIELDS = ("id", "node_id", "number", "html_url", "state", "draft", "created_at", "updated_at", "closed_at",
             "merged_at", "merge_commit_sha", "user.login", "base.ref", "head.ref", "head.sha")
SIZE = ("additions", "deletions", "changed_files", "commits", "merged")
FIELDS = {
    "pull_request": ["number"] + [f"pull_request.{f}" for f in PR_FIELDS + SIZE],
    "pull_request_review": ["review.id", "review.node_id", "review.user.login", "review.state", "review.submitted_at"]
                           + [f"pull_request.{f}" for f in PR_FIELDS],
    "workflow_job": [f"workflow_job.{f}" for f in (
        "id", "run_id", "run_attempt", "workflow_name", "name", "status", "conclusion", "created_at", "started_at",
        "completed_at", "labels", "runner_name", "runner_group_name", "head_branch", "head_sha", "html_url")],
    "check_suite": [f"check_suite.{f}" for f in (
        "id", "node_id", "head_branch", "head_sha", "status", "conclusion", "created_at", "updated_at", "app.id",
        "app.slug", "app.name", "latest_check_runs_count")],
    "deployment": [f"deployment.{f}" for f in (
        "id", "node_id", "sha", "ref", "task", "environment", "created_at", "updated_at", "creator.login")],
    "deployment_status": [f"deployment_status.{f}" for f in (
        "id", "state", "environment", "created_at", "updated_at", "description")] + ["deployment.id",
                                                                                     "deployment.sha", "deployment.environment"],
}


def test_every_payload_has_the_fields_the_processor_reads(told):
    assert {d.event for d in told.deliveries} == set(FIELDS)
    for d in told.deliveries:
        for path in COMMON + tuple(FIELDS[d.event]):
            get(d.payload, path)
        for path in ("created_at", "updated_at", "submitted_at", "started_at", "completed_at"):
            for obj in d.payload.values():
                if isinstance(obj, dict) and obj.get(path) is not None:
                    assert obj[path].endswith("Z") and at(obj[path]).tzinfo is not None


def test_review_payloads_leave_out_the_size_as_github_does(told):
    for d in of(told, "pull_request_review"):
        assert not set(SIZE) & set(d.payload["pull_request"])


def test_jobs_have_no_conclusion_runner_or_completion_until_github_says_so(told):
    for d in of(told, "workflow_job"):
        job = d.payload["workflow_job"]
        assert job["status"] == d.action
        if d.action != "completed":
            assert job["conclusion"] is None and job["completed_at"] is None
        if d.action == "queued":
            assert job["runner_name"] is None
        else:
            assert job["runner_name"]


def test_pull_request_truth_agrees_with_its_payloads(told):
    for truth in told.truth.pull_requests:
        deliveries = of(told, "pull_request", f"pull_request:{truth.repo}#{truth.number}")
        assert deliveries[0].action == "opened"
        last = deliveries[-1].payload
        pr = last["pull_request"]
        assert last["repository"]["full_name"] == truth.repo and last["number"] == truth.number
        assert at(pr["created_at"]) == truth.created_at
        assert at(pr["merged_at"]) == truth.merged_at and pr["merged"] == truth.merged
        assert at(pr["closed_at"]) == truth.closed_at
        assert pr["merge_commit_sha"] == truth.merge_commit_sha
        assert (pr["additions"], pr["deletions"], pr["changed_files"]) == \
               (truth.additions, truth.deletions, truth.changed_files)
        assert pr["state"] == truth.state and pr["draft"] == truth.draft
        reviews = of(told, "pull_request_review", deliveries[0].entity)
        by_others = [at(r.payload["review"]["submitted_at"]) for r in reviews
                     if r.payload["review"]["user"]["login"] != pr["user"]["login"]]
        assert truth.first_review_at == min(by_others, default=None)
        if truth.merged:
            assert truth.state == "closed" and not truth.draft and truth.merged_at == truth.closed_at


def test_job_truth_agrees_with_its_payloads(told):
    for truth in told.truth.jobs:
        deliveries = of(told, "workflow_job", f"workflow_job:{truth.id}")
        assert [d.action for d in deliveries] == ["queued", "in_progress", "completed"]
        job = deliveries[-1].payload["workflow_job"]
        assert (job["run_id"], job["workflow_name"], job["labels"], job["conclusion"]) == \
               (truth.run_id, truth.workflow_name, truth.labels, truth.conclusion)
        assert (at(job["created_at"]), at(job["started_at"]), at(job["completed_at"])) == \
               (truth.created_at, truth.started_at, truth.completed_at)
        assert truth.created_at <= truth.started_at <= truth.completed_at


def test_check_suite_and_deployment_truth_agree_with_their_payloads(told):
    for truth in told.truth.check_suites:
        deliveries = of(told, "check_suite", f"check_suite:{truth.id}")
        assert deliveries[0].action == "requested" and deliveries[-1].action == "completed"
        suite = deliveries[-1].payload["check_suite"]
        assert (suite["app"]["slug"], suite["conclusion"], at(suite["updated_at"]), at(suite["created_at"])) == \
               (truth.app, truth.conclusion, truth.completed_at, truth.created_at)
        assert ("rerequested" in [d.action for d in deliveries]) == truth.rerequested
    for truth in told.truth.deployments:
        deliveries = of(told, "deployment", f"deployment:{truth.id}") + \
            of(told, "deployment_status", f"deployment:{truth.id}")
        created = deliveries[0].payload["deployment"]
        assert (created["environment"], created["sha"], at(created["created_at"])) == \
               (truth.environment, truth.sha, truth.created_at)
        states = [(d.payload["deployment_status"]["state"], at(d.payload["deployment_status"]["created_at"]))
                  for d in deliveries[1:]]
        assert states == truth.statuses and states[-1][0] == truth.state
        successes = [when for state, when in states if state == "success"]
        assert truth.first_success_at == (successes[0] if successes else None)


def test_some_deployments_ship_a_merged_pull_requests_merge_commit(told):
    merged = {p.merge_commit_sha: p for p in told.truth.pull_requests if p.merged}
    shipped = [d for d in told.truth.deployments if d.sha in merged]
    assert shipped
    for d in shipped:
        assert d.created_at > merged[d.sha].merged_at and d.repo == merged[d.sha].repo


def test_the_story_covers_what_the_figures_need():
    s = story(seed=1)
    prs, jobs = s.truth.pull_requests, s.truth.jobs
    assert {p.state for p in prs} == {"open", "closed"}
    assert any(p.merged for p in prs) and any(p.state == "closed" and not p.merged for p in prs)
    assert any(p.first_review_at for p in prs) and any(p.first_review_at is None for p in prs)
    assert {d.action for d in s.deliveries if d.event == "pull_request"} >= {
        "opened", "closed", "reopened", "ready_for_review", "converted_to_draft", "synchronize"}
    assert {j.conclusion for j in jobs} >= {"success", "failure"}
    assert {tuple(j.labels) for j in jobs} >= {("ubuntu-latest",), ("self-hosted", "linux")}
    assert {d.environment for d in s.truth.deployments} == {"production", "staging"}
    assert {d.state for d in s.truth.deployments} >= {"success", "failure", "error"}
    assert {c.conclusion for c in s.truth.check_suites} >= {"success", "failure"}
    # an author's own comment is a review payload but not a first review (some seed shows it)
    assert any(any(login == p.author for login, _s, _w in p.reviews)
               for seed in SEEDS for p in story(seed=seed).truth.pull_requests)


def test_time_starts_at_the_given_start():
    start = datetime(2025, 1, 31, 22, 0, tzinfo=timezone.utc)
    s = story(seed=2, start=start, span_hours=4)
    assert start <= s.deliveries[0].at and min(p.created_at for p in s.truth.pull_requests) < start + timedelta(hours=4)
    assert story(seed=2).deliveries[0].at >= DEFAULT_START
    with pytest.raises(ValueError):
        story(start=datetime(2024, 1, 1))


def test_an_app_hook_story_carries_the_installation():
    s = story(seed=1, installation_id=4242, pull_requests=2, workflow_runs=1, check_suites=1, deployments=1)
    assert all(d.payload["installation"]["id"] == 4242 == d.installation_id for d in s.deliveries)
    assert "installation" not in story(seed=1, pull_requests=1).deliveries[0].payload
