"""Every limit and default of ghstats, in one place."""

# Batching (one GraphQL request per batch of repositories). "auto": the plan picks the size with
# the fewest points per repository for the enabled collectors (ghstats.collect.batch_size).
AUTO_BATCH_SIZE = "auto"
DEFAULT_BATCH_SIZE = AUTO_BATCH_SIZE
FIXED_BATCH_SIZE_BEFORE_AUTO = 50  # the default until "auto" (bench compares against it)
MIN_BATCH_SIZE = 1
MAX_BATCH_SIZE = 100  # GitHub: at most 100 aliases are sensible; node limit is far away.

# Map concurrency. GitHub's secondary limits punish bursts. CollectOwners runs OWNERS_AT_ONCE
# owners' pipelines (listing, then batches, then REST work items) side by side, so a small org's
# batches start while a big org still lists. max_concurrency (batches) and rest_concurrency (REST
# work items) are each owner's own on per-org App installations (each its own budget and
# secondary limits), and the run's totals, split between the owners running at once, when they
# share one credential (steps.owner_concurrency).
DEFAULT_MAX_CONCURRENCY = 4
MIN_MAX_CONCURRENCY = 1
MAX_MAX_CONCURRENCY = 40
OWNERS_AT_ONCE = 4
# REST work items (a collector over one owner, one request at a time) running at once: low, as
# per-repository REST lists are what trips GitHub's secondary limits
DEFAULT_REST_CONCURRENCY = 2

# A Standard execution holds 25,000 history events. The batches and work items run as child
# executions of Distributed Maps, each with its own history (about a dozen events: its Task,
# Choice and Pass, plus 3 per retry and 9 per rate-limit wait), so no number of batches comes
# near the limit; the parent's history does not grow with the run (make bench measures both).
HISTORY_EVENT_LIMIT = 25_000

# S3 (and DynamoDB) requests one step sends at once when it writes or reads many objects
# (ListRepos' batches and their ledger items, Aggregate's results); S3 takes 3,500 PUTs and
# 5,500 GETs per second per prefix.
S3_PARALLEL_REQUESTS = 16
AGGREGATE_MEMORY_MB_RANGE = (1769, 10_240)  # one whole vCPU .. a Lambda's maximum
# A streamed object's part (S3 multipart uploads: at least 5 MiB a part but the last, at most
# 10,000 parts: 80 GB an object): Aggregate's writer holds one part in memory.
S3_PART_BYTES = 8 * 1024 * 1024
S3_COPY_OBJECT_MAX_BYTES = 5 * 1024**3  # CopyObject's limit; a larger object is copied in parts
# Aggregate reads the batches' results this many at a time (memory: one chunk of raw results)
AGGREGATE_READ_CHUNK = 64
# Aggregate holds the run's records on the function's local disk (collect/record_disk.py: sqlite
# in /tmp), not in memory: its page cache holds this much, and records are read back this many
# rows at a time (memory: one page of rows' JSON text, about 1 KB a repository).
RECORD_DISK_CACHE_KB = 8 * 1024
RECORD_DISK_ROWS_PER_READ = 1_000
# ListRepos writes an owner's plan (a batch object and a ledger item per batch) in one invocation: with
# less time left than this per batch after the last page, it answers "listing continues" and
# writes the plan in its next, fresh invocation (a conservative 100 batches a second).
PLAN_WRITE_S_PER_BATCH = 0.01

# Memory of each workflow function (MB): the stack sizes them so (cdk_app/constants.py FUNCTIONS),
# and the cost estimates price their GB-seconds so (ghstats.collect.budget, make bench).
# Aggregate's is the default of cdk.json's ghstats:aggregateMemoryMb: 3,008 MB, the most every
# account may configure. It holds the run's records on its local disk, not in memory; what stays
# in memory grows with the repositories' names only: 7.7 MB resident per 10,000, about 0.9 GB at
# 1,000,000 (bench/results-aggregate.md).
FUNCTION_MEMORY_MB = {"StartRun": 256, "PlanRun": 256, "ListRepos": 512, "QueryBatch": 512, "CollectOrg": 512, "Aggregate": 3008,
                      "TrackRun": 256}
