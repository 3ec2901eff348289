"""Powertools Logger, Metrics and Tracer for the handlers.

Log keys are set with Powertools' thread-safe keys and metrics go through a fresh
EphemeralMetrics per invocation, so handlers may run concurrently in one process (the local
runner runs the Map's iterations as threads) without sharing mutable state.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Callable

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from ghstats import names

logger = Logger(service=names.SERVICE)
tracer = Tracer(service=names.SERVICE)
_cold_start = [True]


def logged_invocation(correlation_id_key: str | None = "run_id") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Like Logger.inject_lambda_context, with per-thread keys; the run id is the correlation id."""

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def wrapper(event: dict[str, Any], context: Any, *args: Any, **kwargs: Any) -> Any:
            cold, _cold_start[0] = _cold_start[0], False
            logger.thread_safe_append_keys(
                cold_start=cold,
                function_name=getattr(context, "function_name", None),
                function_request_id=getattr(context, "aws_request_id", None),
                correlation_id=event.get(correlation_id_key) if correlation_id_key and isinstance(event, dict) else None,
            )
            try:
                return handler(event, context, *args, **kwargs)
            finally:
                logger.thread_safe_clear_keys()

        return wrapper

    return decorate


def publish_metrics(counts: dict[str, float]) -> None:
    """Emit count metrics (CloudWatch EMF) for this invocation, per service and stack (two stacks
    in one account publish into the same namespace)."""
    metrics = EphemeralMetrics(namespace=names.METRICS_NAMESPACE, service=names.SERVICE)
    metrics.add_dimension(name=names.METRIC_DIMENSION_STACK, value=os.environ.get(names.ENV_STACK_NAME) or names.STACK_NAME)
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.flush_metrics()
