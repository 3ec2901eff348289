"""Per-org App credentials through the real ASL in moto: each org's work is carried by the token
of the App's installation on that org and spends that installation's budget; an org without
the App is an org error, the others are collected; a PAT run stays on one budget."""

from __future__ import annotations

import json

import pytest

from ghstats import names

from tests.conftest import TOKEN
from tests.workflow.helpers import assert_every_repo_once, assert_matches_truth, listing_pages, org_keys, outputs
from tests.workflow.test_shared_account import deployed, secret_reads  # noqa: F401 (fixtures)

APP_ID = "31337"
SIZES = {"acme": 130, "globex": 60, "hooli": 20, "initech": 10}
INSTALLATIONS = {"acme": 11, "globex": 22, "hooli": 33}  # initech: the App is not installed there
BATCH = 50
NAMED = "octo-user/dotfiles"  # a user's repository, no installation either


def make_github(make_sim, key_pair, **kwargs):
    github = make_sim(SIZES, apps={APP_ID: key_pair[1]}, installations=INSTALLATIONS, **kwargs)
    github.add_repo(*NAMED.split("/"))
    return github


@pytest.fixture
def github(make_sim, key_pair):
    return make_github(make_sim, key_pair, oauth_scopes=None)  # App tokens have no classic scopes


def run_config(github):
    return {"orgs": list(SIZES), "repos": [NAMED], "api_url": github.url, "batch_size": BATCH, "max_concurrency": 3}


def org_of_rest(path):
    parts = path.strip("/").split("/")
    return parts[1] if parts[0] in ("orgs", "repos") and len(parts) > 1 else None


