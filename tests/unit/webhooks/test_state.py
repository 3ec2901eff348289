"""Merging observations: any order, and any repetition, gives the same state and figures."""

from __future__ import annotations

import itertools

from ghstats.webhooks.events import CHECK_SUITES, DEPLOYMENTS, PULL_REQUESTS, WORKFLOW_JOBS, Observation
from ghstats.webhooks.figures import (check_suite_record, deployment_record, pull_request_record,
                                      workflow_job_record)
from ghstats.webhooks.state import merge

REPO = {"repository_id": 42, "repository": "acme/widgets"}


def pr(kind, updated_at, **facts):
    base = {**REPO, "number": 7, "author": "ann", "base_ref": "main", "html_url": None,
            "created_at": "2024-05-06T10:00:00Z", "updated_at": updated_at, "state": "open", "draft": False,
            "closed_at": None, "merged_at": None, "merge_commit_sha": None}
    return Observation(PULL_REQUESTS, "42:7", kind, {**base, **facts})


PR_STORY = [
    pr("pull_request.opened", "2024-05-06T10:00:00Z", draft=True,
       size={"additions": 10, "deletions": 2, "changed_files": 1, "commits": 1}),
    pr("pull_request.ready_for_review", "2024-05-06T11:00:00Z", ready_at="2024-05-06T11:00:00Z"),
    pr("pull_request_review.submitted", "2024-05-06T12:00:00Z",
       reviews={"900": {"at": "2024-05-06T12:00:00Z", "by": "bob", "state": "approved"}}),
    pr("pull_request_review.submitted", "2024-05-07T09:00:00Z",
       reviews={"901": {"at": "2024-05-07T09:00:00Z", "by": "cy", "state": "commented"}}),
    pr("pull_request.synchronize", "2024-05-07T10:00:00Z",
       size={"additions": 30, "deletions": 5, "changed_files": 3, "commits": 2}),
    pr("pull_request.closed", "2024-05-07T16:00:00Z", state="closed", closed_at="2024-05-07T16:00:00Z",
       merged_at="2024-05-07T16:00:00Z", merge_commit_sha="abc123",
       size={"additions": 30, "deletions": 5, "changed_files": 3, "commits": 2}),
]


def fold(observations):
    state = None
    for observation in observations:
        state = merge(state, observation)
    return state


def test_a_pull_request_in_every_order_gives_the_same_state_and_figures():
    expected = fold(PR_STORY)
    record = pull_request_record(expected)
    assert record["state"] == "merged"
    assert record["time_to_merge_s"] == 30 * 3600
    assert record["time_to_first_review_s"] == 2 * 3600  # bob's review, the earliest
    assert record["reviews"] == 2 and record["size"] == 35 and record["merge_commit_sha"] == "abc123"
    assert record["ready_at"] == "2024-05-06T11:00:00Z"
    for order in itertools.permutations(PR_STORY):
        assert fold(order) == expected


def test_a_repeated_delivery_changes_nothing():
    once = fold(PR_STORY)
    assert fold(PR_STORY + PR_STORY[::-1]) == once
    assert merge(once, PR_STORY[2]) == once


def test_an_opened_event_arriving_after_the_merge_does_not_reopen_it():
    state = fold([PR_STORY[-1], PR_STORY[0]])
    record = pull_request_record(state)
    assert record["state"] == "merged" and record["closed_at"] == "2024-05-07T16:00:00Z"


def test_a_reopened_pull_request_is_open_again_whatever_the_order():
    closed = pr("pull_request.closed", "2024-05-07T16:00:00Z", state="closed", closed_at="2024-05-07T16:00:00Z")
    reopened = pr("pull_request.reopened", "2024-05-08T09:00:00Z")
    for order in ([closed, reopened], [reopened, closed]):
        record = pull_request_record(fold([PR_STORY[0], *order]))
        assert record["state"] == "open" and record["closed_at"] is None and record["merged_at"] is None


def test_the_authors_own_review_is_not_a_first_review():
    # events.observe leaves the author's reviews out; a state without reviews has no first review
    record = pull_request_record(fold(PR_STORY[:2]))
    assert record["first_review_at"] is None and record["time_to_first_review_s"] is None


def job(kind, status, **facts):
    base = {**REPO, "job_id": 5, "run_id": 50, "run_attempt": 1, "workflow_name": "CI", "name": "test",
            "status": status, "conclusion": None, "created_at": "2024-05-06T10:00:00Z", "started_at": None,
            "completed_at": None, "labels": ["ubuntu-latest"], "runner_name": None, "runner_group_name": None,
            "head_branch": "main"}
    return Observation(WORKFLOW_JOBS, "5", kind, {**base, **facts})


