"""WebhookReceiver end to end on moto: a function URL event in, S3 + SQS + the ledger table out."""

from __future__ import annotations

import base64
import io
import json
import logging
import uuid

import boto3
import pytest
from moto import mock_aws

from ghstats.webhooks import names
from ghstats_cli.local_aws import LambdaContext, TABLE, create_table
from handlers import observability, webhook_receiver
from tests.unit.webhooks.helpers import DELIVERY, HOOK_ID, SECRET, github_headers, pr_payload

BUCKET = "ghstats-test"


def url_event(body: bytes, headers: dict[str, str], *, base64_body: bool = False, method: str = "POST") -> dict:
    """A Lambda function URL event (payload format 2.0); its header names are lowercase."""
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "",
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {"http": {"method": method, "path": "/", "protocol": "HTTP/1.1", "sourceIp": "140.82.115.1",
                                    "userAgent": "GitHub-Hookshot/abc"}, "requestId": str(uuid.uuid4())},
        "body": base64.b64encode(body).decode() if base64_body else body.decode(),
        "isBase64Encoded": base64_body,
    }


class Aws:
    def __init__(self, environ):
        self.environ = environ
        self.s3 = boto3.client("s3")
        self.sqs = boto3.client("sqs")
        self.table = boto3.resource("dynamodb").Table(TABLE)

    def objects(self) -> dict[str, dict]:
        listed = self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
        return {o["Key"]: json.loads(self.s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()) for o in listed}

    def messages(self) -> list[dict]:
        got = self.sqs.receive_message(QueueUrl=self.environ[names.ENV_WEBHOOK_QUEUE_URL], MaxNumberOfMessages=10,
                                       VisibilityTimeout=0)
        return [json.loads(m["Body"]) for m in got.get("Messages", [])]

    def marks(self) -> list[dict]:
        return self.table.scan()["Items"]

    def call(self, event: dict) -> dict:
        deps = webhook_receiver.build(self.environ)  # the real Powertools secret read
        return webhook_receiver.handler(event, LambdaContext("WebhookReceiver"), deps=deps)


@pytest.fixture
def aws(monkeypatch):
    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                       "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"}.items():
        monkeypatch.setenv(key, value)
    secret_name = f"ghstats/webhook-{uuid.uuid4().hex}"  # Powertools caches by name
    with mock_aws():
        boto3.client("secretsmanager").create_secret(Name=secret_name, SecretString=SECRET.decode())
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        queue_url = boto3.client("sqs").create_queue(QueueName="ghstats-webhooks")["QueueUrl"]
        create_table(boto3.resource("dynamodb"))
        yield Aws({names.ENV_WEBHOOK_SECRET_NAME: secret_name, names.ENV_WEBHOOK_QUEUE_URL: queue_url,
                   names.ENV_BUCKET: BUCKET, names.ENV_TABLE: TABLE})


