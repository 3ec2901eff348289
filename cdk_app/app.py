"""CDK entry point (cdk.json: `.venv/bin/python -m cdk_app.app`)."""

from __future__ import annotations

import aws_cdk as cdk

from cdk_app import nag
from cdk_app.constants import STACK_NAME
from cdk_app.stack import GhStatsStack


def build_app(context: dict | None = None) -> tuple[cdk.App, GhStatsStack]:
    app = cdk.App(context=context or {})
    stack = GhStatsStack(app, STACK_NAME, description="ghstats: GitHub organisation statistics collector")
    nag.apply(stack, app)
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
