"""The ASL file's contract with the code: substitutions, retry bounds, error names, no Catch."""

import json
import re

import pytest

from cdk_app.constants import ASL_PATH as ASL
from ghstats import limits, names
from ghstats.github import errors as github_errors
from handlers import errors as handler_errors


def definition():
    return json.loads(ASL.read_text())


def states(asl=None):
    asl = asl or definition()
    for name, state in asl["States"].items():
        yield name, state
        if state["Type"] == "Map":
            yield from states(state["ItemProcessor"])


def test_substitutions_are_exactly_the_documented_ones():
    found = set(re.findall(r"\$\{(\w+)\}", ASL.read_text()))
    assert found == {"StartRunFunctionArn", "PlanRunFunctionArn", "ListReposFunctionArn", "QueryBatchFunctionArn", "CollectOrgFunctionArn",
                     "AggregateFunctionArn",
                     "LedgerTableName", "EventBusName", "EventSource", "StackName", "BucketName", "MapResultsPrefix"}


def test_no_catch_but_the_lock_release_so_redrive_reruns_failed_tasks():
    # A Catch into a Fail state would make a redrive fail again without rerunning the Task.
    # The one Catch: ReleaseLock's "another execution holds the lock now", which goes on.
    caught = {name: state["Catch"] for name, state in states() if "Catch" in state}
    assert caught == {"ReleaseLock": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": None,
                                       "Next": "AnnounceCompletion"}]}
    assert dict(states())["ReleaseLock"]["Next"] == "AnnounceCompletion"


def test_the_first_step_checks_and_locks_before_anything_else():
    all_states = dict(states())
    for resolve in ("UseGivenRunId", "UseExecutionName"):
        assert all_states[resolve]["Next"] == "StartRun"
    assert all_states["StartRun"]["Next"] == "PlanRun"
    assert all_states["StartRun"]["Parameters"]["Payload"]["execution_arn.$"] == "$$.Execution.Id"
    # refusals (RunInProgress, ApiUrlNotAllowed, InvalidConfig) are never retried
    retried = {e for r in all_states["StartRun"]["Retry"] for e in r["ErrorEquals"]}
    assert not retried & {"RunInProgress", "RunConfigMismatch", "ApiUrlNotAllowed", "InvalidConfig", "States.ALL", "States.TaskFailed"}


def test_retry_bounds_match_limits():
    all_states = dict(states())
    [query_retry] = all_states["QueryBatch"]["Retry"]
    assert query_retry["MaxAttempts"] == limits.QUERY_BATCH_RETRIES
    assert query_retry["JitterStrategy"] == "FULL" and query_retry["BackoffRate"] > 1
    for name in ("PlanRun", "ListRepos"):
        transient = [r for r in all_states[name]["Retry"] if "GitHubServerError" in r["ErrorEquals"]]
        assert transient[0]["MaxAttempts"] == limits.LIST_REPOS_RETRIES


def test_a_stuck_execution_times_out_but_not_a_rate_limited_one():
    timeout = definition()["TimeoutSeconds"]
    assert timeout == limits.EXECUTION_TIMEOUT_S
    # Planning, an owner's listing and then one batch may each wait out every rate-limit wait they are allowed.
    assert timeout > 3 * limits.MAX_RATE_LIMIT_WAITS * limits.MAX_RATE_LIMIT_WAIT_S


def test_auth_and_query_errors_are_never_retried():
    for name, state in states():
        # States.TaskFailed matches every error a Task raises: never on the states that call GitHub.
        catch_alls = {"States.ALL"} | ({"States.TaskFailed"} if name in ("PlanRun", "ListRepos", "QueryBatch") else set())
        for retry in state.get("Retry", []):
            assert not ({"GitHubAuthError", "GitHubQueryError", "InvalidConfig"} | catch_alls) & set(retry["ErrorEquals"]), name


def test_error_names_in_the_asl_are_real_exception_classes():
    known = {cls for cls in dir(github_errors) if cls.startswith("GitHub")} | {"AwsServiceError"}
    assert hasattr(handler_errors, "AwsServiceError")
    for _, state in states():
        for retry in state.get("Retry", []):
            for error in retry["ErrorEquals"]:
                if not error.startswith(("Lambda.", "Sandbox.", "States.", "DynamoDB.", "EventBridge.")):
                    assert error in known, error


def test_rate_limit_loop_waits_what_query_batch_returns():
    all_states = dict(states())
    choice = all_states["RateLimited?"]["Choices"][0]
    assert choice["StringEquals"] == names.ANSWER_RATE_LIMITED
    assert all_states[choice["Next"]]["SecondsPath"] == "$.wait_seconds"
    assert all_states[choice["Next"]]["Next"] == "QueryBatch"


@pytest.mark.parametrize("task, choice_name, path", [("ListRepos", "ListingRateLimited?", "$.listing"),
                                                     ("PlanRun", "PlanningRateLimited?", "$.planning")])
def test_listing_and_planning_rate_limit_loops_wait_what_the_step_returns(task, choice_name, path):
    all_states = dict(states())
    assert all_states[task]["Next"] == choice_name and all_states[task]["ResultPath"] == path
    choice = all_states[choice_name]["Choices"][0]
    assert choice["StringEquals"] == names.ANSWER_RATE_LIMITED and choice["Variable"] == f"{path}.status"
    wait = all_states[choice["Next"]]
    assert wait["SecondsPath"] == f"{path}.wait_seconds" and wait["Next"] == task
    assert not any("GitHubRateLimited" in r["ErrorEquals"] for r in all_states[task]["Retry"])


