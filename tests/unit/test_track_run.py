"""TrackRun: EventBridge "Step Functions Execution Status Change" events keep the run record true."""

import json

import boto3
import pytest
from moto import mock_aws

from ghstats import names
from ghstats.ledger import Ledger
from ghstats_cli.local_aws import LambdaContext, TABLE, create_table
from handlers import track_run
from handlers.dependencies import Dependencies


@pytest.fixture
def deps(monkeypatch):
    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                       "POWERTOOLS_TRACE_DISABLED": "true"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        dynamodb = boto3.resource("dynamodb")
        create_table(dynamodb)
        ledger = Ledger(dynamodb.Table(TABLE))
        ledger._table.put_item(Item={"pk": names.run_pk("weekly-7"), "sk": "RUN", "run_id": "weekly-7", "status": "RUNNING"})
        yield Dependencies(store=None, ledger=ledger, make_client=None)


def event(status, redrive_count=0, **detail):
    return {"source": "aws.states", "detail-type": "Step Functions Execution Status Change",
            "detail": {"executionArn": "arn:aws:states:us-east-1:1:execution:sm:weekly-7", "name": "weekly-7",
                       "status": status, "redriveCount": redrive_count, "input": json.dumps({"orgs": ["acme"]}),
                       "startDate": 1_700_000_000_000, "stopDate": 1_700_000_600_000, **detail}}


def call(deps, evt):
    return track_run.handler(evt, LambdaContext("TrackRun"), deps=deps)


def test_failure_then_redrive_then_duplicate(deps):
    failed = event("FAILED", error="GitHubServerError", cause='{"errorMessage": "GitHub answered 502"}')
    assert call(deps, failed)["applied"] is True
    run = deps.ledger.get_run("weekly-7")
    assert (run["status"], run["error"], run["finished_at"]) == ("FAILED", "GitHubServerError", "2023-11-14T22:23:20Z")
    assert call(deps, failed)["applied"] is False  # at-least-once delivery
    assert call(deps, event("RUNNING"))["applied"] is False  # the first attempt's late RUNNING
    assert call(deps, event("RUNNING", redrive_count=1, redriveDate=1_700_001_000_000))["applied"] is True
    run = deps.ledger.get_run("weekly-7")
    assert (run["status"], run["redrive_count"], "error" in run) == ("RUNNING", 1, False)


def test_timed_out_and_aborted(deps):
    assert call(deps, event("TIMED_OUT"))["applied"] is True
    assert deps.ledger.get_run("weekly-7")["status"] == "TIMED_OUT"


def test_succeeded_keeps_partial(deps):
    deps.ledger._table.update_item(Key={"pk": names.run_pk("weekly-7"), "sk": "RUN"}, UpdateExpression="SET #s = :p",
                                   ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":p": "PARTIAL"})
    call(deps, event("SUCCEEDED"))
    assert deps.ledger.get_run("weekly-7")["status"] == "PARTIAL"


def test_run_id_from_input_for_local_reruns():
    assert track_run.run_id_of({"name": "exec-2", "input": json.dumps({"run_id": "run-1"})}) == "run-1"
    assert track_run.run_id_of({"name": "exec-2", "input": "not json"}) == "exec-2"
