"""Names of the webhook receiver: environment, keys, event types, metrics."""

from __future__ import annotations

from ghstats import names as _names

# -- environment of the receiver Lambda ------------------------------------------------------
ENV_WEBHOOK_SECRET_NAME = "GHSTATS_WEBHOOK_SECRET_NAME"  # the Secrets Manager secret (its SecretString is the secret)
ENV_WEBHOOK_QUEUE_URL = "GHSTATS_WEBHOOK_QUEUE_URL"
ENV_BUCKET = _names.ENV_BUCKET
ENV_TABLE = _names.ENV_TABLE  # the ledger table holds the dedupe marks

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
