"""The local engine's Distributed Map fails as AWS's does when a child execution fails."""

import pytest

from ghstats_cli.moto_distributed_map import exceeds_tolerance


@pytest.mark.parametrize("failed, total, count, percentage, exceeds", [
    (0, 10, 0, 0.0, False),  # nothing failed
    (1, 10, 0, 0.0, True),  # our ASL: no failure tolerated
    (1, 10, 1, 0.0, False),  # ToleratedFailureCount 1 tolerates one ...
    (2, 10, 1, 0.0, True),  # ... not two
    (1, 10, 0, 10.0, False),  # 10% of 10 tolerates one
    (2, 10, 0, 10.0, True),
])
def test_the_threshold_is_awss(failed, total, count, percentage, exceeds):
    assert exceeds_tolerance(failed, total, count, percentage) is exceeds
