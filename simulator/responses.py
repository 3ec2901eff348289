"""HTTP responses in GitHub's shapes: bodies, messages and headers shared by both APIs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
GRAPHQL_DOCS = "https://docs.github.com/graphql"
REST_DOCS = "https://docs.github.com/rest"
RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_DOCS = ("https://docs.github.com/free-pro-team@latest/rest/overview/"
                  "rate-limits-for-the-rest-api#about-secondary-rate-limits")
USER_ID = 1  # every simulated token belongs to user ID 1 (as in GitHub's messages)

BAD_CREDENTIALS = "Bad credentials"
PRIMARY_GRAPHQL_MESSAGE = f"API rate limit already exceeded for user ID {USER_ID}."


def secondary_message(request_id: str) -> str:
    return ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
            f"If you reach out to GitHub Support for help, please include the request ID {request_id}.")


def primary_rest_message(request_id: str, timestamp: str) -> str:
    return (f"API rate limit exceeded for user ID {USER_ID}. If you reach out to GitHub Support for help, "
            f"please include the request ID {request_id} and timestamp {timestamp}.")


def server_failure_message(request_id: str) -> str:
    return ("Something went wrong while executing your query. This may be the result of a timeout, or it "
            f"could be a GitHub bug. Please include `{request_id}` when reporting this issue.")


UNICORN_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8">
    <title>Unicorn! &middot; GitHub</title>
  </head>
  <body>
    <p><strong>We couldn't respond to your request in time.</strong></p>
    <p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>
  </body>
</html>
"""


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> "Response":
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, body, {"content-type": JSON_TYPE, **(headers or {})})

    @classmethod
    def html(cls, status: int, text: str, headers: dict[str, str] | None = None) -> "Response":
        return cls(status, text.encode(), {"content-type": HTML_TYPE, **(headers or {})})

    @classmethod
    def dropped(cls) -> "Response":
        return cls(0, drop=True)


def message_body(message: str, docs: str = REST_DOCS, status: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "documentation_url": docs}
    if status is not None:
        body["status"] = str(status)
    return body
