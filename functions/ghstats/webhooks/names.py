"""Names of the webhook receiver: environment, keys, event types, metrics."""

from __future__ import annotations

from ghstats import names as _names

# -- environment of the receiver Lambda ------------------------------------------------------
ENV_WEBHOOK_SECRET_NAME = "GHSTATS_WEBHOOK_SECRET_NAME"  # the Secrets Manager secret (its SecretString is the secret)
ENV_WEBHOOK_QUEUE_URL = "GHSTATS_WEBHOOK_QUEUE_URL"
ENV_BUCKET = _names.ENV_BUCKET
ENV_TABLE = _names.ENV_TABLE  # the ledger table holds the dedupe marks, derived state and sweeps
# -- environment of the sweep Lambda (WebhookSweep) ------------------------------------------
# JSON list of the hooks to sweep: [{"org": "acme", "hook_id": 123}, {"app": true}]
ENV_WEBHOOK_HOOKS = "GHSTATS_WEBHOOK_HOOKS"

# -- GitHub's headers (looked up case-insensitively) -----------------------------------------
HEADER_EVENT = "X-GitHub-Event"
HEADER_DELIVERY = "X-GitHub-Delivery"
HEADER_HOOK_ID = "X-GitHub-Hook-ID"
HEADER_SIGNATURE_256 = "X-Hub-Signature-256"
HEADER_CONTENT_TYPE = "Content-Type"
GITHUB_HEADER_PREFIX = "x-github-"

# -- event types -----------------------------------------------------------------------------
PING = "ping"
# processed later; any other type is stored and queued marked "unknown"
KNOWN_EVENTS = frozenset({
    "pull_request", "pull_request_review", "workflow_job", "check_suite", "deployment", "deployment_status",
})

# -- S3 and ledger keys ----------------------------------------------------------------------
RAW_PREFIX = "events/raw/"
DELIVERY_SK = "DELIVERY"


def raw_key(event: str, day: str, hook_id: str, delivery: str) -> str:
    """One object per delivery: events/raw/type=<event>/dt=YYYY-MM-DD/<hook_id>-<delivery>.json."""
    return f"{RAW_PREFIX}type={event}/dt={day}/{hook_id}-{delivery}.json"


def delivery_pk(hook_id: str, delivery: str) -> str:
    return f"DELIVERY#{hook_id}#{delivery}"


# -- metrics ---------------------------------------------------------------------------------
METRIC_WEBHOOK_QUEUED = "WebhookDeliveriesQueued"
METRIC_WEBHOOK_UNKNOWN = "WebhookUnknownEvents"
METRIC_WEBHOOK_DUPLICATES = "WebhookDuplicates"
METRIC_WEBHOOK_REJECTED = "WebhookRejected"
METRIC_WEBHOOK_FAILED = "WebhookFailed"
METRIC_WEBHOOK_PROCESSED = "WebhookDeliveriesProcessed"  # by WebhookProcessor
METRIC_WEBHOOK_PROCESSING_FAILED = "WebhookProcessingFailed"  # retried by SQS, then dead-lettered


# -- derived state in the ledger table (ghstats.webhooks.store) ------------------------------
# WH#<family>#<entity> / STATE      the merged state of one pull request, job, suite or deployment
# WHDAY#<family>#<day> / <entity>   the things something happened to on that day (deliveries too)
# WHDIRTY / <family>#<day>          a day whose datasets the next rollup rewrites
# WHSHA#<repository id>#<sha> / STATE   when the pull request with that merge commit was merged
#                     / DEPLOYMENT#<id>   a deployment of that commit, and its days
STATE_SK = "STATE"
DEPLOYMENT_SK_PREFIX = "DEPLOYMENT#"
DIRTY_PK = "WHDIRTY"
DELIVERIES = "deliveries"  # the family of the per-day delivery counts


def state_pk(family: str, entity: str) -> str:
    return f"WH#{family}#{entity}"


def day_pk(family: str, day: str) -> str:
    return f"WHDAY#{family}#{day}"


def merge_sha_pk(repository_id: int, sha: str) -> str:
    return f"WHSHA#{repository_id}#{sha}"


# -- datasets (Athena/DuckDB-ready, beside the collectors' datasets/<collector>/dt=...) --------
def dataset_name(family: str, daily: bool = False) -> str:
    return f"webhooks_{family}_daily" if daily else f"webhooks_{family}"


def dataset_prefix(name: str) -> str:
    """A webhook dataset's folder (its partitions are <prefix>dt=YYYY-MM-DD/)."""
    return f"datasets/{name}/"


def dataset_key(family: str, day: str, daily: bool = False) -> str:
    return f"{dataset_prefix(dataset_name(family, daily))}dt={day}/part.jsonl"
