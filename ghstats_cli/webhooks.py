"""`ghstats webhooks serve` and `ghstats webhooks demo`: the webhook path on this machine.

The receiver and the processor are the stack's own handlers (handlers.webhook_receiver,
handlers.webhook_processor), called in-process with their dependencies pointed at moto:

    POST 127.0.0.1:PORT  ->  an API Gateway HTTP API v2 event  ->  webhook_receiver.handler
        -> S3 events/raw/..., the dedupe mark in the ledger table, an SQS message
    a poller thread  ->  SQS-shaped records  ->  webhook_processor.handler  ->  derived state
        (batchItemFailures stay on the queue, visible again after RETRY_S, and moto moves them
        to the dead-letter queue after limits.MAX_RECEIVE_COUNT receives, as SQS does)
    a rollup every --rollup-seconds (and at shutdown)  ->  datasets/webhooks_*/...

Datasets and raw events are copied out of moto into OUT/s3/<key>, beside a local collection's
files. The webhook secret is never printed or logged.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

from ghstats_cli.errors import UserError

ENV_SECRET = "GHSTATS_WEBHOOK_SECRET"
DEFAULT_PORT = 8080
DEFAULT_ROLLUP_S = 10.0
# The local queue's visibility timeout: longer than any batch takes here, so a batch is not taken
# twice while it is processed (SQS delivers at least once; the processor would cope).
VISIBILITY_S = 30
# A batch item the processor reported failed is made visible again after this long (the stack:
# the visibility timeout, minutes), so the local dead-letter path takes seconds.
RETRY_S = 1
POLL_IDLE_S = 0.05  # the poller's pause when the queue is empty (see _poll)
# One poller by default: moto is CPU-bound and serialised (one call at a time), so a second
# poller only adds GIL and lock contention here; the stack's concurrent batches are the
# processor's conditional writes (ghstats.webhooks.store), tested there.
QUEUE = "ghstats-webhook-deliveries"
DLQ = "ghstats-webhook-deliveries-failed"
_READ_CHUNK = 1 << 20

# what the receiver answered, for the demo's lines and counts
STORED, DUPLICATE, REFUSED, PONG, FAILED = "stored", "duplicate", "refused", "pong", "failed"


@dataclass(frozen=True)
class Answer:
    """One request the local receiver answered (no header values but GitHub's event and GUID)."""

    event: str
    action: str | None
    guid: str
    status: int
    outcome: str
    reason: str | None = None

    def line(self) -> str:
        what = f"{self.event}.{self.action}" if self.action else self.event
        tail = {STORED: "stored", DUPLICATE: "duplicate", PONG: "pong"}.get(self.outcome) or f"{self.outcome}: {self.reason}"
        return f"{what:<32} {self.guid[:8]:<8}  {self.status}  {tail}"


def _outcome(status: int, body: dict[str, Any]) -> tuple[str, str | None]:
    if status == 202 and body.get("queued"):
        return STORED, None
    if (status == 202 and body.get("duplicate")) or status == 409:  # 409: the same GUID is being received right now
        return DUPLICATE, None
    if status == 200 and body.get("pong"):
        return PONG, None
    return (REFUSED if 400 <= status < 500 else FAILED), str(body.get("error") or status)


def http_event(method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """The API Gateway HTTP API (payload format 2.0) event of a request: headers lowercased
    (repeated ones joined with commas, as API Gateway does), the body base64 when not UTF-8."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    route, _, query = path.partition("?")
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": route, "rawQueryString": query, "headers": joined,
        "requestContext": {"http": {"method": method, "path": route, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                    "userAgent": joined.get("user-agent", "")},
                           "requestId": uuid.uuid4().hex, "stage": "$default", "timeEpoch": int(time.time() * 1000)},
        "body": text, "isBase64Encoded": encoded,
    }


class _MotoLock:
    """moto's backends are not thread-safe: one AWS call at a time inside moto (as LocalAws does);
    the HTTP threads, the poller and the rollup still overlap around their calls.

    The processor's poller goes first when it waits: otherwise sixteen receiving threads take
    nearly every turn, the queue grows, and moto's ReceiveMessage (which counts the whole queue
    for every message it hands out) gets slower with every delivery queued."""

    priority = threading.local()  # .on: this thread's calls go first

    def __init__(self) -> None:
        from moto.core import botocore_stubber

        self._stubber = botocore_stubber.BotocoreStubber
        self._original = self._stubber.__call__
        original = self._original
        turn = threading.Condition()
        state = {"owner": None, "depth": 0, "first": 0}
        flag = self.priority

        def one_at_a_time(stub: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
            me, first = threading.get_ident(), getattr(flag, "on", False)
            with turn:
                if state["owner"] == me:
                    state["depth"] += 1
                else:
                    state["first"] += first
                    while state["owner"] is not None or (not first and state["first"]):
                        turn.wait()
                    state["first"] -= first
                    state["owner"], state["depth"] = me, 1
            try:
                return original(stub, event_name, request, **kwargs)
            finally:
                with turn:
                    state["depth"] -= 1
                    if not state["depth"]:
                        state["owner"] = None
                        turn.notify_all()

        self._stubber.__call__ = one_at_a_time  # type: ignore[method-assign]

    def release(self) -> None:
        self._stubber.__call__ = self._original  # type: ignore[method-assign]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the listen backlog: GitHub-like bursts of connections at once


@dataclass
class Stats:
    answers: list[Answer] = field(default_factory=list)
    processed: int = 0  # messages the processor derived or counted (deleted from the queue)
    processing_failures: int = 0  # batch items it reported failed (they come back, then dead-letter)
    rollups: int = 0
    first_request_at: float | None = None
    last_answer_at: float | None = None
    last_processed_at: float | None = None


class LocalWebhooks:
    """The receiver behind a local HTTP server, the queue, the processor and the rollup, in moto.

        with LocalWebhooks(out, secret, port=0) as hooks:
            ... POST to hooks.url ...
            hooks.drain()
            hooks.roll_up()
    """

    def __init__(self, out: Path, secret: bytes, *, port: int = DEFAULT_PORT, host: str = "127.0.0.1",
                 rollup_s: float = DEFAULT_ROLLUP_S, retry_s: int = RETRY_S, processors: int = 1,
                 on_answer: Callable[[Answer], None] | None = None, log_level: str | None = None):
        if not secret:
            raise UserError(f"no webhook secret: set {ENV_SECRET} or give --secret-file")
        self.out = Path(out)
        self._secret = secret
        self._host, self._port = host, port
        self.rollup_s = rollup_s
        self.retry_s = retry_s
        self.processors = processors
        self.on_answer = on_answer
        self.log_level = log_level
        self.stats = Stats()
        self._lock = threading.Lock()
        self._rollup_lock = threading.Lock()
        self._stop = threading.Event()
        self._busy = 0  # processor batches in flight
        self._copied_raw: set[str] = set()
        self._threads: list[threading.Thread] = []
        self._saved_env: dict[str, str | None] = {}

    # -- set-up -------------------------------------------------------------------------------

    def __enter__(self) -> "LocalWebhooks":
        # listen first: a port in use fails before anything else is set up
        self.server = _Server((self._host, self._port), self._request_handler())
        try:
            self._start()
        except BaseException:
            self.server.server_close()
            raise
        return self

    def _start(self) -> None:
        from ghstats_cli.local_aws import LOCAL_ENVIRONMENT

        for key, value in LOCAL_ENVIRONMENT.items():  # before the handlers are imported: Powertools reads them then
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        import boto3
        from moto import mock_aws

        from ghstats.storage import S3ObjectStore
        from ghstats.webhooks import limits
        from ghstats.webhooks.dedupe import DynamoDedupe
        from ghstats.webhooks.queue import SqsQueue
        from ghstats.webhooks.store import StateStore
        from ghstats_cli.local_aws import BUCKET, REGION, TABLE, create_table
        from handlers.observability import logger
        from handlers.webhook_processor import ProcessorDependencies
        from handlers.webhook_receiver import WebhookDependencies

        self._saved_level = logger.log_level  # the handlers' logger may have been made before (other commands, tests)
        logger.setLevel(self.log_level or os.environ["POWERTOOLS_LOG_LEVEL"])
        self._mock = mock_aws()
        self._mock.start()
        self._moto_lock = _MotoLock()
        session = boto3.session.Session(region_name=REGION)
        self.s3 = session.client("s3")
        self.sqs = session.client("sqs")
        self.dynamodb = session.resource("dynamodb")
        self.s3.create_bucket(Bucket=BUCKET)
        create_table(self.dynamodb)
        self.table = self.dynamodb.Table(TABLE)
        self.bucket = BUCKET
        self.dlq_url = self.sqs.create_queue(QueueName=DLQ)["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.queue_url = self.sqs.create_queue(QueueName=QUEUE, Attributes={
            "VisibilityTimeout": str(VISIBILITY_S),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": limits.MAX_RECEIVE_COUNT}),
        })["QueueUrl"]
        self.objects = S3ObjectStore(self.s3, BUCKET)
        self.state = StateStore(self.table)
        secret = self._secret
        self.receiver_deps = WebhookDependencies(
            secret=lambda: secret, dedupe=DynamoDedupe(self.table),
            store_raw=lambda key, document: self.objects.put_json(key, document),
            enqueue=SqsQueue(self.sqs, self.queue_url).send)
        self.processor_deps = ProcessorDependencies(read_raw=self.objects.get_json, store=self.state)

        self._spawn("webhook-http", self.server.serve_forever)
        for n in range(max(1, self.processors)):
            self._spawn(f"webhook-processor-{n}", self._poll)
        if self.rollup_s > 0:
            self._spawn("webhook-rollup", self._rollups)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/webhook"

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop taking requests, let the processor finish its batch, roll up, copy out, stop moto."""
        if self._stop.is_set():
            return
        self.server.shutdown()
        self.server.server_close()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        try:
            self.roll_up()
        finally:
            self._moto_lock.release()
            self._mock.stop()
            from handlers.observability import logger

            logger.setLevel(self._saved_level)
            for key, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    # -- the receiver -------------------------------------------------------------------------

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "ghstats-webhooks"

            def do_POST(self) -> None:
                hooks._answer(self)

            def do_GET(self) -> None:
                hooks._answer(self)

            def do_PUT(self) -> None:
                hooks._answer(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - never log requests
                pass

        return Handler

    def _read_body(self, request: BaseHTTPRequestHandler) -> bytes:
        """The body; one past the receiver's limit is read and dropped (so that the sender gets the
        413, not a broken connection), and the handler refuses it on its declared length."""
        from ghstats.webhooks import limits

        declared = (request.headers.get("Content-Length") or "0").strip()
        length = int(declared) if declared.isdigit() else 0
        if length <= limits.MAX_PAYLOAD_BYTES:
            return request.rfile.read(length)
        while length > 0:
            length -= len(request.rfile.read(min(_READ_CHUNK, length)) or b"\0" * length)
        return b""

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        from ghstats_cli.local_aws import LambdaContext
        from handlers import webhook_receiver

        with self._lock:
            self.stats.first_request_at = self.stats.first_request_at or time.perf_counter()
        body = self._read_body(request)
        event = http_event(request.command, request.path, list(request.headers.items()), body)
        result = webhook_receiver.handler(event, LambdaContext("WebhookReceiver", 10), deps=self.receiver_deps)
        status, text = int(result["statusCode"]), str(result.get("body") or "")
        payload = text.encode("utf-8")
        try:
            request.send_response(status)
            for name, value in (result.get("headers") or {}).items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the sender gave up (GitHub: after 10 s); it was handled
            pass
        self._record(request, body, status, text)

    def _record(self, request: BaseHTTPRequestHandler, body: bytes, status: int, text: str) -> None:
        try:
            answer_body = json.loads(text) if text else {}
        except ValueError:
            answer_body = {}
        outcome, reason = _outcome(status, answer_body if isinstance(answer_body, dict) else {})
        action = None
        if body and len(body) < _READ_CHUNK:
            try:
                parsed = json.loads(body)
                action = parsed.get("action") if isinstance(parsed, dict) and isinstance(parsed.get("action"), str) else None
            except ValueError:
                pass
        answer = Answer(request.headers.get("X-GitHub-Event") or "?", action, request.headers.get("X-GitHub-Delivery") or "?",
                        status, outcome, reason)
        with self._lock:
            self.stats.answers.append(answer)
            self.stats.last_answer_at = time.perf_counter()
            if self.on_answer:  # under the lock: one whole line at a time
                self.on_answer(answer)

    # -- the processor ------------------------------------------------------------------------

    def _poll(self) -> None:
        """Receive batches of up to 10 (the stack's batch size), hand them to the processor's
        handler, delete only what it did not report failed. Short polls with a pause when empty:
        a long poll would wait inside moto, holding the lock every other AWS call needs."""
        from ghstats_cli.local_aws import LambdaContext
        from handlers import webhook_processor

        _MotoLock.priority.on = True
        while not self._stop.is_set():
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                                AttributeNames=["All"]).get("Messages", [])
            if not messages:
                self._stop.wait(POLL_IDLE_S)
                continue
            with self._lock:
                self._busy += 1
            try:
                records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                            "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1")},
                            "eventSource": "aws:sqs", "awsRegion": "us-east-1"} for m in messages]
                answer = webhook_processor.handler({"Records": records}, LambdaContext("WebhookProcessor", 60),
                                                   deps=self.processor_deps)
                failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures") or []}
                done = [{"Id": str(n), "ReceiptHandle": r["receiptHandle"]} for n, r in enumerate(records)
                        if r["messageId"] not in failed]
                if done:
                    self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=done)
                retry = [{"Id": str(n), "ReceiptHandle": r["receiptHandle"], "VisibilityTimeout": self.retry_s}
                         for n, r in enumerate(records) if r["messageId"] in failed]
                if retry:
                    self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=retry)
                with self._lock:
                    self.stats.processed += len(done)
                    self.stats.processing_failures += len(failed)
                    self.stats.last_processed_at = time.perf_counter()
            finally:
                with self._lock:
                    self._busy -= 1

    def queue_depth(self, url: str | None = None) -> int:
        """Messages in the queue (visible, in flight and delayed)."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url or self.queue_url, AttributeNames=names)["Attributes"]
        return sum(int(attributes.get(name, 0)) for name in names)

    def dead_letters(self) -> list[dict[str, Any]]:
        """The queued messages in the dead-letter queue (their bodies: key, event, delivery...)."""
        return self.peek(self.dlq_url)

    def peek(self, url: str) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for _ in range(max(1, self.queue_depth(url) // 10 + 2)):
            for m in self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                              VisibilityTimeout=0).get("Messages", []):
                found[m["MessageId"]] = json.loads(m["Body"])
        return list(found.values())

    def drain(self, timeout_s: float = 60.0) -> bool:
        """Wait until the queue is empty and no batch is being processed (dead-lettered messages
        leave it too). False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.queue_depth() == 0:
                with self._lock:
                    idle = self._busy == 0
                if idle and self.queue_depth() == 0:
                    return True
            time.sleep(0.2)  # each look is an O(messages) GetQueueAttributes in moto
        return False

    # -- the rollup and the copy out ------------------------------------------------------------

    def _rollups(self) -> None:
        while not self._stop.wait(self.rollup_s):
            try:
                self.roll_up()
            except Exception as exc:  # noqa: BLE001 - the next one tries again; shutdown rolls up too
                print(f"ghstats webhooks: rollup failed ({type(exc).__name__}); the next one retries", file=sys.stderr)

    def roll_up(self) -> Any:
        """ghstats.webhooks.rollup.roll_up, then the datasets and new raw events copied to OUT/s3/."""
        from ghstats.webhooks.rollup import roll_up

        with self._rollup_lock:
            result = roll_up(self.state, self.objects)
            self.copy_out()
            self.stats.rollups += 1
            return result

    def copy_out(self) -> list[Path]:
        from ghstats.webhooks import names

        written = []
        for key in self.objects.list_keys("datasets/webhooks_") + [
                k for k in self.objects.list_keys(names.RAW_PREFIX) if k not in self._copied_raw]:
            target = self.out / "s3" / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
            written.append(target)
            if key.startswith(names.RAW_PREFIX):
                self._copied_raw.add(key)
        return written

    def raw_keys(self) -> list[str]:
        from ghstats.webhooks import names

        return self.objects.list_keys(names.RAW_PREFIX)

    def dedupe_marks(self) -> dict[str, str]:
        """{pk: state} of the dedupe marks (DELIVERY#<hook>#<guid>)."""
        marks: dict[str, str] = {}
        request: dict[str, Any] = {"FilterExpression": "begins_with(pk, :p)", "ExpressionAttributeValues": {":p": "DELIVERY#"}}
        while True:
            page = self.table.scan(**request)
            marks.update({str(item["pk"]): str(item.get("state")) for item in page.get("Items", [])})
            if "LastEvaluatedKey" not in page:
                return marks
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# -- reading the datasets back (from OUT/s3/) ------------------------------------------------------

