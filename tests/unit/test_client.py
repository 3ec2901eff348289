"""The GitHub client against the simulator: listing, batching, every fault class, economy."""

from __future__ import annotations

import logging

import pytest

from ghstats.collectors import REGISTRY
import requests

from ghstats.collect.batch import collect_batch
from ghstats.collectors import INVENTORY_COLLECTOR as STATS
from ghstats.collect.planning import ListingProgress, list_owner, owner_in, plan_owner, planned_batch_size
from ghstats.config import parse_config
from ghstats.github.auth import StaticTokenProvider
from ghstats.github.client import GitHubClient
from ghstats.github.endpoints import Endpoints
from ghstats.github.errors import (
    GitHubAuthError,
    GitHubQueryError,
    GitHubRateLimited,
    GitHubServerError,
    OrgNotFound,
)
from ghstats_cli.verify import mismatches
from tests.conftest import TOKEN


@pytest.fixture
def sim(make_sim):
    return make_sim({"acme": 250, "globex": 1000, "empty-co": 0})


def plan_one_owner(client, config, owner):
    """ListRepos' plan of one owner, without the ledger and the bucket: its listing, then its batches."""
    spec = owner_in(config, owner)
    progress = None
    if spec.org is not None:
        progress = ListingProgress.resume(None, config.api_url, spec.org)
        list_owner(client, spec.org, progress)
    return plan_owner(spec, progress, planned_batch_size(config)[0], progress.spent(client) if progress else (0, 0))


# Short enough that the "slow" fault (3 s) times out; tests that count requests use COUNTING, so
# that a loaded machine answering a 1,000-repository listing late does not make them retry.
COUNTING = (5.0, 60.0)


def client_for(sim, token=TOKEN, timeout=(2.0, 2.0)):
    return GitHubClient(Endpoints.from_api_url(sim.url), StaticTokenProvider(token), session=requests.Session(), timeout=timeout)


def list_all(client, org, **filters):
    """Every repository of `org`, page after page (ListRepos does the same across invocations)."""
    repos, after = [], None
    while True:
        page, after = client.list_org_repos_page(org, after, **filters)
        repos.extend(page)
        if after is None:
            return repos


def test_endpoints_for_github_com_and_enterprise_server():
    assert Endpoints.from_api_url() == Endpoints("https://api.github.com", "https://api.github.com/graphql")
    assert Endpoints.from_api_url("https://ghe.example.com/api/v3/") == Endpoints(
        "https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql")


def test_listing_paginates_every_repo_once(sim):
    client = client_for(sim, timeout=COUNTING)
    listed = list_all(client, "acme")
    assert sorted(r.key for r in listed) == sorted(r.name_with_owner for r in sim.dataset.repos("acme"))
    assert client.requests_made == 3


def test_listing_filters_archived_and_forks(sim):
    listed = list_all(client_for(sim), "acme", include_archived=False, include_forks=False)
    truth = {r.name_with_owner for r in sim.dataset.repos("acme") if not r.is_archived and not r.is_fork}
    assert {r.key for r in listed} == truth and len(truth) < 250


def test_missing_org(sim):
    with pytest.raises(OrgNotFound, match="'nope'") as caught:
        client_for(sim).list_org_repos_page("nope", None)
    # the dead letter says which org's listing failed, and GitHub's answer
    failure = caught.value.failure
    assert failure.variables == {"login": "nope", "after": None}
    assert failure.status == 200 and "NOT_FOUND" in failure.body and "organization(login" in failure.query


def test_listing_failure_names_the_org_and_the_cursor(sim):
    from simulator import Fault

    sim.add_fault(Fault("bad_gateway_json", on_request=2))  # the second page
    with pytest.raises(GitHubServerError) as caught:
        list_all(client_for(sim), "acme")
    variables = caught.value.failure.variables
    assert variables["login"] == "acme" and isinstance(variables["after"], str) and variables["after"]
    assert caught.value.failure.status == 502


def test_empty_org(sim):
    assert client_for(sim).list_org_repos_page("empty-co", None) == ([], None)


