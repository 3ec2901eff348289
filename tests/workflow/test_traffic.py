"""traffic through the real workflow: history kept beyond GitHub's 14 days (no gap, no duplicate,
the latest run's value for a day seen twice), a gap reported when runs are too far apart, coverage
(not errors) where there is no push access or nothing to read, and conditional requests that cost
nothing when GitHub's answer has not changed."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone

from ghstats import names
from simulator import traffic as traffic_data
from tests.workflow.helpers import only_collectors

ONLY = only_collectors("repository_stats", "traffic")
DAY = 86400.0
START = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc).timestamp()  # mid-morning: "today" is incomplete


def history_rows(aws):
    """Every row of the kept dataset, as a query over datasets/traffic/ sees them."""
    store = aws.dependencies().store
    found = []
    for key in store.list_keys(names.history_dataset_prefix("traffic")):
        body = aws.s3.get_object(Bucket=store._bucket, Key=key)["Body"].read().decode()
        found += [json.loads(line) for line in body.splitlines()]
    return found


def clocked_sim(make_sim, orgs):
    now = [START]
    sim = make_sim(orgs, traffic_clock=lambda: now[0])
    return sim, now


def run(aws, sim, **config):
    outcome = aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY, **config})
    assert outcome.status == "SUCCEEDED", outcome.cause
    return outcome


def pushable(sim, org="acme"):
    return [r for r in sim.dataset.repos(org) if not r.is_archived and sim.push_access(r.name_with_owner)]


def test_runs_7_and_13_days_apart_keep_every_day_once_with_the_latest_value(make_sim, local_aws):
    sim, now = clocked_sim(make_sim, {"acme": 12})
    run_times = [START, START + 7 * DAY, START + 20 * DAY]
    for moment in run_times:
        now[0] = moment
        outcome = run(local_aws, sim)
        summary = local_aws.get_json(names.summary_key(outcome.run_id))["collectors"]["traffic"]
        assert summary["history_gaps"] == []
    rows = history_rows(local_aws)
    # one row per repository x day: none twice, and every day from the first run's 14 to the last run's today
    counts = Counter((r["repository"], r["day"]) for r in rows)
    assert max(counts.values()) == 1
    first_days, _ = traffic_data.window(run_times[0])
    last_days, over = traffic_data.window(run_times[-1])
    all_days = sorted({r["day"] for r in rows})
    assert all_days[0] == first_days[0] and all_days[-1] == last_days[-1] and len(all_days) == 14 + 20
    repos = pushable(sim)
    assert {repo for repo, _ in counts} == {r.name_with_owner for r in repos}
    assert len(rows) == len(repos) * len(all_days)
    # row by row: a finished day has its whole figures (a day first seen as "today" was replaced by a
    # later run's), and the last run's today has its part of the day
    by_key = {(r["repository"], r["day"]): r for r in rows}
    for repo in repos:
        for day in all_days:
            expected = traffic_data.day_figures(repo, day, over if day == last_days[-1] else 1.0)
            row = by_key[(repo.name_with_owner, day)]
            assert (row["views"], row["views_uniques"], row["clones"], row["clones_uniques"]) == (
                expected.views, expected.views_uniques, expected.clones, expected.clones_uniques), (repo, day)
    # the first run's "today" was incomplete: the row kept is the second run's
    first_today = first_days[-1]
    assert {by_key[(r.name_with_owner, first_today)]["run_started_at"] for r in repos} != {
        by_key[(r.name_with_owner, first_days[0])]["run_started_at"] for r in repos}


def test_runs_16_days_apart_report_the_days_no_run_saw(make_sim, local_aws):
    sim, now = clocked_sim(make_sim, {"acme": 6})
    run(local_aws, sim)
    now[0] = START + 16 * DAY
    outcome = run(local_aws, sim)
    gaps = local_aws.get_json(names.summary_key(outcome.run_id))["collectors"]["traffic"]["history_gaps"]
    first_days, _ = traffic_data.window(START)
    later_days, _ = traffic_data.window(now[0])
    expected = {"from": "2026-03-02", "to": "2026-03-03", "days": 2}
    assert first_days[-1] == "2026-03-01" and later_days[0] == "2026-03-04"
    assert {g["repository"] for g in gaps} == {r.name_with_owner for r in pushable(sim)}
    assert all({k: g[k] for k in expected} == expected for g in gaps)
    # and the gap is not papered over: no row for those days
    assert not [r for r in history_rows(local_aws) if r["day"] in ("2026-03-02", "2026-03-03")]


def test_no_push_access_and_archived_repositories_are_coverage_and_named_repositories_count(make_sim, local_aws):
    sim, _ = clocked_sim(make_sim, {"acme": 20, "solo": 3})
    archived = [r.name_with_owner for r in sim.dataset.repos("acme") if r.is_archived]
    open_repos = [r.name_with_owner for r in sim.dataset.repos("acme") if not r.is_archived]
    no_push = open_repos[0]
    sim.set_push_access(no_push, False)
    named = sim.dataset.repos("solo")[0].name_with_owner  # a named repository of an owner outside `orgs`
    outcome = local_aws.run({"orgs": ["acme"], "repos": [named], "api_url": sim.url, "collectors": ONLY})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    coverage = [e for e in local_aws.get_json(names.coverage_key(outcome.run_id))["entries"]
                if e["collector"] == "traffic" and "repo" in e]
    assert archived, "the simulated org has no archived repository: nothing is tested"
    assert {e["repo"]: e["status"] for e in coverage} == {**{a: "not_applicable" for a in archived}, no_push: "forbidden"}
    traffic_paths = [r.path for r in sim.requests if "/traffic/" in r.path]
    # an archived repository costs no request; one without push access the one (views) that says so
    assert not [p for p in traffic_paths if any(f"/repos/{a}/" in p for a in archived)]
    assert [p for p in traffic_paths if f"/repos/{no_push}/" in p] == [f"/repos/{no_push}/traffic/views"]
    assert len(traffic_paths) == 4 * (len(open_repos) - 1 + 1) + 1
    records = local_aws.get_json(names.collector_output_key(outcome.run_id, "traffic"))["records"]
    assert named in records and no_push not in records


def test_a_second_run_on_the_same_day_is_answered_304_and_costs_no_rest_request(make_sim, local_aws):
    sim, _ = clocked_sim(make_sim, {"acme": 8})
    first = run(local_aws, sim)
    used = sim.rate_limit(sim_token(), "core").used
    second = run(local_aws, sim)
    assert sim.rate_limit(sim_token(), "core").used == used  # every traffic answer was a free 304
    api = local_aws.get_json(names.summary_key(second.run_id))["api"]
    assert api["rest_not_modified"] == api["rest_requests"] == 4 * len(pushable(sim))
    records = [local_aws.get_json(names.collector_output_key(r.run_id, "traffic"))["records"] for r in (first, second)]
    assert records[0] == records[1]


def sim_token():
    from tests.conftest import TOKEN

    return TOKEN


def test_local_runs_in_separate_processes_keep_the_history_and_the_etags_in_the_folder(make_sim, tmp_path, engine_delays):
    # each collect_locally starts an empty moto: what the next run needs must come from the folder
    from ghstats_cli.local_runs import collect_locally

    sim, now = clocked_sim(make_sim, {"acme": 5})
    config = {"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY}
    first, _ = collect_locally(config, {"GITHUB_TOKEN": sim_token()}, tmp_path, progress="quiet")
    same_day, _ = collect_locally(config, {"GITHUB_TOKEN": sim_token()}, tmp_path, progress="quiet")
    api = json.loads((tmp_path / "s3" / names.summary_key(same_day.run_id)).read_text())["api"]
    assert api["rest_not_modified"] == api["rest_requests"] > 0  # the ETags came back from the folder
    now[0] = START + 7 * DAY
    later, summary = collect_locally(config, {"GITHUB_TOKEN": sim_token()}, tmp_path, progress="quiet")
    assert summary["collectors"]["traffic"]["history_gaps"] == []
    rows = [json.loads(line) for path in (tmp_path / "s3" / "datasets" / "traffic").rglob("*.jsonl")
            for line in path.read_text().splitlines()]
    counts = Counter((r["repository"], r["day"]) for r in rows)
    assert max(counts.values()) == 1 and len({d for _, d in counts}) == 14 + 7
    assert len(counts) == len(pushable(sim)) * 21
