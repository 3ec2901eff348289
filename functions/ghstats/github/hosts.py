"""Which GitHub hosts this deployment may send its credential to.

The GitHub API base URL is a deploy-time setting (cdk.json context `ghstats:githubApiUrls`,
passed to every Lambda as GHSTATS_GITHUB_API_URLS), never something an execution input or a
stored work item decides: whoever can start an execution or write to the bucket must not be
able to send the token, or an App JWT, to a host of their choosing. Every GitHub client is
built through `allowed_api_url` before a credential is read, from the allowed entry itself.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from ghstats import names
from ghstats.github.endpoints import GITHUB_COM_API


class ApiUrlNotAllowed(Exception):
    """The run names a GitHub API this deployment does not send its credential to."""


class BadHostSetting(Exception):
    """GHSTATS_GITHUB_API_URLS is not a JSON list of URLs (a deployment problem)."""


def _spelling(api_url: str) -> str:
    """What two spellings of one API base share: no surrounding space or trailing slash, any case."""
    return api_url.strip().rstrip("/").lower()


def allowed_api_urls(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The deployment's GitHub API base URLs; github.com's alone when the variable is unset."""
    raw = environ.get(names.ENV_GITHUB_API_URLS)
    if not raw:
        return (GITHUB_COM_API,)
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = None
    from ghstats.config import check_api_url  # the same rules as the config's api_url

    if not isinstance(value, list) or not value or any(not isinstance(v, str) or check_api_url(v) for v in value):
        raise BadHostSetting(
            f"environment variable {names.ENV_GITHUB_API_URLS} must be a JSON list of GitHub API URLs, "
            'e.g. ["https://api.github.com"]; deploy with the ghstats CDK stack (context ghstats:githubApiUrls)'
        )
    return tuple(value)


def allowed_api_url(api_url: Any, allowed: tuple[str, ...]) -> str:
    """The deployment's own spelling of `api_url` if it is one of `allowed`, else ApiUrlNotAllowed.

    The whole URL must equal an allowed one (but for case and a trailing slash): no parsing that
    a URL parser and an HTTP client could read differently (userinfo, backslashes, ports), and
    the caller then builds its client from the allowed entry, never from the string it was given.
    """
    if isinstance(api_url, str):
        for entry in allowed:
            if _spelling(entry) == _spelling(api_url):
                return entry.strip().rstrip("/")
    raise ApiUrlNotAllowed(
        f"api_url {api_url!r} is not a GitHub API of this deployment ({', '.join(allowed)}): the credential "
        "is only sent there. To collect from another GitHub, add its API URL to the cdk.json context "
        "'ghstats:githubApiUrls' and deploy; nothing was sent to it"
    )
