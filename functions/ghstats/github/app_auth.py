"""GitHub App installation tokens: a JWT signed with the App's key buys a one-hour token.

The token is cached and renewed `limits.APP_TOKEN_RENEW_BEFORE_S` before it expires. Neither the
key, the JWT nor the token ever reaches a message or a repr.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime
from typing import Callable

import jwt
import requests

from ghstats import limits
from ghstats.github.documents import OWNER_PATTERN
from ghstats.github.endpoints import Endpoints
from ghstats.github.errors import (AppNotInstalled, FailedRequest, GitHubAuthError, GitHubServerError,
                                  raise_for_http_status)

USER_AGENT = "ghstats"
_OWNER = re.compile(rf"^{OWNER_PATTERN}$")
JWT_BACKDATE_S = 60  # GitHub's advice: iat a minute in the past against clock drift
JWT_LIFETIME_S = 540  # GitHub accepts at most 10 minutes


def sign_app_jwt(app_id: str, private_key_pem: str, now: Callable[[], float] = time.time) -> str:
    """A JWT that authenticates as the App itself (never logged: it is a credential for 9 min)."""
    issued = int(now())
    try:
        return jwt.encode(
            {"iat": issued - JWT_BACKDATE_S, "exp": issued + JWT_LIFETIME_S, "iss": str(app_id)},
            private_key_pem,
            algorithm="RS256",
        )
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise GitHubAuthError(
            f"the GitHub App private key in the secret cannot sign a JWT ({type(exc).__name__}): "
            "store the App's PEM private key under 'private_key'"
        ) from None


def app_headers(app_jwt: str) -> dict[str, str]:
    """The headers of a request the App sends as itself (its JWT: token exchange, installation lookup)."""
    return {"Authorization": f"Bearer {app_jwt}", "Accept": "application/vnd.github+json", "User-Agent": USER_AGENT}


class AppJwtProvider:
    """A TokenProvider of App JWTs: a GitHubClient built on it calls the App's own endpoints
    (`Authorization: Bearer <jwt>`). A JWT is reused until a minute before it expires; `refresh`
    (after a 401) signs a new one."""

    def __init__(self, app_id: str, private_key_pem: str, now: Callable[[], float] = time.time):
        self._app_id = str(app_id)
        self._private_key = private_key_pem
        self._now = now
        self._jwt: str | None = None
        self._signed_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._jwt is None or self._now() - self._signed_at >= JWT_LIFETIME_S - 60:
                self._jwt = sign_app_jwt(self._app_id, self._private_key, self._now)
                self._signed_at = self._now()
            return self._jwt

    def refresh(self) -> None:
        with self._lock:
            self._jwt = None

    def __repr__(self) -> str:
        return f"AppJwtProvider(app_id={self._app_id})"


class GitHubAppTokenProvider:
    def __init__(
        self,
        app_id: str,
        installation_id: str,
        private_key_pem: str,
        endpoints: Endpoints,
        session: requests.Session | None = None,
        now: Callable[[], float] = time.time,
    ):
        self._app_id = str(app_id)
        self._installation_id = str(installation_id)
        self._private_key = private_key_pem
        self._endpoints = endpoints
        self._session = session or requests.Session()
        self._now = now
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def _app_jwt(self) -> str:
        return sign_app_jwt(self._app_id, self._private_key, self._now)

    def _exchange(self) -> None:
        url = f"{self._endpoints.rest_url}/app/installations/{self._installation_id}/access_tokens"
        try:
            response = self._session.post(
                url,
                headers=app_headers(self._app_jwt()),
                timeout=(limits.HTTP_CONNECT_TIMEOUT_S, limits.HTTP_READ_TIMEOUT_S),
            )
        except requests.RequestException as exc:
            raise GitHubServerError(f"GitHub App token request failed: {type(exc).__name__}") from None
        failure = FailedRequest.from_response("rest", "POST", url, response.status_code, response.headers,
                                              "" if response.ok else response.text)
        if response.status_code == 404:
            raise GitHubAuthError(
                f"GitHub App {self._app_id} has no installation {self._installation_id}: check 'installation_id' in the secret",
                failure=failure,
            )
        raise_for_http_status(response.status_code, response.headers, response.text, failure, now=self._now)
        body = response.json()
        self._token = body["token"]
        self._expires_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")).timestamp()

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._expires_at - self._now() <= limits.APP_TOKEN_RENEW_BEFORE_S:
                self._exchange()
            assert self._token is not None
            return self._token

    def refresh(self) -> None:
        with self._lock:
            self._token = None

    def installation_id(self) -> str:
        """The installation whose token (and hourly budget) this is."""
        return self._installation_id

    def __repr__(self) -> str:
        return f"GitHubAppTokenProvider(app_id={self._app_id}, installation_id={self._installation_id})"


class AppInstallations:
    """Per-org App credentials: the App's installation on each owner, looked up with the App's
    JWT (`GET /orgs/{owner}/installation`, for a user `GET /users/{owner}/installation`) and
    cached per owner; each installation's token provider cached per installation, so that each
    installation's token (and GitHub's rate-limit budget, which is the installation's) carries
    its owner's work. A 404 from both lookups raises AppNotInstalled naming the owner; nothing
    is cached for it (the App may be installed later). Thread-safe: PlanRun looks several
    owners up at once."""

    def __init__(self, app_id: str, private_key_pem: str, endpoints: Endpoints,
                 session: requests.Session | None = None, now: Callable[[], float] = time.time):
        self._app_id = str(app_id)
        self._private_key = private_key_pem
        self._endpoints = endpoints
        self._session = session or requests.Session()
        self._now = now
        self._jwts = AppJwtProvider(self._app_id, private_key_pem, now)
        self._ids: dict[str, str] = {}  # owner (lower case) -> installation id
        self._providers: dict[str, GitHubAppTokenProvider] = {}  # installation id -> its tokens
        self._lock = threading.Lock()
        self._owner_locks: dict[str, threading.Lock] = {}

    def _get(self, path: str) -> tuple[int, dict | None, FailedRequest]:
        url = f"{self._endpoints.rest_url}/{path}"
        try:
            response = self._session.get(
                url,
                headers=app_headers(self._jwts.token()),
                timeout=(limits.HTTP_CONNECT_TIMEOUT_S, limits.HTTP_READ_TIMEOUT_S), allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise GitHubServerError(f"GitHub App installation lookup failed: {type(exc).__name__}") from None
        failure = FailedRequest.from_response("rest", "GET", url, response.status_code, response.headers,
                                              "" if response.ok else response.text)
        if response.status_code == 404:
            return 404, None, failure
        raise_for_http_status(response.status_code, response.headers, response.text, failure, now=self._now)
        body = response.json()
        if not isinstance(body, dict) or not body.get("id"):
            raise GitHubServerError(f"GitHub answered {path} without an installation id", failure=failure)
        return response.status_code, body, failure

    def installation_id(self, owner: str) -> str:
        """The App's installation on `owner` (an organisation or a user)."""
        if not _OWNER.match(owner):  # it goes into a URL path, signed for with the App's JWT
            raise GitHubAuthError(f"'{owner[:80]}' is no GitHub account name: no installation is looked up for it")
        key = owner.lower()
        with self._lock:
            if key in self._ids:
                return self._ids[key]
            owner_lock = self._owner_locks.setdefault(key, threading.Lock())
        with owner_lock:  # one lookup per owner, even when two threads ask at once
            with self._lock:
                if key in self._ids:
                    return self._ids[key]
            status, body, failure = self._get(f"orgs/{owner}/installation")
            if status == 404:
                status, body, failure = self._get(f"users/{owner}/installation")
            if status == 404 or body is None:
                raise AppNotInstalled(owner, self._app_id, failure=failure)
            with self._lock:
                self._ids[key] = str(body["id"])
                return self._ids[key]

    def provider(self, owner: str) -> "GitHubAppTokenProvider":
        """The token provider of the App's installation on `owner` (shared by owners of one installation)."""
        installation = self.installation_id(owner)
        with self._lock:
            if installation not in self._providers:
                self._providers[installation] = GitHubAppTokenProvider(
                    self._app_id, installation, self._private_key, self._endpoints, self._session, self._now)
            return self._providers[installation]

    def __repr__(self) -> str:
        return f"AppInstallations(app_id={self._app_id}, owners={len(self._ids)})"
