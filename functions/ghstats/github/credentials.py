"""Choose the token provider for this environment.

Deployed: the Secrets Manager secret named by GHSTATS_SECRET_NAME (a token, or GitHub App
credentials). Local: GITHUB_TOKEN.
"""

from __future__ import annotations

from typing import Mapping

import requests

from ghstats import names
from ghstats.github.auth import EnvTokenProvider, TokenProvider
from ghstats.github.endpoints import Endpoints


def token_provider(
    environ: Mapping[str, str], endpoints: Endpoints, session: requests.Session | None = None
) -> TokenProvider:
    if environ.get(names.ENV_SECRET_NAME):
        raise NotImplementedError("Secrets Manager credentials arrive with the CDK stack")
    return EnvTokenProvider(names.ENV_TOKEN, dict(environ))
