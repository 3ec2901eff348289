"""ghstats.collect.budget: the prediction's arithmetic against hand-computed numbers."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ghstats.collect import budget
from ghstats.collect.budget import (Assumptions, Counts, OrgCount, against_run, batch_requests_and_points,
                                    count_query, count_repositories, credential_limits, predict, previous_list_items)
from ghstats.collect.batch_size import choose_batch_size, points_per_request
from ghstats.config import parse_config

API = "https://api.github.com"
ONLY_STATS = {"repository_policy": False}  # repository_stats alone: 8 connections per repository


def config(**raw):
    return parse_config({"api_url": API, **raw})


@pytest.mark.parametrize("connections, repos, points", [
    (14, 10, 1),  # 140 requests -> 1.4 -> 1
    (14, 11, 2),  # 154 -> 1.54 -> 2
    (10, 15, 2),  # 150 -> 1.5 -> 2
    (10, 25, 3),  # 250 -> 2.5 -> 3: half up (Python's round(2.5), half to even, says 2)
    (1, 50, 1),  # 50 -> 0.5 -> 1 (half up; and at least 1 anyway)
    (149, 1, 1),  # 1.49 -> 1
    (8, 50, 4),  # 400 -> 4
    (0, 100, 1),  # no connection at all: GitHub's minimum of 1 point
])
def test_points_per_request_is_connections_over_100_rounded_to_nearest_at_least_1(connections, repos, points):
    assert points_per_request(connections, repos) == points


def test_batches_are_full_ones_and_one_of_the_rest():
    # 95 repositories in batches of 40 with 8 connections: 2 × (320 -> 3) + (15 × 8 = 120 -> 1)
    assert batch_requests_and_points(95, 40, 8) == (3, 7)
    assert batch_requests_and_points(80, 40, 8) == (2, 6)
    assert batch_requests_and_points(0, 40, 8) == (0, 0)


def test_predict_counts_listing_batches_and_rest_by_hand():
    # Given acme (250 repositories, 10 archived; 1 excluded), an empty org, one GitHub did not
    # find, a named repository of acme (listed already) and one of another owner
    counts = Counts({"acme": OrgCount(250, 10), "beta": OrgCount(0, 0)}, missing=["gone"])
    cfg = config(orgs=[{"name": "acme", "exclude": ["acme/old"]}, "beta", "gone"], repos=["octo/x", "acme/y"],
                 batch_size=50)
    plan = predict(counts, cfg)
    # Then 249 + 0 + 1 repositories
    assert plan["repositories"] == {"total": 250, "by_owner": {"acme": 249, "beta": 0, "octo": 1},
                                    "named_outside_orgs": 1, "archived": 10, "orgs_not_found": ["gone"]}
    # listing: the token check + 3 pages (acme) + 1 (beta, empty) + 1 failed page (gone), 1 point each
    assert plan["buckets"]["graphql_listing"] == {"requests": 6, "points": 6, "pages": 4}
    # batches, per owner (a batch never mixes owners): acme's 249 = 4 of 50 × 14 connections
    # (stats 8 + policy 6) = 700 -> 7 points, and one of 49 (686 -> 7); octo's 1 (14 -> at least 1)
    assert plan["points_per_batch"] == 7
    assert plan["buckets"]["graphql_batches"] == {"requests": 6, "points": 36, "batches": 6}
    assert plan["graphql"] == {"requests": 12, "points": 42}
    # REST: the three alert collectors (on by default) walk 1 page of each org found
    rest = plan["buckets"]["rest"]
    assert set(rest) == {"dependabot_alerts", "secret_scanning_alerts", "code_scanning_alerts"}
    assert all(entry["requests"] == 2 and entry["per_owner"] == {"acme": 1, "beta": 1} for entry in rest.values())
    assert (plan["rest_requests"], plan["requests"], plan["org_items"]) == (6, 18, 6)
    # hours at a PAT's 5,000 points and 5,000 REST requests an hour
    assert plan["hours"] == {"graphql": 0.008, "rest": 0.001, "run": 0.008, "rate_limit_waits": 0}
    assert any("excluded repository exists" in a for a in plan["assumptions"])
    assert any("1 page(s)" in a for a in plan["assumptions"])
    json.dumps(plan)


def test_auto_batch_size_is_choose_batch_size_of_the_enabled_collectors():
    counts = Counts({"acme": OrgCount(250, 0)})
    # stats + policy: 14 connections, 150 nodes: 10 a batch is 140 requests -> 1 point
    plan = predict(counts, config(orgs=["acme"]))
    assert (plan["batch_size"], plan["batch_size_auto"], plan["points_per_batch"]) == (10, True, 1)
    assert plan["batch_size"] == choose_batch_size(8 + 6, 20 + 130)
    assert plan["buckets"]["graphql_batches"] == {"requests": 25, "points": 25, "batches": 25}
    # stats alone: 8 connections, 18 a batch (144 -> 1 point): 13 full batches and one of 16 (128 -> 1)
    plan = predict(counts, config(orgs=["acme"], collectors=ONLY_STATS))
    assert (plan["batch_size"], plan["buckets"]["graphql_batches"]["requests"]) == (18, 14)
    assert plan["buckets"]["graphql_batches"]["points"] == 14


def test_rest_lists_per_repository_and_their_then_lists():
    counts = Counts({"acme": OrgCount(30, 5)})
    on = {name: True for name in ("members", "outside_collaborators", "teams", "traffic", "security_settings")}
    cfg = config(orgs=["acme"], repos=["octo/x"], collectors={**on, "dependabot_alerts": False,
                                                               "secret_scanning_alerts": False,
                                                               "code_scanning_alerts": False})
    plan = predict(counts, cfg, assumptions=Assumptions(teams_per_org=2))
    rest = {name: entry["per_owner"] for name, entry in plan["buckets"]["rest"].items()}
    assert rest == {
        "members": {"acme": 3},  # owners, members, 2FA off: 1 page each
        "outside_collaborators": {"acme": 1 + 30},  # the org's list + 1 per repository
        "teams": {"acme": 1 + 2 * 3},  # the teams, then 3 lists per team
        "traffic": {"acme": (30 - 5) * 4, "octo": 4},  # views, then clones, paths, referrers; archived skipped
        "security_settings": {"acme": 30, "octo": 1},  # 1 per repository; a named one's owner too
    }
    assert plan["org_items"] == 1 + 1 + 1 + 2 + 2
    assert any("2 teams per org" in a for a in plan["assumptions"])


def test_hours_and_rate_limit_windows_at_the_credentials_limits():
    counts = Counts({"big": OrgCount(120_000, 0)})
    plan = predict(counts, config(orgs=["big"], batch_size=100, collectors=ONLY_STATS))
    # 1 + 1,200 listing pages; 1,200 batches of 100 × 8 = 800 -> 8 points
    assert plan["graphql"] == {"requests": 2_401, "points": 1_201 + 9_600}
    assert plan["hours"]["graphql"] == round(10_801 / 5_000, 3)
    assert plan["hours"]["rate_limit_waits"] == 2
    app = predict(counts, config(orgs=["big"], batch_size=100, collectors=ONLY_STATS),
                  credential=credential_limits("app", 120_000))
    assert app["limits"]["graphql_points_per_hour"] == 12_500 and app["hours"]["rate_limit_waits"] == 0
    assert credential_limits("app", 100).graphql_points_per_hour == 5_000 + 50 * 80


def test_a_classic_token_without_the_scopes_skips_its_collectors():
    counts = Counts({"acme": OrgCount(10, 0)}, classic_scopes=["read:org"])
    plan = predict(counts, config(orgs=["acme"]))
    assert set(plan["skipped_collectors"]) == {"dependabot_alerts", "secret_scanning_alerts", "code_scanning_alerts"}
    assert plan["rest_requests"] == 0 and plan["org_items"] == 0


def test_the_previous_runs_records_give_the_alert_lists_pages():
    records = {f"k{i}": {"key": f"k{i}", "repository": f"Acme/r{i % 7}"} for i in range(250)}
    stored = {"latest/dependabot_alerts.json": {"records": records}}
    cfg = config(orgs=["acme", "beta"])
    known = previous_list_items(stored.get, cfg)
    assert known == {"dependabot_alerts": {"acme": 250}}
    plan = predict(Counts({"acme": OrgCount(10, 0), "beta": OrgCount(5, 0)}), cfg,
                   assumptions=Assumptions(org_list_items=known))
    assert plan["buckets"]["rest"]["dependabot_alerts"]["per_owner"] == {"acme": 3, "beta": 1}  # beta: none known
    assert plan["buckets"]["rest"]["code_scanning_alerts"]["per_owner"] == {"acme": 1, "beta": 1}  # assumed
    assert any("previous run" in a for a in plan["assumptions"])


def test_aws_cost_is_the_bench_pricing_of_the_predicted_counts():
    from bench import costs

    assert costs.run_cost is budget.run_cost  # moved, not copied
    plan = predict(Counts({"acme": OrgCount(1_000, 0)}), config(orgs=["acme"], batch_size=50, collectors={
        "repository_policy": False, "dependabot_alerts": False, "secret_scanning_alerts": False,
        "code_scanning_alerts": False}))
    aws = plan["aws"]
    # the bench's 1,000-repository run: 12 + 3 × 20 batches = 72 transitions, 9 + 2 × 20 PUTs, 4 + 5 × 20 GETs
    assert (aws["transitions"], aws["s3_put"], aws["s3_get"]) == (72, 49, 104)
    assert aws["cost_usd"]["sfn"] == pytest.approx(72 / 1000 * 0.025)
    assert aws["cost_usd"]["total"] == pytest.approx(sum(aws["cost_usd"][k] for k in
                                                         ("sfn", "lambda", "s3", "dynamodb", "eventbridge")), abs=1e-5)


def test_aggregates_tmp_above_the_included_512_mb_is_priced_per_gb_second():
    from ghstats import limits
    from ghstats.aws_prices import PRICES

    def cost(name, seconds):
        return budget.run_cost({"history": {"billable_transitions": 0}, "lambda_s": {name: {"n": 0, "sum": seconds}},
                                "aws_calls": {}})

    storage_mb = limits.FUNCTION_EPHEMERAL_STORAGE_MB["Aggregate"]
    aggregate, query = cost("Aggregate", 100.0), cost("QueryBatch", 100.0)
    assert aggregate["lambda_storage_gb_s"] == pytest.approx(100.0 * (storage_mb - 512) / 1024)
    assert query["lambda_storage_gb_s"] == 0  # a Lambda's 512 MB are included
    memory_only = 100.0 * limits.FUNCTION_MEMORY_MB["Aggregate"] / 1024 * PRICES["lambda_per_gb_s"]
    assert aggregate["lambda"] == pytest.approx(memory_only + aggregate["lambda_storage_gb_s"]
                                                * PRICES["lambda_ephemeral_per_gb_s"])
    assert aggregate["lambda"] - memory_only < memory_only / 100  # /tmp costs next to nothing beside memory


class FakeClient:
    """Answers the counting query from a table of orgs: totalCount of the listed and archived ones."""

    def __init__(self, orgs):
        self.orgs = orgs
        self.requests_made = self.points_used = 0
        self.classic_scopes = None
        self.documents = []

    def preflight(self):
        self.requests_made += 1
        self.points_used += 1

    def graphql(self, document):
        import re

        self.documents.append(document)
        self.requests_made += 1
        self.points_used += 1
        data = {}
        for alias, login in re.findall(r'(o\d+): organization\(login: "([^"]+)"\)', document):
            if login in self.orgs:
                listed, archived = self.orgs[login]
                data[alias] = {"repositories": {"totalCount": listed}, "archived": {"totalCount": archived}}
            else:
                data[alias] = None
        return SimpleNamespace(data=data)


def test_count_repositories_asks_one_aliased_query_per_50_orgs():
    orgs = {f"org{i}": (i, i // 2) for i in range(60)}
    client = FakeClient(orgs)
    counts = count_repositories(client, config(orgs=[*orgs, "gone"]))
    assert len(client.documents) == 2  # 50 orgs, then 11
    assert counts.orgs["org7"] == OrgCount(7, 3) and counts.missing == ["gone"]
    assert (counts.requests, counts.points) == (3, 3)
    assert Counts.from_dict(json.loads(json.dumps(counts.to_dict()))) == counts


def test_the_counting_query_carries_each_orgs_listing_filters():
    cfg = config(orgs=[{"name": "a", "include_forks": False}, {"name": "b", "include_archived": False}, "c"])
    query = count_query(list(cfg.orgs))
    assert 'o0: organization(login: "a") {\n    repositories(isFork: false) { totalCount }\n' \
           '    archived: repositories(isArchived: true, isFork: false) { totalCount }' in query
    assert 'o1: organization(login: "b") {\n    repositories(isArchived: false) { totalCount }\n  }' in query
    assert 'o2: organization(login: "c") {\n    repositories { totalCount }\n    archived: repositories(isArchived: true)' in query
    assert "nodes" not in query and "first" not in query  # counts only: no page is fetched


def test_count_repositories_can_leave_the_token_check_to_listrepos():
    client = FakeClient({"acme": (3, 0)})
    client.classic_scopes = frozenset({"repo", "read:org"})  # what ListRepos' preflight found
    counts = count_repositories(client, config(orgs=["acme"]), check_token=False)
    assert (counts.requests, counts.classic_scopes) == (1, ["read:org", "repo"])


def test_against_run_gives_each_figure_predicted_actual_and_error():
    plan = predict(Counts({"acme": OrgCount(250, 0)}), config(orgs=["acme"], batch_size=50))
    api = {"listing_requests": 4, "batch_requests": 5, "points_used": 40, "rest_requests": 4, "batches": 5,
           "org_items": 3}
    compared = against_run(plan, api)
    assert compared["graphql_requests"] == {"predicted": 9, "actual": 9, "error": 0.0}
    assert compared["graphql_points"] == {"predicted": 39, "actual": 40, "error": -0.025}
    assert compared["rest_requests"] == {"predicted": 3, "actual": 4, "error": -0.25}
    assert against_run(plan, {})["batches"] == {"predicted": 5, "actual": 0, "error": None}


def test_enterprise_server_hours_are_said_to_need_its_rate_limits_on():
    plan = predict(Counts({"acme": OrgCount(5, 0)}), parse_config({"orgs": ["acme"], "api_url": "https://ghe.example.com/api/v3"}))
    assert any("Enterprise Server" in a for a in plan["assumptions"])


def test_the_alert_lists_count_as_conditional_requests():
    # every alert page is asked with its ETag: a share answered 304 is free, off the REST hours
    counts = Counts({"acme": OrgCount(30, 0)})
    alerts = {"dependabot_alerts": True, "secret_scanning_alerts": True, "code_scanning_alerts": True}
    cfg = config(orgs=["acme"], collectors=alerts)
    known = {name: {"acme": 250} for name in alerts}  # 3 pages each, from the previous run's records
    cold = predict(counts, cfg, assumptions=Assumptions(org_list_items=known))
    warm = predict(counts, cfg, assumptions=Assumptions(org_list_items=known, not_modified_share=1.0))
    assert cold["rest_requests"] == warm["rest_requests"] == 9  # a 304 is still a request
    assert cold["hours"]["rest"] == round(9 / cold["limits"]["rest_requests_per_hour"], 3) and warm["hours"]["rest"] == 0
    assert any("answered 304" in said for said in cold["assumptions"])
