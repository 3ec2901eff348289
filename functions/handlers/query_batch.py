"""QueryBatch: one batch of repositories, one GraphQL request (split on 502/timeouts)."""

from __future__ import annotations

from typing import Any

from ghstats import limits, names
from ghstats.collect import steps
from aws_lambda_powertools.utilities.parser import parse

from ghstats.step_inputs import QueryBatchInput
from handlers import dependencies
from handlers.errors import aws_errors_are_retryable
from handlers.observability import logged_invocation, logger, publish_metrics, tracer


@logged_invocation("run_id")
@tracer.capture_lambda_handler
@aws_errors_are_retryable
def handler(event: dict[str, Any], context: Any, deps: dependencies.Dependencies | None = None) -> dict[str, Any]:
    deps = deps or dependencies.from_environment()
    given = parse(event=event, model=QueryBatchInput)
    answer = steps.query_batch(
        given.run_id, given.batch_id, given.rate_limit_waits, given.retry_count,
        deps.store, deps.ledger, deps.make_client, time_left=dependencies.time_left(context, limits.QUERY_BATCH_SAFETY_MARGIN_S),
        execution_arn=given.execution_arn,
    )
    if answer["status"] == names.ANSWER_RATE_LIMITED:
        logger.warning("rate limited", extra={"wait_seconds": answer["wait_seconds"], "waits": answer["rate_limit_waits"]})
    elif not answer.get("reused"):
        counts = {names.METRIC_REPOS_COLLECTED: answer["repos_ok"], names.METRIC_REPOS_FAILED: answer["repos_failed"],
                  names.METRIC_POINTS_USED: answer["points"]}
        if answer.get("remaining_points") is not None:
            counts[names.METRIC_POINTS_REMAINING] = answer["remaining_points"]
        publish_metrics(counts)
    # execution_arn goes round the rate-limit loop with the batch (the lock is checked each time)
    return {**{k: answer[k] for k in ("run_id", "batch_id", "status", "wait_seconds", "rate_limit_waits")},
            "execution_arn": given.execution_arn}
