"""The ledger actions each function is granted are the ones it calls: recorded on every path the
workflow takes (a run, a refused start, a refused redrive, TrackRun's events), compared with
cdk_app.constants.LEDGER_ACTIONS (which the stack grants, exactly: tests/infrastructure)."""

from __future__ import annotations

from types import SimpleNamespace

import boto3
import pytest

from cdk_app.constants import FUNCTIONS, LEDGER_ACTIONS
from ghstats import names
from ghstats.execution_events import status_change_event
from ghstats.collect.start import RunInProgress

# TransactWriteItems of Update parts is authorised as UpdateItem on each item's table.
OPERATION_ACTIONS = {"GetItem": "dynamodb:GetItem", "UpdateItem": "dynamodb:UpdateItem", "PutItem": "dynamodb:PutItem",
                     "TransactWriteItems": "dynamodb:UpdateItem", "Query": "dynamodb:Query",
                     "BatchWriteItem": "dynamodb:BatchWriteItem", "DeleteItem": "dynamodb:DeleteItem"}


@pytest.fixture
def recorded(local_aws):
    """function name -> the IAM actions of the DynamoDB calls it made."""
    calls: dict[str, set[str]] = {}
    # one function at a time (the runs below go one batch and one work item at a time), so the
    # calls of the threads a handler starts (ListRepos puts its batch items 16 at a time) are its too
    current = SimpleNamespace(function=None)

    def record(model, params, **_):
        name = getattr(current, "function", None)
        if name:
            operation = model.name
            if operation == "TransactWriteItems":
                assert all(set(part) == {"Update"} for part in params["TransactItems"]), params
            calls.setdefault(name, set()).add(OPERATION_ACTIONS[operation])

    def track(name):
        def wrap(handler):
            def run(event, context, **kwargs):
                current.function = name
                try:
                    return handler(event, context, **kwargs)
                finally:
                    current.function = None
            return run
        return wrap

    boto3._get_default_session().events.register("before-parameter-build.dynamodb", record)
    for name in FUNCTIONS:  # Aggregate too: it must make no ledger call at all
        local_aws.wrappers[name] = track(name)
    return calls


def test_every_ledger_call_of_every_function_is_granted(make_sim, local_aws, recorded):
    from simulator import Fault

    sim = make_sim({"acme": 60})
    config = {"orgs": ["acme"], "batch_size": 30, "max_concurrency": 1, "rest_concurrency": 1, "api_url": sim.url}
    # a run whose batch fails (TrackRun frees the lock), a refused start, a redrive refused and then taken back
    sim.add_fault(Fault("unauthorized", on_request=5))  # preflight, counting, listing, batch 0000-00000, then 0000-00001
    failed = local_aws.run(config, name="first")
    other = "arn:aws:states:us-east-1:123456789012:execution:ghstats-collect:other"
    local_aws.ledger().take_lock("default", "other", other, "2026-12-01T00:00:00Z")
    assert local_aws.run(config, name="refused").error == "RunInProgress"
    redrive = {"run_id": "first", "batch_id": "0000-00001", "rate_limit_waits": 0, "retry_count": 0,
               "execution_arn": failed.execution_arn}
    with pytest.raises(RunInProgress):
        local_aws.invoke("QueryBatch", redrive)
    with pytest.raises(RunInProgress):
        local_aws.invoke("CollectOrg", {**redrive, "item_id": "dependabot_alerts.acme"})
    local_aws.invoke("TrackRun", status_change_event({"executionArn": failed.execution_arn, "name": "first", "status": "RUNNING",
                                                      "redriveCount": 1, "input": "{}", "startDate": 1, "redriveDate": 2}))
    planning = {"run_id": "listing-refused", "config": config, "started_at": "2026-12-01T00:00:00Z",
                "execution_arn": "arn:aws:states:us-east-1:123456789012:execution:ghstats-collect:listing-refused"}
    with pytest.raises(RunInProgress):
        local_aws.invoke("PlanRun", planning)
    # an owner's listing of a planned run, refused as well (its plan as the failed run's)
    store = local_aws.dependencies().store
    store.put_json(names.run_config_key("listing-refused"), store.get_json(names.run_config_key("first")))
    with pytest.raises(RunInProgress):
        local_aws.invoke("ListRepos", {**planning, "owner": "acme"})
    local_aws.ledger().release_lock("default", other)
    assert local_aws.run(config, name="clean").status == "SUCCEEDED"
    # every function was seen, and every action it used is granted
    assert set(recorded) == set(LEDGER_ACTIONS)
    for name, actions in recorded.items():
        assert actions <= set(LEDGER_ACTIONS[name]), (name, actions - set(LEDGER_ACTIONS[name]))
    # and nothing is granted that no path used
    assert {name: set(actions) for name, actions in LEDGER_ACTIONS.items()} == recorded
