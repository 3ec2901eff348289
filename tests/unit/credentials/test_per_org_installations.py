"""Per-org App credentials ("installation_id": "per_org"): each owner's installation is looked up
with the App's JWT, cached, and carries that owner's work on its own token and budget."""

from __future__ import annotations

import threading

import pytest
import requests

from ghstats.github.app_auth import AppInstallations
from ghstats.github.client import GitHubClient
from ghstats.github.credentials import PER_ORG, SecretTokenProvider, for_owner
from ghstats.github.endpoints import Endpoints
from ghstats.github.errors import AppNotInstalled, GitHubAuthError, OrgNotFound

APP_ID = "424242"
INSTALLATIONS = {"acme": 11, "globex": 22, "octo-user": 33}


@pytest.fixture
def sim(make_sim, key_pair):
    sim = make_sim({"acme": 3, "globex": 2, "initech": 1}, apps={APP_ID: key_pair[1]}, installations=INSTALLATIONS,
                   oauth_scopes=None)
    sim.add_repo("octo-user", "dotfiles")
    return sim


def secret_provider(sim, key_pair, **secret):
    value = {"app_id": APP_ID, "installation_id": PER_ORG, "private_key": key_pair[0], **secret}
    return SecretTokenProvider("ghstats/github", Endpoints.from_api_url(sim.url), requests.Session(),
                               fetch=lambda name: value)


def rest_paths(sim):
    return [r.path for r in sim.requests if r.kind == "rest"]


def test_each_owner_is_looked_up_once_and_its_token_is_its_installations(sim, key_pair):
    # Given per-org App credentials in the secret
    provider = secret_provider(sim, key_pair)
    # When each org's work asks for its token, twice
    acme, globex = for_owner(provider, "acme"), for_owner(provider, "Globex")  # spelled as a config may
    tokens = {owner: tokens.token() for owner, tokens in (("acme", acme), ("globex", globex))}
    assert acme.token() == tokens["acme"] and globex.token() == tokens["globex"]
    # Then the two orgs have two different installation tokens
    assert tokens["acme"] != tokens["globex"]
    # and each owner's installation was looked up once, each installation's token bought once
    assert rest_paths(sim) == ["/orgs/acme/installation", "/app/installations/11/access_tokens",
                               "/orgs/Globex/installation", "/app/installations/22/access_tokens"]
    # and a client on acme's token reads acme, and spends installation 11's budget only
    client = GitHubClient(Endpoints.from_api_url(sim.url), acme)
    repos, _ = client.list_org_repos_page("acme", None)
    assert len(repos) == 3
    assert sim.installation_rate_limit(11).used == 1 and sim.installation_rate_limit(22).used == 0


def test_a_user_owner_is_looked_up_as_a_user(sim, key_pair):
    provider = secret_provider(sim, key_pair)
    assert for_owner(provider, "octo-user").token().startswith("ghs_")
    assert rest_paths(sim) == ["/orgs/octo-user/installation", "/users/octo-user/installation",
                               "/app/installations/33/access_tokens"]


def test_an_owner_without_the_app_is_an_org_error_naming_the_fix_and_is_not_cached(sim, key_pair):
    # Given an org the App is not installed on
    provider = secret_provider(sim, key_pair)
    client = GitHubClient(Endpoints.from_api_url(sim.url), for_owner(provider, "initech"))
    # When its repositories are listed
    with pytest.raises(AppNotInstalled) as raised:
        client.list_org_repos_page("initech", None)
    # Then the error is an OrgNotFound (the listing's org error) naming the org and the fix
    assert isinstance(raised.value, OrgNotFound)
    assert "not installed on 'initech'" in str(raised.value) and "install the App on initech" in str(raised.value)
    # and no GraphQL request was sent without a token
    assert sim.count(kind="graphql") == 0 and client.requests_made == 0
    # and once the App is installed there, the next ask finds it (a miss is not cached)
    sim.set_installation("initech", 44)
    assert for_owner(provider, "initech").token().startswith("ghs_")
    assert rest_paths(sim)[-1] == "/app/installations/44/access_tokens"


def test_secrets_never_reach_a_message_or_a_repr(sim, key_pair):
    provider = secret_provider(sim, key_pair)
    tokens = for_owner(provider, "acme")
    token = tokens.token()
    with pytest.raises(AppNotInstalled) as raised:
        for_owner(provider, "initech").token()
    installations = AppInstallations(APP_ID, key_pair[0], Endpoints.from_api_url(sim.url))
    shown = " ".join([str(raised.value), repr(raised.value), repr(provider), repr(tokens), repr(installations),
                      str(raised.value.failure.to_dict() if raised.value.failure else "")])
    assert token not in shown and key_pair[0] not in shown and "BEGIN" not in shown
    assert "Bearer" not in shown and "eyJ" not in shown  # no App JWT either


