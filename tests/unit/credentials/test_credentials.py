"""Credentials: a PAT or a GitHub App installation token from the secret; never leaked."""

from __future__ import annotations

import time

import pytest
import requests

from ghstats import limits
from ghstats.github.app_auth import GitHubAppTokenProvider
from ghstats.github.auth import EnvTokenProvider, MissingToken
from ghstats.github.client import GitHubClient
from ghstats.github.credentials import SecretTokenProvider, token_provider
from ghstats.github.endpoints import Endpoints
from ghstats.github.errors import GitHubAuthError
from tests.conftest import new_key_pair

APP_ID = "424242"


@pytest.fixture
def sim(make_sim, key_pair):
    return make_sim({"acme": 3}, apps={APP_ID: key_pair[1]})


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


def test_app_token_is_exchanged_once_and_works(sim, key_pair):
    provider = GitHubAppTokenProvider(APP_ID, "99", key_pair[0], Endpoints.from_api_url(sim.url), requests.Session())
    first = provider.token()
    assert first and provider.token() == first
    assert sim.count(kind="rest") == 1
    client = GitHubClient(Endpoints.from_api_url(sim.url), provider)
    repos, after = client.list_org_repos_page("acme", None)
    assert len(repos) == 3 and after is None
    assert first not in repr(provider)


@pytest.mark.parametrize("lost", ["expired", "revoked"])
def test_a_run_goes_on_when_github_stops_accepting_the_installation_token(make_sim, key_pair, lost):
    # Given an App installation token that GitHub stops accepting while ours still looks valid
    # (GitHub's clock ran past its hour, or the token was revoked)
    github_clock = Clock(time.time())
    sim = make_sim({"acme": 250}, apps={APP_ID: key_pair[1]}, clock=github_clock, oauth_scopes=None)
    provider = GitHubAppTokenProvider(APP_ID, "99", key_pair[0], Endpoints.from_api_url(sim.url), requests.Session())
    client = GitHubClient(Endpoints.from_api_url(sim.url), provider)
    first, after = client.list_org_repos_page("acme", None)
    if lost == "expired":
        github_clock.t += 3600 + 1
    else:
        sim.revoke_token(provider.token())
    # When the listing goes on
    second, after = client.list_org_repos_page("acme", after)
    third, after = client.list_org_repos_page("acme", after)
    # Then the 401 bought one new installation token and the page was sent once more with it
    assert after is None
    assert sorted(r.key for r in first + second + third) == sorted(r.name_with_owner for r in sim.dataset.repos("acme"))
    assert sim.count(kind="rest") == 2
    assert sim.count(kind="graphql", status=401) == 1
    assert client.requests_made == sim.count(kind="graphql") == 3 + 1


def test_a_second_401_after_a_fresh_installation_token_raises(make_sim, key_pair):
    from simulator import Fault

    sim = make_sim({"acme": 3}, apps={APP_ID: key_pair[1]}, oauth_scopes=None)
    sim.add_fault(Fault("unauthorized", on_request=1, times=2))
    provider = GitHubAppTokenProvider(APP_ID, "99", key_pair[0], Endpoints.from_api_url(sim.url), requests.Session())
    client = GitHubClient(Endpoints.from_api_url(sim.url), provider)
    with pytest.raises(GitHubAuthError, match="401"):
        client.list_org_repos_page("acme", None)
    assert client.requests_made == sim.count(kind="graphql", status=401) == sim.count(kind="graphql") == 2
    assert sim.count(kind="rest") == 2  # the first installation token and the fresh one, no more