JOB_STORY = [
    job("workflow_job.queued", "queued"),
    job("workflow_job.in_progress", "in_progress", started_at="2024-05-06T10:00:30Z", runner_name="r-1"),
    job("workflow_job.completed", "completed", started_at="2024-05-06T10:00:30Z",
        completed_at="2024-05-06T10:05:30Z", conclusion="failure", runner_name="r-1"),
]


def test_a_job_never_goes_back_from_completed():
    expected = fold(JOB_STORY)
    for order in itertools.permutations(JOB_STORY):
        assert fold(order) == expected
    record = workflow_job_record(expected)
    assert (record["status"], record["conclusion"], record["queue_s"], record["run_s"]) == ("completed", "failure", 30, 300)
    assert record["labels"] == ["ubuntu-latest"] and record["runner_name"] == "r-1"


def suite(kind, status, updated_at, conclusion=None):
    facts = {**REPO, "check_suite_id": 9, "app": "github-actions", "head_branch": "main", "head_sha": "abc",
             "status": status, "conclusion": conclusion, "created_at": "2024-05-06T10:00:00Z", "updated_at": updated_at}
    return Observation(CHECK_SUITES, "9", kind, facts)


def test_a_rerequested_check_suite_is_news_not_disorder():
    first = suite("check_suite.completed", "completed", "2024-05-06T10:10:00Z", "failure")
    again = suite("check_suite.rerequested", "queued", "2024-05-06T11:00:00Z")
    done = suite("check_suite.completed", "completed", "2024-05-06T11:08:00Z", "success")
    expected = fold([first, again, done])
    for order in itertools.permutations([first, again, done]):
        assert fold(order) == expected
    record = check_suite_record(expected)
    assert (record["conclusion"], record["duration_s"]) == ("success", 68 * 60)
    assert check_suite_record(fold([first, again]))["status"] == "queued"


def deployment(kind, statuses=None):
    facts = {**REPO, "deployment_id": 3, "environment": "production", "sha": "abc123", "ref": "main",
             "created_at": "2024-05-07T17:00:00Z"}
    if statuses:
        facts["statuses"] = statuses
    return Observation(DEPLOYMENTS, "3", kind, facts)


DEPLOYMENT_STORY = [
    deployment("deployment.created"),
    deployment("deployment_status.created", {"31": {"state": "in_progress", "at": "2024-05-07T17:01:00Z"}}),
    deployment("deployment_status.created", {"32": {"state": "failure", "at": "2024-05-07T17:05:00Z"}}),
    deployment("deployment_status.created", {"33": {"state": "success", "at": "2024-05-07T18:00:00Z"}}),
]


def test_a_deployment_in_any_order_has_one_final_state_and_lead_time():
    expected = fold(DEPLOYMENT_STORY)
    for order in itertools.permutations(DEPLOYMENT_STORY):
        assert fold(order) == expected
    record = deployment_record(expected, merged_at="2024-05-07T16:00:00Z")
    assert record["final_state"] == "success" and record["failed"] is False
    assert record["first_success_at"] == "2024-05-07T18:00:00Z" and record["lead_time_s"] == 2 * 3600
    failed = deployment_record(fold(DEPLOYMENT_STORY[:3]))
    assert failed["failed"] is True and failed["lead_time_s"] is None and failed["finished_at"] == "2024-05-07T17:05:00Z"


def test_a_renamed_repository_and_changed_labels_do_not_make_the_order_matter():
    renamed = [deployment("deployment.created"),
               Observation(DEPLOYMENTS, "3", "deployment_status.created",
                           {**deployment("x").facts, "repository": "acme/renamed",
                            "statuses": {"33": {"state": "success", "at": "2024-05-07T18:00:00Z"}}})]
    assert fold(renamed)["repository"] == fold(renamed[::-1])["repository"] == "acme/renamed"
    relabelled = [job("workflow_job.queued", "queued", labels=["x"]),
                  job("workflow_job.completed", "completed", labels=["y"], started_at="2024-05-06T10:00:30Z",
                      completed_at="2024-05-06T10:05:30Z", conclusion="success"),
                  job("workflow_job.in_progress", "in_progress", labels=[], started_at="2024-05-06T10:00:30Z")]
    for order in itertools.permutations(relabelled):
        assert fold(order) == fold(relabelled) and fold(order)["labels"] == ["y"]