# Each function's /tmp (MB), a Lambda's 512 unless given here (the stack sizes them so, the cost
# estimates price what is above the 512 included). Aggregate's is the default of cdk.json's
# ghstats:aggregateEphemeralStorageMb: its record disk (collect/record_disk.py) holds each
# collector's records as JSON text and one collector's previous records at a time, 39 MB per
# 10,000 repositories with repository_stats and repository_policy (make bench-aggregate,
# bench/results-aggregate.md): 3.9 GB at 1,000,000, so 6,144 MB hold about 1,600,000 with room
# for organisation-level collectors' records; 10,240 MB about 2,700,000.
LAMBDA_INCLUDED_EPHEMERAL_STORAGE_MB = 512
AGGREGATE_EPHEMERAL_STORAGE_MB_RANGE = (LAMBDA_INCLUDED_EPHEMERAL_STORAGE_MB, 10_240)  # a Lambda's least and most
FUNCTION_EPHEMERAL_STORAGE_MB = {"Aggregate": 6144}

# reserve_points / reserve_requests: what a run leaves of its credential's hourly GraphQL points
# and REST requests for other tools sharing it (the run waits for the reset instead of going
# below). At most an Enterprise Cloud installation's 15,000 an hour; 0 (the default) reserves nothing.
MAX_RESERVE = 15_000

# HTTP.
HTTP_CONNECT_TIMEOUT_S = 5.0
HTTP_READ_TIMEOUT_S = 20.0  # GitHub terminates queries at 10 s; leave room for the transfer.
DEAD_LETTER_BODY_CHARS = 4_000

# Rate limits: wait when GitHub says nothing more precise (GitHub's documented rule).
DEFAULT_RATE_LIMIT_WAIT_S = 60
# Never wait longer than one primary window in one go.
MAX_RATE_LIMIT_WAIT_S = 3_600
# How many times in a row one batch (or the listing, without listing a page in between) may come
# back "rate limited" before its Task fails (the ASL loop bound).
MAX_RATE_LIMIT_WAITS = 6

# The execution's TimeoutSeconds in statemachine/collect.asl.json (a test keeps them equal): a
# run still going after a day is stuck, ends TIMED_OUT and raises the timed-out alarm. The
# longest legitimate run waits out a few primary windows; a run that needs more (a million
# repositories on one 5,000-point budget) is split across credentials or configs, or runs each org
# on its own App installation ("installation_id": "per_org"; README, Deploy) (README, Limits).
EXECUTION_TIMEOUT_S = 86_400

# ListRepos stops listing (and goes on in its next invocation) when less than this much Lambda
# time is left: enough to store the progress, or to write the batches (S3_PARALLEL_REQUESTS at a
# time) after the last page.
LIST_REPOS_SAFETY_MARGIN_S = 120.0

# QueryBatch gives up (retryably) when less than this much Lambda time is left.
QUERY_BATCH_SAFETY_MARGIN_S = 30.0

# GitHub App installation tokens live one hour; renew this long before they expire.
APP_TOKEN_RENEW_BEFORE_S = 300

# Ledger: batch items expire (DynamoDB TTL) after this many days.
BATCH_ITEM_TTL_DAYS = 30

# QueryBatch's Retry for transient errors in statemachine/collect.asl.json (MaxAttempts);
# a test keeps the two equal. The attempt with this retry count is the last one.
QUERY_BATCH_RETRIES = 5
# ListRepos' (and PlanRun's) Retry for transient errors (MaxAttempts in the ASL).
LIST_REPOS_RETRIES = 5

# The run's report (runs/<id>/report.html): rows a table shows before it says "the first N of M"
# (the run's JSON outputs hold every row), entries a top list shows, and the runs its trends span.
REPORT_MAX_ROWS = 2_000
REPORT_TOP = 20
REPORT_TREND_RUNS = 26