def dataset_lines(out: Path, dataset: str) -> list[dict[str, Any]]:
    lines = []
    for path in sorted((Path(out) / "s3" / "datasets" / dataset).glob("dt=*/part.jsonl")):
        lines.extend(json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return lines


def _hours(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.1f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def figures_tables(out: Path) -> list[Any]:
    """rich tables of the derived figures: pull requests per repository and day, workflows,
    deployments per environment (from the datasets the rollup wrote)."""
    from rich.table import Table

    from ghstats.webhooks.figures import FAILED_CONCLUSIONS, VERDICT_CONCLUSIONS, median, percentile, rate

    pulls = Table(title="Pull requests per repository and day")
    for name in ("day", "repository", "opened", "merged", "median hours to merge"):
        pulls.add_column(name, justify="right" if name not in ("day", "repository") else "left")
    for line in sorted(dataset_lines(out, "webhooks_pull_requests_daily"), key=lambda r: (r["day"], str(r["repository"]))):
        if line["opened"] or line["merged"]:
            pulls.add_row(line["day"], str(line["repository"]), str(line["opened"]), str(line["merged"]),
                          _hours(line["median_time_to_merge_s"]))

    workflows = Table(title="Workflows (completed jobs)")
    for name in ("workflow", "jobs", "failure rate", "p50 run (s)", "p95 run (s)"):
        workflows.add_column(name, justify="left" if name == "workflow" else "right")
    jobs: dict[str, list[dict[str, Any]]] = {}
    for record in dataset_lines(out, "webhooks_workflow_jobs"):
        if record.get("completed_at"):
            jobs.setdefault(str(record["workflow_name"]), []).append(record)
    for workflow, records in sorted(jobs.items()):
        failed = sum(r.get("conclusion") in FAILED_CONCLUSIONS for r in records)
        verdicts = sum(r.get("conclusion") in VERDICT_CONCLUSIONS for r in records)
        runs = [r.get("run_s") for r in records]
        workflows.add_row(workflow, str(len(records)), _percent(rate(failed, verdicts)),
                          str(percentile(runs, 0.5)), str(percentile(runs, 0.95)))

    deployments = Table(title="Deployments per environment")
    for name in ("environment", "deployments", "change failure rate", "median lead time (h)"):
        deployments.add_column(name, justify="left" if name == "environment" else "right")
    by_environment: dict[str, list[dict[str, Any]]] = {}
    for record in dataset_lines(out, "webhooks_deployments"):
        by_environment.setdefault(str(record["environment"]), []).append(record)
    for environment, records in sorted(by_environment.items()):
        finished = [r for r in records if r.get("finished_at")]
        deployments.add_row(environment, str(len(records)), _percent(rate(sum(bool(r["failed"]) for r in finished), len(finished))),
                            _hours(median(r.get("lead_time_s") for r in records)))
    return [pulls, workflows, deployments]


# -- the commands ------------------------------------------------------------------------------

def read_secret(args: argparse.Namespace, environ: dict[str, str] | os._Environ[str] = os.environ) -> bytes:
    if args.secret_file:
        try:
            value = Path(args.secret_file).read_bytes().strip()
        except OSError as exc:
            raise UserError(f"--secret-file {args.secret_file}: cannot be read ({exc.strerror or type(exc).__name__})") from None
        if not value:
            raise UserError(f"--secret-file {args.secret_file}: the file is empty")
        return value
    value = environ.get(ENV_SECRET, "").strip()
    if not value:
        raise UserError(f"no webhook secret: set {ENV_SECRET} (the secret set on the GitHub webhook) or give --secret-file FILE")
    return value.encode("utf-8")


def until_interrupted(hooks: LocalWebhooks) -> None:
    """Serve until Ctrl-C (KeyboardInterrupt); the threads do the work."""
    while True:
        time.sleep(3600)


def cmd_serve(args: argparse.Namespace) -> int:
    secret = read_secret(args)
    printing = (lambda answer: print(answer.line(), flush=True)) if not args.quiet else None
    try:
        hooks = LocalWebhooks(args.out, secret, port=args.port, rollup_s=args.rollup_seconds, on_answer=printing)
        hooks.__enter__()
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror or exc}): pick another --port") from None
    print(f"receiving GitHub webhooks at {hooks.url} (the stack's receiver and processor, moto behind them); "
          f"datasets every {args.rollup_seconds:g} s into {(Path(args.out) / 's3').resolve()}/; Ctrl-C stops", flush=True)
    try:
        until_interrupted(hooks)
    except KeyboardInterrupt:
        print("\nstopping: finishing the queued deliveries, rolling up", flush=True)
    finally:
        hooks.drain(timeout_s=10)
        hooks.close()
    print(_count_line(hooks.stats.answers, None) + f"; datasets in {(Path(args.out) / 's3' / 'datasets').resolve()}/")
    return 0


