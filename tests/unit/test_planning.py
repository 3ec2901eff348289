"""Splitting a run into batches, and the cap on batches per run."""

from __future__ import annotations

import pytest

from ghstats import limits, names
from ghstats.collect.planning import TooManyBatches, split_into_batches


def test_batches_keep_order_and_cover_every_repo_once():
    keys = [f"o/r{i}" for i in range(7)]
    batches = split_into_batches(keys, 3)
    assert list(batches) == [names.batch_id(0), names.batch_id(1), names.batch_id(2)]
    assert [len(b) for b in batches.values()] == [3, 3, 1]
    assert [k for b in batches.values() for k in b] == keys


def test_the_batch_cap_is_allowed_and_one_more_is_refused_with_the_fix():
    size = 2
    at_cap = [f"o/r{i}" for i in range(limits.MAX_BATCHES * size)]
    assert len(split_into_batches(at_cap, size)) == limits.MAX_BATCHES

    with pytest.raises(TooManyBatches) as raised:
        split_into_batches(at_cap + ["o/one-more"], size)
    message = str(raised.value)
    assert f"{limits.MAX_BATCHES + 1} batches" in message
    assert "batch_size" in message and "split the orgs" in message