def test_thousand_repos_cost_exactly_pages_plus_batches(sim):
    client = client_for(sim, timeout=COUNTING)
    config = parse_config({"orgs": ["globex"], "batch_size": 50, "api_url": sim.url})
    client.preflight()  # PlanRun's token check
    plan = plan_one_owner(client, config, "globex")
    for keys in plan.batches.values():
        outcome = collect_batch(client, keys, [STATS])
        assert not outcome.errors and mismatches(outcome.records["repository_stats"], sim.dataset) == []
    assert client.requests_made == 1 + 10 + 20  # preflight + listing pages + batches
    assert sim.count(kind="graphql") == 31
    assert client.points_used == sim.points_used()


def test_excludes_dedupe_and_named_repos(sim):
    acme = sorted(r.name_with_owner for r in sim.dataset.repos("acme"))
    config = parse_config({"orgs": [{"name": "acme", "exclude": [acme[0], "not-there"]}],
                           "repos": [acme[5].upper(), "globex/" + sim.dataset.repos("globex")[0].name], "api_url": sim.url})
    acme_plan = plan_one_owner(client_for(sim), config, "acme")
    globex_plan = plan_one_owner(client_for(sim), config, "globex")  # a named repository's own owner: not listed
    assert len(acme_plan.repos) == 250 - 1 and globex_plan.repos == [config.repos[1]]
    assert acme[0] not in acme_plan.repos and acme[5] in acme_plan.repos  # listed, and named: once
    assert any("not-there" in w for w in acme_plan.warnings)


def test_alias_errors_keep_the_rest(sim):
    from simulator import Fault

    keys = [r.name_with_owner for r in sim.dataset.repos("acme")[:5]]
    sim.add_fault(Fault("forbidden", repo=keys[1]))
    sim.delete_repo(keys[2])
    outcome = collect_batch(client_for(sim), keys + ["acme/never-existed"], [STATS])
    assert set(outcome.records["repository_stats"]) == {keys[0], keys[3], keys[4]}
    assert {k: e["type"] for k, e in outcome.errors.items()} == {
        keys[1]: "FORBIDDEN", keys[2]: "NOT_FOUND", "acme/never-existed": "NOT_FOUND"}


def test_renamed_repo_is_found_under_its_old_name(sim):
    key = sim.dataset.repos("acme")[7].name_with_owner
    sim.rename_repo(key, "brand-new-name")
    outcome = collect_batch(client_for(sim), [key], [STATS])
    assert outcome.records["repository_stats"][key]["name_with_owner"] == "acme/brand-new-name"


@pytest.mark.parametrize("fault, error, wait", [
    (dict(kind="rate_limited"), GitHubRateLimited, None),
    (dict(kind="rate_limit_new"), GitHubRateLimited, None),
    (dict(kind="secondary_403", retry_after=33), GitHubRateLimited, 33),
    (dict(kind="secondary_429", retry_after=7), GitHubRateLimited, 7),
    (dict(kind="secondary_graphql"), GitHubRateLimited, 60),
    (dict(kind="bad_gateway_json"), GitHubServerError, None),
    (dict(kind="bad_gateway_html"), GitHubServerError, None),
    (dict(kind="malformed_json"), GitHubServerError, None),
    (dict(kind="drop_connection"), GitHubServerError, None),
    (dict(kind="slow", delay_s=3.0), GitHubServerError, None),
    (dict(kind="unauthorized"), GitHubAuthError, None),
])
def test_every_fault_maps_to_its_error(sim, fault, error, wait):
    from simulator import Fault

    sim.add_fault(Fault(fault.pop("kind"), on_request=1, **fault))
    keys = [r.name_with_owner for r in sim.dataset.repos("acme")[:3]]
    with pytest.raises(error) as caught:
        client_for(sim).query_batch(keys, [REGISTRY["repository_stats"].fragment()])
    if wait is not None:
        assert caught.value.wait_seconds == wait
    if error is GitHubRateLimited:
        assert 1 <= caught.value.wait_seconds <= 3600
    assert caught.value.failure is not None


def test_primary_budget_exhaustion_waits_until_reset(sim):
    sim.set_budget(TOKEN, remaining=0, reset_in=120)
    with pytest.raises(GitHubRateLimited) as caught:
        client_for(sim).preflight()
    assert 100 <= caught.value.wait_seconds <= 122