class FakeExchange:
    """Answers the installation-token endpoint with tokens that expire one hour after `clock`."""

    def __init__(self, clock):
        self.clock, self.calls, self.jwts = clock, [], []

    def post(self, url, headers, timeout):
        import jwt as pyjwt
        from datetime import datetime, timezone

        app_jwt = headers["Authorization"].split()[1]
        claims = pyjwt.decode(app_jwt, options={"verify_signature": False})
        self.calls.append((url, claims))
        self.jwts.append(app_jwt)
        response = requests.Response()
        response.status_code = 201
        expires = datetime.fromtimestamp(self.clock() + 3600, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        response._content = ('{"token": "ghs_%d", "expires_at": "%s"}' % (len(self.calls), expires)).encode()
        return response


def test_app_token_is_renewed_before_it_expires(key_pair):
    clock = Clock(1_800_000_000.0)
    exchange = FakeExchange(clock)
    provider = GitHubAppTokenProvider(APP_ID, "99", key_pair[0], Endpoints.from_api_url("https://ghe.example.com/api/v3"),
                                      exchange, now=clock)
    assert provider.token() == "ghs_1"
    url, claims = exchange.calls[0]
    assert url == "https://ghe.example.com/api/v3/app/installations/99/access_tokens"
    assert claims["iss"] == APP_ID and claims["iat"] == 1_800_000_000 - 60 and claims["exp"] - 1_800_000_000 <= 600
    clock.t += 3600 - limits.APP_TOKEN_RENEW_BEFORE_S - 1
    assert provider.token() == "ghs_1"  # still more than the margin left
    clock.t += 2
    assert provider.token() == "ghs_2"  # renewed before the hour is up


def test_wrong_key_is_an_auth_error_without_secrets(sim):
    other, _ = new_key_pair()
    provider = GitHubAppTokenProvider(APP_ID, "99", other, Endpoints.from_api_url(sim.url))
    with pytest.raises(GitHubAuthError) as caught:
        provider.token()
    assert "BEGIN" not in str(caught.value) and "eyJ" not in str(caught.value)


def test_garbage_key_names_the_fix(sim):
    provider = GitHubAppTokenProvider(APP_ID, "99", "not a key", Endpoints.from_api_url(sim.url))
    with pytest.raises(GitHubAuthError, match="private_key"):
        provider.token()


def test_secret_with_a_pat(sim):
    from tests.conftest import TOKEN

    reads = []
    provider = token_provider({"GHSTATS_SECRET_NAME": "ghstats/github"}, Endpoints.from_api_url(sim.url),
                              fetch=lambda name: reads.append(name) or {"token": TOKEN})
    assert isinstance(provider, SecretTokenProvider) and provider.token() == TOKEN
    assert reads == ["ghstats/github"]


def test_secret_with_app_credentials(sim, key_pair):
    secret = {"app_id": APP_ID, "installation_id": "7", "private_key": key_pair[0]}
    provider = token_provider({"GHSTATS_SECRET_NAME": "s"}, Endpoints.from_api_url(sim.url), requests.Session(),
                              fetch=lambda name: secret)
    token = provider.token()
    assert token.startswith("ghs_") and provider.token() == token
    assert sim.count(kind="rest") == 1
    assert key_pair[0] not in repr(provider)


def test_secret_app_provider_is_rebuilt_when_the_app_identity_changes(key_pair):
    import jwt as pyjwt

    rotated_private, rotated_public = new_key_pair()
    exchange = FakeExchange(Clock(time.time()))
    secret = {"app_id": APP_ID, "installation_id": "7", "private_key": key_pair[0]}
    provider = SecretTokenProvider("s", Endpoints.from_api_url("https://ghe.example.com/api/v3"), exchange,
                                   fetch=lambda name: dict(secret))

    def last_exchange(public_key):
        url, _ = exchange.calls[-1]
        return url.split("/installations/")[1].split("/")[0], pyjwt.decode(
            exchange.jwts[-1], public_key, algorithms=["RS256"])["iss"]

    # The first token is bought with the secret's App identity
    assert provider.token() == "ghs_1" and last_exchange(key_pair[1]) == ("7", APP_ID)
    # An unchanged secret (read again each time; the app id may be a number) keeps the cached token
    secret["app_id"] = int(APP_ID)
    assert provider.token() == "ghs_1" and len(exchange.calls) == 1
    # A rotated private key signs a new JWT for a new token
    secret["private_key"] = rotated_private
    assert provider.token() == "ghs_2" and last_exchange(rotated_public) == ("7", APP_ID)
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(exchange.jwts[-1], key_pair[1], algorithms=["RS256"])
    # Another installation, then another App, each buy their own token
    secret["installation_id"] = "8"
    assert provider.token() == "ghs_3" and last_exchange(rotated_public) == ("8", APP_ID)
    secret["app_id"] = "555"
    assert provider.token() == "ghs_4" and last_exchange(rotated_public) == ("8", "555")
    assert provider.token() == "ghs_4" and len(exchange.calls) == 4


def test_secret_without_credentials_says_what_to_store(sim):
    provider = token_provider({"GHSTATS_SECRET_NAME": "s"}, Endpoints.from_api_url(sim.url), fetch=lambda name: {"tokn": "x"})
    with pytest.raises(GitHubAuthError, match="neither"):
        provider.token()


@pytest.mark.parametrize("stored, works", [
    ('{"token": "github_pat_from_the_secret"}', True),
    ("x7#Qv!r-not-json-secret-value", False),  # what a secret created by the stack starts with
    ('["token"]', False),
])
def test_the_deployed_secret_is_read_through_powertools(monkeypatch, stored, works):
    import uuid

    import boto3
    from moto import mock_aws

    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(key, value)
    name = f"ghstats/github-{uuid.uuid4().hex}"  # Powertools caches by name
    with mock_aws():
        boto3.client("secretsmanager").create_secret(Name=name, SecretString=stored)
        provider = token_provider({"GHSTATS_SECRET_NAME": name}, Endpoints.from_api_url())
        if works:
            assert provider.token() == "github_pat_from_the_secret"
        else:
            with pytest.raises(GitHubAuthError) as raised:
                provider.token()
            assert name in str(raised.value) and "put one of them into the secret" in str(raised.value)
            assert stored not in str(raised.value)


def test_local_runs_read_github_token():
    provider = token_provider({"GITHUB_TOKEN": " abc "}, Endpoints.from_api_url())
    assert isinstance(provider, EnvTokenProvider) and provider.token() == "abc"
    with pytest.raises(MissingToken, match="GITHUB_TOKEN is not set"):
        token_provider({}, Endpoints.from_api_url()).token()


def test_the_credential_is_not_logged_even_when_botocore_logs_at_debug(monkeypatch, caplog):
    """botocore logs every response body at DEBUG: GetSecretValue's holds the credential."""
    import logging
    import uuid

    import boto3
    from moto import mock_aws

    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(key, value)
    name = f"ghstats/github-{uuid.uuid4().hex}"
    with mock_aws():
        boto3.client("secretsmanager").create_secret(Name=name, SecretString='{"token": "github_pat_never_in_logs"}')
        caplog.set_level(logging.DEBUG)  # every logger, botocore's included, from the read on
        assert token_provider({"GHSTATS_SECRET_NAME": name}, Endpoints.from_api_url()).token() == "github_pat_never_in_logs"
    assert "GetSecretValue" in caplog.text  # botocore did log the call
    assert "github_pat_never_in_logs" not in caplog.text
