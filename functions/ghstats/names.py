"""Every name shared between parts: S3 keys, ledger keys, statuses, metrics, environment."""

from __future__ import annotations

# -- environment of every Lambda (docs/architecture.md) --------------------------------------
ENV_BUCKET = "GHSTATS_BUCKET"
ENV_TABLE = "GHSTATS_TABLE"
ENV_SECRET_NAME = "GHSTATS_SECRET_NAME"
ENV_GITHUB_API_URLS = "GHSTATS_GITHUB_API_URLS"  # JSON list of the GitHub REST base URLs this deployment may call
ENV_STACK_NAME = "GHSTATS_STACK_NAME"  # the deployed stack; a metric dimension (default STACK_NAME)
ENV_TOKEN = "GITHUB_TOKEN"  # local runs only
# Aggregate's memory as deployed (ghstats:aggregateMemoryMb, MB): the planning step prices the run
# with it (collect/budget.py); unset (local runs): limits.FUNCTION_MEMORY_MB's default
ENV_AGGREGATE_MEMORY_MB = "GHSTATS_AGGREGATE_MEMORY_MB"

# -- Powertools ------------------------------------------------------------------------------
SERVICE = "ghstats"
STACK_NAME = "ghstats"  # the default stack name, and the stack of local runs
METRIC_DIMENSION_STACK = "stack"
METRICS_NAMESPACE = "ghstats"
METRIC_REPOS_LISTED = "ReposListed"
METRIC_REPOS_COLLECTED = "ReposCollected"
METRIC_REPOS_FAILED = "ReposFailed"
METRIC_POINTS_USED = "PointsUsed"
METRIC_POINTS_REMAINING = "PointsRemaining"

# -- run statuses ----------------------------------------------------------------------------
RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"
PARTIAL = "PARTIAL"
FAILED = "FAILED"
TIMED_OUT = "TIMED_OUT"
ABORTED = "ABORTED"
TERMINAL_FAILURES = (FAILED, TIMED_OUT, ABORTED)

# coverage statuses that leave a run complete: read, or nothing there to read (e.g. the traffic of
# an archived repository); any other status (forbidden, skipped, ...) makes the run PARTIAL
COVERAGE_OK = "ok"
COVERAGE_NOT_APPLICABLE = "not_applicable"
COVERAGE_COMPLETE = (COVERAGE_OK, COVERAGE_NOT_APPLICABLE)

# batch statuses
BATCH_PENDING = "PENDING"
BATCH_RUNNING = "RUNNING"
BATCH_DONE = "DONE"
BATCH_FAILED = "FAILED"

# owner statuses (its listing)
OWNER_LISTED = "LISTED"
OWNER_FAILED = "FAILED"

# PlanRun, ListRepos and QueryBatch answers (the state machine's Choice states read these)
ANSWER_DONE = "done"
ANSWER_RATE_LIMITED = "rate_limited"
ANSWER_LISTING_CONTINUES = "listing_continues"  # ListRepos paused for time: invoke it again

# -- S3 keys ---------------------------------------------------------------------------------


def run_prefix(run_id: str) -> str:
    return f"runs/{run_id}/"


def run_config_key(run_id: str) -> str:
    return f"runs/{run_id}/run.json"


def planning_progress_key(run_id: str) -> str:
    """What PlanRun spent before GitHub stopped it (rate limited, failed): added to its next try's."""
    return f"runs/{run_id}/planning.json"


def owner_manifest_key(run_id: str) -> str:
    """The run's owners (organisations, then owners of named repositories), a JSON array of their
    logins: CollectOwners' Distributed Map reads its items from it."""
    return f"runs/{run_id}/owners.json"


def owner_prefix(run_id: str, owner: str) -> str:
    """What one owner's pipeline keeps: its listing progress, its plan and its two manifests."""
    return f"runs/{run_id}/owners/{owner.lower()}/"


def owner_listing_key(run_id: str, owner: str) -> str:
    """How far the owner's listing got (pages, next cursor) between ListRepos invocations."""
    return f"{owner_prefix(run_id, owner)}listing.json"


def owner_plan_key(run_id: str, owner: str) -> str:
    """The owner's plan (its batches, work items, errors): written last, its presence means "listed"."""
    return f"{owner_prefix(run_id, owner)}plan.json"


def owner_batch_manifest_key(run_id: str, owner: str) -> str:
    """The owner's batch ids, a JSON array: its CollectBatches Distributed Map reads its items from it."""
    return f"{owner_prefix(run_id, owner)}batches.json"


def owner_item_manifest_key(run_id: str, owner: str) -> str:
    """The owner's organisation-level work item ids, a JSON array: its CollectOrgs' items."""
    return f"{owner_prefix(run_id, owner)}org-items.json"


def batch_key(run_id: str, batch_id: str) -> str:
    return f"runs/{run_id}/batches/{batch_id}.json"


# Where the Distributed Maps' ResultWriter puts its manifest and result files (a static prefix:
# the ASL's ${MapResultsPrefix}); the bucket's lifecycle rule expires them with the run's work objects.
MAP_RESULTS_PREFIX = "map-results"


def partial_key(run_id: str, batch_id: str) -> str:
    """What a batch fetched before it stopped (rate limited, failed): kept, not fetched again."""
    return f"runs/{run_id}/partial/{batch_id}.json"


def org_item_id(collector: str, org: str) -> str:
    """An organisation-level work item: one collector's paged walk over one org."""
    return f"{collector}.{org.lower()}"