def test_split_on_502_down_to_the_bad_repo(sim):
    from simulator import Fault

    keys = [r.name_with_owner for r in sim.dataset.repos("acme")[:8]]
    sim.add_fault(Fault("bad_gateway_json", on_request=1))
    outcome = collect_batch(client_for(sim), keys, [STATS])
    assert set(outcome.records["repository_stats"]) == set(keys) and outcome.splits == 1
    sim.clear_faults()
    sim.reset_records()
    sim.add_fault(Fault("bad_gateway_html", repo=keys[5], times=None))
    with pytest.raises(GitHubServerError):
        collect_batch(client_for(sim), keys, [STATS])
    assert sim.count(kind="graphql") <= 2 * len(keys) - 1


def test_invalid_query_is_a_query_error(sim):
    with pytest.raises(GitHubQueryError, match="nope"):
        client_for(sim).graphql("query { viewer { nope } }")


def test_bad_token_is_an_auth_error_and_never_leaks(sim, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "ghp_this_token_is_revoked_0123456789"
    with pytest.raises(GitHubAuthError) as caught:
        client_for(sim, token=secret).preflight()
    assert secret not in str(caught.value) and secret not in repr(caught.value.failure.to_dict())
    assert secret not in caplog.text


def test_a_revoked_pat_raises_without_sending_the_request_again(sim):
    # A PAT's provider cannot refresh it: the same token would be refused again
    from ghstats.github.auth import EnvTokenProvider

    client = GitHubClient(Endpoints.from_api_url(sim.url), EnvTokenProvider(environ={"GITHUB_TOKEN": TOKEN}))
    client.preflight()
    sim.revoke_token(TOKEN)
    with pytest.raises(GitHubAuthError, match="401"):
        client.list_org_repos_page("acme", None)
    assert client.requests_made == sim.count(kind="graphql") == 2
    assert sim.count(kind="graphql", status=401) == 1


@pytest.mark.parametrize("scopes", ["read:org", "public_repo, read:org", ""])
def test_classic_token_without_repo_scope_fails_the_preflight(make_sim, scopes, caplog):
    caplog.set_level(logging.DEBUG)
    sim = make_sim({"acme": 3}, oauth_scopes=scopes)
    with pytest.raises(GitHubAuthError, match="lacks the 'repo' scope") as caught:
        client_for(sim).preflight()
    assert "private repositories would be missing" in str(caught.value)
    assert caught.value.failure.headers["x-oauth-scopes"] == scopes
    assert sim.count() == 1  # nothing after the preflight
    assert TOKEN not in str(caught.value) + repr(caught.value.failure.to_dict()) + caplog.text


@pytest.mark.parametrize("scopes", [None, "repo, read:org"])
def test_fine_grained_app_or_repo_scoped_tokens_pass_the_preflight(make_sim, scopes):
    sim = make_sim({"acme": 3}, oauth_scopes=scopes)  # None: fine-grained and App tokens send no scopes
    client = client_for(sim)
    client.preflight()  # does not raise
    assert len(list_all(client, "acme")) == 3


def test_a_conditional_rest_get_answered_304_is_free_and_says_not_modified(sim):
    client = client_for(sim)
    repo = sim.dataset.repos("acme")[0].name_with_owner
    first = client.rest_page(f"repos/{repo}/traffic/views", {"per": "day"}, single_object=True)
    assert len(first.items) == 1 and len(first.items[0]["views"]) == 14 and first.etag
    used = sim.rate_limit(TOKEN, "core").used
    again = client.rest_page(f"repos/{repo}/traffic/views", {"per": "day"}, single_object=True, etag=first.etag)
    assert again.not_modified and again.items == []
    assert sim.rate_limit(TOKEN, "core").used == used  # GitHub does not count a 304
    stale = client.rest_page(f"repos/{repo}/traffic/views", {"per": "day"}, single_object=True, etag='W/"other"')
    assert not stale.not_modified and stale.items == first.items


def test_an_object_where_a_list_is_expected_and_the_reverse_are_server_errors(sim):
    client = client_for(sim)
    repo = sim.dataset.repos("acme")[0].name_with_owner
    with pytest.raises(GitHubServerError, match="not a list"):
        client.rest_page(f"repos/{repo}/traffic/views")
    with pytest.raises(GitHubServerError, match="not an object"):
        client.rest_page(f"repos/{repo}/traffic/popular/paths", single_object=True)
