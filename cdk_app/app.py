"""CDK entry point (cdk.json: `.venv/bin/python -m cdk_app.app`)."""

from __future__ import annotations

import json

import aws_cdk as cdk

from cdk_app import nag
from cdk_app.constants import CDK_JSON
from cdk_app.settings import stack_name_of
from cdk_app.stack import GhStatsStack


def feature_flags() -> dict:
    """The CDK feature flags in cdk.json (what `cdk init` writes for the pinned aws-cdk-lib).

    `cdk synth` passes cdk.json's context to the app; tests build the app without the CLI, so
    build_app reads the flags from the same file: tests and synth build the same stack.
    """
    context = json.loads(CDK_JSON.read_text())["context"]
    return {key: value for key, value in context.items() if not key.startswith("ghstats:")}


def build_app(context: dict | None = None) -> tuple[cdk.App, GhStatsStack]:
    app = cdk.App(context={**feature_flags(), **(context or {})})
    stack = GhStatsStack(app, stack_name_of(app), description="ghstats: GitHub organisation statistics collector")
    nag.apply(stack, app)
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
