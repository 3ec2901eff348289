"""The credential of a local run: GitHub App flags (or their environment variables), else
GITHUB_TOKEN, else the GitHub CLI's own token (`gh auth token`) when gh is installed.

An App's credentials go where a deployed run reads them: a secret (in the run's moto Secrets
Manager, gone with it), so the same token provider mints and refreshes installation tokens.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from ghstats import names
from ghstats_cli.errors import UserError

LOCAL_SECRET = "ghstats-local-app-credentials"
APP_FLAGS = (("app_id", "--app-id", "GHSTATS_APP_ID"),
             ("installation_id", "--installation-id", "GHSTATS_APP_INSTALLATION_ID"),
             ("private_key_file", "--private-key-file", "GHSTATS_APP_PRIVATE_KEY_FILE"))
NO_CREDENTIAL = ("no GitHub credential: export GITHUB_TOKEN=<a token with read access to the organisations>, "
                 "or log in with `gh auth login` (ghstats then uses `gh auth token`), or give a GitHub App with "
                 "--app-id, --installation-id and --private-key-file")


@dataclass(frozen=True)
class LocalCredential:
    environ: dict[str, str]  # what the run's handlers see
    secret: dict[str, str] | None  # the App's credentials, stored as the deployed secret is
    source: str  # said to the user (never the credential itself)


def add_flags(parser: argparse.ArgumentParser) -> None:
    for _, flag, env in APP_FLAGS:
        parser.add_argument(flag, dest=flag[2:].replace("-", "_"), help=f"GitHub App credentials (or {env})")


def _gh_token(run: Callable[..., Any]) -> str | None:
    if shutil.which("gh") is None:
        return None
    try:
        done = run(["gh", "auth", "token"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    token = (done.stdout or "").strip()
    return token if done.returncode == 0 and token else None


def local_credential(args: argparse.Namespace, environ: Mapping[str, str],
                     run: Callable[..., Any] = subprocess.run) -> LocalCredential:
    app = {key: getattr(args, key, None) or environ.get(env) for key, _, env in APP_FLAGS}
    given = [flag for key, flag, _ in APP_FLAGS if app[key]]
    if given:
        missing = [f"{flag} (or {env})" for key, flag, env in APP_FLAGS if not app[key]]
        if missing:
            raise UserError(f"GitHub App credentials need all three: give {', '.join(missing)} too")
        path = Path(app["private_key_file"])
        try:
            private_key = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"--private-key-file {path}: cannot be read ({getattr(exc, 'strerror', None) or exc}); "
                            "give the .pem file GitHub generated for the App") from None
        if "PRIVATE KEY" not in private_key:
            raise UserError(f"--private-key-file {path}: not a PEM private key; give the .pem file GitHub generated "
                            "for the App")
        secret = {"app_id": str(app["app_id"]), "installation_id": str(app["installation_id"]), "private_key": private_key}
        return LocalCredential({names.ENV_SECRET_NAME: LOCAL_SECRET}, secret,
                               f"GitHub App {app['app_id']}, installation {app['installation_id']}")
    if environ.get(names.ENV_TOKEN, "").strip():
        return LocalCredential({names.ENV_TOKEN: environ[names.ENV_TOKEN].strip()}, None, "GITHUB_TOKEN")
    token = _gh_token(run)
    if token:
        return LocalCredential({names.ENV_TOKEN: token}, None, "the GitHub CLI's token (gh auth token)")
    raise UserError(NO_CREDENTIAL)
