"""`python -m bench --quick --steps main,points`: every approach runs, the request counts are exact,
and the time table accounts for every step.

Counts, not times: 120 repositories, no latency. GitHub requests of the GraphQL collectors
are 1 token check (+ ghstats' counting query) + listing pages + batches; the REST collector is
1 organisation read + listing pages + 5 calls per repository. (The other section steps have
tests of their own.)
"""

from __future__ import annotations

import json
import math

from bench.runner import main

REPOS = 120


def test_quick_bench_counts(tmp_path):
    out = tmp_path / "results.json"
    results = tmp_path / "results.md"
    assert main(["--quick", "--steps", "main,points", "--json", str(out), "--out", str(results)]) == 0
    data = json.loads(out.read_text())
    # one budget for every step: each ran at its full (here: --quick) scale, and the table says so
    steps = data["budget"]["steps"]
    assert [s["name"] for s in steps][0] == "points per repository (auto vs 50 vs serial 65)"
    # points, then ghstats, serial and PyGithub at 120
    assert [s["status"] for s in steps] == ["full"] * 4 and steps[0]["ran"] == "120 repositories"
    assert all(s["wall_s"] > 0 and s["granted_s"] > 0 for s in steps)
    text = results.read_text()
    assert text.index("## Headline") < text.index("## Points per repository") < text.index("## Where `make bench`'s time goes")
    assert "| ghstats @ 120 | ghstats' workflow, 120 repositories |" in text
    rows = {r["approach"]: r for r in data["rows"]}
    assert set(rows) == {"ghstats", "serial", "pygithub"}
    pages = math.ceil(REPOS / 100)

    ours = rows["ghstats"]
    g = ours["github"]
    assert ours["status"] == "SUCCEEDED" and ours["result"]["repos_ok"] == REPOS
    # batch_size "auto" (the default, as in a config): the workflow's planner picks 18 for 8 connections
    assert data["settings"]["batch_setting"] == "auto" and data["settings"]["batch_size"] == 18
    assert (g["graphql"], g["rest"]) == (1 + 1 + pages + math.ceil(REPOS / 18), 0)
    assert (g["listing_pages"], g["batches"], g["repos_asked"], g["non_200"]) == (pages, 7, REPOS, 0)
    assert g["batch_sizes"] == [12, 18]
    # check + counting + pages + round(18 × 8 / 100) × 6 + round(12 × 8 / 100): 1 point each
    assert g["points"] == 1 + 1 + pages + 6 + 1
    history = ours["result"]["history"]
    # one owner, a child execution of CollectOwners; its seven batches, seven child executions of
    # its CollectBatches, each with its own events
    assert history["owners"] == 1 and history["owner_events"] > 0
    assert history["iterations"] == 7 and history["retries"] == 0
    assert history["iteration_events"] == 7 * history["events_per_iteration"] > 0
    # one QueryBatch per batch child and the owner child's ListRepos, none in the parent
    assert history["child_types"]["TaskStateEntered"] == 7 + 1
    assert "TaskStateEntered" in history["types"] and history["types"].get("MapIterationStarted", 0) == 0
    assert {"ListRepos", "CollectBatches", "PlanRun", "CollectOwners", "Aggregate"} <= set(history["phases_s"])
    # the planning step predicted the run's GraphQL requests and points exactly (no retry, no split)
    budget = ours["result"]["budget"]
    assert budget["graphql_requests"]["error"] == 0 and budget["graphql_points"]["error"] == 0
    assert ours["result"]["aggregate_peak_mb"] > 0
    assert ours["result"]["invocations"] == {"StartRun": 1, "PlanRun": 1, "ListRepos": 1, "QueryBatch": 7, "Aggregate": 1,
                                             "TrackRun": 1}

    serial = rows["serial"]
    assert serial["status"] == "SUCCEEDED" and serial["result"]["repos_ok"] == REPOS
    assert serial["github"]["graphql"] == 1 + pages + math.ceil(REPOS / 65)
    assert serial["github"]["batch_sizes"] == [55, 65]

    rest = rows["pygithub"]
    assert rest["status"] == "SUCCEEDED" and rest["result"]["sample"] == REPOS
    assert (rest["github"]["graphql"], rest["github"]["rest"]) == (0, 1 + pages + 5 * REPOS)
    trap = rest["extra"]["rest_trap"]
    assert trap["open_issues_wrong_after_subtracting_prs"] == 0
    assert trap["closed_issues_wrong_after_subtracting_prs"] == 0
