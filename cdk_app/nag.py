"""cdk-nag (v3) AwsSolutions checks, with every acknowledgment and its reason in one place.

Synthesis fails (ValidationFailed) on any finding not acknowledged here.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

BASIC_EXECUTION_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

RULE_REASONS = {
    "AwsSolutions-SMG4": "GitHub credentials cannot be rotated by Secrets Manager without GitHub's cooperation; "
                         "a GitHub App installation token (the recommended credential) rotates itself every hour, "
                         "and a PAT's expiry is set in GitHub.",
    "AwsSolutions-S1": "Only the access-log bucket does not log its own access (that would loop); the data "
                       "bucket logs to it.",
}


def acknowledgments(stack: cdk.Stack) -> dict[str, str]:
    """Finding id -> reason, for the granular findings this stack has by design."""
    data = stack.get_logical_id(stack.bucket.node.default_child)
    found = {
        f"AwsSolutions::AwsSolutions-IAM4[{BASIC_EXECUTION_ROLE}]":
            "Lambda roles use AWSLambdaBasicExecutionRole, the AWS managed policy that only lets the function "
            "write its own CloudWatch Logs.",
        "AwsSolutions::AwsSolutions-IAM5[Resource::*]":
            "Only X-Ray PutTraceSegments/PutTelemetryRecords and Step Functions' CloudWatch Logs delivery "
            "actions, which support no resource-level permissions.",
    }
    for prefix in ("runs", "latest", "datasets"):
        found[f"AwsSolutions::AwsSolutions-IAM5[Resource::<{data}.Arn>/{prefix}/*]"] = (
            f"Object keys under {prefix}/ are created at run time (one folder per run); the grant names this "
            "bucket and prefix and only the object actions the function uses.")
    return {**{f"AwsSolutions::{rule}": reason for rule, reason in RULE_REASONS.items()}, **found}


def apply(stack: cdk.Stack, app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    for finding, reason in acknowledgments(stack).items():
        cdk.Validations.of(stack).acknowledge(cdk.Acknowledgment(id=finding, reason=reason))