def test_each_org_runs_on_its_own_installation_and_budget(github, deployed, key_pair):  # noqa: F811
    # Given per-org App credentials in the deployment's secret
    aws = deployed(github.url, {"app_id": APP_ID, "installation_id": "per_org", "private_key": key_pair[0]})
    # When a run collects four orgs and a user's repository
    outcome = aws.run(run_config(github))
    # Then the installed orgs are collected, right, and the run is PARTIAL
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    out = outputs(aws, outcome.run_id)
    installed = set().union(*(org_keys(github, org) for org in INSTALLATIONS))
    assert_every_repo_once(out, installed | {NAMED})
    assert set(out["errors"]["errors"]) == {NAMED}  # the user has no installation: its repository's error
    assert out["errors"]["errors"][NAMED]["type"] == "APP_NOT_INSTALLED"
    assert_matches_truth(out, github)
    # and the org without the App is an org error naming the fix
    [entry] = out["errors"]["orgs"]
    assert (entry["org"], entry["type"]) == ("initech", "APP_NOT_INSTALLED")
    assert "install the GitHub App on initech" in entry["fix"]
    assert out["summary"]["orgs_failed"] == 1
    # and every GraphQL request was sent with an installation's token: the token check (the
    # first org's), each org's counting query, pages and batches with its own installation's (a
    # token of another installation cannot see the org: the simulator would answer NOT_FOUND)
    graphql = [r for r in github.requests if r.kind == "graphql"]
    by_installation = {i: sum(1 for r in graphql if r.installation == str(i)) for i in INSTALLATIONS.values()}
    assert all(r.installation is not None for r in graphql)
    assert by_installation == {11: 1 + 1 + listing_pages(130) + -(-130 // BATCH), 22: 1 + 1 + -(-60 // BATCH),
                               33: 1 + 1 + 1}
    # and each org's REST walks went with its own installation's token
    walks = [r for r in github.requests if r.kind == "rest" and org_of_rest(r.path) in INSTALLATIONS
             and not r.path.endswith("/installation")]
    assert walks and all(r.installation == str(INSTALLATIONS[org_of_rest(r.path)]) for r in walks)
    # and each installation's budget paid exactly its own requests' points, nothing else was spent
    for installation in INSTALLATIONS.values():
        spent = sum(r.cost for r in graphql if r.installation == str(installation))
        assert spent > 0 and github.installation_rate_limit(installation).used == spent
        assert github.installation_rate_limit(installation, "rest").used == sum(
            1 for r in github.requests if r.kind == "rest" and r.installation == str(installation) and r.status == 200)
    # and each owner's installation was looked up once per Lambda container that worked for it
    # (the planning step's, the listing's, its batches', its org-level work items'; a container
    # keeps what it looked up)
    lookups = [r.path for r in github.requests if r.path.endswith("/installation")]
    org_items = len(out["summary"]["collectors"]) - 1  # the REST collectors, one item per org each
    for org, size in SIZES.items():
        if org in INSTALLATIONS:
            assert 1 <= lookups.count(f"/orgs/{org}/installation") <= 2 + -(-size // BATCH) + org_items
    assert "/orgs/initech/installation" in lookups and "/users/octo-user/installation" in lookups


def test_a_pat_run_stays_on_one_budget(make_sim, deployed, key_pair):  # noqa: F811
    # Given the same GitHub and a PAT in the secret
    github = make_github(make_sim, key_pair)
    aws = deployed(github.url, {"token": TOKEN})
    outcome = aws.run(run_config(github))
    # Then every org (the PAT sees initech too) is collected
    out = outputs(aws, outcome.run_id)
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    assert_every_repo_once(out, set().union(*(org_keys(github, org) for org in SIZES)) | {NAMED})
    assert_matches_truth(out, github)
    # and one budget paid for everything: no installation looked up, none spent
    assert all(r.installation is None for r in github.requests)
    assert not any(r.path.endswith("/installation") for r in github.requests)
    assert github.rate_limit(TOKEN).used == github.points_used() > 0
    assert all(github.installation_rate_limit(i).used == 0 for i in INSTALLATIONS.values())


class Clock:
    def __init__(self):
        import time

        self.t = time.time()

    def __call__(self):
        return self.t


def test_an_org_whose_installation_is_out_of_points_waits_alone(make_sim, deployed, key_pair, engine_delays):  # noqa: F811
    # Given globex's installation with no points left for the next minute, acme's and hooli's full
    clock = Clock()
    github = make_sim({org: SIZES[org] for org in INSTALLATIONS}, apps={APP_ID: key_pair[1]},
                      installations=INSTALLATIONS, oauth_scopes=None, clock=clock)
    github.set_budget("installation:22", remaining=0, reset_in=60)
    aws = deployed(github.url, {"app_id": APP_ID, "installation_id": "per_org", "private_key": key_pair[0]})

    def reset_after_the_wait(handler):  # GitHub's clock passes the reset while the run waits
        def wrapped(event, context, **kwargs):
            answer = handler(event, context, **kwargs)
            if answer["status"] == "rate_limited":
                clock.t += 61
            return answer
        return wrapped

    aws.wrappers["ListRepos"] = reset_after_the_wait
    # When the three orgs are collected
    outcome = aws.run({"orgs": list(INSTALLATIONS), "api_url": github.url, "batch_size": BATCH})
    # Then the run waited once, for globex's installation, as long as GitHub said
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    assert len(engine_delays.waits) == 1 and 1 <= engine_delays.waits[0] <= 61
    assert_every_repo_once(outputs(aws, outcome.run_id), set().union(*(org_keys(github, o) for o in INSTALLATIONS)))
    # and acme and hooli, on their own budgets, were counted and listed while globex was refused:
    # the run's planning did not wait for globex (its count refused, left out of the prediction),
    # each of their pages once (not again after the wait), globex's first page twice (refused,
    # then listed)
    graphql = [r for r in github.requests if r.kind == "graphql"]
    per = {i: [r for r in graphql if r.installation == str(i)] for i in INSTALLATIONS.values()}
    assert len(per[11]) == 1 + 1 + listing_pages(130) + -(-130 // BATCH) and len(per[33]) == 1 + 1 + 1
    assert len(per[22]) == 1 + 1 + 1 + -(-60 // BATCH)
    assert per[22][0].cost == per[22][1].cost == 0  # the refused count and page cost nothing
    listed_again = per[22][2].seq  # globex's first page, after the wait
    pages = [r for r in per[11] + per[33] if r.query and "organization(" in r.query and "CountRepositories" not in r.query]
    assert len(pages) == listing_pages(130) + 1 and max(r.seq for r in pages) < listed_again
    prediction = aws.get_json(f"runs/{outcome.run_id}/run.json")["prediction"]
    assert prediction["repositories"]["by_owner"] == {"acme": 130, "hooli": 20}
    assert any("out of points at planning: globex" in said for said in prediction["assumptions"])


def per_installation(github):
    """installation -> (GraphQL requests, points, REST requests sent, REST requests GitHub counted)
    of the requests the simulator saw (an App's own lookups, with its JWT, are no installation's)."""
    spent = {}
    for installation in map(str, INSTALLATIONS.values()):
        mine = [r for r in github.requests if r.installation == installation]
        graphql = [r for r in mine if r.kind == "graphql"]
        rest = [r for r in mine if r.kind == "rest"]
        spent[installation] = (len(graphql), sum(r.cost for r in graphql), len(rest),
                               sum(1 for r in rest if r.status != 304))
    return spent


def test_plan_counts_each_org_with_its_installation_and_predicts_each_installations_budget(
        github, deployed, key_pair, tmp_path, capsys):  # noqa: F811
    from argparse import Namespace

    from ghstats.collect.budget import Assumptions, previous_list_items
    from ghstats.config import parse_config
    from ghstats_cli.main import main
    from ghstats_cli.plan import _local_client, plan_config

    # Given per-org App credentials, as `ghstats run --installation-id per_org` takes them
    key = tmp_path / "app.pem"
    key.write_text(key_pair[0])
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(run_config(github)))
    app = ["--app-id", APP_ID, "--installation-id", "per_org", "--private-key-file", str(key)]
    # When `ghstats plan` predicts the run
    assert main(["plan", "--config", str(config_file), *app, "--data", str(tmp_path / "none"), "--json"]) == 0
    out, err = capsys.readouterr()
    plan = json.loads(out)
    # Then each org was counted with its own installation's token (the token check on the first
    # org's), nothing listed, no REST work; the orgs without the App were looked up, not counted
    assert per_installation(github) == {"11": (2, 2, 0, 0), "22": (1, 1, 0, 0), "33": (1, 1, 0, 0)}
    assert all(r.installation is not None for r in github.requests if r.kind == "graphql")
    lookups = [r.path for r in github.requests if r.path.endswith("/installation")]
    assert {"/orgs/initech/installation", "/users/octo-user/installation"} <= set(lookups)
    assert plan["counts"]["installations"] == {"11": ["acme"], "22": ["globex"], "33": ["hooli"]}
    # and the org without the App is the run's org error, the user's repository the run's repository error
    [entry] = plan["repositories"]["org_errors"]
    assert (entry["org"], entry["type"]) == ("initech", "APP_NOT_INSTALLED") and "install the GitHub App" in entry["fix"]
    assert plan["repositories"]["repository_errors"] == {NAMED: "APP_NOT_INSTALLED"}
    assert key_pair[0] not in out + err and "BEGIN" not in out + err  # the App's key reaches no output
    # and each installation has its own limits (5,000 + 50 per repository above 20) and hours,
    # the run's hours the slowest installation's
    installations = plan["installations"]
    assert {i: (e["repositories"], e["limits"]["graphql_points_per_hour"]) for i, e in installations.items()} == {
        "11": (130, 5_000 + 50 * 110), "22": (60, 5_000 + 50 * 40), "33": (20, 5_000)}
    slowest = max(installations, key=lambda i: installations[i]["hours"]["run"])
    assert plan["hours"] == {**installations[slowest]["hours"], "installation": slowest}
    assert plan["limits"]["credential"] == f"GitHub App installation {slowest} (the slowest of 3, each its own budget)"
    assert sum(e["graphql"]["points"] for e in installations.values()) == plan["graphql"]["points"]
    assert sum(e["rest_requests"] for e in installations.values()) == plan["rest_requests"]

    # When the run collects it
    github.reset_records()
    aws = deployed(github.url, {"app_id": APP_ID, "installation_id": "per_org", "private_key": key_pair[0]})
    outcome = aws.run(run_config(github))
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    # Then each installation spent what the plan said of GraphQL, and at least the REST requests
    # (a first run: each alert list assumed 1 page)
    spent = per_installation(github)
    assert {i: (e["graphql"]["requests"], e["graphql"]["points"]) for i, e in installations.items()} == {
        i: (requests, points) for i, (requests, points, _, _) in spent.items()}
    assert all(installations[i]["rest_requests"] <= sent for i, (_, _, sent, _) in spent.items())
    # and the run's own planning step predicted the same per installation
    stored = aws.get_json(names.run_config_key(outcome.run_id))["prediction"]
    assert stored["installations"] == installations and stored["repositories"]["org_errors"] == [entry]

    # When the next run is planned knowing the first run's records, and collected
    args = Namespace(app_id=APP_ID, installation_id="per_org", private_key_file=str(key))
    config = parse_config(run_config(github))
    make_client, _ = _local_client(args)
    again = plan_config(config, make_client, credential="app",
                        assumptions=Assumptions(org_list_items=previous_list_items(aws.get_json, config)))
    github.reset_records()
    second = aws.run(run_config(github))
    assert second.status == "SUCCEEDED", second.cause
    # Then each installation's GraphQL is exact and its REST requests sent within 5%
    spent = per_installation(github)
    for installation, (requests, points, sent, _) in spent.items():
        predicted = again["installations"][installation]
        assert (predicted["graphql"]["requests"], predicted["graphql"]["points"]) == (requests, points)
        assert abs(predicted["rest_requests"] - sent) <= 0.05 * sent, (installation, predicted, spent)
    # and the table shows the split
    assert main(["plan", "--config", str(config_file), *app, "--data", str(tmp_path / "none")]) == 0
    table = capsys.readouterr().out
    assert "installation 11 (acme; 130 repositories, 10,500/h)" in table and "initech: APP_NOT_INSTALLED" in table
    assert f"hours at the GitHub App installation {slowest} (the slowest of 3" in table
