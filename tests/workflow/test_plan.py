"""`ghstats plan` against the GitHub simulator, then the real collection of the same config: the
predicted GraphQL requests and points and REST requests are within 5% of the run's summary."""

from __future__ import annotations

import json

from ghstats.collect.budget import Assumptions, against_run, count_repositories, predict, previous_list_items
from ghstats.config import parse_config
from ghstats.github.auth import StaticTokenProvider
from ghstats.github.client import GitHubClient
from ghstats.github.endpoints import Endpoints
from ghstats_cli.main import main
from tests.conftest import TOKEN
from tests.workflow.helpers import only_collectors, outputs

TOLERANCE = 0.05


def _client(sim):
    return GitHubClient(Endpoints.from_api_url(sim.url), StaticTokenProvider(TOKEN))


def _within(predicted: int, actual: int) -> bool:
    return abs(predicted - actual) <= TOLERANCE * actual


def _actual(api: dict) -> dict:
    return {"graphql_requests": api["listing_requests"] + api["batch_requests"],
            "graphql_points": api["points_used"], "rest_requests": api["rest_requests"]}


def _predicted(plan: dict) -> dict:
    return {"graphql_requests": plan["graphql"]["requests"], "graphql_points": plan["graphql"]["points"],
            "rest_requests": plan["rest_requests"]}


CONFIGS = {
    # the collectors on by default (repository_stats, repository_policy, the three alert lists), "auto"
    "defaults": lambda sim, acme: {
        "orgs": [{"name": "acme", "exclude": acme[:2]}, {"name": "globex", "include_forks": False}, "initech"],
        "repos": ["octo-user/dotfiles", acme[5]], "api_url": sim.url},
    # the demo's opt-in collectors too (a REST list, or four, per repository), a fixed batch size
    "per_repository": lambda sim, acme: {
        "orgs": [{"name": "acme", "exclude": acme[:2]}, {"name": "globex", "include_archived": False}],
        "repos": ["octo-user/dotfiles"], "batch_size": 40, "api_url": sim.url,
        "collectors": {**only_collectors("repository_stats", "dependabot_alerts", "outside_collaborators", "traffic",
                                         "security_settings")}},
}


def _plan(sim, raw, get_json=None):
    """count_repositories against the simulator, then predict (with the previous run's item counts)."""
    config = parse_config(raw)
    client = _client(sim)
    graphql_before, rest_before = sim.count(kind="graphql"), sim.count(kind="rest")
    counts = count_repositories(client, config)
    assert (counts.requests, counts.points) == (2, 2)  # the token check and one counting query
    # no listing, no collection
    assert (sim.count(kind="graphql") - graphql_before, sim.count(kind="rest") - rest_before) == (2, 0)
    assumptions = Assumptions(org_list_items=previous_list_items(get_json, config)) if get_json else Assumptions()
    plan = predict(counts, config, assumptions=assumptions)
    json.dumps(plan)  # JSON-able, for the workflow's planning step and the ledger
    assert plan["assumptions"]
    return plan


def _collect(local_aws, raw):
    outcome = local_aws.run(raw)
    assert outcome.status == "SUCCEEDED", outcome.cause
    return outputs(local_aws, outcome.run_id)["summary"]


def _compare(name, plan, summary, capsys, keys=("graphql_requests", "graphql_points", "rest_requests")):
    predicted, actual = _predicted(plan), _actual(summary["api"])
    with capsys.disabled():
        print(f"\n{name}: predicted {predicted}\n{' ' * len(name)}  actual    {actual}")
    assert all(_within(predicted[k], actual[k]) for k in keys), (predicted, actual)
    compared = against_run(plan, summary["api"])  # what the ledger will record
    assert {k: (v["predicted"], v["actual"]) for k, v in compared.items() if k in predicted} == {
        k: (predicted[k], actual[k]) for k in predicted}
    assert all(abs(compared[k]["error"]) <= TOLERANCE for k in keys)
    # and the repositories, batches and work items are the plan's
    assert plan["repositories"]["total"] == summary["repos_total"]
    assert plan["buckets"]["graphql_batches"]["batches"] == summary["api"]["batches"]
    assert plan["batch_size"] == summary["api"]["batch_size"]
    assert plan["org_items"] == summary["api"]["org_items"]
    return predicted, actual


