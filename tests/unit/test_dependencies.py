"""handlers.dependencies: what the handlers read from their environment besides the clients."""

from __future__ import annotations

import pytest

from ghstats import limits, names
from handlers.dependencies import MissingSetting, aggregate_memory_mb


def test_aggregate_memory_is_the_stacks_setting_or_its_default():
    assert aggregate_memory_mb({names.ENV_AGGREGATE_MEMORY_MB: "6144"}) == 6144
    assert aggregate_memory_mb({}) == limits.FUNCTION_MEMORY_MB["Aggregate"] == 3008  # local runs


@pytest.mark.parametrize("given", ["lots", "1024", "10241", "-5", "6144.5"])
def test_an_aggregate_memory_no_lambda_could_have_is_named(given):
    with pytest.raises(MissingSetting, match=rf"{names.ENV_AGGREGATE_MEMORY_MB} .*1769 to 10240.*aggregateMemoryMb"):
        aggregate_memory_mb({names.ENV_AGGREGATE_MEMORY_MB: given})
