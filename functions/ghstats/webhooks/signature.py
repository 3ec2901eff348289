"""X-Hub-Signature-256: "sha256=" + the hex HMAC-SHA256 of the raw body, keyed with the secret."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def signature_of(secret: bytes, body: bytes) -> str:
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> bool:
    """True when `header` is the signature of `body` under `secret` (compared in constant time).

    An empty secret verifies nothing: anyone could sign with it."""
    if not secret or not isinstance(header, str):
        return False
    given = header.strip().encode("utf-8", "replace")
    return hmac.compare_digest(signature_of(secret, body).encode("ascii"), given)
