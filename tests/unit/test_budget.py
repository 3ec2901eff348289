"""ghstats.collect.budget: the prediction's arithmetic against hand-computed numbers."""

from __future__ import annotations

import json
from dataclasses import replace
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
    org_errors = plan["repositories"].pop("org_errors")
    assert plan["repositories"] == {"total": 250, "by_owner": {"acme": 249, "beta": 0, "octo": 1},
                                    "named_outside_orgs": 1, "archived": 10, "orgs_not_found": ["gone"],
                                    "repository_errors": {}}
    # and the org GitHub did not find is errors.json's entry, as the run will write it
    assert [(e["org"], e["type"]) for e in org_errors] == [("gone", "ORG_NOT_FOUND")] and "spelling" in org_errors[0]["fix"]
    # planning and listing: the token check + the counting query (the three orgs) + 3 pages (acme)
    # + 1 (beta, empty) + 1 failed page (gone), 1 point each
    assert plan["buckets"]["graphql_listing"] == {"requests": 7, "points": 7, "pages": 4, "planning_requests": 2}
    # batches, per owner (a batch never mixes owners): acme's 249 = 4 of 50 × 14 connections
    # (stats 8 + policy 6) = 700 -> 7 points, and one of 49 (686 -> 7); octo's 1 (14 -> at least 1)
    assert plan["points_per_batch"] == 7
    assert plan["buckets"]["graphql_batches"] == {"requests": 6, "points": 36, "batches": 6}
    assert plan["graphql"] == {"requests": 13, "points": 43}
    # REST: the three alert collectors (on by default) walk 1 page of each org found
    rest = plan["buckets"]["rest"]
    assert set(rest) == {"dependabot_alerts", "secret_scanning_alerts", "code_scanning_alerts"}
    assert all(entry["requests"] == 2 and entry["per_owner"] == {"acme": 1, "beta": 1} for entry in rest.values())
    assert (plan["rest_requests"], plan["requests"], plan["org_items"]) == (6, 19, 6)
    # hours at a PAT's 5,000 points and 5,000 REST requests an hour
    assert plan["hours"] == {"graphql": 0.009, "rest": 0.001, "run": 0.009, "rate_limit_waits": 0}
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
    # 1 token check + 1 counting query + 1,200 listing pages; 1,200 batches of 100 × 8 = 800 -> 8 points
    assert plan["graphql"] == {"requests": 2_402, "points": 1_202 + 9_600}
    assert plan["hours"]["graphql"] == round(10_802 / 5_000, 3)
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
    # a 1,000-repository run of one org: 11 + 6 (its owner) + 3 × 20 batches = 77 transitions;
    # 14 + 5 + 2 × 20 PUTs (and a CopyObject); 43 + 5 + 5 × 20 GETs (and a HeadObject)
    assert (aws["transitions"], aws["s3_put"], aws["s3_get"]) == (77, 13 + 1 + 5 + 40, 42 + 1 + 5 + 100)
    assert aws["cost_usd"]["sfn"] == pytest.approx(77 / 1000 * 0.025)
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


def test_the_run_asks_again_what_counting_asked_before_it_lists():
    # the workflow's planning step sends the same token check and counting queries as `ghstats
    # plan` (one query per 50 orgs of a credential; per-org installations: one per installation),
    # then lists
    sixty = [f"org{i}" for i in range(60)]
    counted = Counts({org: OrgCount(1, 0) for org in sixty})
    listing = predict(counted, config(orgs=sixty))["buckets"]["graphql_listing"]
    assert listing == {"requests": 1 + 2 + 60, "points": 1 + 2 + 60, "pages": 60, "planning_requests": 3}
    per_org = Counts(counted.orgs, installations={str(i): [org] for i, org in enumerate(sixty)})
    assert predict(per_org, config(orgs=sixty))["buckets"]["graphql_listing"]["planning_requests"] == 1 + 60


def test_against_run_gives_each_figure_predicted_actual_and_error():
    plan = predict(Counts({"acme": OrgCount(250, 0)}), config(orgs=["acme"], batch_size=50))
    api = {"listing_requests": 5, "batch_requests": 5, "points_used": 40, "rest_requests": 4, "batches": 5,
           "org_items": 3}
    compared = against_run(plan, api)
    assert compared["graphql_requests"] == {"predicted": 10, "actual": 10, "error": 0.0}
    assert compared["graphql_points"] == {"predicted": 40, "actual": 40, "error": 0.0}
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


