"""Each step's input is checked before the step does anything: a malformed one fails at once,
naming the field (the state machine builds these inputs; a mismatch is a bug to see early)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ghstats_cli.local_aws import LambdaContext
from handlers import aggregate, collect_org, list_repos, plan_run, query_batch, start_run


class Untouchable:
    """Dependencies that fail the test if the step gets as far as using them."""

    def __getattr__(self, name):
        raise AssertionError(f"the step used its dependencies ({name}) with a malformed input")


@pytest.mark.parametrize("module, event, field", [
    (query_batch, {"run_id": "r1", "batch_id": "../../etc"}, "batch_id"),
    (query_batch, {"run_id": "r1", "batch_id": "00001"}, "batch_id"),  # not an owner's batch id
    (query_batch, {"run_id": "r1", "batch_id": "0000-00001", "retry_count": -1}, "retry_count"),
    (collect_org, {"run_id": "r1"}, "item_id"),
    (plan_run, {"run_id": "r1", "config": {}}, "started_at"),
    (list_repos, {"run_id": "r1"}, "owner"),
    (list_repos, {"run_id": "r1", "owner": "../acme"}, "owner"),  # only a GitHub login goes into its S3 keys
    (start_run, {"run_id": "r1", "started_at": "2026-12-01T00:00:00Z"}, "execution_arn"),
    (aggregate, {"run_id": ""}, "run_id"),
])
def test_a_malformed_step_input_is_refused_naming_the_field(module, event, field):
    with pytest.raises(ValidationError) as caught:
        module.handler(event, LambdaContext(module.__name__), deps=Untouchable())
    assert [e["loc"][0] for e in caught.value.errors()] == [field]
