"""ListRepos: validate the config, check the token, list and batch the repositories."""

from __future__ import annotations

from typing import Any

from ghstats import limits, names
from ghstats.collect import steps
from aws_lambda_powertools.utilities.parser import parse

from ghstats.step_inputs import ListReposInput
from handlers import dependencies
from handlers.errors import aws_errors_are_retryable
from handlers.observability import logged_invocation, logger, publish_metrics, tracer


LISTING_FIELDS = ("run_id", "status", "wait_seconds", "rate_limit_waits", "batch_manifest", "org_item_manifest",
                  "batches_total",
                  "repos_total", "max_concurrency", "rest_concurrency")


@logged_invocation("run_id")
@tracer.capture_lambda_handler
@aws_errors_are_retryable
def handler(event: dict[str, Any], context: Any, deps: dependencies.Dependencies | None = None) -> dict[str, Any]:
    deps = deps or dependencies.from_environment()
    given = parse(event=event, model=ListReposInput)
    answer = steps.list_repos(
        given.run_id, given.config, given.started_at, deps.store, deps.ledger, deps.make_client,
        retry_count=given.retry_count, rate_limit_waits=given.rate_limit_waits,
        time_left=dependencies.time_left(context, limits.LIST_REPOS_SAFETY_MARGIN_S),
        execution_arn=given.execution_arn, aggregate_memory_mb=deps.aggregate_memory_mb,
    )
    if answer["status"] == names.ANSWER_RATE_LIMITED:
        logger.warning("rate limited while listing", extra={"wait_seconds": answer["wait_seconds"]})
        return {k: answer[k] for k in LISTING_FIELDS}
    if answer["status"] == names.ANSWER_LISTING_CONTINUES:
        logger.info("listing goes on in the next invocation")
        return {k: answer[k] for k in LISTING_FIELDS}
    for warning in answer["warnings"]:
        logger.warning(warning)
    logger.info("planned run", extra={"batches": answer["batches_total"], "repos": answer["repos_total"]})
    publish_metrics({names.METRIC_REPOS_LISTED: answer["repos_total"]})
    return {k: answer[k] for k in LISTING_FIELDS}
