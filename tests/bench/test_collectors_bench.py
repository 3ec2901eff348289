"""`python -m bench.collectors` at a small scale: the counts it reports are the run's, per bucket,
and the hours follow from them and GitHub's budgets."""

from __future__ import annotations

from bench import collectors


def test_multi_collector_bench_counts_each_bucket_and_the_hours(engine_delays):
    found = collectors.measure(40)
    assert (found["repos"], found["orgs"]) == (40, 10)
    api = found["api"]
    # the summary's counts are what the simulator saw, bucket by bucket
    assert api["requests"] == found["graphql_requests"] + found["rest_requests"]
    assert api["rest_requests"] == found["rest_requests"] and api["points_used"] == found["points"]
    # traffic: 4 per repository in scope that is not archived (the simulator gives push access)
    asked = 40 - found["coverage"]["traffic"].get("not_applicable", 0)
    assert found["rest_by_family"]["traffic"] == 4 * asked
    assert collectors.hours(5_000, 10_000)["personal access token"] == 2.0
    assert collectors.hours(5_000, 10_000)["GitHub App (up to)"] == 0.8
    text = collectors.render(found)
    assert "| 10,000 *scaled* |" in text and f"traffic {found['rest_by_family']['traffic']:,}" in text
