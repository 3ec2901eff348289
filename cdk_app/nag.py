"""cdk-nag (v3) AwsSolutions checks, with every acknowledgment and its reason in one place.

Each acknowledgment names one granular finding (the rule and, for granular rules, the exact
finding it applies to, e.g. `AwsSolutions-IAM5[Resource::*]`) and is attached to the one
resource that has it, never to the stack: a new finding anywhere else, even of the same rule,
is not acknowledged and fails synthesis (ValidationFailed, listed in cdk.out's
validation-report.json).

Granularity limit: one finding id covers every statement of that resource with the same
string, e.g. a second Resource '*' statement in a function's default policy hides behind its
X-Ray acknowledgment. tests/infrastructure/test_stack.py asserts which actions may use '*'.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk.aws_apigatewayv2 import CfnRoute
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

from cdk_app.constants import DEAD_LETTER_QUEUES

NAMESPACE = "AwsSolutions"
BASIC_EXECUTION_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

BASIC_EXECUTION_ROLE_REASON = (
    "AWSLambdaBasicExecutionRole allows logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents on "
    "every resource ('*'), so the function could write to any log group in the account, not only its own; "
    "it grants no read, delete or other service. Accepted as Lambda's standard logging grant: the function's "
    "own log group is created by this stack with its retention.")
LAMBDA_STAR_REASON = (
    "Resource '*' only for xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing), which support "
    "no resource-level permissions.")
STATE_MACHINE_STAR_REASON = (
    "Resource '*' only for the CloudWatch Logs delivery actions Step Functions logging needs "
    "(logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, "
    "PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray's PutTraceSegments, "
    "PutTelemetryRecords, GetSamplingRules, GetSamplingTargets: none supports resource-level permissions.")
CHILD_EXECUTIONS_REASON = (
    "The Distributed Maps' child executions are created at run time, each with its own name under this state "
    "machine's: the grant names this machine and only DescribeExecution, StopExecution and RedriveExecution, "
    "which Step Functions needs to run, stop and redrive them.")
NESTED_MAPS_REASON = (
    "Each owner's child execution runs Distributed Maps of its own (its batches, its work items): their children "
    "are started from this state machine qualified by a Map's label (stateMachine:<name>/<label>); the grant names "
    "this machine and only StartExecution.")
SECRET_ROTATION_REASON = (
    "GitHub credentials cannot be rotated by Secrets Manager without GitHub's cooperation; a GitHub App "
    "installation token (the recommended credential) rotates itself every hour, and a PAT's expiry is set "
    "in GitHub.")

WEBHOOK_SECRET_ROTATION_REASON = (
    "The webhook secret is shared with GitHub's webhook settings: an automatic rotation would change it in Secrets "
    "Manager only, and every delivery would fail its signature check until someone pasted the new value into "
    "GitHub. Rotate it by hand, both sides together (README, Webhooks).")
WEBHOOK_ROUTE_AUTH_REASON = (
    "GitHub webhook deliveries cannot carry IAM, JWT or Cognito credentials. Each delivery is authenticated by its "
    "X-Hub-Signature-256 HMAC, which WebhookReceiver verifies against the webhook secret before it stores, dedupes "
    "or queues anything; an unsigned or badly signed request is answered 401. The stage is throttled.")


def dead_letter_reason(queue_id: str, role: str) -> str:
    return (f"This queue is itself a dead-letter queue: {role}. cdk-nag recognises only SQS redrive policies, "
            "not Lambda destinations, EventBridge target or Scheduler dead-letter queues. A dead-letter queue of a "
            f"dead-letter queue would only move the problem; the {queue_id}NotEmpty alarm notifies the topic.")


def prefix_reason(pattern: str) -> str:
    return (f"Object keys matching {pattern} are created at run time (one folder per run, day or dataset); the grant "
            "names this bucket and key prefix and only the object actions the function uses.")


@dataclass(frozen=True)
class Ack:
    construct: IConstruct  # the resource (L1) that has the finding
    finding: str  # the granular finding id, e.g. AwsSolutions::AwsSolutions-IAM5[Resource::*]
    reason: str


def finding(rule: str, applies_to: str | None = None) -> str:
    return f"{NAMESPACE}::{NAMESPACE}-{rule}" + (f"[{applies_to}]" if applies_to else "")


def default_policy(role) -> IConstruct:
    return role.node.find_child("DefaultPolicy").node.default_child


def acknowledgments(stack) -> list[Ack]:
    """Every finding this stack has by design, on the resource that has it."""
    acks: list[Ack] = []
    data = stack.get_logical_id(stack.bucket.node.default_child)
    for name, function in stack.every_function.items():
        acks.append(Ack(function.role.node.default_child, finding("IAM4", BASIC_EXECUTION_ROLE), BASIC_EXECUTION_ROLE_REASON))
        policy = default_policy(function.role)
        acks.append(Ack(policy, finding("IAM5", "Resource::*"), LAMBDA_STAR_REASON))
        for pattern in sorted(stack.s3_objects.get(name, ())):
            acks.append(Ack(policy, finding("IAM5", f"Resource::<{data}.Arn>/{pattern}"), prefix_reason(pattern)))
    machine_policy = default_policy(stack.state_machine.role)
    acks.append(Ack(machine_policy, finding("IAM5", "Resource::*"), STATE_MACHINE_STAR_REASON))
    for pattern in sorted(stack.state_machine_s3_objects):
        acks.append(Ack(machine_policy, finding("IAM5", f"Resource::<{data}.Arn>/{pattern}"), prefix_reason(pattern)))
    children = f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{stack.state_machine_name}/*"
    acks.append(Ack(machine_policy, finding("IAM5", f"Resource::{children}"), CHILD_EXECUTIONS_REASON))
    labelled = f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:{stack.state_machine_name}/*"
    acks.append(Ack(machine_policy, finding("IAM5", f"Resource::{labelled}"), NESTED_MAPS_REASON))
    for queue_id, queue in stack.dead_letter_queues.items():
        acks.append(Ack(queue.node.default_child, finding("SQS3"), dead_letter_reason(queue_id, DEAD_LETTER_QUEUES[queue_id])))
    secret = stack.secret.node.default_child  # None for an existing secret (not this stack's)
    if secret is not None:
        acks.append(Ack(secret, finding("SMG4"), SECRET_ROTATION_REASON))
    acks.append(Ack(stack.webhook_secret.node.default_child, finding("SMG4"), WEBHOOK_SECRET_ROTATION_REASON))
    for route in stack.webhook_api.node.find_all():
        if isinstance(route, CfnRoute):
            acks.append(Ack(route, finding("APIG4"), WEBHOOK_ROUTE_AUTH_REASON))
    return acks


def apply(stack: cdk.Stack, app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    for ack in acknowledgments(stack):
        cdk.Validations.of(ack.construct).acknowledge(cdk.Acknowledgment(id=ack.finding, reason=ack.reason))