def test_aggregate_is_priced_at_the_memory_it_is_deployed_with():
    # Given a run of 10,000 repositories (Aggregate's seconds grow with them)
    counts, cfg = Counts({"acme": OrgCount(10_000, 0)}), config(orgs=["acme"], batch_size=50)
    default = predict(counts, cfg)["aws"]
    # When Aggregate is deployed with 10,240 MB instead of the default 3,008
    bigger = predict(counts, cfg, aggregate_memory_mb=10_240)
    aws = bigger["aws"]
    # Then only its GB-seconds grow, by its seconds times the added memory
    aggregate_s = budget.SECONDS_AGGREGATE + 10_000 * budget.SECONDS_AGGREGATE_PER_REPOSITORY
    assert (default["aggregate_memory_mb"], aws["aggregate_memory_mb"]) == (3_008, 10_240)
    assert aws["lambda_gb_s"] == pytest.approx(default["lambda_gb_s"] + aggregate_s * (10_240 - 3_008) / 1024, abs=2e-3)
    assert aws["cost_usd"]["lambda"] > default["cost_usd"]["lambda"] and aws["cost_usd"]["total"] > default["cost_usd"]["total"]
    assert (aws["transitions"], aws["s3_put"], aws["cost_usd"]["sfn"]) == (default["transitions"], default["s3_put"],
                                                                        default["cost_usd"]["sfn"])
    assert any("Aggregate at 10,240 MB" in said for said in bigger["assumptions"])
    # and None is the stack's default, as the bench prices a run
    assert predict(counts, cfg, aggregate_memory_mb=None)["aws"] == default
    assert budget.run_cost({"history": {"billable_transitions": 0}, "lambda_s": {"Aggregate": {"n": 1, "sum": 1024}},
                            "aws_calls": {}}, {"Aggregate": 2048})["lambda_gb_s"] == 2048


def test_each_installation_pays_its_own_owners_work_and_the_run_takes_the_slowest_ones_hours():
    # Given per-org App installations: 60,000 repositories on one, 1,000 on the other
    counts = Counts({"big": OrgCount(60_000, 0), "small": OrgCount(1_000, 0)}, installations={"1": ["big"], "2": ["small"]})
    cfg = config(orgs=["big", "small"], batch_size=100, collectors=ONLY_STATS)
    plan = predict(counts, cfg)
    big, small = plan["installations"]["1"], plan["installations"]["2"]
    # Then big's installation pays the token check (the first owner's), its counting query, its 600
    # pages and its 600 batches of 100 x 8 connections (8 points); small's its counting query, its
    # 10 pages and 10 batches
    assert (big["graphql"], small["graphql"]) == ({"requests": 1 + 1 + 600 + 600, "points": 1 + 1 + 600 + 4_800},
                                                  {"requests": 1 + 20, "points": 1 + 10 + 80})
    # each at its own hourly limit: 5,000 + 50 per repository above 20, at most 12,500
    assert (big["limits"]["graphql_points_per_hour"], small["limits"]["graphql_points_per_hour"]) == (12_500, 12_500)
    assert (big["hours"]["graphql"], small["hours"]["graphql"]) == (round(5_402 / 12_500, 3), round(91 / 12_500, 3))
    # and the run needs the slowest installation's hours, not the sum's: no window to wait out
    assert plan["hours"] == {**big["hours"], "installation": "1"} and plan["hours"]["rate_limit_waits"] == 0
    assert plan["graphql"] == {"requests": 1_223, "points": 5_493}  # the totals are every installation's
    # where one token pays for both, 5,492 points at 5,000 an hour wait out one window
    one = predict(Counts(counts.orgs), cfg)
    assert one["installations"] == {} and one["hours"]["rate_limit_waits"] == 1 and "installation" not in one["hours"]
    assert credential_limits("app", 21).graphql_points_per_hour == budget.APP_BASE_PER_HOUR + budget.APP_PER_REPOSITORY


def test_an_owner_without_the_app_sends_nothing_and_is_the_runs_error():
    not_installed = {owner: {"org": owner, "type": "APP_NOT_INSTALLED", "github": "Not Found", "fix": f"install on {owner}"}
                     for owner in ("initech", "octo")}
    counts = Counts({"acme": OrgCount(150, 0)}, missing=["initech"], installations={"7": ["acme"]},
                    not_installed=not_installed)
    cfg = config(orgs=["acme", "initech"], repos=["octo/x"], batch_size=50,
                 collectors={"security_settings": True, "code_scanning_alerts": False, "secret_scanning_alerts": False})
    plan = predict(counts, cfg)
    # initech: no count, no page (no token to ask with), no work item; octo's repository: its batch
    # and its security_settings work item are planned, and send nothing
    assert plan["buckets"]["graphql_listing"] == {"requests": 1 + 1 + 2, "points": 4, "pages": 2, "planning_requests": 2}
    assert plan["buckets"]["graphql_batches"]["batches"] == 3 + 1 and plan["buckets"]["graphql_batches"]["requests"] == 3
    assert plan["buckets"]["rest"]["security_settings"]["per_owner"] == {"acme": 150, "octo": 0}
    assert plan["buckets"]["rest"]["dependabot_alerts"]["per_owner"] == {"acme": 1}
    assert plan["org_items"] == 1 + 2
    assert plan["repositories"]["org_errors"] == [not_installed["initech"]]
    assert plan["repositories"]["repository_errors"] == {"octo/x": "APP_NOT_INSTALLED"}
    assert list(plan["installations"]) == ["7"] and plan["installations"]["7"]["rest_requests"] == 151
    assert Counts.from_dict(json.loads(json.dumps(counts.to_dict()))) == counts


