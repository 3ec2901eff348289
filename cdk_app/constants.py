"""Names, sizes and context defaults of the infrastructure, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ghstats.github.endpoints import GITHUB_COM_API
from ghstats.limits import FUNCTION_EPHEMERAL_STORAGE_MB, FUNCTION_MEMORY_MB
from ghstats.names import STACK_NAME
from ghstats.storage import TRANSIENT_TAG as TRANSIENT_TAG_TEXT
from ghstats.webhooks.limits import MAX_RECEIVE_COUNT

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
FUNCTION_REQUIREMENTS = FUNCTIONS_DIR / "requirements.txt"
ASL_PATH = REPO_ROOT / "statemachine" / "collect.asl.json"
CDK_JSON = REPO_ROOT / "cdk.json"  # its "context" holds the CDK feature flags the app is built with
FUNCTION_PACKAGES = ("ghstats", "handlers")  # what the Lambda code asset contains

PYTHON_VERSION = "3.14"  # Lambda runtime and the bundling target: the latest, as cdk-nag AwsSolutions-L1 requires
LAMBDA_PLATFORM = "manylinux2014_x86_64"


class Function:
    """One Lambda: its handler, memory (MB) and timeout (s)."""

    def __init__(self, handler: str, memory_mb: int, timeout_s: int, description: str):
        self.handler, self.memory_mb, self.timeout_s, self.description = handler, memory_mb, timeout_s, description


FUNCTIONS = {
    # Two ledger calls (a GetItem, a TransactWriteItems of two Updates): seconds, not minutes.
    "StartRun": Function("handlers.start_run.handler", FUNCTION_MEMORY_MB["StartRun"], 30, "Check the config and the GitHub host, take the collection's lock, record the run"),
    # The token check and one counting query per 50 orgs (per-org installations: each owner's
    # installation looked up, 16 at a time, each installation's orgs counted with it): a few
    # seconds, minutes for thousands of orgs.
    "PlanRun": Function("handlers.plan_run.handler", FUNCTION_MEMORY_MB["PlanRun"], 900, "Check the token, count the orgs' repositories, predict the run, name its owners"),
    # Listing one org of 50,000 repositories is 500 sequential pages: give it Lambda's full 15 minutes.
    "ListRepos": Function("handlers.list_repos.handler", FUNCTION_MEMORY_MB["ListRepos"], 900, "List one owner's repositories and plan its batches"),
    # One GraphQL request per batch (split on 502 inside): minutes, not 15.
    "QueryBatch": Function("handlers.query_batch.handler", FUNCTION_MEMORY_MB["QueryBatch"], 300, "Query one batch of repositories"),
    # One org-level collector over one org: a paged REST walk, 100 records a page; it stops and
    # goes on in its next invocation before running out of time.
    "CollectOrg": Function("handlers.collect_org.handler", FUNCTION_MEMORY_MB["CollectOrg"], 300, "Collect one organisation-level collector over one org"),
    # Merging the run: its memory is ghstats:aggregateMemoryMb (this is the default) and its /tmp
    # ghstats:aggregateEphemeralStorageMb, its time a Lambda's most.
    "Aggregate": Function("handlers.aggregate.handler", FUNCTION_MEMORY_MB["Aggregate"], 900, "Merge batch results into the run's outputs"),
    "TrackRun": Function("handlers.track_run.handler", FUNCTION_MEMORY_MB["TrackRun"], 30, "Keep the run ledger true from execution status events"),
}

# The functions that read the GitHub credentials (secretsmanager:GetSecretValue).
SECRET_READERS = ("PlanRun", "ListRepos", "QueryBatch", "CollectOrg")

# The ledger calls each function makes (tests/workflow/test_grants.py records them on every path
# and checks they are all here; the stack grants exactly these). A TransactWriteItems of Updates
# needs UpdateItem alone.
# - StartRun: reads the run (and the lock's holder when refused); takes the lock with the run.
# - PlanRun, ListRepos, QueryBatch: hold the lock before GitHub (UpdateItem; GetItem of the holder
#   when refused); PlanRun records the run's plan and puts each owner's pointer (PutItem); ListRepos
#   adds its owner's plan once (a TransactWriteItems of Updates) and puts each batch item
#   conditionally (PutItem).
# - TrackRun: updates the run and the lock; reads the holder when a redrive finds it taken.
LEDGER_ACTIONS = {
    "StartRun": ("dynamodb:GetItem", "dynamodb:UpdateItem"),
    "PlanRun": ("dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem"),
    "ListRepos": ("dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem"),
    "QueryBatch": ("dynamodb:UpdateItem", "dynamodb:GetItem"),
    "CollectOrg": ("dynamodb:UpdateItem", "dynamodb:GetItem"),  # holds the lock, as QueryBatch
    # Query: a Distributed Map's failure names no batch; the run's FAILED batches say which and why
    "TrackRun": ("dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:Query"),
}

# -- webhooks: GitHub deliveries through an API Gateway HTTP API to WebhookReceiver --------------
# Not in FUNCTIONS: it is no step of the state machine, gets its own environment (no GitHub
# credentials) and its own grants. GitHub waits 10 s for an answer.
WEBHOOK_FUNCTION_NAME = "WebhookReceiver"
WEBHOOK_FUNCTION = Function("handlers.webhook_receiver.handler", 512, 10,
                            "Verify, dedupe, store and queue GitHub webhook deliveries")
# ghstats.webhooks.dedupe.DynamoDedupe: claim, complete and release are UpdateItems (conditional);
# a refused claim reads the mark (GetItem) to tell a duplicate from one in progress.
WEBHOOK_LEDGER_ACTIONS = ("dynamodb:UpdateItem", "dynamodb:GetItem")
WEBHOOK_LEDGER_LEADING_KEYS = ("DELIVERY#*",)  # ghstats.webhooks.names.delivery_pk: never a run, a lock or a plan
WEBHOOK_RAW_PREFIX = "events/raw"  # ghstats.webhooks.names.RAW_PREFIX without its slash: s3:PutObject only there
WEBHOOK_QUEUE_DLQ = "WebhookDeliveriesFailed"  # the deliveries queue's dead-letter queue (redrive policy)
WEBHOOK_MAX_RECEIVE_COUNT = MAX_RECEIVE_COUNT  # shared with the local queue of `ghstats webhooks serve`
# SQS's maximum: a processor that is stuck (a bad deploy, a throttled table) loses nothing for two weeks.
WEBHOOK_QUEUE_RETENTION_DAYS = 14
WEBHOOK_PATH = "/webhook"
WEBHOOK_THROTTLE_RATE = 50  # requests per second, the stage's steady rate
WEBHOOK_THROTTLE_BURST = 100
WEBHOOK_SECRET_LENGTH = 40
# S3 key patterns (IAM object resources, as the grants and cdk-nag's findings spell them).
WEBHOOK_RAW_OBJECTS = f"{WEBHOOK_RAW_PREFIX}/*"
WEBHOOK_DATASET_OBJECTS = "datasets/webhooks_*"  # ghstats.webhooks.names.dataset_name(...): datasets/webhooks_<family>[_daily]/

# WebhookProcessor: the deliveries queue's consumer (SQS event source, partial batch responses).
WEBHOOK_PROCESSOR_NAME = "WebhookProcessor"
WEBHOOK_PROCESSOR = Function("handlers.webhook_processor.handler", 512, 60,
                             "Merge queued GitHub webhook deliveries into derived state")
WEBHOOK_BATCH_SIZE = 10
WEBHOOK_BATCH_WINDOW_S = 5
# AWS: the queue's visibility timeout at least 6x the function's timeout (and the batching window
# on top), so a batch Lambda retries after a throttle is not visible to a second poller meanwhile.
WEBHOOK_QUEUE_VISIBILITY_S = 6 * WEBHOOK_PROCESSOR.timeout_s + WEBHOOK_BATCH_WINDOW_S
# ghstats.webhooks.store calls of ghstats.webhooks.process: update (GetItem, then a conditional
# PutItem), count_delivery, index_days, record_merge and note_deployed (PutItem), mark_dirty
# (UpdateItem), deployed_days (Query: the deployments of a commit whose merge comes in). The
# rollup's reads (BatchGetItem) are the sweep's. tests/unit/webhooks/test_processing.py records
# the calls and compares.
WEBHOOK_PROCESSOR_LEDGER_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem")
WEBHOOK_PROCESSOR_LEADING_KEYS = ("WH*",)  # WH#, WHDAY#, WHDIRTY, WHSHA# (ghstats.webhooks.names)

# WebhookSweep: hourly, asks GitHub for failed deliveries and redelivers them, then rolls up.
WEBHOOK_SWEEP_NAME = "WebhookSweep"
WEBHOOK_SWEEP = Function("handlers.webhook_sweep.handler", 512, 300,
                         "Redeliver failed GitHub webhook deliveries and roll derived state up into datasets")
WEBHOOK_SWEEP_SCHEDULE = "rate(1 hour)"
WEBHOOK_SWEEP_RULE = "WebhookSweepHourly"  # the EventBridge rule that invokes it
WEBHOOK_SWEEP_MAX_EVENT_AGE_S = 3600  # a sweep an hour late is the next one's work: give up, dead-letter it
WEBHOOK_SWEEP_RETRY_ATTEMPTS = 2  # a sweep is safe to repeat: stored deliveries are not redelivered
# The sweep's own records (SWEEP*: UpdateItem, Query), the dedupe marks it reads (DELIVERY#*:
# GetItem), and the rollup's calls (ghstats.webhooks.rollup through the store: Query, BatchGetItem,
# and DeleteItem of a WHDIRTY mark in clear_dirty). tests/unit/webhooks/test_sweep.py records the
# handler's calls and compares them with this, exactly.
WEBHOOK_SWEEP_LEDGER_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query",
                                "dynamodb:BatchGetItem", "dynamodb:DeleteItem")
WEBHOOK_SWEEP_LEADING_KEYS = ("WH*", "SWEEP*", "DELIVERY#*")
WEBHOOK_SWEEP_DLQ = "WebhookSweepFailures"  # the sweep's on-failure destination
WEBHOOK_SWEEP_RULE_DLQ = "WebhookSweepUndelivered"  # scheduled events the rule could not deliver
OUTPUT_WEBHOOK_URL = "WebhookUrl"
OUTPUT_WEBHOOK_SECRET = "WebhookSecretName"

# Substitution name in the ASL -> function logical name.
ASL_FUNCTIONS = {
    "StartRunFunctionArn": "StartRun",
    "PlanRunFunctionArn": "PlanRun",
    "ListReposFunctionArn": "ListRepos",
    "QueryBatchFunctionArn": "QueryBatch",
    "CollectOrgFunctionArn": "CollectOrg",
    "AggregateFunctionArn": "Aggregate",
}
EVENT_BUS_NAME = "default"
STATE_MACHINE_LOG_GROUP_PREFIX = "/aws/vendedlogs/states/"
STATE_MACHINE_NAME_MAX = 80  # AWS's limit on a state machine's name


def state_machine_name(stack_name: str) -> str:
    """The state machine's fixed name, "<stack>-Collect": its Distributed Maps start child
    executions of the machine itself, and the role may start only those (an ARN known before the
    machine exists; a generated name would need Resource "*")."""
    suffix = "-Collect"
    return stack_name[:STATE_MACHINE_NAME_MAX - len(suffix)] + suffix
# Dead-letter queues (construct ids; each has an alarm "<id>NotEmpty").
TRACK_RUN_DLQ = "TrackRunFailures"  # TrackRun's on-failure destination (failed after Lambda's retries)
TRACK_RUNS_RULE_DLQ = "TrackRunsUndelivered"  # events the TrackRuns rule could not deliver to TrackRun
SCHEDULE_DLQ = "ScheduleUndelivered"  # scheduled StartExecution calls that failed after retries
DEAD_LETTER_QUEUES = {
    TRACK_RUN_DLQ: "TrackRun's on-failure destination (asynchronous invocations that failed after Lambda's retries)",
    TRACK_RUNS_RULE_DLQ: "the TrackRuns EventBridge rule's target dead-letter queue (events it could not deliver)",
    SCHEDULE_DLQ: "the schedule's dead-letter queue (StartExecution calls that failed after the Scheduler's retries)",
    WEBHOOK_SWEEP_DLQ: "WebhookSweep's on-failure destination (hourly sweeps that failed after Lambda's retries)",
    WEBHOOK_SWEEP_RULE_DLQ: "the WebhookSweepHourly rule's target dead-letter queue (scheduled events it could not deliver)",
}
SCHEDULE_RETRY_ATTEMPTS = 5
NONCURRENT_VERSION_DAYS = 30  # data bucket: how long an overwritten or deleted object can be restored

# S3 objects written with this tag (ghstats.storage.TRANSIENT_TAG: batches, results) expire
# after `batchObjectRetentionDays`.
TRANSIENT_TAG = tuple(TRANSIENT_TAG_TEXT.split("="))

# cdk.json context keys and their defaults.
CONTEXT_DEFAULTS = {
    "ghstats:stackName": STACK_NAME,  # the stack's name: event source, metric dimension, log group names
    "ghstats:collection": {"orgs": ["my-org"], "repos": [], "batch_size": "auto", "max_concurrency": 4},
    # each starts executions; one without its own "collection" starts ghstats:collection
    "ghstats:schedules": [{"name": "weekly", "schedule": "cron(0 2 ? * MON *)"}],  # Monday 02:00 UTC
    "ghstats:githubApiUrls": [GITHUB_COM_API],  # the GitHub hosts (REST base URLs) the Lambdas may call
    "ghstats:notificationEmail": "",
    "ghstats:existingSecretName": "",
    "ghstats:existingSecretKmsKeyArn": "",  # the customer managed key of existingSecretName's secret, if any
    "ghstats:batchObjectRetentionDays": 30,
    "ghstats:logRetentionDays": 90,
    "ghstats:pointsRemainingAlarmThreshold": 500,
    "ghstats:retainData": True,
    # Aggregate's memory (MB)
    "ghstats:aggregateMemoryMb": FUNCTION_MEMORY_MB["Aggregate"],
    # Aggregate's /tmp (MB): it holds the run's records there while it writes the outputs
    "ghstats:aggregateEphemeralStorageMb": FUNCTION_EPHEMERAL_STORAGE_MB["Aggregate"],
    # the webhooks WebhookSweep asks GitHub about: [{"org": "<login>", "hook_id": <id>}, {"app": true}]
    "ghstats:webhookHooks": [],
}

# An upload Aggregate could not finish or abort (a Lambda stopped at its timeout or out of memory
# runs no cleanup) keeps its parts, billed, until the bucket's lifecycle aborts it.
INCOMPLETE_UPLOAD_DAYS = 1

OUTPUT_BUCKET = "BucketName"
OUTPUT_TABLE = "LedgerTableName"
OUTPUT_STATE_MACHINE = "StateMachineArn"
OUTPUT_SECRET = "SecretName"

# CloudWatch Logs retention: the day counts CloudWatch accepts -> aws_logs.RetentionDays member.
LOG_RETENTION = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
    60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
    365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1827: "FIVE_YEARS",
    3653: "TEN_YEARS",
}

# -- Athena: a Glue database with one table per dataset, and a workgroup -------------------------
ATHENA_DATABASE = "ghstats"  # the default stack's Glue database (another stack's: athena_names)
ATHENA_WORKGROUP = "ghstats"  # the default stack's Athena workgroup
ATHENA_RESULTS_PREFIX = "athena-results/"  # in the data bucket: the workgroup's query results
ATHENA_RESULTS_DAYS = 30  # a query result is kept this long (lifecycle rule ExpireAthenaResults)
OUTPUT_ATHENA_DATABASE = "AthenaDatabase"
OUTPUT_ATHENA_WORKGROUP = "AthenaWorkGroup"
DATASET_PARTITION = "dt"  # datasets/<dir>/dt=YYYY-MM-DD/: projected, never crawled or added
PARTITION_FORMAT = "yyyy-MM-dd"
PARTITION_START = "2024-01-01"  # the first day the partition projection knows (it ends today, NOW)
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
TEXT_INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
# What the engine adds to each line of a dataset besides the collector's record fields:
# every line its run (ghstats.collect.aggregate.dataset_lines, ghstats.collect.history);
RUN_COLUMNS = {"run_id": "string"}
# a History's row also when the run that wrote it started (the latest-started run's row wins).
HISTORY_COLUMNS = {"run_started_at": "string"}


def athena_names(stack_name: str) -> tuple[str, str]:
    """(Glue database, Athena workgroup) of a stack: ghstats and ghstats for the default stack.
    Both are unique in an account and region, so another stack's (several stacks in one account)
    are named after it: the database in Glue's alphabet (lower case, `_` for `-`), the workgroup
    as the stack."""
    if stack_name == STACK_NAME:
        return ATHENA_DATABASE, ATHENA_WORKGROUP
    return stack_name.lower().replace("-", "_"), stack_name


@dataclass(frozen=True)
class DatasetTable:
    """One dataset as an Athena table: its name, its folder in the bucket, its columns."""

    name: str  # the dataset's folder name: repositories (repository_stats), else the collector's name
    collector: str
    prefix: str  # datasets/<dir>/ (its partitions are <prefix>dt=YYYY-MM-DD/)
    columns: dict[str, str]  # name -> Athena (Hive) type, without the partition column


def _dataset_prefix(collector: Any) -> str:
    """The folder of a collector's dataset, from the very keys the engine writes its objects under."""
    from ghstats import names
    from ghstats.collectors import INVENTORY_COLLECTOR

    day = "2000-01-01"
    if collector.history is not None:
        key = names.history_dataset_key(collector.name, day, "owner")
    elif collector.name == INVENTORY_COLLECTOR.name:
        key = names.dataset_key(day, "run")
    else:
        key = names.collector_dataset_key(collector.name, day, "run")
    prefix, found, _ = key.partition(f"{DATASET_PARTITION}={day}/")
    assert found and prefix.startswith("datasets/") and prefix.endswith("/"), key
    return prefix