def org_item_key(run_id: str, item_id: str) -> str:
    return f"runs/{run_id}/org-items/{item_id}.json"


def org_result_key(run_id: str, item_id: str) -> str:
    return f"runs/{run_id}/org-results/{item_id}.json"


def org_partial_key(run_id: str, item_id: str) -> str:
    """How far an org walk got (its next page and the records so far) when it stopped."""
    return f"runs/{run_id}/org-partial/{item_id}.json"


def collector_output_key(run_id: str, collector: str) -> str:
    return f"runs/{run_id}/{collector}.json"


def coverage_key(run_id: str) -> str:
    return f"runs/{run_id}/coverage.json"


def latest_collector_key(collector: str) -> str:
    return f"latest/{collector}.json"


def latest_collector_run_key(collector: str) -> str:
    """{"run_id", "started_at"} of the run in latest/<collector>.json."""
    return f"latest/{collector}.run.json"


def collector_dataset_key(collector: str, date: str, run_id: str) -> str:
    return f"datasets/{collector}/dt={date}/{run_id}.jsonl"


# A collector with a History keeps one row per (repository, day) across runs instead of a
# per-run dataset: its dataset is partitioned by the row's day, one object per owner.
def history_dataset_prefix(collector: str) -> str:
    return f"datasets/{collector}/"


def history_dataset_key(collector: str, day: str, owner: str) -> str:
    return f"datasets/{collector}/dt={day}/{owner.lower()}.jsonl"


STATE_PREFIX = "state/"  # what a run keeps for the next one (not an output)


def etag_cache_key(collector: str, owner: str) -> str:
    """A walk's conditional answers of its last run over one owner: {"api_url", "pages": {path
    or link URL: {"etag", "items", "next_url"}}} (org_walk.stored_etag_cache)."""
    return f"{STATE_PREFIX}{collector}/etags/{owner.lower()}.json"


def history_prefix(collector: str) -> str:
    return f"latest/{collector}_history/"


def history_key(collector: str, owner: str) -> str:
    """Every kept row of one owner's repositories: {"rows": {repository: {day: row}}}."""
    return f"latest/{collector}_history/{owner.lower()}.json"


def result_key(run_id: str, batch_id: str) -> str:
    return f"runs/{run_id}/results/{batch_id}.json"


def failures_prefix(run_id: str) -> str:
    return f"runs/{run_id}/failures/"


def failure_key(run_id: str, name: str, attempt: int = 1) -> str:
    """The dead letter of step `name`'s attempt-th failure: name.json, then name-2.json, …"""
    suffix = "" if attempt == 1 else f"-{attempt}"
    return f"{failures_prefix(run_id)}{name}{suffix}.json"


def repositories_key(run_id: str) -> str:
    return f"runs/{run_id}/repositories.json"


def errors_key(run_id: str) -> str:
    return f"runs/{run_id}/errors.json"


def summary_key(run_id: str) -> str:
    return f"runs/{run_id}/summary.json"


LATEST_REPOSITORIES_KEY = "latest/repositories.json"
LATEST_RUN_KEY = "latest/run.json"  # {"run_id", "started_at"} of the run in latest/repositories.json


def report_key(run_id: str) -> str:
    """The run's HTML report (ghstats.report)."""
    return f"runs/{run_id}/report.html"


LATEST_REPORT_KEY = "latest/report.html"
LATEST_REPORT_RUN_KEY = "latest/report.run.json"  # {"run_id", "started_at"} of latest/report.html
TREND_KEY = "latest/trend.json"  # a few figures of each of the last runs (ghstats.report.trend)


def dataset_key(date: str, run_id: str) -> str:
    """JSON Lines partitioned by day (date = YYYY-MM-DD) for Athena or DuckDB."""
    return f"datasets/repositories/dt={date}/{run_id}.jsonl"


def batch_id(owner_index: int, index: int) -> str:
    """The index-th batch of the run's owner_index-th owner: ids sort as owners, then batches."""
    return f"{owner_index:04d}-{index:05d}"


# wider when the run has more than 9,999 owners, or an owner more than 99,999 batches (a
# million repositories in batches of 10)
BATCH_ID_PATTERN = r"^[0-9]{4,6}-[0-9]{5,7}$"


# -- ledger keys -----------------------------------------------------------------------------
RUN_SK = "RUN"
RUNS_INDEX = "by_time"
RUNS_GSI_PK = "RUNS"


def run_pk(run_id: str) -> str:
    return f"RUN#{run_id}"


def batch_sk(batch_id: str) -> str:
    return f"BATCH#{batch_id}"


def owner_sk(owner: str) -> str:
    """An owner's pipeline in the run: listed once (its counts added to the run's once), or failed."""
    return f"OWNER#{owner.lower()}"


def org_sk(org: str) -> str:
    return f"ORG#{org.lower()}"


def org_gsi_pk(org: str) -> str:
    return f"ORG#{org.lower()}"


LOCK_SK = "LOCK"


def lock_pk(collection: str) -> str:
    """The lock item of a collection name: at most one RUNNING execution per name."""
    return f"LOCK#{collection}"


# A webhook redelivery sweep is recorded like a run: its own item, listed newest first in the
# by_time index under its own partition (never among the runs).
SWEEP_SK = "SWEEP"
SWEEPS_GSI_PK = "SWEEPS"


def sweep_pk(sweep_id: str) -> str:
    return f"SWEEP#{sweep_id}"


def time_order(started_at: str, run_id: str) -> str:
    return f"{started_at}#{run_id}"