class InstallationClient(FakeClient):
    """A FakeClient of one installation: it sees only its own orgs."""

    def __init__(self, installation, orgs):
        super().__init__(orgs)
        self.installation = installation

    def installation_id(self):
        return self.installation


class ClientsPerOwner:
    """The run's clients per owner (`for_owner`: the factory PlanRun and `ghstats plan` pass), per-org installations."""

    def __init__(self, clients, app_id="9"):
        self.clients, self.asked = clients, []
        self.app_id = app_id

    def for_owner(self, owner):
        self.asked.append(owner)
        if owner not in self.clients:
            return NotInstalled(owner, self.app_id)
        return self.clients[owner]


class NotInstalled(FakeClient):
    def __init__(self, owner, app_id):
        super().__init__({})
        self.owner, self.app_id = owner, app_id

    def installation_id(self):
        from ghstats.github.errors import AppNotInstalled

        raise AppNotInstalled(self.owner, self.app_id)

    def preflight(self):
        self.installation_id()


def test_count_repositories_counts_each_org_with_its_installations_client():
    one, two = InstallationClient("1", {"acme": (130, 5)}), InstallationClient("2", {"globex": (60, 0), "umbrella": (3, 0)})
    clients = ClientsPerOwner({"acme": one, "globex": two, "umbrella": two, "octo": InstallationClient("3", {})})
    # initech first: the App is not installed there, so the token check is acme's (as the run's)
    counts = count_repositories(clients.for_owner, config(orgs=["initech", "acme", "globex", "umbrella"], repos=["octo/x"]))
    assert counts.installations == {"1": ["acme"], "2": ["globex", "umbrella"], "3": ["octo"]}
    assert list(counts.not_installed) == ["initech"] and counts.not_installed["initech"]["type"] == "APP_NOT_INSTALLED"
    assert counts.missing == ["initech"]
    assert counts.orgs == {"acme": OrgCount(130, 5), "globex": OrgCount(60, 0), "umbrella": OrgCount(3, 0)}
    # one counting query per installation, with its client; the token check on acme's
    assert (len(one.documents), len(two.documents)) == (1, 1) and one.requests_made == 2
    assert 'login: "globex"' in two.documents[0] and 'login: "umbrella"' in two.documents[0]
    assert (counts.requests, counts.points) == (3, 3)


