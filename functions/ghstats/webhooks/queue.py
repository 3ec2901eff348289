"""The queue the receiver hands deliveries to: small messages, never the payload (SQS: 256 KB)."""

from __future__ import annotations

import json
from typing import Any


class SqsQueue:
    def __init__(self, sqs_client: Any, queue_url: str):
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, message: dict[str, Any]) -> None:
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(message, separators=(",", ":")))
