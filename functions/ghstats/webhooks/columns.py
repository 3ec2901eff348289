"""The fields of the webhook datasets (datasets/webhooks_*/dt=YYYY-MM-DD/) and their Athena types.

Times are ISO text in UTC ("2024-05-06T10:00:00Z"; `from_iso8601_timestamp()` in Athena);
durations are whole seconds; rates are 0..1 (null when there was nothing to divide by).
"""

from ghstats.webhooks import names
from ghstats.webhooks.events import CHECK_SUITES, DEPLOYMENTS, PULL_REQUESTS, WORKFLOW_JOBS

_REPOSITORY = {"repository": "string", "repository_id": "bigint"}

DATASET_COLUMNS: dict[str, dict[str, str]] = {
    names.dataset_name(PULL_REQUESTS): {
        **_REPOSITORY, "number": "bigint", "author": "string", "base_ref": "string", "state": "string",
        "draft": "boolean", "created_at": "string", "ready_at": "string", "first_review_at": "string",
        "merged_at": "string", "closed_at": "string", "time_to_first_review_s": "bigint", "time_to_merge_s": "bigint",
        "additions": "bigint", "deletions": "bigint", "changed_files": "bigint", "commits": "bigint", "size": "bigint",
        "reviews": "bigint", "merge_commit_sha": "string", "updated_at": "string",
    },
    names.dataset_name(PULL_REQUESTS, daily=True): {
        "day": "string", "repository": "string", "opened": "bigint", "merged": "bigint", "closed_unmerged": "bigint",
        "median_time_to_merge_s": "double", "median_time_to_first_review_s": "double", "median_size": "double",
    },
    names.dataset_name(WORKFLOW_JOBS): {
        **_REPOSITORY, "workflow_name": "string", "name": "string", "job_id": "bigint", "run_id": "bigint",
        "run_attempt": "bigint", "status": "string", "conclusion": "string", "created_at": "string",
        "started_at": "string", "completed_at": "string", "queue_s": "bigint", "run_s": "bigint",
        "labels": "array<string>", "runner_name": "string", "runner_group_name": "string", "head_branch": "string",
    },
    names.dataset_name(WORKFLOW_JOBS, daily=True): {
        "day": "string", "repository": "string", "workflow_name": "string", "runs": "bigint", "failed_runs": "bigint",
        "run_failure_rate": "double", "p50_run_duration_s": "bigint", "p95_run_duration_s": "bigint",
        "jobs": "bigint", "failed": "bigint", "with_verdict": "bigint", "failure_rate": "double", "p50_run_s": "bigint",
        "p95_run_s": "bigint", "p50_queue_s": "bigint", "p95_queue_s": "bigint",
    },
    names.dataset_name(CHECK_SUITES): {
        **_REPOSITORY, "check_suite_id": "bigint", "app": "string", "head_branch": "string", "head_sha": "string",
        "status": "string", "conclusion": "string", "created_at": "string", "completed_at": "string",
        "duration_s": "bigint",
    },
    names.dataset_name(CHECK_SUITES, daily=True): {
        "day": "string", "repository": "string", "app": "string", "completed": "bigint", "failed": "bigint",
        "with_verdict": "bigint", "failure_rate": "double", "p50_duration_s": "bigint", "p95_duration_s": "bigint",
    },
    names.dataset_name(DEPLOYMENTS): {
        **_REPOSITORY, "deployment_id": "bigint", "environment": "string", "sha": "string", "ref": "string",
        "created_at": "string", "final_state": "string", "first_success_at": "string", "finished_at": "string",
        "failed": "boolean", "merged_at": "string", "lead_time_s": "bigint", "statuses": "bigint",
    },
    names.dataset_name(DEPLOYMENTS, daily=True): {
        "day": "string", "repository": "string", "environment": "string", "deployments": "bigint",
        "successful": "bigint", "finished": "bigint", "failed": "bigint", "change_failure_rate": "double",
        "median_lead_time_s": "double",
    },
    names.dataset_name(names.DELIVERIES): {
        "day": "string", "event": "string", "deliveries": "bigint", "hooks": "bigint", "unknown": "boolean",
    },
}
