"""ListRepos: list one owner of the run and plan its batches and work items."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse

from ghstats import limits, names
from ghstats.collect import steps
from ghstats.step_inputs import ListReposInput
from handlers import dependencies
from handlers.errors import aws_errors_are_retryable
from handlers.observability import logged_invocation, logger, publish_metrics, tracer

LISTING_FIELDS = ("run_id", "owner", "status", "wait_seconds", "rate_limit_waits", "batch_manifest", "org_item_manifest",
                  "batches_total", "org_items_total", "repos_total", "max_concurrency", "rest_concurrency")


@logged_invocation("run_id")
@tracer.capture_lambda_handler
@aws_errors_are_retryable
def handler(event: dict[str, Any], context: Any, deps: dependencies.Dependencies | None = None) -> dict[str, Any]:
    deps = deps or dependencies.from_environment()
    given = parse(event=event, model=ListReposInput)
    answer = steps.list_repos(
        given.run_id, given.owner, deps.store, deps.ledger, deps.make_client,
        retry_count=given.retry_count, rate_limit_waits=given.rate_limit_waits,
        time_left=dependencies.time_left(context, limits.LIST_REPOS_SAFETY_MARGIN_S),
        execution_arn=given.execution_arn,
    )
    if answer["status"] == names.ANSWER_RATE_LIMITED:
        logger.warning("rate limited while listing", extra={"owner": answer["owner"], "wait_seconds": answer["wait_seconds"]})
        return {k: answer[k] for k in LISTING_FIELDS}
    if answer["status"] == names.ANSWER_LISTING_CONTINUES:
        logger.info("listing goes on in the next invocation", extra={"owner": answer["owner"]})
        return {k: answer[k] for k in LISTING_FIELDS}
    for warning in answer["warnings"]:
        logger.warning(warning)
    logger.info("listed owner", extra={"owner": answer["owner"], "batches": answer["batches_total"],
                                       "repos": answer["repos_total"]})
    publish_metrics({names.METRIC_REPOS_LISTED: answer["repos_total"]})
    return {k: answer[k] for k in LISTING_FIELDS}