def test_the_etag_cache_and_the_previous_runs_share_give_the_304s():
    # Given what the previous run left: acme's dependabot alerts in 3 cached pages of 4 (a full
    # last page is not cached), none for globex (a first walk); and in that run, of 10 requests
    # sent with an ETag, GitHub answered 8 with 304
    cfg = config(orgs=["acme", "globex"], collectors={"dependabot_alerts": True, "code_scanning_alerts": False,
                                                      "secret_scanning_alerts": False}, batch_size=50)
    stored = {
        "latest/dependabot_alerts.json": {"records": {f"k{i}": {"repository": f"acme/r{i % 9}"} for i in range(400)}},
        "state/dependabot_alerts/etags/acme.json": {"api_url": API, "pages": {f"p{i}": {"etag": "x"} for i in range(3)}},
        "state/dependabot_alerts/etags/globex.json": {"api_url": "https://ghe.example.com/api/v3",  # another API's
                                                      "pages": {"p": {"etag": "y"}}},
        "latest/dependabot_alerts.run.json": {"run_id": "r1", "started_at": "2026-01-01T00:00:00Z"},
        "runs/r1/summary.json": {"api": {"rest_by_collector": {"dependabot_alerts": {
            "requests": 12, "with_etag": 10, "not_modified": 8}}}},
    }
    assumptions = budget.from_previous_run(stored.get, cfg, Assumptions(teams_per_org=3))
    assert assumptions.etag_pages == {"dependabot_alerts": {"acme": 3}} and assumptions.teams_per_org == 3
    assert assumptions.unchanged_share == {"dependabot_alerts": 0.8}
    counts = Counts({"acme": OrgCount(9, 0), "globex": OrgCount(1, 0)})
    plan = predict(counts, cfg, assumptions=assumptions)
    # Then acme's 4 pages are sent, 3 cached x 80% = 2 answered 304; globex's 1 page is counted
    assert plan["buckets"]["rest"]["dependabot_alerts"] == {"requests": 5, "not_modified": 2, "work_items": 2,
                                                             "per_owner": {"acme": 4, "globex": 1}}
    assert (plan["rest_requests"], plan["rest_not_modified"], plan["rest_counted"]) == (5, 2, 3)
    assert plan["hours"]["rest"] == round(3 / 5_000, 3)
    assert any("dependabot_alerts 80%" in said and "etags" in said for said in plan["assumptions"])
    # and without the previous run's share, every cached page is taken as unchanged
    unknown = replace(assumptions, unchanged_share={})
    assert predict(counts, cfg, assumptions=unknown)["rest_not_modified"] == 3
    # and a collection's first run (no cache at all) predicts none free
    first = budget.from_previous_run({}.get, cfg)
    assert first.etag_pages == {"dependabot_alerts": {}} and predict(counts, cfg, assumptions=first)["rest_not_modified"] == 0
    # and the run is held to sent, free and counted alike
    compared = against_run(plan, {"rest_requests": 5, "rest_not_modified": 3})
    assert compared["rest_not_modified"] == {"predicted": 2, "actual": 3, "error": round(-1 / 3, 4)}
    assert compared["rest_counted"] == {"predicted": 3, "actual": 2, "error": 0.5}
    assert compared["rest_requests"]["error"] == 0.0
    # a prediction stored before the 304s were predicted is held as predicting none
    old = {k: v for k, v in plan.items() if k not in ("rest_not_modified", "rest_counted")}
    assert against_run(old, {"rest_requests": 5, "rest_not_modified": 3})["rest_counted"]["predicted"] == 5


def test_the_previous_runs_teams_give_each_orgs_team_lists():
    # Given the previous run's teams records: 5 teams in acme (and their repository permissions)
    records = {f"acme#t{i}": {"kind": "team", "org": "Acme", "slug": f"t{i}"} for i in range(5)}
    records.update({f"acme/r#t{i}": {"kind": "team_repository", "org": "Acme"} for i in range(7)})
    stored = {"latest/teams.json": {"records": records}}
    cfg = config(orgs=["acme", "beta"], collectors={"teams": True})
    assumptions = budget.from_previous_run(stored.get, cfg, Assumptions(teams_per_org=2))
    assert assumptions.org_teams == {"acme": 5}
    plan = predict(Counts({"acme": OrgCount(10, 0), "beta": OrgCount(5, 0)}), cfg, assumptions=assumptions)
    # Then acme's walk is its teams page and 3 lists per team; beta, not collected before, the flat 2
    assert plan["buckets"]["rest"]["teams"]["per_owner"] == {"acme": 1 + 5 * 3, "beta": 1 + 2 * 3}
    assert any("previous run's records" in said and "teams" in said for said in plan["assumptions"])
    # and with teams off (the default) nothing is read for them
    off = config(orgs=["acme"])
    assert budget.previous_teams(stored.get, off) == {}


def test_the_previous_runs_documents_are_read_a_line_at_a_time():
    from ghstats.collect.aggregate import document_header, document_lines

    # Given latest/teams.json and latest/dependabot_alerts.json as Aggregate writes them (a record a line)
    teams = {f"acme#t{i}": {"kind": "team", "org": "acme"} for i in range(4)}
    teams.update({f"acme/r{i}#t0": {"kind": "team_repository", "org": "acme"} for i in range(50)})
    alerts = {f"a{i}": {"repository": "acme/r1"} for i in range(150)}
    documents = {f"latest/{name}.json": "".join(document_lines(document_header("r1", len(records), "t", 1), "records", records))
                 for name, records in (("teams", teams), ("dependabot_alerts", alerts))}
    read = []

    def get_lines(key):
        read.append(key)
        return iter(documents[key].splitlines(keepends=True)) if key in documents else None

    def get_json(key):  # the whole document is never parsed when it can be read by line
        if key in documents:
            raise AssertionError(f"{key} parsed whole")
        return None

    cfg = config(orgs=["acme"], collectors={"teams": True})
    assumptions = budget.from_previous_run(get_json, cfg, get_lines=get_lines)
    assert assumptions.org_teams == {"acme": 4}
    assert assumptions.org_list_items["dependabot_alerts"] == {"acme": 150}
    assert {"latest/teams.json", "latest/dependabot_alerts.json"} <= set(read)
