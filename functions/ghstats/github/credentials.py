"""Choose the token provider for this environment.

Deployed: the Secrets Manager secret named by GHSTATS_SECRET_NAME, read at run time through
Powertools Parameters (cached), holding either {"token": "..."} or GitHub App credentials
{"app_id", "installation_id", "private_key"}. Local: GITHUB_TOKEN.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Mapping

import requests

from ghstats import names
from ghstats.github.app_auth import AppJwtProvider, GitHubAppTokenProvider
from ghstats.github.auth import EnvTokenProvider, TokenProvider
from ghstats.github.endpoints import Endpoints
from ghstats.github.errors import GitHubAuthError
from ghstats.secret_logging import no_response_bodies_in_logs

SECRET_CACHE_S = 300
APP_KEYS = ("app_id", "installation_id", "private_key")
APP_JWT_KEYS = ("app_id", "private_key")  # the App itself (its JWT) needs no installation

SecretFetcher = Callable[[str], Any]


def _powertools_secret(name: str) -> Any:
    """The secret's JSON, or None when it holds something else (e.g. the random string a newly
    created secret starts with): the caller then says what to store, without echoing the value."""
    from aws_lambda_powertools.utilities import parameters

    with no_response_bodies_in_logs():  # botocore would log the secret's value at DEBUG
        raw = parameters.get_secret(name, max_age=SECRET_CACHE_S)
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return None


class SecretTokenProvider:
    """A PAT or GitHub App credentials from Secrets Manager; re-read when the cache expires."""

    def __init__(self, secret_name: str, endpoints: Endpoints, session: requests.Session | None = None,
                 fetch: SecretFetcher = _powertools_secret):
        self._name = secret_name
        self._endpoints = endpoints
        self._session = session
        self._fetch = fetch
        self._app: GitHubAppTokenProvider | None = None
        self._app_identity: tuple[str, str, str] | None = None

    def token(self) -> str:
        value = self._fetch(self._name)
        if isinstance(value, dict) and isinstance(value.get("token"), str) and value["token"].strip():
            return value["token"].strip()
        if isinstance(value, dict) and all(value.get(k) for k in APP_KEYS):
            identity = (str(value["app_id"]), str(value["installation_id"]), str(value["private_key"]))
            if self._app is None or identity != self._app_identity:
                self._app = GitHubAppTokenProvider(*identity, endpoints=self._endpoints, session=self._session)
                self._app_identity = identity
            return self._app.token()
        raise GitHubAuthError(
            f"secret {self._name} holds neither {{\"token\": ...}} nor GitHub App credentials "
            f"({', '.join(APP_KEYS)}): put one of them into the secret (see README, Deploy)"
        )

    def refresh(self) -> None:
        if self._app is not None:
            self._app.refresh()

    def __repr__(self) -> str:
        return f"SecretTokenProvider({self._name})"


def token_provider(
    environ: Mapping[str, str],
    endpoints: Endpoints,
    session: requests.Session | None = None,
    fetch: SecretFetcher | None = None,
) -> TokenProvider:
    secret_name = environ.get(names.ENV_SECRET_NAME)
    if secret_name:
        return SecretTokenProvider(secret_name, endpoints, session, fetch or _powertools_secret)
    return EnvTokenProvider(names.ENV_TOKEN, dict(environ))


class SecretAppJwtProvider:
    """JWTs of the GitHub App whose credentials are in the secret, for the App's own endpoints
    (GET /app/hook/deliveries): a GitHubClient built on it sends `Authorization: Bearer <jwt>`.
    The secret is re-read (cached) so that a rotated key is used; a secret holding a PAT has no
    App to sign for. Neither the key nor a JWT reaches a message or a repr."""

    def __init__(self, secret_name: str | None, fetch: SecretFetcher = _powertools_secret,
                 now: Callable[[], float] = time.time):
        self._name = secret_name
        self._fetch = fetch
        self._now = now
        self._jwts: AppJwtProvider | None = None
        self._identity: tuple[str, str] | None = None

    def token(self) -> str:
        value = self._fetch(self._name) if self._name else None
        if not (isinstance(value, dict) and all(value.get(k) for k in APP_JWT_KEYS)):
            where = f"secret {self._name}" if self._name else f"{names.ENV_SECRET_NAME} (not set)"
            raise GitHubAuthError(
                f"the App's webhook ({{\"app\": true}}) is swept with the App's JWT, but {where} holds no "
                f"GitHub App credentials ({', '.join(APP_KEYS)}): store them, or sweep org hooks only"
            )
        identity = (str(value["app_id"]), str(value["private_key"]))
        if self._jwts is None or identity != self._identity:
            self._jwts, self._identity = AppJwtProvider(*identity, now=self._now), identity
        return self._jwts.token()

    def refresh(self) -> None:
        if self._jwts is not None:
            self._jwts.refresh()

    def __repr__(self) -> str:
        return f"SecretAppJwtProvider({self._name})"


def app_jwt_provider(environ: Mapping[str, str], fetch: SecretFetcher | None = None) -> TokenProvider:
    """The App's JWTs from the deployment's secret (GHSTATS_SECRET_NAME)."""
    return SecretAppJwtProvider(environ.get(names.ENV_SECRET_NAME), fetch or _powertools_secret)
