"""batch_size "auto" through the real workflow: fewer rate-limit points than the old fixed 50, by
the simulator's own accounting of GitHub's formula, with every repository collected once."""

from __future__ import annotations

import pytest

from ghstats import limits
from ghstats.collect.batch_size import points_per_request
from tests.workflow.helpers import assert_every_repo_once, assert_matches_truth, listing_pages, only_collectors, org_keys, outputs


def _run(make_sim, local_aws, collectors, batch_size, repos):
    sim = make_sim({"acme": repos})  # a fresh simulator per run: points_used() is this run's alone
    config = {"orgs": ["acme"], "api_url": sim.url, "collectors": collectors, "max_concurrency": 4}
    if batch_size is not None:
        config["batch_size"] = batch_size
    outcome = local_aws.run(config)
    assert outcome.status == "SUCCEEDED", outcome.cause
    out = outputs(local_aws, outcome.run_id)
    assert_every_repo_once(out, org_keys(sim, "acme"))
    assert out["errors"]["errors"] == {}
    assert_matches_truth(out, sim)
    return sim, out["summary"]


@pytest.mark.parametrize("collectors, connections, size", [
    (("repository_stats",), 8, 18),
    (("repository_stats", "repository_policy"), 14, 10),
], ids=["stats", "stats+policy"])
def test_auto_spends_fewer_points_than_fifty(make_sim, local_aws, collectors, connections, size):
    repos = 230
    auto_sim, auto = _run(make_sim, local_aws, only_collectors(*collectors), None, repos)  # the default: "auto"
    fixed_sim, fixed = _run(make_sim, local_aws, only_collectors(*collectors), 50, repos)
    # the plan resolved "auto" and the summary says so
    assert (auto["api"]["batch_size"], auto["api"]["batch_size_auto"]) == (size, True)
    assert (fixed["api"]["batch_size"], fixed["api"]["batch_size_auto"]) == (50, False)
    assert auto["config"]["batch_size"] == limits.AUTO_BATCH_SIZE
    # the simulator charged what the planner's formula predicts, and less with "auto"
    fixed_points = 1 + 1 + listing_pages(repos)  # the token check, the counting query, the pages
    for sim, summary, batch in ((auto_sim, auto, size), (fixed_sim, fixed, 50)):
        batches = [min(batch, repos - start) for start in range(0, repos, batch)]
        assert summary["api"]["batches"] == len(batches)
        assert sim.points_used() == summary["api"]["points_used"] == fixed_points + sum(
            points_per_request(connections, n) for n in batches)
    assert auto_sim.points_used() < fixed_sim.points_used()