@dataclass
class DemoResult:
    sent: int
    stored: int
    refused: int
    duplicates: int
    lost: int
    doubled: int
    dead_letters: int
    processed: int  # queued messages the processor took off the queue (at least once: >= stored)
    derived_as_truth: bool  # records per family in the datasets == the story's truth
    seconds: float
    written: list[str]


def _count_line(answers: list[Answer], lost: int | None) -> str:
    counts = {outcome: sum(a.outcome == outcome for a in answers) for outcome in (STORED, DUPLICATE, REFUSED, FAILED)}
    text = (f"{len(answers)} deliveries sent, {counts[STORED]} stored once, {counts[REFUSED]} refused, "
            f"{counts[DUPLICATE]} duplicates")
    if counts[FAILED]:
        text += f", {counts[FAILED]} failed (5xx)"
    return text + (f", {lost} lost" if lost is not None else "")


def demo_sends(seed: int) -> tuple[Any, list[Any]]:
    from simulator.webhook_sender import scenario
    from simulator.webhook_story import story

    told = story(seed=seed)
    sends = scenario(told.deliveries, seed=seed, duplicates=6, shuffle_window=6, bad_signatures=2, oversized=1, unsigned=1)
    return told, sends


def run_demo(out: Path, *, seed: int = 7, concurrency: int = 8, echo: Callable[[str], None] = print) -> DemoResult:
    """The demo: a story's deliveries with trouble mixed in, over HTTP, through the local stack."""
    from rich.console import Console

    from ghstats.webhooks import names
    from simulator.webhook_deliveries import DeliveryLog
    from simulator.webhook_sender import WebhookSender, http_post

    started = time.perf_counter()
    told, sends = demo_sends(seed)
    secret = secrets.token_hex(20).encode()
    with LocalWebhooks(out, secret, port=0, rollup_s=0, on_answer=lambda a: echo(a.line()), log_level="ERROR") as hooks:
        echo(f"local webhook receiver at {hooks.url}: {len(told.deliveries)} deliveries of a simulated story "
             f"(seed {seed}) plus redeliveries, forgeries, one oversized and one unsigned, {concurrency} at a time")
        sender = WebhookSender(secret, http_post(hooks.url), DeliveryLog())
        sending = time.perf_counter()
        sender.send_all(sends, concurrency=concurrency)
        sent_s = time.perf_counter() - sending
        if not hooks.drain(timeout_s=30):
            raise UserError("the local queue did not drain in 30 s")
        drained_s = time.perf_counter() - sending
        hooks.roll_up()
        stored = {key.rsplit("/", 1)[-1] for key in hooks.raw_keys()}
        expected = {f"{s.delivery.hook_id}-{s.delivery.guid}.json" for s in sends if s.valid}
        dead = len(hooks.dead_letters())
        answers = list(hooks.stats.answers)
        raw_keys = hooks.raw_keys()
        processed = hooks.stats.processed
    lost = len(expected - stored)
    doubled = len(raw_keys) - len(stored)
    console = Console(width=110)
    for table in figures_tables(out):
        console.print(table)
    echo(_count_line(answers, lost) + (f", {dead} dead-lettered" if dead else "")
         + f" (sent in {sent_s:.1f} s, queue drained after {drained_s:.1f} s)")
    derived, truth = derived_counts(out), truth_counts(told.truth)
    echo("derived: " + ", ".join(f"{n} {family.replace('_', ' ')}" for family, n in derived.items())
         + ("; the story's truth says the same" if derived == truth else f"; the story's truth says {truth}: MISMATCH"))
    datasets = sorted({p.parent.parent.name for p in (Path(out) / "s3" / "datasets").glob("webhooks_*/dt=*/part.jsonl")})
    echo(f"datasets: {(Path(out) / 's3' / 'datasets').resolve()}/{{{','.join(datasets)}}}/dt=*/part.jsonl")
    echo(f"raw events: {(Path(out) / 's3' / names.RAW_PREFIX).resolve()}/ ({len(raw_keys)} objects)")
    counts = {outcome: sum(a.outcome == outcome for a in answers) for outcome in (STORED, DUPLICATE, REFUSED)}
    return DemoResult(len(answers), counts[STORED], counts[REFUSED], counts[DUPLICATE], lost, doubled, dead, processed,
                      derived == truth, time.perf_counter() - started, datasets)