def dataset_tables() -> list[DatasetTable]:
    """One table per collector of the registry, in registry order, with the columns its
    declaration (Collector.dataset_columns) and the engine's run columns give."""
    from ghstats.collectors import REGISTRY

    tables = []
    for collector in REGISTRY.values():
        if not collector.dataset_columns:
            raise ValueError(f"collector {collector.name} declares no dataset_columns: its Athena table needs its "
                             f"fields and their types (functions/ghstats/collectors/{collector.name}/columns.py)")
        extra = {**RUN_COLUMNS, **(HISTORY_COLUMNS if collector.history is not None else {})}
        clash = sorted((set(collector.dataset_columns) & set(extra)) | ({DATASET_PARTITION} & set(collector.dataset_columns)))
        if clash:
            raise ValueError(f"collector {collector.name} declares {', '.join(clash)}: the engine's (or the partition's) name")
        prefix = _dataset_prefix(collector)
        tables.append(DatasetTable(prefix.removeprefix("datasets/").strip("/"), collector.name, prefix,
                                   {**collector.dataset_columns, **extra}))
    return tables + webhook_dataset_tables()


def webhook_dataset_tables() -> list[DatasetTable]:
    """The webhook datasets the rollup writes (ghstats.webhooks.columns), no run columns: they
    are not written by a run."""
    from ghstats.webhooks.columns import DATASET_COLUMNS
    from ghstats.webhooks.names import dataset_prefix

    return [DatasetTable(name, "webhooks", dataset_prefix(name), dict(columns)) for name, columns in DATASET_COLUMNS.items()]
