"""StartRun: check the config and the GitHub host, take the collection's lock, record the run."""

from __future__ import annotations

from typing import Any

from ghstats.collect.start import start_run
from aws_lambda_powertools.utilities.parser import parse

from ghstats.step_inputs import StartRunInput
from handlers import dependencies
from handlers.errors import aws_errors_are_retryable
from handlers.observability import logged_invocation, logger, tracer


@logged_invocation("run_id")
@tracer.capture_lambda_handler
@aws_errors_are_retryable
def handler(event: dict[str, Any], context: Any, deps: dependencies.Dependencies | None = None) -> dict[str, Any]:
    deps = deps or dependencies.from_environment()
    given = parse(event=event, model=StartRunInput)
    answer = start_run(given.run_id, given.config, given.started_at, given.execution_arn,
                       deps.ledger, deps.allowed_api_urls)
    logger.info("run started", extra={"collection": answer["collection"]})
    return answer
