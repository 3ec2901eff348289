"""Which GitHub hosts this deployment may send its credential to.

The GitHub API base URL is a deploy-time setting (cdk.json context `ghstats:githubApiUrls`,
passed to every Lambda as GHSTATS_GITHUB_API_URLS), never something an execution input or a
stored work item decides: whoever can start an execution or write to the bucket must not be
able to send the token, or an App JWT, to a host of their choosing. Every GitHub client is
built through `check_allowed` before a credential is read.
"""

from __future__ import annotations

import json
from typing import Any, Mapping
from urllib.parse import urlparse

from ghstats import names
from ghstats.github.endpoints import GITHUB_COM_API


class ApiUrlNotAllowed(Exception):
    """The run names a GitHub API this deployment does not send its credential to."""


class BadHostSetting(Exception):
    """GHSTATS_GITHUB_API_URLS is not a JSON list of URLs (a deployment problem)."""


def normalise(api_url: str) -> str:
    """One spelling per API base: lower-case scheme and host, no trailing slash."""
    parsed = urlparse(api_url.strip())
    netloc = (parsed.hostname or "") + (f":{parsed.port}" if parsed.port else "")
    return f"{parsed.scheme.lower()}://{netloc.lower()}{parsed.path.rstrip('/')}"


def allowed_api_urls(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The deployment's GitHub API base URLs; github.com's alone when the variable is unset."""
    raw = environ.get(names.ENV_GITHUB_API_URLS)
    if not raw:
        return (GITHUB_COM_API,)
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise BadHostSetting(
            f"environment variable {names.ENV_GITHUB_API_URLS} must be a JSON list of GitHub API URLs, "
            'e.g. ["https://api.github.com"]; deploy with the ghstats CDK stack (context ghstats:githubApiUrls)'
        )
    return tuple(value)


def check_allowed(api_url: str, allowed: tuple[str, ...]) -> None:
    """Raise ApiUrlNotAllowed unless `api_url` is one of `allowed`; nothing is sent before."""
    if normalise(api_url) in {normalise(a) for a in allowed}:
        return
    raise ApiUrlNotAllowed(
        f"api_url {api_url!r} is not a GitHub API of this deployment ({', '.join(allowed)}): the credential "
        "is only sent there. To collect from another GitHub, add its API URL to the cdk.json context "
        "'ghstats:githubApiUrls' and deploy; nothing was sent to it"
    )
