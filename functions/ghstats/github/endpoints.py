"""GitHub base URLs: github.com, GitHub Enterprise Server, or the local simulator."""

from __future__ import annotations

from dataclasses import dataclass

GITHUB_COM_API = "https://api.github.com"


@dataclass(frozen=True)
class Endpoints:
    rest_url: str  # e.g. https://api.github.com or https://HOST/api/v3
    graphql_url: str  # e.g. https://api.github.com/graphql or https://HOST/api/graphql

    @classmethod
    def from_api_url(cls, api_url: str = GITHUB_COM_API) -> "Endpoints":
        """Derive both URLs from the REST base URL.

        GitHub Enterprise Server serves REST at https://HOST/api/v3 and GraphQL at
        https://HOST/api/graphql; github.com (and GHE.com, and the simulator) serve GraphQL
        at <api>/graphql.
        """
        rest = api_url.rstrip("/")
        if rest.endswith("/api/v3"):
            graphql = rest[: -len("/v3")] + "/graphql"
        else:
            graphql = rest + "/graphql"
        return cls(rest_url=rest, graphql_url=graphql)
