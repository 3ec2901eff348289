"""Who may call: static tokens, tokens issued to GitHub App installations, App JWTs."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any, Callable, Mapping

import jwt

from simulator.dataset import iso

APP_TOKEN_TTL_S = 3600
MAX_JWT_LIFETIME_S = 600
CLOCK_SKEW_S = 5
INSTALLATION_PERMISSIONS = {"metadata": "read", "contents": "read", "issues": "read",
                            "pull_requests": "read", "members": "read"}


def new_app_key_pair() -> tuple[str, str]:
    """A GitHub App's RSA key pair, as GitHub generates one for an App: (private key PEM, public
    key PEM). The simulator verifies App JWTs with the public one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def installation_budget(installation_id: str | int) -> str:
    """The rate limiter's key of an installation's budget (GitHubSimulator.rate_limit takes it)."""
    return f"installation:{installation_id}"


def credential(authorization: str | None) -> tuple[str, str] | None:
    """("bearer"|"token", value) from an Authorization header (scheme case-insensitive)."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme not in ("bearer", "token") or not value:
        return None
    return scheme, value


class JWTRejected(Exception):
    pass


class TokenStore:
    def __init__(self, tokens: tuple[str, ...] | list[str], apps: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.time):
        self._lock = threading.Lock()
        self._static = set(tokens)
        self._issued: dict[str, tuple[float, str]] = {}  # token -> (expires_at, installation id)
        self._apps = {str(k): v for k, v in (apps or {}).items()}
        self._clock = clock

    def valid(self, token: str) -> bool:
        with self._lock:
            if token in self._static:
                return True
            issued = self._issued.get(token)
            return issued is not None and self._clock() < issued[0]

    def is_installation_token(self, token: str) -> bool:
        with self._lock:
            return token in self._issued

    def installation_of(self, token: str) -> str | None:
        """The installation an issued token belongs to (None: a static token)."""
        with self._lock:
            issued = self._issued.get(token)
            return None if issued is None else issued[1]

    def budget_key(self, token: str) -> str:
        """Whose rate-limit budget a request spends: an installation token its installation's
        (as on GitHub: the budget is the installation's, a renewed token keeps spending it), any
        other credential its own."""
        installation = self.installation_of(token)
        return token if installation is None else installation_budget(installation)

    def add(self, token: str) -> None:
        with self._lock:
            self._static.add(token)

    def revoke(self, token: str) -> None:
        with self._lock:
            self._static.discard(token)
            self._issued.pop(token, None)

    def verify_app_jwt(self, token: str) -> str:
        """The app id of a valid App JWT (RS256, iss = app id, exp at most 10 min ahead)."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise JWTRejected("A JSON web token could not be decoded") from None
        app_id = str(claims.get("iss", ""))
        key = self._apps.get(app_id)
        if key is None:
            raise JWTRejected("Integration not found" if app_id else "'Issuer' claim ('iss') must be an Integer")
        try:
            verified: dict[str, Any] = jwt.decode(
                token, key, algorithms=["RS256"], leeway=CLOCK_SKEW_S,
                options={"require": ["exp", "iat", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise JWTRejected("'Expiration time' claim ('exp') must be a numeric value representing the future "
                              "time at which the assertion expires") from None
        except jwt.ImmatureSignatureError:
            raise JWTRejected("'Issued at' claim ('iat') must be an Integer representing the time that the "
                              "assertion was issued") from None
        except jwt.PyJWTError:
            raise JWTRejected("A JSON web token could not be decoded") from None
        if float(verified["exp"]) > time.time() + MAX_JWT_LIFETIME_S + CLOCK_SKEW_S:
            raise JWTRejected("'Expiration time' claim ('exp') is too far in the future")
        return app_id

    def issue_installation_token(self, installation_id: str) -> dict[str, Any]:
        token = "ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36]
        expires = self._clock() + APP_TOKEN_TTL_S
        with self._lock:
            self._issued[token] = (expires, installation_id)
        return {
            "token": token,
            "expires_at": iso(expires),
            "permissions": dict(INSTALLATION_PERMISSIONS),
            "repository_selection": "all",
        }