def test_a_bad_app_key_fails_the_lookup_as_an_auth_error(sim):
    from tests.conftest import new_key_pair

    stranger = new_key_pair()[0]
    provider = SecretTokenProvider("s", Endpoints.from_api_url(sim.url), requests.Session(),
                                   fetch=lambda name: {"app_id": APP_ID, "installation_id": PER_ORG, "private_key": stranger})
    with pytest.raises(GitHubAuthError, match="401") as raised:
        for_owner(provider, "acme").token()
    assert not isinstance(raised.value, AppNotInstalled)  # a bad key is every org's problem, not one org's


def test_owners_asking_at_once_look_up_once(sim, key_pair):
    provider = secret_provider(sim, key_pair)
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(for_owner(provider, "acme").token())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(got)) == 1 and rest_paths(sim).count("/orgs/acme/installation") == 1


def test_per_org_credentials_have_no_owner_less_token(sim, key_pair):
    with pytest.raises(GitHubAuthError, match="names none"):
        secret_provider(sim, key_pair).token()


@pytest.mark.parametrize("installation_id", ["auto", "", None, "per-org", True, 1.5])
def test_an_installation_id_that_is_neither_a_number_nor_per_org_is_named(sim, key_pair, installation_id):
    secret = {"app_id": APP_ID, "private_key": key_pair[0]}
    if installation_id is not None:
        secret["installation_id"] = installation_id
    provider = SecretTokenProvider("ghstats/github", Endpoints.from_api_url(sim.url), fetch=lambda name: secret)
    with pytest.raises(GitHubAuthError) as raised:
        for_owner(provider, "acme").token()
    assert "'installation_id'" in str(raised.value) and '"per_org"' in str(raised.value)
    assert key_pair[0] not in str(raised.value) and sim.count() == 0


@pytest.mark.parametrize("secret", [{"token": "github_pat_one"}, "fixed"])
def test_a_pat_or_a_fixed_installation_gives_every_owner_the_same_token(sim, key_pair, secret):
    value = secret if isinstance(secret, dict) else {"app_id": APP_ID, "installation_id": 11, "private_key": key_pair[0]}
    provider = SecretTokenProvider("s", Endpoints.from_api_url(sim.url), requests.Session(), fetch=lambda name: value)
    assert len({for_owner(provider, owner).token() for owner in ("acme", "globex", "initech", None)}) == 1
    assert "/orgs/acme/installation" not in rest_paths(sim)  # nothing looked up


def test_threads_reading_the_secret_at_once_keep_botocore_quiet_until_the_last_is_done():
    # ListRepos' threads may read the secret at once: the first one done must not turn botocore's
    # response-body logger back to DEBUG while another is still reading
    import logging

    from ghstats.secret_logging import WIRE_LOGGER, no_response_bodies_in_logs

    wire = logging.getLogger(WIRE_LOGGER)
    wire.setLevel(logging.DEBUG)
    try:
        first, second = no_response_bodies_in_logs(), no_response_bodies_in_logs()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert wire.level == logging.INFO  # the second read still going
        second.__exit__(None, None, None)
        assert wire.level == logging.DEBUG
    finally:
        wire.setLevel(logging.NOTSET)


@pytest.mark.parametrize("owner", ["../app/installations", "acme/x", "acme?x=1", ""])
def test_an_owner_that_is_no_account_name_is_never_put_into_a_lookup_url(sim, key_pair, owner):
    # (an owner comes from a stored batch or work item: S3 is not trusted with the URL path)
    with pytest.raises(GitHubAuthError, match="no GitHub account name"):
        for_owner(secret_provider(sim, key_pair), owner).token()
    assert sim.count() == 0


def test_a_client_says_whose_installation_and_so_whose_budget_it_spends(sim, key_pair):
    # per-org: each owner's installation, looked up without buying a token; none for an owner without the App
    provider = secret_provider(sim, key_pair)
    endpoints = Endpoints.from_api_url(sim.url)
    assert [GitHubClient(endpoints, for_owner(provider, o)).installation_id() for o in ("acme", "globex", "octo-user")] \
        == ["11", "22", "33"]
    with pytest.raises(AppNotInstalled, match="initech"):
        GitHubClient(endpoints, for_owner(provider, "initech")).installation_id()
    assert not any(path.endswith("/access_tokens") for path in rest_paths(sim))
    # a fixed installation: that one for every owner; a PAT: none
    fixed = {"app_id": APP_ID, "installation_id": " 11", "private_key": key_pair[0]}
    for value, expected in ((fixed, "11"), ({"token": "github_pat_one"}, None)):
        provider = SecretTokenProvider("s", endpoints, requests.Session(), fetch=lambda name, value=value: value)
        assert {GitHubClient(endpoints, for_owner(provider, o)).installation_id() for o in ("acme", None)} == {expected}
