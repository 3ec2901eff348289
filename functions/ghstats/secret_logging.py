"""Reading a secret without writing it to the logs.

botocore logs every response body at DEBUG (the `botocore.parsers` logger): GetSecretValue's
holds the secret. Whoever turns DEBUG on for everything (a root logger at DEBUG, boto3's
set_stream_logger) must still not see the GitHub credential or the webhook secret.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

WIRE_LOGGER = "botocore.parsers"


@contextmanager
def no_response_bodies_in_logs() -> Iterator[None]:
    """Raise botocore's response-body logger to INFO while a secret is read, whatever the level."""
    wire = logging.getLogger(WIRE_LOGGER)
    previous = wire.level
    if wire.getEffectiveLevel() < logging.INFO:
        wire.setLevel(logging.INFO)
    try:
        yield
    finally:
        wire.setLevel(previous)
