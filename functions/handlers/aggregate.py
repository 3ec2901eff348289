"""Aggregate: merge the batch results into the run's outputs."""

from __future__ import annotations

from typing import Any

from ghstats.collect import steps
from aws_lambda_powertools.utilities.parser import parse

from ghstats.step_inputs import AggregateInput
from handlers import dependencies
from handlers.errors import aws_errors_are_retryable
from handlers.observability import logged_invocation, logger, tracer


@logged_invocation("run_id")
@tracer.capture_lambda_handler
@aws_errors_are_retryable
def handler(event: dict[str, Any], context: Any, deps: dependencies.Dependencies | None = None) -> dict[str, Any]:
    deps = deps or dependencies.from_environment()
    answer = steps.aggregate(parse(event=event, model=AggregateInput).run_id, deps.store)
    logger.info("run aggregated", extra={k: answer[k] for k in ("status", "repos_ok", "repos_failed", "points_used")})
    return answer
