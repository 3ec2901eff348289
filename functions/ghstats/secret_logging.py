"""Reading a secret without writing it to the logs.

botocore logs every response body at DEBUG (the `botocore.parsers` logger): GetSecretValue's
holds the secret. Whoever turns DEBUG on for everything (a root logger at DEBUG, boto3's
set_stream_logger) must still not see the GitHub credential or the webhook secret.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Iterator

WIRE_LOGGER = "botocore.parsers"


_lock = threading.Lock()
_readers = 0  # secrets being read right now (PlanRun's threads may read at once)
_previous = logging.NOTSET


@contextmanager
def no_response_bodies_in_logs() -> Iterator[None]:
    """Raise botocore's response-body logger to INFO while a secret is read, whatever the level.
    Threads reading at once share one raise: the level comes back when the last one is done."""
    global _readers, _previous
    wire = logging.getLogger(WIRE_LOGGER)
    with _lock:
        if _readers == 0:
            _previous = wire.level
            if wire.getEffectiveLevel() < logging.INFO:
                wire.setLevel(logging.INFO)
        _readers += 1
    try:
        yield
    finally:
        with _lock:
            _readers -= 1
            if _readers == 0:
                wire.setLevel(_previous)
