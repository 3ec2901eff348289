"""The webhook receive path in the stack: HTTP API -> WebhookReceiver -> S3 events/raw/ + SQS."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk.assertions import Match, Template  # noqa: E402

from cdk_app import constants as c  # noqa: E402
from cdk_app.app import build_app  # noqa: E402
from ghstats import names  # noqa: E402
from ghstats.webhooks import names as webhook_names  # noqa: E402
from tests.infrastructure.test_stack import CONTEXT, STACK  # noqa: E402


@pytest.fixture(scope="module")
def built():
    app, stack = build_app(CONTEXT)
    app.synth()  # raises ValidationFailed on any unacknowledged cdk-nag finding
    return stack, Template.from_stack(stack)


def lid(stack, construct):
    return stack.get_logical_id(construct.node.default_child)


def receiver_props(built):
    stack, template = built
    return template.to_json()["Resources"][lid(stack, stack.webhook_functions[c.WEBHOOK_FUNCTION_NAME])]["Properties"]


def test_the_receiver_runs_the_webhook_handler_with_its_size(built):
    props = receiver_props(built)
    spec = c.WEBHOOK_FUNCTION
    assert spec.handler == "handlers.webhook_receiver.handler"
    assert props["Handler"] == spec.handler and props["Runtime"] == "python3.14"
    assert (props["MemorySize"], props["Timeout"]) == (512, 10)
    assert props["TracingConfig"] == {"Mode": "Active"}
    # the same code asset as the collector's functions
    stack, template = built
    collector = template.to_json()["Resources"][lid(stack, stack.functions["ListRepos"])]["Properties"]
    assert props["Code"] == collector["Code"]


def test_the_receiver_environment_names_the_secret_and_holds_no_secret_value(built):
    stack, _ = built
    env = receiver_props(built)["Environment"]["Variables"]
    assert set(env) == {webhook_names.ENV_WEBHOOK_SECRET_NAME, webhook_names.ENV_WEBHOOK_QUEUE_URL, names.ENV_BUCKET,
                        names.ENV_TABLE, names.ENV_STACK_NAME, "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}
    secret = lid(stack, stack.webhook_secret)
    # the secret's name (derived from its ARN), never a value or a dynamic reference to one
    assert json.dumps(env[webhook_names.ENV_WEBHOOK_SECRET_NAME]) == json.dumps(stack.resolve(stack.webhook_secret.secret_name))
    assert f'{{"Ref": "{secret}"}}' in json.dumps(env[webhook_names.ENV_WEBHOOK_SECRET_NAME])  # from its ARN
    assert "resolve:secretsmanager" not in json.dumps(env) and "SecretString" not in json.dumps(env)
    assert env[webhook_names.ENV_WEBHOOK_QUEUE_URL] == {"Ref": lid(stack, stack.webhook_queue)}
    assert names.ENV_SECRET_NAME not in env  # no GitHub credentials
    assert env[names.ENV_BUCKET] == {"Ref": lid(stack, stack.bucket)} and env[names.ENV_STACK_NAME] == STACK


def test_the_webhook_secret_is_generated_by_secrets_manager(built):
    stack, template = built
    props = template.to_json()["Resources"][lid(stack, stack.webhook_secret)]["Properties"]
    assert "SecretString" not in props
    assert props["GenerateSecretString"] == {"ExcludePunctuation": True, "PasswordLength": c.WEBHOOK_SECRET_LENGTH}
    assert "resolve:secretsmanager" not in json.dumps(template.to_json())


def test_the_receiver_may_do_exactly_what_it_calls_on_exactly_its_resources(built):
    stack, template = built
    role = {"Ref": lid(stack, stack.webhook_functions[c.WEBHOOK_FUNCTION_NAME].role)}
    found = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if role in policy["Properties"]["Roles"]:
            assert policy["Properties"]["Roles"] == [role]
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    data, table = lid(stack, stack.bucket), lid(stack, stack.table)
    assert sorted(found, key=json.dumps) == sorted([
        {"Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Effect": "Allow", "Resource": "*"},
        {"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": {"Ref": lid(stack, stack.webhook_secret)}},
        {"Action": "s3:PutObject", "Effect": "Allow",
         "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [data, "Arn"]}, "/events/raw/*"]]}},
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": {"Fn::GetAtt": [lid(stack, stack.webhook_queue), "Arn"]}},
        {"Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"], "Effect": "Allow", "Resource": {"Fn::GetAtt": [table, "Arn"]}},
    ], key=json.dumps)
    assert c.WEBHOOK_RAW_PREFIX + "/" == webhook_names.RAW_PREFIX  # the grant is where the receiver writes


def test_the_post_route_goes_to_the_receiver_with_payload_format_2(built):
    stack, template = built
    function = lid(stack, stack.webhook_functions[c.WEBHOOK_FUNCTION_NAME])
    [route] = template.find_resources("AWS::ApiGatewayV2::Route").values()
    assert route["Properties"]["RouteKey"] == f"POST {c.WEBHOOK_PATH}"
    [integration] = template.find_resources("AWS::ApiGatewayV2::Integration").values()
    assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
    assert integration["Properties"]["PayloadFormatVersion"] == "2.0"
    assert integration["Properties"]["IntegrationUri"] == {"Fn::GetAtt": [function, "Arn"]}
    [permission] = [p["Properties"] for p in template.find_resources("AWS::Lambda::Permission").values()
                    if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function, "Arn"]}]
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Join"][1][-1].endswith(c.WEBHOOK_PATH)  # this API's route only


def test_the_stage_is_throttled_and_logs_access_without_headers(built):
    stack, template = built
    [stage] = template.find_resources("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "$default" and props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {"ThrottlingBurstLimit": c.WEBHOOK_THROTTLE_BURST,
                                             "ThrottlingRateLimit": c.WEBHOOK_THROTTLE_RATE}
    [group_id] = [k for k, g in template.find_resources("AWS::Logs::LogGroup").items() if k.startswith("WebhookApiAccessLogs")]
    assert props["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": [group_id, "Arn"]}
    fields = json.loads(props["AccessLogSettings"]["Format"])
    assert {"requestId", "ip", "status", "routeKey"} <= set(fields)
    assert "header" not in props["AccessLogSettings"]["Format"].lower()  # the signature header stays out
    assert template.find_resources("AWS::Logs::LogGroup")[group_id]["Properties"]["RetentionInDays"] == 90


def test_the_queue_is_encrypted_tls_only_and_redrives_to_an_alarmed_dead_letter_queue(built):
    stack, template = built
    queue, dlq = lid(stack, stack.webhook_queue), lid(stack, stack.webhook_dlq)
    queues = template.find_resources("AWS::SQS::Queue")
    assert queues[queue]["Properties"]["SqsManagedSseEnabled"] is True
    assert queues[dlq]["Properties"]["SqsManagedSseEnabled"] is True
    assert queues[queue]["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": c.WEBHOOK_MAX_RECEIVE_COUNT}
    for queue_id in (queue, dlq):
        [policy] = [p for p in template.find_resources("AWS::SQS::QueuePolicy").values()
                    if p["Properties"]["Queues"] == [{"Ref": queue_id}]]
        assert {"Action": "sqs:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
                "Principal": {"AWS": "*"}, "Resource": {"Fn::GetAtt": [queue_id, "Arn"]}} \
            in policy["Properties"]["PolicyDocument"]["Statement"]
    [alarm] = [a["Properties"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()
               if a["Properties"].get("Dimensions") == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}]]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible" and alarm["Namespace"] == "AWS/SQS"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")  # > 0
    assert alarm["AlarmActions"] == [{"Ref": lid(stack, stack.topic)}]
    # no consumer yet: nothing reads the queue
    assert not template.find_resources("AWS::Lambda::EventSourceMapping")


def test_outputs_give_the_webhook_url_and_the_secrets_name(built):
    stack, template = built
    outputs = template.to_json()["Outputs"]
    assert outputs[c.OUTPUT_WEBHOOK_URL]["Value"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": [lid(stack, stack.webhook_api), "ApiEndpoint"]}, c.WEBHOOK_PATH]]}
    secret_name = outputs[c.OUTPUT_WEBHOOK_SECRET]["Value"]
    assert lid(stack, stack.webhook_secret) in json.dumps(secret_name)
    assert secret_name == receiver_props(built)["Environment"]["Variables"][webhook_names.ENV_WEBHOOK_SECRET_NAME]
    template.has_output(c.OUTPUT_WEBHOOK_URL, {"Value": Match.any_value()})
