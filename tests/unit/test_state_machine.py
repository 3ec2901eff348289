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
    assert found == {"StartRunFunctionArn", "ListReposFunctionArn", "QueryBatchFunctionArn", "CollectOrgFunctionArn",
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
    assert all_states["StartRun"]["Next"] == "ListRepos"
    assert all_states["StartRun"]["Parameters"]["Payload"]["execution_arn.$"] == "$$.Execution.Id"
    # refusals (RunInProgress, ApiUrlNotAllowed, InvalidConfig) are never retried
    retried = {e for r in all_states["StartRun"]["Retry"] for e in r["ErrorEquals"]}
    assert not retried & {"RunInProgress", "RunConfigMismatch", "ApiUrlNotAllowed", "InvalidConfig", "States.ALL", "States.TaskFailed"}


def test_retry_bounds_match_limits():
    all_states = dict(states())
    [query_retry] = all_states["QueryBatch"]["Retry"]
    assert query_retry["MaxAttempts"] == limits.QUERY_BATCH_RETRIES
    assert query_retry["JitterStrategy"] == "FULL" and query_retry["BackoffRate"] > 1
    list_transient = [r for r in all_states["ListRepos"]["Retry"] if "GitHubServerError" in r["ErrorEquals"]]
    assert list_transient[0]["MaxAttempts"] == limits.LIST_REPOS_RETRIES


def test_a_stuck_execution_times_out_but_not_a_rate_limited_one():
    timeout = definition()["TimeoutSeconds"]
    assert timeout == limits.EXECUTION_TIMEOUT_S
    # Listing and then one batch may each wait out every rate-limit wait they are allowed.
    assert timeout > 2 * limits.MAX_RATE_LIMIT_WAITS * limits.MAX_RATE_LIMIT_WAIT_S


def test_auth_and_query_errors_are_never_retried():
    for name, state in states():
        # States.TaskFailed matches every error a Task raises: never on the states that call GitHub.
        catch_alls = {"States.ALL"} | ({"States.TaskFailed"} if name in ("ListRepos", "QueryBatch") else set())
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


def test_listing_rate_limit_loop_waits_what_list_repos_returns():
    all_states = dict(states())
    assert all_states["ListRepos"]["Next"] == "ListingRateLimited?"
    choice = all_states["ListingRateLimited?"]["Choices"][0]
    assert choice["StringEquals"] == names.ANSWER_RATE_LIMITED
    wait = all_states[choice["Next"]]
    assert wait["SecondsPath"] == "$.listing.wait_seconds" and wait["Next"] == "ListRepos"
    assert not any("GitHubRateLimited" in r["ErrorEquals"] for r in all_states["ListRepos"]["Retry"])


def test_a_listing_paused_for_time_goes_on_at_once():
    all_states = dict(states())
    [choice] = [c for c in all_states["ListingRateLimited?"]["Choices"] if c["StringEquals"] == names.ANSWER_LISTING_CONTINUES]
    assert choice["Variable"] == "$.listing.status" and choice["Next"] == "ListRepos"


def test_each_map_takes_its_own_concurrency_from_what_listing_answers():
    # batches (GraphQL) and REST work items are bounded apart: per-repository REST lists trip
    # GitHub's secondary limits sooner, so their Map has its own, lower setting
    found = dict(states())
    assert found["CollectBatches"]["MaxConcurrencyPath"] == "$.listing.max_concurrency"
    assert found["CollectOrgs"]["MaxConcurrencyPath"] == "$.listing.rest_concurrency"
    selected = found["ListRepos"]["ResultSelector"]
    assert selected["rest_concurrency.$"] == "$.Payload.rest_concurrency"
    from handlers.list_repos import LISTING_FIELDS

    assert {"max_concurrency", "rest_concurrency"} <= set(LISTING_FIELDS)


@pytest.mark.parametrize("map_name, manifest, field", [
    ("CollectBatches", "$.listing.batch_manifest", "batch_manifest"),
    ("CollectOrgs", "$.listing.org_item_manifest", "org_item_manifest"),
])
def test_work_items_run_as_distributed_map_children_read_from_the_listings_manifest(map_name, manifest, field):
    from handlers.list_repos import LISTING_FIELDS

    found = dict(states())
    state = found[map_name]
    # STANDARD children: a rate-limit Wait may last an hour (EXPRESS stops at 5 minutes)
    assert state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert "ItemsPath" not in state  # nothing of the run's size passes through the state
    assert state["ItemReader"] == {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
                                   "Parameters": {"Bucket": "${BucketName}", "Key.$": manifest}}
    assert found["ListRepos"]["ResultSelector"][f"{field}.$"] == f"$.Payload.{field}" and field in LISTING_FIELDS
    # any failed child fails the Map (then a redrive reruns only the unsuccessful children);
    # moto's parser rejects ItemBatcher: one item is one pre-made batch
    assert not {"ToleratedFailurePercentage", "ToleratedFailureCount", "ItemBatcher", "Catch"} & set(state)
    assert state["ResultWriter"] == {"Resource": "arn:aws:states:::s3:putObject",
                                     "Parameters": {"Bucket": "${BucketName}", "Prefix": "${MapResultsPrefix}"}}
    assert state["ResultPath"] is None
