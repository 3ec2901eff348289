"""Where tokens come from. A token is only ever put into an Authorization header."""

from __future__ import annotations

import os
from typing import Protocol


class TokenProvider(Protocol):
    """Gives the current token; `refresh` drops a cached one (GitHubClient calls it after a 401)."""

    def token(self) -> str: ...

    def refresh(self) -> None: ...


class MissingToken(Exception):
    """No credentials configured."""


class StaticTokenProvider:
    """A token known up front (tests, the CLI)."""

    def __init__(self, token: str):
        if not token:
            raise MissingToken("empty GitHub token")
        self._token = token

    def token(self) -> str:
        return self._token

    def refresh(self) -> None:
        return None

    def __repr__(self) -> str:  # never show the token
        return "StaticTokenProvider(<redacted>)"


class EnvTokenProvider:
    """The token in an environment variable (GITHUB_TOKEN): local runs only."""

    def __init__(self, variable: str = "GITHUB_TOKEN", environ: dict[str, str] | None = None):
        self._variable = variable
        self._environ = os.environ if environ is None else environ

    def token(self) -> str:
        value = self._environ.get(self._variable, "").strip()
        if not value:
            raise MissingToken(
                f"{self._variable} is not set: export a GitHub token with read access to the "
                f"organisations (export {self._variable}=...)"
            )
        return value

    def refresh(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"EnvTokenProvider({self._variable})"
