"""The webhook receiver's limits."""

# GitHub caps webhook payloads at 25 MB; anything larger is refused (413) before it is read.
# (Deployed, the ceiling is lower: the HTTP API accepts 10 MB, but its synchronous invocation of
# the receiver carries at most 6 MB, Lambda's limit; `ghstats webhooks serve` has no such cap.)
MAX_PAYLOAD_BYTES = 25 * 1024 * 1024

# How long a delivery's dedupe mark is kept: GitHub redelivers only by hand, within 3 days
# (GitHub Enterprise Server: 7); a day more for clock and TTL slack.
DELIVERY_TTL_DAYS = 8

# A claimed, unfinished delivery (store or queue still under way, or the attempt crashed or timed
# out) blocks another attempt for this long; after that a redelivery takes it over. Longer than
# the receiver's Lambda timeout (GitHub gives up after 10 s).
CLAIM_LEASE_S = 60

# Powertools Parameters cache of the webhook secret.
SECRET_CACHE_S = 300

# SQS receives of one queued delivery before it moves to the dead-letter queue: the stack's
# redrive policy (cdk_app.constants.WEBHOOK_MAX_RECEIVE_COUNT) and `ghstats webhooks serve`'s
# local queue both read it here, so they cannot drift apart.
MAX_RECEIVE_COUNT = 5