FAMILIES = ("pull_requests", "workflow_jobs", "check_suites", "deployments")


def derived_counts(out: Path) -> dict[str, int]:
    """Records per family in OUT's datasets (one per pull request, job, suite, deployment)."""
    return {family: len(dataset_lines(out, f"webhooks_{family}")) for family in FAMILIES}


def truth_counts(truth: Any) -> dict[str, int]:
    return {"pull_requests": len(truth.pull_requests), "workflow_jobs": len(truth.jobs),
            "check_suites": len(truth.check_suites), "deployments": len(truth.deployments)}


def cmd_demo(args: argparse.Namespace) -> int:
    result = run_demo(args.out, seed=args.seed, concurrency=args.concurrency)
    ok = result.lost == 0 and result.doubled == 0 and result.dead_letters == 0 and result.derived_as_truth
    print(f"{'every delivery stored once and derived' if ok else 'MISMATCH'}; {result.seconds:.1f} s")
    return 0 if ok else 1


EXIT_CODES = "exit codes: 0 every delivery stored once (demo: and derived), 1 a delivery lost or doubled (demo), 2 usage error"


def add_parser(sub: Any, default_out: Path, formatter_class: Any) -> None:
    webhooks = sub.add_parser("webhooks", help="receive GitHub webhooks locally (the stack's receiver and processor)",
                              description="The webhook path on this machine: the stack's receiver and processor "
                                          "handlers behind a local HTTP server, with S3, DynamoDB and SQS in moto.")
    commands = webhooks.add_subparsers(dest="webhooks_command", required=True)
    serve = commands.add_parser("serve", help="receive webhooks on 127.0.0.1:PORT; datasets into --out",
                                description="Receive GitHub webhooks on 127.0.0.1:PORT with the stack's receiver "
                                            f"(secret from {ENV_SECRET} or --secret-file), process them from a local "
                                            "queue (dead-letter queue after the stack's maxReceiveCount), and roll "
                                            "the datasets up into OUT/s3/datasets/webhooks_*/ every --rollup-seconds "
                                            "and at Ctrl-C. Forward GitHub to it with a tunnel, or send the simulator's "
                                            "deliveries (ghstats webhooks demo).")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="the port on 127.0.0.1 (0: any free one)")
    serve.add_argument("--rollup-seconds", type=float, default=DEFAULT_ROLLUP_S, dest="rollup_seconds",
                       help="how often the datasets are rolled up and copied to --out")
    serve.add_argument("--secret-file", dest="secret_file",
                       help=f"a file holding the webhook secret (default: the {ENV_SECRET} environment variable)")
    serve.add_argument("--out", type=Path, default=default_out, help="where datasets and raw events are copied (OUT/s3/...)")
    serve.add_argument("--quiet", action="store_true", help="no line per delivery")
    serve.set_defaults(func=cmd_serve)
    demo = commands.add_parser("demo", help="send a simulated story's deliveries through the local receiver",
                               description="Start the serve machinery on a free port, send a simulated story's "
                                           "deliveries over HTTP (with redeliveries, reordering, forged, oversized and "
                                           "unsigned requests), wait for the queue to drain, roll up, and print the "
                                           "derived figures.")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    demo.add_argument("--out", type=Path, default=default_out, help="where datasets and raw events are copied (OUT/s3/...)")
    demo.set_defaults(func=cmd_demo)
    for command in (webhooks, serve, demo):
        command.formatter_class, command.epilog = formatter_class, EXIT_CODES
