"""Choose the token provider for this environment.

Deployed: the Secrets Manager secret named by GHSTATS_SECRET_NAME, read at run time through
Powertools Parameters (cached), holding either {"token": "..."} or GitHub App credentials
{"app_id", "installation_id", "private_key"}, installation_id a number (one installation carries
every org) or "per_org" (each org's own installation, looked up with the App's JWT). Local:
GITHUB_TOKEN.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, Mapping

import requests

from ghstats import names
from ghstats.github.app_auth import AppInstallations, AppJwtProvider, GitHubAppTokenProvider
from ghstats.github.auth import EnvTokenProvider, TokenProvider
from ghstats.github.endpoints import Endpoints
from ghstats.github.errors import GitHubAuthError, GitHubError
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


PER_ORG = "per_org"  # installation_id: look up the App's installation on each owner


def _app_mode(name: str, value: dict[str, Any]) -> str | None:
    """"fixed" or PER_ORG for App credentials, None when the secret holds no App; a clear error
    naming 'installation_id' when it is missing or neither a number nor "per_org" (the value
    itself is never echoed)."""
    if not all(value.get(k) for k in APP_JWT_KEYS):
        return None
    installation = value.get("installation_id")
    if installation is None or installation == "":
        raise GitHubAuthError(
            f"secret {name} holds GitHub App credentials without 'installation_id': set it to the installation's "
            f"number, or to \"{PER_ORG}\" to look up the App's installation on each organisation (see README, Deploy)")
    if installation == PER_ORG:
        return PER_ORG
    if isinstance(installation, bool) or not (isinstance(installation, int) or str(installation).strip().isdigit()):
        raise GitHubAuthError(
            f"secret {name}: 'installation_id' must be the installation's number or \"{PER_ORG}\" "
            f"(it holds a {type(installation).__name__} that is neither): fix it in the secret (see README, Deploy)")
    return "fixed"


class SecretTokenProvider:
    """A PAT or GitHub App credentials from Secrets Manager; re-read when the cache expires.

    App credentials name one installation (`installation_id`: its number), whose token carries
    every owner's work, or `"installation_id": "per_org"`: each owner's work is carried by the
    token of the App's installation on that owner (AppInstallations looks it up). `for_owner`
    gives the TokenProvider of one owner's work; `token()` itself is the owner-less one (a PAT or
    a fixed installation; per-org credentials have no owner-less token)."""

    def __init__(self, secret_name: str, endpoints: Endpoints, session: requests.Session | None = None,
                 fetch: SecretFetcher = _powertools_secret):
        self._name = secret_name
        self._endpoints = endpoints
        self._session = session
        self._fetch = fetch
        self._app: GitHubAppTokenProvider | None = None
        self._app_identity: tuple[str, str, str] | None = None
        self._installations: AppInstallations | None = None
        self._installations_identity: tuple[str, str] | None = None
        self._lock = threading.Lock()

    def _read(self) -> tuple[str, Any]:
        """("pat", token), ("fixed", provider) or (PER_ORG, AppInstallations) from the secret."""
        value = self._fetch(self._name)
        if isinstance(value, dict) and isinstance(value.get("token"), str) and value["token"].strip():
            return "pat", value["token"].strip()
        mode = _app_mode(self._name, value) if isinstance(value, dict) else None
        with self._lock:
            if mode == "fixed":
                identity = (str(value["app_id"]), str(value["installation_id"]).strip(), str(value["private_key"]))
                if self._app is None or identity != self._app_identity:
                    self._app = GitHubAppTokenProvider(*identity, endpoints=self._endpoints, session=self._session)
                    self._app_identity = identity
                return mode, self._app
            if mode == PER_ORG:
                app = (str(value["app_id"]), str(value["private_key"]))
                if self._installations is None or app != self._installations_identity:
                    self._installations = AppInstallations(*app, endpoints=self._endpoints, session=self._session)
                    self._installations_identity = app
                return mode, self._installations
        raise GitHubAuthError(
            f"secret {self._name} holds neither {{\"token\": ...}} nor GitHub App credentials "
            f"({', '.join(APP_KEYS)}; installation_id may be \"{PER_ORG}\"): put one of them into the secret "
            "(see README, Deploy)"
        )

    def token(self, owner: str | None = None) -> str:
        mode, held = self._read()
        if mode == "pat":
            return held
        if mode == "fixed":
            return held.token()
        if owner is None:
            raise GitHubAuthError(
                f"secret {self._name} has \"installation_id\": \"{PER_ORG}\": each request needs the organisation "
                "whose installation carries it, and this one names none; give a fixed installation_id for it")
        return held.provider(owner).token()

    def installation_id(self, owner: str | None = None) -> str | None:
        """The GitHub App installation whose token (and hourly budget) carries `owner`'s work:
        a fixed installation's for every owner, with per-org credentials the App's installation
        on `owner` (AppNotInstalled where there is none); None for a PAT."""
        mode, held = self._read()
        if mode == "pat":
            return None
        if mode == "fixed":
            return held.installation_id()
        return None if owner is None else held.installation_id(owner)

    def refresh(self, owner: str | None = None) -> None:
        if self._app is not None:
            self._app.refresh()
        if owner is not None and self._installations is not None:
            try:
                self._installations.provider(owner).refresh()
            except GitHubError:
                pass  # nothing cached to drop (not installed, lookup failed): the next token() says why

    def for_owner(self, owner: str | None) -> TokenProvider:
        """The TokenProvider of `owner`'s work (the same token for every owner but per org)."""
        return self if owner is None else _OwnerTokens(self, owner)

    def __repr__(self) -> str:
        return f"SecretTokenProvider({self._name})"


class _OwnerTokens:
    """One owner's view of a SecretTokenProvider (per-org App credentials: its installation's token)."""

    def __init__(self, secret: SecretTokenProvider, owner: str):
        self._secret, self.owner = secret, owner

    def token(self) -> str:
        return self._secret.token(self.owner)

    def refresh(self) -> None:
        self._secret.refresh(self.owner)

    def installation_id(self) -> str | None:
        return self._secret.installation_id(self.owner)

    def __repr__(self) -> str:
        return f"{self._secret!r}.for_owner({self.owner})"


def for_owner(provider: TokenProvider, owner: str | None) -> TokenProvider:
    """The TokenProvider of `owner`'s work: per-org App credentials give each owner its
    installation's; a PAT, a fixed installation or GITHUB_TOKEN give every owner the same."""
    split = getattr(provider, "for_owner", None)
    return split(owner) if split is not None else provider


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
