"""Run the real state machine on this machine.

The same statemachine/collect.asl.json runs in moto's embedded Step Functions engine; its
Lambda tasks are dispatched in-process to the handlers in functions/handlers; S3 and DynamoDB
are moto's. See ../shared/notes/local-engine.md.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urlencode
from contextlib import contextmanager

import boto3
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody

from cdk_app.constants import ASL_FUNCTIONS, ASL_PATH, FUNCTIONS
from ghstats import names
from ghstats.collectors import REGISTRY
from ghstats.execution_events import status_change_event
from ghstats.github.endpoints import GITHUB_COM_API

REPO_ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
BUCKET = "ghstats-local"
TABLE = "ghstats-ledger"
STATE_MACHINE = "ghstats-collect"

# Local runs: no X-Ray daemon, metrics printed nowhere, quiet logs.
LOCAL_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    "POWERTOOLS_SERVICE_NAME": names.SERVICE,
    names.ENV_BUCKET: BUCKET,
    names.ENV_TABLE: TABLE,
}


def definition(substitutions: dict[str, str]) -> str:
    text = ASL_PATH.read_text()
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", value)
    return text


def create_table(dynamodb: Any) -> None:
    """The ledger table as the CDK stack creates it (keys and GSI: docs/architecture.md)."""
    dynamodb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": names.RUNS_INDEX,
            "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}, {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
    )


@dataclass
class LambdaContext:
    function_name: str
    timeout_s: float = 300.0

    def __post_init__(self) -> None:
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self._deadline - time.monotonic()) * 1000)


@dataclass
class ExecutionOutcome:
    run_id: str
    execution_arn: str
    status: str
    output: dict[str, Any] | None
    error: str | None  # the execution's (a Distributed Map says States.ExceedToleratedFailureThreshold)
    cause: str | None
    run_error: str | None = None  # the run record's, after TrackRun: which batch failed, and why
    run_cause: str | None = None


class LocalAws:
    """moto with the state machine deployed and the handlers wired in-process.

    `invocations` counts Lambda invocations per function; `hooks` lets tests wrap a
    handler (fault injection at the adapter, a crash after the result is written).
    """

    def __init__(self, environ: dict[str, str] | None = None, *, client_timeout: tuple[float, float] | None = None):
        self.environ = {**LOCAL_ENVIRONMENT, **(environ or {})}
        # Deployed, the GitHub hosts are the stack's setting. Locally the user owns the token,
        # so a run may go to the api_url its config names, unless the environ fixes the hosts
        # as a deployment does (the tests of the host check do).
        self._hosts_fixed = names.ENV_GITHUB_API_URLS in self.environ
        self.client_timeout = client_timeout
        self.invocations: dict[str, int] = {}
        self.wrappers: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> "LocalAws":
        for key, value in self.environ.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        if not self._hosts_fixed:  # run() sets it per run; put back what was there
            self._saved_env[names.ENV_GITHUB_API_URLS] = os.environ.pop(names.ENV_GITHUB_API_URLS, None)
        from moto import mock_aws  # imported late: only local runs need moto

        from ghstats_cli.moto_distributed_map import enforce_tolerated_failures

        enforce_tolerated_failures()  # a failed child execution fails the Map, as in AWS

        self._serialize_moto()
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        boto3.setup_default_session(region_name=REGION)
        self.s3 = boto3.client("s3")
        self.dynamodb = boto3.resource("dynamodb")
        self.sfn = boto3.client("stepfunctions")
        self.s3.create_bucket(Bucket=BUCKET)
        create_table(self.dynamodb)
        boto3._get_default_session().events.register("before-call.lambda.Invoke", self._on_invoke)
        role = "arn:aws:iam::123456789012:role/ghstats-local"
        substitutions = {**ASL_FUNCTIONS, "LedgerTableName": TABLE, "EventBusName": "default", "EventSource": "ghstats",
                         "StackName": "ghstats", "BucketName": BUCKET, "MapResultsPrefix": names.MAP_RESULTS_PREFIX}
        self.state_machine_arn = self.sfn.create_state_machine(
            name=STATE_MACHINE, definition=definition(substitutions), roleArn=role, type="STANDARD"
        )["stateMachineArn"]
        return self

    def _serialize_moto(self) -> None:
        """moto's backends are not thread-safe, and the Map runs our handlers as threads: one
        AWS request at a time inside moto (GitHub calls and handler code still overlap)."""
        from moto.core import botocore_stubber

        stubber = botocore_stubber.BotocoreStubber
        self._moto_call = stubber.__call__
        lock = threading.RLock()
        original = self._moto_call

        def one_at_a_time(stub: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
            with lock:
                return original(stub, event_name, request, **kwargs)

        stubber.__call__ = one_at_a_time  # type: ignore[method-assign]

    def __exit__(self, *exc: Any) -> None:
        self._mock.stop()
        from moto.core import botocore_stubber

        botocore_stubber.BotocoreStubber.__call__ = self._moto_call  # type: ignore[method-assign]
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    # -- in-process Lambda ------------------------------------------------------------------

    def dependencies(self) -> Any:
        """One set per thread: boto3 resources are not thread-safe; moto's Map runs threads."""
        from handlers import dependencies

        deps = getattr(self._local, "deps", None)
        hosts = os.environ.get(names.ENV_GITHUB_API_URLS)
        if deps is None or getattr(self._local, "hosts", None) != hosts:
            extra = {"timeout": self.client_timeout} if self.client_timeout else {}
            with self._lock:  # creating boto3 clients in parallel threads races (boto/boto3#2750)
                s3, dynamodb = boto3.client("s3"), boto3.resource("dynamodb")
            deps = dependencies.build(os.environ, s3=s3, dynamodb=dynamodb, **extra)
            self._local.deps, self._local.hosts = deps, hosts
        return deps

    def handler(self, name: str) -> Callable[..., Any]:
        from handlers import aggregate, collect_org, list_repos, plan_run, query_batch, start_run, track_run

        handler = {"StartRun": start_run.handler, "PlanRun": plan_run.handler, "ListRepos": list_repos.handler,
                   "QueryBatch": query_batch.handler,
                   "CollectOrg": collect_org.handler, "Aggregate": aggregate.handler, "TrackRun": track_run.handler}[name]
        wrap = self.wrappers.get(name)
        return wrap(handler) if wrap else handler

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        with self._lock:
            self.invocations[name] = self.invocations.get(name, 0) + 1
        return self.handler(name)(event, LambdaContext(name, FUNCTIONS[name].timeout_s), deps=self.dependencies())

    def _on_invoke(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        function = unquote(params["url_path"].split("/functions/")[1].split("/")[0])
        name = function.split("function:")[-1].split(":")[0]
        error = None
        try:
            out = self.invoke(name, json.loads(params.get("body") or b"{}"))
        except Exception as exc:  # the errorType becomes the Step Functions error name
            out, error = {"errorType": type(exc).__name__, "errorMessage": str(exc)}, "Unhandled"
        body = json.dumps(out).encode()
        response: dict[str, Any] = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))}
        if error:
            response["FunctionError"] = error
        return AWSResponse("local", 200, {}, None), response

    # -- executions -------------------------------------------------------------------------

    def run(self, config: dict[str, Any], *, name: str | None = None, poll_s: float = 0.05,
            on_progress: Callable[[dict[str, Any]], None] | None = None) -> ExecutionOutcome:
        """Start an execution, wait for it, then deliver its status change to TrackRun as
        EventBridge would in AWS."""
        name = name or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
        run_id = config.get("run_id") or name
        if not self._hosts_fixed:  # the local user's own token goes where their config says
            api_url = config.get("api_url") if isinstance(config, dict) else None
            os.environ[names.ENV_GITHUB_API_URLS] = json.dumps([api_url if isinstance(api_url, str) else GITHUB_COM_API])
        arn = self.sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name,
                                       input=json.dumps(config))["executionArn"]
        while True:
            described = self.sfn.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                break
            if on_progress:
                run = self.ledger().get_run(run_id)
                if run:
                    on_progress(run)
            time.sleep(poll_s)
        status = described["status"]
        self.invoke("TrackRun", status_change_event({
            "executionArn": arn, "name": name, "status": status, "input": json.dumps(config), "redriveCount": 0,
            "startDate": int(described["startDate"].timestamp() * 1000),
            "stopDate": int(described["stopDate"].timestamp() * 1000), "output": described.get("output"),
            "error": described.get("error"), "cause": described.get("cause")}))
        output = json.loads(described["output"]) if described.get("output") else None
        record = (self.ledger().get_run(run_id) or {}) if status != "SUCCEEDED" else {}
        if record.get("execution_arn") != arn:  # a refused execution's run id is another execution's run
            record = {}
        return ExecutionOutcome(run_id, arn, status, output, described.get("error"), described.get("cause"),
                                record.get("error") or described.get("error"), record.get("cause") or described.get("cause"))

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    # -- reading results --------------------------------------------------------------------

    def ledger(self) -> Any:
        return self.dependencies().ledger

    def get_json(self, key: str) -> Any:
        return self.dependencies().store.get_json(key)

    # -- state across processes: a folder written by export, read back by import_run ------------

    def export(self, run_id: str, folder: Path) -> list[Path]:
        """Copy the run's S3 objects (and latest/, its dataset) and ledger items to a folder.

        The tags of the run's objects (transient work objects) go to s3-tags/<run_id>.json,
        so that import_run can put them back.
        """
        written: list[Path] = []
        store = self.dependencies().store
        kept = [names.history_dataset_prefix(c.name) for c in REGISTRY.values() if c.history is not None]
        keys = store.list_keys(names.run_prefix(run_id)) + store.list_keys("latest/") + [
            k for k in store.list_keys("datasets/") if k.endswith(f"/{run_id}.jsonl") or k.startswith(tuple(kept))
        ] + store.list_keys(names.STATE_PREFIX)
        tags: dict[str, dict[str, str]] = {}
        for key in keys:
            target = folder / "s3" / key
            target.parent.mkdir(parents=True, exist_ok=True)
            body = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            target.write_bytes(body)
            written.append(target)
            if key.startswith(names.run_prefix(run_id)):
                tag_set = self.s3.get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]
                if tag_set:
                    tags[key] = {t["Key"]: t["Value"] for t in tag_set}
        target = folder / "s3-tags" / f"{run_id}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(tags, indent=2, sort_keys=True))
        written.append(target)
        ledger = self.ledger()
        items = {"run": ledger.get_run(run_id), "batches": ledger.get_batches(run_id), "owners": ledger.get_owners(run_id)}
        target = folder / "ledger" / f"{run_id}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(items, indent=2, default=str, sort_keys=True))
        written.append(target)
        return written

    def import_run(self, run_id: str, folder: Path) -> int:
        """The inverse of export for one run: its S3 objects (with their tags) and its ledger
        items go back into moto, so that a new execution over the same run id reuses the stored
        plan and the finished batches. Returns how many objects and items were loaded (0: the
        folder does not have the run)."""
        loaded = 0
        root = folder / "s3"
        tags_file = folder / "s3-tags" / f"{run_id}.json"
        tags = json.loads(tags_file.read_text()) if tags_file.exists() else {}
        for path in sorted((root / names.run_prefix(run_id)).rglob("*")):
            if path.is_file():
                key = path.relative_to(root).as_posix()
                extra = {"Tagging": urlencode(tags[key])} if tags.get(key) else {}
                self.s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes(),
                                   ContentType=_content_type(key), **extra)
                loaded += 1
        ledger_file = folder / "ledger" / f"{run_id}.json"
        if ledger_file.exists():
            items = json.loads(ledger_file.read_text())
            table = self.dynamodb.Table(TABLE)
            for item in ([items["run"]] if items.get("run") else []) + list(items.get("batches") or []) + list(
                    items.get("owners") or []):
                table.put_item(Item=_ledger_item(item))
                loaded += 1
        return loaded

    def import_latest(self, folder: Path) -> bool:
        """Load what a run reads of earlier runs: latest/ (the pointers Aggregate decides on, as
        latest/ only moves forward; each collector's copy, its "since the previous run"; the kept
        histories) and state/ (the ETags of conditional asks), and the outputs of each collection's
        newest run (what the next run compares itself with). Not latest/repositories.json (large,
        and nothing reads it back)."""
        root = folder / "s3"
        if not (root / names.LATEST_RUN_KEY).is_file():
            return False
        for prefix in ("latest", names.STATE_PREFIX.rstrip("/")):
            for path in sorted((root / prefix).rglob("*")):
                key = path.relative_to(root).as_posix()
                if path.is_file() and key != names.LATEST_REPOSITORIES_KEY:
                    self.s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes(), ContentType=_content_type(key))
        # the newest run of each collection: the next run's "since the previous run" reads its outputs
        index = json.loads((root / names.TREND_KEY).read_text()) if (root / names.TREND_KEY).is_file() else {"runs": []}
        newest = {point["collection"]: point["run_id"] for point in index["runs"]}
        for run_id in sorted(set(newest.values())):
            for path in sorted((root / names.run_prefix(run_id)).glob("*.json")):  # its outputs, not its work objects
                key = path.relative_to(root).as_posix()
                self.s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes(), ContentType=_content_type(key))
        return True


# Ledger attributes that are string sets in DynamoDB (the export writes them as lists).
LEDGER_STRING_SETS = frozenset({"failure_keys"})


def _dynamo_value(value: Any) -> Any:
    """A JSON value as boto3's DynamoDB resource takes it: numbers that are not whole as Decimal."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dynamo_value(v) for v in value]
    return value


def _ledger_item(exported: dict[str, Any]) -> dict[str, Any]:
    """An exported ledger item as DynamoDB held it (sets were written as lists; an empty set
    cannot be stored, so it is left out as DynamoDB would have it)."""
    item = {}
    for name, value in exported.items():
        if name in LEDGER_STRING_SETS and isinstance(value, list):
            if value:
                item[name] = set(value)
            continue
        item[name] = _dynamo_value(value)
    return item


def _content_type(key: str) -> str:
    return "application/x-ndjson" if key.endswith(".jsonl") else "application/json" if key.endswith(".json") else "text/plain"


@contextmanager
def local_aws(environ: dict[str, str] | None = None) -> Iterator[LocalAws]:
    with LocalAws(environ) as aws:
        yield aws