def _orgs(make_sim):
    """Simulated orgs (archived and forked repositories among them) and a user's repository; acme's keys."""
    sim = make_sim({"acme": 230, "globex": 64, "initech": 12})
    sim.add_repo("octo-user", "dotfiles")
    return sim, sorted(r.name_with_owner for r in sim.dataset.repos("acme"))


def test_plan_of_a_first_collection_is_within_5_percent(make_sim, local_aws, capsys):
    # Given simulated orgs (archived and forked repositories among them), a config with REST
    # lists per repository (the opt-in collectors) and a fixed batch size
    sim, acme = _orgs(make_sim)
    raw = CONFIGS["per_repository"](sim, acme)
    # When the plan predicts before anything was collected, and the workflow collects
    plan = _plan(sim, raw)
    summary = _collect(local_aws, raw)
    # Then GraphQL requests, points and REST requests are within 5% of what the run spent
    _compare("first collection, lists per repository", plan, summary, capsys)


def test_plan_of_the_default_collectors_is_within_5_percent_knowing_the_previous_run(make_sim, local_aws, capsys):
    # Given the collectors on by default ("auto" batches, the three alert lists of each org)
    sim, acme = _orgs(make_sim)
    raw = CONFIGS["defaults"](sim, acme)
    # When a first run is planned (nothing known of the alert lists: 1 page each) and collected
    first_plan = _plan(sim, raw)
    first = _collect(local_aws, raw)
    # Then its GraphQL figures are within 5%, its REST requests a lower bound (the lists' pages
    # are an assumption: the alerts of acme fill 3 pages)
    predicted, actual = _compare("defaults, first run", first_plan, first, capsys, keys=("graphql_requests", "graphql_points"))
    assert predicted["rest_requests"] <= actual["rest_requests"]
    assert any("1 page(s)" in a for a in first_plan["assumptions"])
    # and the next run, planned with the first run's records (latest/<collector>.json), is within 5% in all three
    plan = _plan(sim, raw, local_aws.get_json)
    assert any("previous run" in a for a in plan["assumptions"])
    _compare("defaults, knowing the previous run", plan, _collect(local_aws, raw), capsys)


