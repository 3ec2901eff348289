"""Map AWS client failures onto one Step Functions error name the state machine retries.

botocore already retries throttling (DynamoDB, S3) a few times; what still escapes is raised
as AwsServiceError so that ErrorEquals can name it without listing botocore's class names.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError


class AwsServiceError(Exception):
    """S3 or DynamoDB failed after botocore's own retries: transient, retried by the workflow."""


def aws_errors_are_retryable(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise AwsServiceError(f"{type(exc).__name__}: {exc}") from exc

    return wrapper
