"""The webhook path in the stack: HTTP API -> WebhookReceiver -> S3 events/raw/ + SQS ->
WebhookProcessor -> ledger state; WebhookSweep hourly (redeliveries, rollup into datasets/webhooks_*)."""

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
from tests.infrastructure.test_stack import CONTEXT, STACK, settings  # noqa: E402

HOOKS = [{"org": "acme", "hook_id": 123}, {"app": True}]


@pytest.fixture(scope="module")
def built():
    app, stack = build_app({**CONTEXT, "ghstats:webhookHooks": HOOKS})
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
        ledger(table, ["dynamodb:GetItem", "dynamodb:UpdateItem"], ["DELIVERY#*"]),  # its marks, never a run's item
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


def test_outputs_give_the_webhook_url_and_the_secrets_name(built):
    stack, template = built
    outputs = template.to_json()["Outputs"]
    assert outputs[c.OUTPUT_WEBHOOK_URL]["Value"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": [lid(stack, stack.webhook_api), "ApiEndpoint"]}, c.WEBHOOK_PATH]]}
    secret_name = outputs[c.OUTPUT_WEBHOOK_SECRET]["Value"]
    assert lid(stack, stack.webhook_secret) in json.dumps(secret_name)
    assert secret_name == receiver_props(built)["Environment"]["Variables"][webhook_names.ENV_WEBHOOK_SECRET_NAME]
    template.has_output(c.OUTPUT_WEBHOOK_URL, {"Value": Match.any_value()})


# -- WebhookProcessor and WebhookSweep -----------------------------------------------------------

def function_props(built, name):
    stack, template = built
    return template.to_json()["Resources"][lid(stack, stack.webhook_functions[name])]["Properties"]


def role_statements(built, name):
    """Every statement of the policies attached to one function's role (its only)."""
    stack, template = built
    role = {"Ref": lid(stack, stack.every_function[name].role)}
    found = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if role in policy["Properties"]["Roles"]:
            assert policy["Properties"]["Roles"] == [role]
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def objects(data, *patterns):
    arns = [{"Fn::Join": ["", [{"Fn::GetAtt": [data, "Arn"]}, f"/{p}"]]} for p in patterns]
    return arns[0] if len(arns) == 1 else arns


def ledger(table, actions, keys):
    return {"Action": sorted(actions), "Effect": "Allow", "Resource": {"Fn::GetAtt": [table, "Arn"]},
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(keys)}}}


def actions_of(statements):
    return {a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}


TRACING = {"Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Effect": "Allow", "Resource": "*"}
COMMON_ENV = {names.ENV_BUCKET, names.ENV_TABLE, names.ENV_STACK_NAME, "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}


@pytest.mark.parametrize("name, handler, memory, timeout", [
    (c.WEBHOOK_PROCESSOR_NAME, "handlers.webhook_processor.handler", 512, 60),
    (c.WEBHOOK_SWEEP_NAME, "handlers.webhook_sweep.handler", 512, 300),
])
def test_the_processor_and_the_sweep_run_their_handlers_with_their_sizes_and_own_logs(built, name, handler, memory, timeout):
    stack, template = built
    props = function_props(built, name)
    assert props["Handler"] == handler and props["Runtime"] == "python3.14"
    assert (props["MemorySize"], props["Timeout"]) == (memory, timeout)
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Code"] == function_props(built, c.WEBHOOK_FUNCTION_NAME)["Code"]  # the one code asset
    group = props["LoggingConfig"]["LogGroup"]["Ref"]
    assert group.startswith(f"{name}Logs")
    assert template.find_resources("AWS::Logs::LogGroup")[group]["Properties"]["RetentionInDays"] == 90
    assert name in stack.every_function  # so cdk-nag's per-function acknowledgments and checks cover it


def test_the_processor_consumes_the_queue_in_batches_and_reports_item_failures(built):
    stack, template = built
    [mapping] = template.find_resources("AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": [lid(stack, stack.webhook_queue), "Arn"]}
    assert props["FunctionName"] == {"Ref": lid(stack, stack.webhook_functions[c.WEBHOOK_PROCESSOR_NAME])}
    assert (props["BatchSize"], props["MaximumBatchingWindowInSeconds"]) == (10, 5)
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]  # a failed message is retried alone