@pytest.fixture
def log_lines():
    """Everything the handlers' Powertools logger writes (JSON lines)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observability.logger.registered_formatter)
    observability.logger.addHandler(handler)
    yield stream
    observability.logger.removeHandler(handler)


def signed_event(payload=None, **kwargs):
    body = json.dumps(pr_payload() if payload is None else payload).encode()
    return url_event(body, github_headers(body, **kwargs), base64_body=kwargs.pop("base64_body", False))


@pytest.mark.parametrize("base64_body", [False, True])
def test_a_delivery_is_stored_queued_and_marked_once(aws, base64_body):
    body = json.dumps(pr_payload()).encode()
    event = url_event(body, github_headers(body), base64_body=base64_body)
    answer = aws.call(event)
    assert answer["statusCode"] == 202 and json.loads(answer["body"]) == {"queued": True}
    objects = aws.objects()
    [(key, stored)] = objects.items()
    assert key.startswith("events/raw/type=pull_request/dt=") and key.endswith(f"/{HOOK_ID}-{DELIVERY}.json")
    assert stored["payload"] == pr_payload()
    assert set(stored["headers"]) == {"x-github-event", "x-github-delivery", "x-github-hook-id",
                                      "x-github-hook-installation-target-type", "x-github-hook-installation-target-id"}
    [message] = aws.messages()
    assert message == {"key": key, "event": "pull_request", "action": "opened", "delivery": DELIVERY,
                       "hook_id": HOOK_ID, "unknown": False}
    [mark] = aws.marks()
    assert (mark["pk"], mark["sk"], mark["state"]) == (f"DELIVERY#{HOOK_ID}#{DELIVERY}", "DELIVERY", "DONE")

    again = aws.call(event)  # GitHub's redelivery
    assert again["statusCode"] == 202 and json.loads(again["body"]) == {"duplicate": True}
    assert aws.objects() == objects and aws.messages() == [message] and len(aws.marks()) == 1


def test_refusals_leave_nothing(aws):
    body = json.dumps(pr_payload()).encode()
    bad = dict(github_headers(body), **{"X-Hub-Signature-256": "sha256=" + "0" * 64})
    unsigned = {k: v for k, v in github_headers(body).items() if k != "X-Hub-Signature-256"}
    form = dict(github_headers(body), **{"Content-Type": "application/x-www-form-urlencoded"})
    not_base64 = dict(url_event(body, github_headers(body), base64_body=True), body="%%% not base64 %%%")
    for event, status in [(url_event(body, bad), 401), (url_event(body, unsigned), 401), (url_event(body, form), 400),
                          (not_base64, 400), (url_event(body, github_headers(body), method="GET"), 405)]:
        answer = aws.call(event)
        assert answer["statusCode"] == status and "error" in json.loads(answer["body"])
    assert aws.objects() == {} and aws.messages() == [] and aws.marks() == []


def test_ping(aws):
    answer = aws.call(signed_event({"zen": "Design for failure.", "hook_id": int(HOOK_ID)}, event="ping"))
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"pong": True})
    assert aws.objects() == {} and aws.messages() == [] and aws.marks() == []


def test_unknown_event_stored_and_marked(aws):
    assert aws.call(signed_event({"action": "created"}, event="star"))["statusCode"] == 202
    [key] = aws.objects()
    assert key.startswith("events/raw/type=star/")
    assert aws.messages()[0]["unknown"] is True


def test_a_store_failure_then_the_redelivery_stores_once(aws, monkeypatch):
    deps = webhook_receiver.build(aws.environ)
    real_send = deps.enqueue
    deps.enqueue = lambda message: (_ for _ in ()).throw(RuntimeError("queue unavailable"))
    event = signed_event()
    assert webhook_receiver.handler(event, LambdaContext("WebhookReceiver"), deps=deps)["statusCode"] == 503
    assert len(aws.objects()) == 1 and aws.messages() == []  # stored before the queue failed
    deps.enqueue = real_send
    assert webhook_receiver.handler(event, LambdaContext("WebhookReceiver"), deps=deps)["statusCode"] == 202
    assert len(aws.objects()) == 1 and len(aws.messages()) == 1
    assert json.loads(webhook_receiver.handler(event, None, deps=deps)["body"]) == {"duplicate": True}


def test_from_environment(aws, monkeypatch):
    for key, value in aws.environ.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(webhook_receiver, "_cached", None)
    answer = webhook_receiver.handler(signed_event(), LambdaContext("WebhookReceiver"))
    assert answer["statusCode"] == 202 and len(aws.objects()) == 1


def test_a_missing_secret_answers_500_without_details(aws, log_lines):
    environ = dict(aws.environ, **{names.ENV_WEBHOOK_SECRET_NAME: f"missing-{uuid.uuid4().hex}"})
    deps = webhook_receiver.build(environ)
    answer = webhook_receiver.handler(signed_event(), LambdaContext("WebhookReceiver"), deps=deps)
    assert answer["statusCode"] == 500 and json.loads(answer["body"]) == {"error": "the webhook secret is unavailable"}
    assert aws.objects() == {} and "webhook secret unavailable" in log_lines.getvalue()


def test_the_secret_and_the_signature_appear_in_no_log_or_answer(aws, log_lines, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    secret = SECRET.decode()
    body = json.dumps(pr_payload()).encode()
    headers = github_headers(body)
    signature = headers["X-Hub-Signature-256"][len("sha256="):]
    wrong = dict(headers, **{"X-Hub-Signature-256": "sha256=" + "1" * 64})
    answers = [aws.call(url_event(body, headers)), aws.call(url_event(body, headers)), aws.call(url_event(body, wrong)),
               aws.call(url_event(body, {k: v for k, v in headers.items() if k != "Content-Type"}))]
    out, err = capfd.readouterr()
    logs = log_lines.getvalue()
    assert "webhook delivery" in logs and DELIVERY in logs  # the logger did log
    everything = "\n".join([logs, out, err, caplog.text, json.dumps(answers), json.dumps(aws.objects()),
                            json.dumps(aws.messages())])
    assert secret not in everything and SECRET.hex() not in everything
    assert signature not in everything and "1" * 64 not in everything
