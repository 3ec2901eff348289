"""The benchmark's batch setting and its 5% check on the plan."""

import pytest

from bench.report import batch_label, prediction_misses
from bench.runner import parse_args, resolve_batch_setting
from ghstats.collect.batch_size import resolve_batch_size
from ghstats.collectors import INVENTORY_COLLECTOR


def test_auto_is_the_default_and_resolves_as_the_workflow_does():
    s = parse_args(["--quick"])
    assert s.batch_setting == "auto"
    assert s.batch_size == resolve_batch_size("auto", [INVENTORY_COLLECTOR])[0] == 18
    assert '"auto" (18 repositories per batch' in batch_label({"batch_setting": "auto", "batch_size": 18})


def test_a_number_stands_and_anything_else_is_refused_naming_the_flag():
    assert resolve_batch_setting("50") == (50, "50")
    assert batch_label({"batch_setting": "50", "batch_size": 50}) == "`batch_size` 50"
    with pytest.raises(SystemExit, match="--batch-size"):
        resolve_batch_setting("fifty")


def _budget(requests_error, points_error):
    return {"graphql_requests": {"predicted": 1, "actual": 1, "error": requests_error},
            "graphql_points": {"predicted": 1, "actual": 1, "error": points_error}}


def test_a_plan_off_by_more_than_five_per_cent_is_a_miss():
    assert prediction_misses(_budget(0.0, 0.05)) == []
    assert prediction_misses(_budget(-0.05, 0.0)) == []
    assert prediction_misses(_budget(0.0501, 0.0)) == ["graphql_requests"]
    assert prediction_misses(_budget(0.0, -0.2)) == ["graphql_points"]
    assert prediction_misses(_budget(None, 0.0)) == ["graphql_requests"]
    assert prediction_misses({}) == ["graphql_requests", "graphql_points"]