def test_the_queue_hides_a_batch_for_at_least_six_times_the_processor_timeout(built):
    stack, template = built
    queue = template.find_resources("AWS::SQS::Queue")[lid(stack, stack.webhook_queue)]["Properties"]
    timeout = function_props(built, c.WEBHOOK_PROCESSOR_NAME)["Timeout"]
    window = template.to_json()["Resources"][next(iter(template.find_resources("AWS::Lambda::EventSourceMapping")))][
        "Properties"]["MaximumBatchingWindowInSeconds"]
    assert queue["VisibilityTimeout"] >= 6 * timeout + window
    assert queue["MessageRetentionPeriod"] == 14 * 86400  # SQS's maximum: a stuck processor loses nothing for two weeks


def test_the_processor_gets_no_github_credentials_nor_hosts(built):
    env = function_props(built, c.WEBHOOK_PROCESSOR_NAME)["Environment"]["Variables"]
    assert set(env) == COMMON_ENV
    assert env[names.ENV_STACK_NAME] == STACK


def test_the_processor_reads_raw_deliveries_and_writes_only_its_own_ledger_items(built):
    stack, _ = built
    data, table, queue = lid(stack, stack.bucket), lid(stack, stack.table), lid(stack, stack.webhook_queue)
    found = role_statements(built, c.WEBHOOK_PROCESSOR_NAME)
    assert sorted(found, key=json.dumps) == sorted([
        TRACING,
        {"Action": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
                    "sqs:ReceiveMessage"], "Effect": "Allow", "Resource": {"Fn::GetAtt": [queue, "Arn"]}},
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": objects(data, "events/raw/*")},
        {"Action": "s3:ListBucket", "Effect": "Allow", "Resource": {"Fn::GetAtt": [data, "Arn"]},  # 404, not 403
         "Condition": {"StringLike": {"s3:prefix": ["events/raw/*"]}}},
        ledger(table, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"], ["WH*"]),
    ], key=json.dumps)
    actions = actions_of(found)
    assert "s3:PutObject" not in actions and not any(a.startswith(("secretsmanager:", "kms:")) for a in actions)


def test_the_sweep_environment_names_the_github_secret_hosts_and_hooks(built):
    stack, _ = built
    env = function_props(built, c.WEBHOOK_SWEEP_NAME)["Environment"]["Variables"]
    assert set(env) == COMMON_ENV | {names.ENV_SECRET_NAME, names.ENV_GITHUB_API_URLS, webhook_names.ENV_WEBHOOK_HOOKS}
    list_repos = built[1].to_json()["Resources"][lid(stack, stack.functions["ListRepos"])]["Properties"]["Environment"]["Variables"]
    for key in (names.ENV_SECRET_NAME, names.ENV_GITHUB_API_URLS):  # exactly as the collection's functions get them
        assert env[key] == list_repos[key]
    assert lid(stack, stack.secret) in json.dumps(env[names.ENV_SECRET_NAME])  # the GitHub credentials' name
    assert json.loads(env[webhook_names.ENV_WEBHOOK_HOOKS]) == HOOKS
    assert webhook_names.ENV_WEBHOOK_HOOKS == "GHSTATS_WEBHOOK_HOOKS"


def test_the_sweep_may_read_the_github_secret_and_use_only_its_prefixes_and_keys(built):
    stack, _ = built
    data, table = lid(stack, stack.bucket), lid(stack, stack.table)
    failures = lid(stack, stack.dead_letter_queues[c.WEBHOOK_SWEEP_DLQ])
    found = role_statements(built, c.WEBHOOK_SWEEP_NAME)
    assert sorted(found, key=json.dumps) == sorted([
        TRACING,
        {"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": {"Ref": lid(stack, stack.secret)}},
        ledger(table, ["dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem",
                       "dynamodb:Query", "dynamodb:UpdateItem"], ["WH*", "SWEEP*", "DELIVERY#*"]),
        {"Action": "s3:PutObject", "Effect": "Allow", "Resource": objects(data, "datasets/webhooks_*")},  # reads none
        {"Action": ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"], "Effect": "Allow",
         "Resource": {"Fn::GetAtt": [failures, "Arn"]}},  # its on-failure destination
    ], key=json.dumps)


def test_of_the_webhook_functions_only_the_sweep_reads_the_github_secret(built):
    stack, _ = built
    github = {"Ref": lid(stack, stack.secret)}
    readers = {name for name in stack.webhook_functions
               if any(s["Resource"] == github for s in role_statements(built, name))}
    assert readers == {c.WEBHOOK_SWEEP_NAME}


def test_the_grants_are_where_the_webhook_code_reads_and_writes():
    assert f"{c.WEBHOOK_RAW_PREFIX}/" == webhook_names.RAW_PREFIX
    assert webhook_names.raw_key("pull_request", "2024-05-06", "123", "guid").startswith(c.WEBHOOK_RAW_OBJECTS.rstrip("*"))
    for dataset in (webhook_names.dataset_name("pull_requests"), webhook_names.dataset_name("jobs", daily=True)):
        assert f"datasets/{dataset}/dt=2024-05-06/part.jsonl".startswith(c.WEBHOOK_DATASET_OBJECTS.rstrip("*"))
    pks = [webhook_names.state_pk("pr", "1"), webhook_names.day_pk("pr", "2024-05-06"), webhook_names.DIRTY_PK,
           webhook_names.merge_sha_pk(1, "abc")]
    assert all(pk.startswith(c.WEBHOOK_PROCESSOR_LEADING_KEYS[0].rstrip("*")) for pk in pks)
    assert webhook_names.delivery_pk("123", "guid").startswith("DELIVERY#") and "DELIVERY#*" in c.WEBHOOK_SWEEP_LEADING_KEYS
    assert not any(pk.startswith(("RUN", "LOCK")) for pk in c.WEBHOOK_SWEEP_LEADING_KEYS)


def test_an_hourly_rule_invokes_the_sweep_and_its_failures_are_dead_lettered_and_alarmed(built):
    stack, template = built
    sweep = lid(stack, stack.webhook_functions[c.WEBHOOK_SWEEP_NAME])
    [rule] = [r["Properties"] for r in template.find_resources("AWS::Events::Rule").values()
              if r["Properties"].get("ScheduleExpression")]
    assert rule["ScheduleExpression"] == "rate(1 hour)" and rule["State"] == "ENABLED"
    [target] = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [sweep, "Arn"]}
    undelivered = lid(stack, stack.dead_letter_queues[c.WEBHOOK_SWEEP_RULE_DLQ])
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [undelivered, "Arn"]}}
    [permission] = [p["Properties"] for p in template.find_resources("AWS::Lambda::Permission").values()
                    if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [sweep, "Arn"]}]
    assert permission["Principal"] == "events.amazonaws.com"
    [config] = [e["Properties"] for e in template.find_resources("AWS::Lambda::EventInvokeConfig").values()
                if e["Properties"]["FunctionName"] == {"Ref": sweep}]
    failures = lid(stack, stack.dead_letter_queues[c.WEBHOOK_SWEEP_DLQ])
    assert config["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [failures, "Arn"]}}}
    assert config["MaximumEventAgeInSeconds"] == 3600  # an hour late, the next sweep does its work
    for queue in (undelivered, failures):
        [alarm] = [a["Properties"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()
                   if a["Properties"].get("Dimensions") == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]]
        assert alarm["AlarmActions"] == [{"Ref": lid(stack, stack.topic)}]


def test_webhook_hooks_default_to_none_and_are_read_from_json_and_the_command_line():
    assert settings().webhook_hooks == ()
    assert json.loads((c.CDK_JSON).read_text())["context"]["ghstats:webhookHooks"] == c.CONTEXT_DEFAULTS["ghstats:webhookHooks"] == []
    assert settings(**{"ghstats:webhookHooks": HOOKS}).webhook_hooks == tuple(HOOKS)
    assert settings(**{"ghstats:webhookHooks": json.dumps(HOOKS)}).webhook_hooks == tuple(HOOKS)  # -c '[...]'
    assert settings(**{"ghstats:webhookHooks": "[]"}).webhook_hooks == ()
    # what ghstats.webhooks.sweep.parse_hooks also reads: the App hook's id, a hook's GitHub host
    ghes = "https://ghe.example.com/api/v3"
    given = [{"app": True, "hook_id": 9}, {"org": "acme", "hook_id": 1, "api_url": ghes + "/"}]
    assert settings(**{"ghstats:webhookHooks": given, "ghstats:githubApiUrls": [ghes, "https://api.github.com"]}).webhook_hooks == (
        {"app": True, "hook_id": 9}, {"org": "acme", "hook_id": 1, "api_url": ghes})
    from ghstats.webhooks.sweep import parse_hooks

    assert [h.name for h in parse_hooks(json.dumps(HOOKS))] == ["acme/123", "app"]  # the sweep reads what synth writes


@pytest.mark.parametrize("given, where, fix", [
    ({"org": "acme", "hook_id": 1}, "ghstats:webhookHooks", "is not a list of webhooks; use e.g."),
    ("acme", "ghstats:webhookHooks", "is not a JSON list of webhooks"),
    (["acme"], r"ghstats:webhookHooks\[0\]", "is not an object"),
    ([{"org": "acme"}], r"ghstats:webhookHooks\[0\]\.hook_id", "None is not a webhook id; use the positive whole number"),
    ([{"org": "acme", "hook_id": 0}], r"ghstats:webhookHooks\[0\]\.hook_id", "0 is not a webhook id"),
    ([{"org": "acme", "hook_id": "123"}], r"ghstats:webhookHooks\[0\]\.hook_id", "'123' is not a webhook id"),
    ([{"org": "acme", "hook_id": True}], r"ghstats:webhookHooks\[0\]\.hook_id", "True is not a webhook id"),
    ([{"org": "-acme", "hook_id": 1}], r"ghstats:webhookHooks\[0\]\.org", "is not a GitHub organisation login"),
    ([{"hook_id": 1}], r"ghstats:webhookHooks\[0\]\.org", "None is not a GitHub organisation login"),
    ([{"org": "acme", "hook_id": 1, "events": ["push"]}], r"ghstats:webhookHooks\[0\]\.events",
     "is not a key of this webhook; allowed keys are org, hook_id, api_url"),
    ([{"app": True, "secret": "x"}], r"ghstats:webhookHooks\[0\]\.secret", "allowed keys are app, hook_id, api_url"),
    ([{"app": True, "hook_id": -5}], r"ghstats:webhookHooks\[0\]\.hook_id", "-5 is not a webhook id"),
    ([{"org": "acme", "hook_id": 1, "api_url": "http://ghe.example.com/api/v3"}], r"ghstats:webhookHooks\[0\]\.api_url",
     "is not an https URL"),
    ([{"org": "acme", "hook_id": 1, "api_url": "https://ghe.example.com/api/v3"}], "ghstats:githubApiUrls",
     r"does not include 'https://ghe.example.com/api/v3' \('ghstats:webhookHooks\[0\]\.api_url'\)"),
    ([{"app": False}], r"ghstats:webhookHooks\[0\]", r"the App's webhook is \{\"app\": true\} \(with no \"org\"\)"),
    ([{"app": True, "org": "acme"}], r"ghstats:webhookHooks\[0\]", "with no"),
    ([{"app": True}, {"app": True}], r"ghstats:webhookHooks\[1\]", "is listed twice"),
    ([{"org": "acme", "hook_id": 1}, {"org": "acme", "hook_id": 1}], r"ghstats:webhookHooks\[1\]", "is listed twice"),
])
def test_a_bad_webhook_hooks_value_fails_synth_naming_the_key_and_the_fix(given, where, fix):
    with pytest.raises(ValueError, match=rf"cdk.json context '{where}': .*{fix}"):
        settings(**{"ghstats:webhookHooks": given})


def test_aggregate_may_read_the_webhook_datasets_for_the_periods_figures_and_not_the_raw_deliveries(built):
    stack, _ = built
    data = lid(stack, stack.bucket)
    found = role_statements(built, "Aggregate")
    wanted = objects(data, "datasets/webhooks_*")
    readable = [r for st in found if "s3:GetObject" in json.dumps(st["Action"])
                for r in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])]
    assert wanted in readable
    assert "events/raw" not in json.dumps(found)