def test_a_listing_paused_for_time_goes_on_at_once():  # (an owner's, inside its pipeline)
    all_states = dict(states())
    [choice] = [c for c in all_states["ListingRateLimited?"]["Choices"] if c["StringEquals"] == names.ANSWER_LISTING_CONTINUES]
    assert choice["Variable"] == "$.listing.status" and choice["Next"] == "ListRepos"


def test_each_map_takes_its_own_concurrency_from_what_planning_and_listing_answer():
    # batches (GraphQL) and REST work items are bounded apart: per-repository REST lists trip
    # GitHub's secondary limits sooner, so their Map has its own, lower setting; owners run a few
    # at a time, each with its share of the batches' concurrency
    from handlers.list_repos import LISTING_FIELDS
    from handlers.plan_run import PLANNING_FIELDS

    found = dict(states())
    assert found["CollectOwners"]["MaxConcurrencyPath"] == "$.planning.owners_at_once"
    assert found["CollectBatches"]["MaxConcurrencyPath"] == "$.listing.max_concurrency"
    assert found["CollectOrgs"]["MaxConcurrencyPath"] == "$.listing.rest_concurrency"
    for field in ("max_concurrency", "rest_concurrency"):
        assert found["ListRepos"]["ResultSelector"][f"{field}.$"] == f"$.Payload.{field}" and field in LISTING_FIELDS
    assert found["PlanRun"]["ResultSelector"]["owners_at_once.$"] == "$.Payload.owners_at_once"
    assert "owners_at_once" in PLANNING_FIELDS


def test_each_owner_is_a_pipeline_whose_batches_start_as_soon_as_its_own_listing_is_done():
    asl = definition()
    assert asl["States"]["PlanningRateLimited?"]["Default"] == "CollectOwners"
    owner = asl["States"]["CollectOwners"]["ItemProcessor"]
    assert owner["StartAt"] == "ListRepos" and asl["States"]["CollectOwners"]["Next"] == "Aggregate"
    steps = owner["States"]
    assert steps["ListingRateLimited?"]["Default"] == "HasBatches?"
    # an owner with nothing to collect starts no Map Run; the guards read what ListRepos answers
    for guard, total, then, otherwise in (("HasBatches?", "batches_total", "CollectBatches", "HasOrgItems?"),
                                          ("HasOrgItems?", "org_items_total", "CollectOrgs", "OwnerDone")):
        [choice] = steps[guard]["Choices"]
        assert choice == {"Variable": f"$.listing.{total}", "NumericGreaterThan": 0, "Next": then}
        assert steps[guard]["Default"] == otherwise
    assert steps["CollectBatches"]["Next"] == "HasOrgItems?" and steps["CollectOrgs"]["Next"] == "OwnerDone"


def test_every_step_holds_the_lock_with_the_parent_executions_arn():
    # a child execution's own $$.Execution.Id is not the lock holder: the parent's ARN is passed down
    found = dict(states())
    assert found["CollectOwners"]["ItemSelector"]["execution_arn.$"] == "$$.Execution.Id"
    assert found["ListRepos"]["Parameters"]["Payload"]["execution_arn.$"] == "$.execution_arn"
    for map_name in ("CollectBatches", "CollectOrgs"):
        assert found[map_name]["ItemSelector"]["execution_arn.$"] == "$.execution_arn"
    for task in ("QueryBatch", "CollectOrg"):
        assert found[task]["Parameters"]["Payload"]["execution_arn.$"] == "$.execution_arn"


@pytest.mark.parametrize("map_name, manifest, field, step", [
    ("CollectOwners", "$.planning.owner_manifest", "owner_manifest", "PlanRun"),
    ("CollectBatches", "$.listing.batch_manifest", "batch_manifest", "ListRepos"),
    ("CollectOrgs", "$.listing.org_item_manifest", "org_item_manifest", "ListRepos"),
])
def test_work_items_run_as_distributed_map_children_read_from_a_manifest(map_name, manifest, field, step):
    from handlers.list_repos import LISTING_FIELDS
    from handlers.plan_run import PLANNING_FIELDS

    found = dict(states())
    state = found[map_name]
    # STANDARD children: a rate-limit Wait may last an hour (EXPRESS stops at 5 minutes)
    assert state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert "ItemsPath" not in state  # nothing of the run's size passes through the state
    assert state["ItemReader"] == {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
                                   "Parameters": {"Bucket": "${BucketName}", "Key.$": manifest}}
    assert found[step]["ResultSelector"][f"{field}.$"] == f"$.Payload.{field}"
    assert field in (LISTING_FIELDS if step == "ListRepos" else PLANNING_FIELDS)
    # any failed child fails the Map (then a redrive reruns only the unsuccessful children);
    # moto's parser rejects ItemBatcher: one item is one pre-made batch
    assert not {"ToleratedFailurePercentage", "ToleratedFailureCount", "ItemBatcher", "Catch"} & set(state)
    assert state["ResultWriter"] == {"Resource": "arn:aws:states:::s3:putObject",
                                     "Parameters": {"Bucket": "${BucketName}", "Prefix": "${MapResultsPrefix}"}}
    assert state["ResultPath"] is None