def test_cli_plan_prints_a_table_and_json(tmp_path, capsys):
    # Given the demo's simulated orgs, When `ghstats plan --demo` runs, Then a table, and with --json the dict
    assert main(["plan", "--demo", "--orgs", "acme:40,globex:10", "--data", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "token check and listing (GraphQL)" in table and "assumptions:" in table and "AWS: $" in table
    assert main(["plan", "--demo", "--orgs", "acme:40,globex:10", "--data", str(tmp_path), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["repositories"]["total"] == 40 - 2 + 10 + 1  # the demo excludes 2 of its first org, adds 1 named
    # the run's token check and counting query, then one page each
    assert plan["buckets"]["graphql_listing"]["requests"] == 2 + 1 + 1
    assert plan["batch_size"] == 50 and "traffic" in plan["buckets"]["rest"]


def test_cli_plan_of_a_config_file_with_the_token_of_the_environment(make_sim, tmp_path, capsys, monkeypatch):
    sim = make_sim({"acme": 130})
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"orgs": ["acme", "nobody"], "api_url": sim.url}))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert main(["plan", "--config", str(path), "--data", str(tmp_path), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["repositories"]["by_owner"] == {"acme": 130} and plan["repositories"]["orgs_not_found"] == ["nobody"]
    assert plan["buckets"]["graphql_listing"]["requests"] == 2 + 2 + 1
    assert sim.count(kind="graphql") == 2  # the token check and the counting query
    # and a token GitHub refuses is a one-line error, exit 2
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_not_a_token_the_simulator_knows")
    assert main(["plan", "--config", str(path), "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("credential:") and "GITHUB_TOKEN" in err[1]


def test_cli_plan_user_errors_name_the_field_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"orgs": ["acme"], "batch_size": 500}))
    assert main(["plan", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "batch_size" in err
    assert main(["plan", "--config", str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["plan"]) == 2
    assert "--config FILE" in capsys.readouterr().err
    assert main(["plan", "--demo", "--teams-per-org", "-1", "--data", str(tmp_path)]) == 2
    assert "--teams-per-org" in capsys.readouterr().err


def test_the_workflows_planning_step_predicts_and_the_ledger_and_summary_hold_it_against_the_run(make_sim, local_aws):
    # Given a collection with REST lists per repository (their count known once listed)
    sim, acme = _orgs(make_sim)
    raw = CONFIGS["per_repository"](sim, acme)
    outcome = local_aws.run(raw)
    assert outcome.status == "SUCCEEDED", outcome.cause
    summary = outputs(local_aws, outcome.run_id)["summary"]
    # Then the planning step (PlanRun) predicted from GitHub's counts before any listing (the same
    # token check and counting query as the CLI), the ledger keeps the prediction beside what the
    # run spent, and the summary compares them
    run = local_aws.ledger().get_run(outcome.run_id)
    budget = summary["budget"]
    assert {k: v["predicted"] for k, v in budget.items()} == run["predicted"]
    assert budget["graphql_points"]["actual"] == run["points_used"] == summary["api"]["points_used"]
    assert all(abs(budget[k]["error"]) <= TOLERANCE for k in ("graphql_requests", "graphql_points", "rest_requests"))
    assert budget["batches"]["error"] == 0 and budget["org_items"]["error"] == 0


def test_the_planning_step_prices_aggregate_at_the_deployed_memory(make_sim, engine_delays):
    from ghstats import names
    from ghstats_cli.local_aws import LocalAws

    # Given a deployment whose Aggregate has 6,144 MB (the stack tells every function so)
    sim = make_sim({"acme": 30})
    raw = {"orgs": ["acme"], "api_url": sim.url, "collectors": only_collectors("repository_stats")}
    with LocalAws({"GITHUB_TOKEN": TOKEN, names.ENV_AGGREGATE_MEMORY_MB: "6144"}) as aws:
        outcome = aws.run(raw)
        assert outcome.status == "SUCCEEDED", outcome.cause
        prediction = aws.get_json(names.run_config_key(outcome.run_id))["prediction"]
    # Then the run's own prediction priced Aggregate at 6,144 MB, as `ghstats plan --aggregate-memory-mb` does
    assert prediction["aws"]["aggregate_memory_mb"] == 6144
    plan = predict(count_repositories(_client(sim), parse_config(raw)), parse_config(raw), aggregate_memory_mb=6144)
    assert plan["aws"] == prediction["aws"]
    assert plan["aws"]["lambda_gb_s"] > predict(count_repositories(_client(sim), parse_config(raw)),
                                                parse_config(raw))["aws"]["lambda_gb_s"]


def test_cli_plan_takes_aggregates_memory(tmp_path, capsys):
    args = ["plan", "--demo", "--orgs", "acme:40", "--data", str(tmp_path), "--json"]
    assert main(args) == 0
    default = json.loads(capsys.readouterr().out)["aws"]
    assert main([*args, "--aggregate-memory-mb", "10240"]) == 0
    bigger = json.loads(capsys.readouterr().out)["aws"]
    assert (default["aggregate_memory_mb"], bigger["aggregate_memory_mb"]) == (3008, 10240)
    assert bigger["cost_usd"]["lambda"] > default["cost_usd"]["lambda"]
    assert main(["plan", "--demo", "--orgs", "acme:40", "--data", str(tmp_path), "--aggregate-memory-mb", "10241"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--aggregate-memory-mb 10241" in err and "1769 to 10240" in err
    assert main(["plan", "--demo", "--orgs", "acme:40", "--data", str(tmp_path), "--aggregate-memory-mb", "6144"]) == 0
    assert "Aggregate at 6,144 MB" in capsys.readouterr().out


def test_a_second_run_is_predicted_with_the_304s_it_then_gets(make_sim, local_aws, capsys):
    from ghstats.collect.budget import from_previous_run

    # Given conditional REST lists: an org's alert pages, and lists per repository (security
    # settings, traffic), of two orgs and a user's named repository
    sim = make_sim({"acme": 300, "globex": 40})
    sim.add_repo("octo-user", "dotfiles")
    raw = {"orgs": ["acme", "globex"], "repos": ["octo-user/dotfiles"], "api_url": sim.url, "batch_size": 50,
           "collectors": only_collectors("repository_stats", "dependabot_alerts", "security_settings", "traffic")}
    config = parse_config(raw)

    def plan_and_run(name):
        plan = predict(count_repositories(_client(sim), config), config,
                       assumptions=from_previous_run(local_aws.get_json, config))
        sim.reset_records()
        outcome = local_aws.run(raw)
        assert outcome.status == "SUCCEEDED", outcome.cause
        summary = outputs(local_aws, outcome.run_id)["summary"]
        compared = against_run(plan, summary["api"])
        with capsys.disabled():
            print(f"\n{name}: " + ", ".join(f"{k} {v['predicted']}/{v['actual']}" for k, v in compared.items()))
        return plan, summary, compared

    # When a first run is planned (no ETag cache yet) and collected
    first, summary, compared = plan_and_run("first run (predicted/actual)")
    # Then no request is predicted free, and none was: every REST request counted
    assert first["rest_not_modified"] == summary["api"]["rest_not_modified"] == 0
    assert first["rest_counted"] == first["rest_requests"]
    [said] = [said for said in first["assumptions"] if "no ETag cache yet of" in said]
    assert all(name in said for name in ("dependabot_alerts", "security_settings", "traffic"))
    # When the same collection is planned again, from what the first run left, and collected
    second, summary, compared = plan_and_run("second run (predicted/actual)")
    # Then the plan predicted the 304s the run got, and so the requests GitHub counted, within 5%
    api = summary["api"]
    assert api["rest_not_modified"] > 0.9 * api["rest_requests"]  # nothing changed: almost every page a 304
    for figure in ("rest_requests", "rest_not_modified", "rest_counted"):
        assert abs(compared[figure]["predicted"] - compared[figure]["actual"]) <= TOLERANCE * api["rest_requests"], figure
    assert compared["rest_not_modified"]["error"] is not None and abs(compared["rest_not_modified"]["error"]) <= TOLERANCE
    per_collector = {name: entry["not_modified"] for name, entry in second["buckets"]["rest"].items()}
    assert per_collector == {name: figures["not_modified"] for name, figures in api["rest_by_collector"].items()}
    # and the hours count only what GitHub counts
    assert second["hours"]["rest"] == round(second["rest_counted"] / second["limits"]["rest_requests_per_hour"], 3)
    assert any("state/<collector>/etags/<owner>.json" in said for said in second["assumptions"])
    # and the run's own planning step predicted the same from the bucket: the summary holds it against the run
    assert {k: v["predicted"] for k, v in summary["budget"].items()} == {k: v["predicted"] for k, v in compared.items()}


def test_cli_plan_reads_the_etag_caches_of_the_local_runs_folder(make_sim, tmp_path, capsys, monkeypatch, engine_delays):
    from ghstats import names
    from ghstats_cli.local_runs import collect_locally

    # Given a local run of the alert lists, its ETag caches kept in the folder (ghstats-data/s3/state/)
    sim = make_sim({"acme": 300})
    raw = {"orgs": ["acme"], "api_url": sim.url, "collectors": only_collectors("repository_stats", "dependabot_alerts")}
    collect_locally(raw, {"GITHUB_TOKEN": TOKEN}, tmp_path, progress="quiet")
    cached = json.loads((tmp_path / "s3" / names.etag_cache_key("dependabot_alerts", "acme")).read_text())["pages"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    # When `ghstats plan` plans the next run from that folder
    assert main(["plan", "--config", str(path), "--data", str(tmp_path), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    # Then every cached page is predicted a free 304, and the next local run gets them
    assert plan["rest_not_modified"] == len(cached) > 0
    second, summary = collect_locally(raw, {"GITHUB_TOKEN": TOKEN}, tmp_path, progress="quiet")
    api = summary["api"]
    assert (plan["rest_requests"], plan["rest_not_modified"], plan["rest_counted"]) == (
        api["rest_requests"], api["rest_not_modified"], api["rest_requests"] - api["rest_not_modified"])
    assert summary["budget"]["rest_not_modified"] == {"predicted": len(cached), "actual": len(cached), "error": 0.0}
    # and the table says so
    assert main(["plan", "--config", str(path), "--data", str(tmp_path)]) == 0
    assert f"{len(cached)} answered 304: free" in capsys.readouterr().out
