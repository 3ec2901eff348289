"""The collection config in cdk.json context: what the deployed schedule starts a run with.

Read through the CDK app's own settings (cdk_app.settings: the context key, its default and
its checks), so `ghstats start` and the schedule cannot disagree on what the context means.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cdk_app.constants import REPO_ROOT
from ghstats_cli.errors import UserError

CDK_JSON = REPO_ROOT / "cdk.json"


def context_collection(cdk_json: Path = CDK_JSON) -> dict[str, Any]:
    """The 'ghstats:collection' context of cdk.json, as `cdk synth` reads it for the schedule."""
    try:
        context = json.loads(cdk_json.read_text()).get("context", {})
    except FileNotFoundError:
        raise UserError(f"{cdk_json} not found, so there is no context config: "
                         "say what to collect with --config FILE, --org or --repo") from None
    import aws_cdk as cdk

    from cdk_app.settings import Settings

    try:
        return dict(Settings.from_context(cdk.App(context=context)).collection)
    except ValueError as exc:
        raise UserError(f"{cdk_json}: {exc}") from None
