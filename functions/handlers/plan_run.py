"""PlanRun: check the token, count the orgs' repositories, predict the run, name its owners."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse

from ghstats import names
from ghstats.collect import steps
from ghstats.step_inputs import PlanRunInput
from handlers import dependencies
from handlers.errors import aws_errors_are_retryable
from handlers.observability import logged_invocation, logger, tracer

PLANNING_FIELDS = ("run_id", "status", "wait_seconds", "rate_limit_waits", "owner_manifest", "owners_total",
                   "owners_at_once")


@logged_invocation("run_id")
@tracer.capture_lambda_handler
@aws_errors_are_retryable
def handler(event: dict[str, Any], context: Any, deps: dependencies.Dependencies | None = None) -> dict[str, Any]:
    deps = deps or dependencies.from_environment()
    given = parse(event=event, model=PlanRunInput)
    answer = steps.plan_run(given.run_id, given.config, given.started_at, deps.store, deps.ledger, deps.make_client,
                            retry_count=given.retry_count, rate_limit_waits=given.rate_limit_waits,
                            execution_arn=given.execution_arn, aggregate_memory_mb=deps.aggregate_memory_mb)
    if answer["status"] == names.ANSWER_RATE_LIMITED:
        logger.warning("rate limited while planning", extra={"wait_seconds": answer["wait_seconds"]})
    else:
        logger.info("planned run", extra={"owners": answer["owners_total"]})
    return {k: answer[k] for k in PLANNING_FIELDS}
