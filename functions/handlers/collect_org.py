"""CollectOrg: one organisation-level collector's paged walk over one organisation."""

from __future__ import annotations

from typing import Any

from ghstats import limits, names
from ghstats.collect import steps
from aws_lambda_powertools.utilities.parser import parse

from ghstats.step_inputs import CollectOrgInput
from handlers import dependencies
from handlers.errors import aws_errors_are_retryable
from handlers.observability import logged_invocation, logger, tracer


@logged_invocation("run_id")
@tracer.capture_lambda_handler
@aws_errors_are_retryable
def handler(event: dict[str, Any], context: Any, deps: dependencies.Dependencies | None = None) -> dict[str, Any]:
    deps = deps or dependencies.from_environment()
    given = parse(event=event, model=CollectOrgInput)
    answer = steps.collect_org_item(
        given.run_id, given.item_id, given.rate_limit_waits, given.retry_count,
        deps.store, deps.ledger, deps.make_client,
        time_left=dependencies.time_left(context, limits.QUERY_BATCH_SAFETY_MARGIN_S),
        execution_arn=given.execution_arn,
    )
    if answer["status"] == names.ANSWER_RATE_LIMITED:
        logger.warning("rate limited", extra={"wait_seconds": answer["wait_seconds"], "waits": answer["rate_limit_waits"]})
    elif not answer.get("reused"):
        logger.info("organisation collected", extra={"records": answer["records"], "coverage": answer["coverage"]})
    return {**{k: answer[k] for k in ("run_id", "item_id", "status", "wait_seconds", "rate_limit_waits")},
            "execution_arn": given.execution_arn}
