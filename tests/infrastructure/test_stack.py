"""The CDK stack: synthesized offline (bundling skipped), checked on what matters."""

from __future__ import annotations

import json
import os
import re
import subprocess
import warnings
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk.assertions import Match, Template  # noqa: E402

from cdk_app import constants as c  # noqa: E402
from cdk_app.app import build_app  # noqa: E402
from cdk_app.bundling import PipLocalBundling  # noqa: E402
from ghstats import names  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
COLLECTION = {"orgs": [{"name": "acme", "exclude": ["acme/old"]}, "globex"], "repos": ["octo/hello"],
              "batch_size": 40, "max_concurrency": 3}
STACK = "ghstats-test"  # not the default: what is named after the stack must use its name
CONTEXT = {"aws:cdk:bundling-stacks": [], "ghstats:collection": COLLECTION, "ghstats:stackName": STACK,
           "ghstats:notificationEmail": "ops@example.com",
           "ghstats:schedules": [{"name": "weekly", "schedule": "cron(0 2 ? * MON *)"}]}


def one_schedule(expression):
    return {"ghstats:schedules": [{"name": "weekly", "schedule": expression}]}
# Actions that support no resource-level permissions.
STAR_ONLY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                     "xray:GetSamplingTargets", "logs:CreateLogDelivery", "logs:GetLogDelivery",
                     "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries",
                     "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"}


@pytest.fixture(scope="module")
def synthesized():
    app, stack = build_app(CONTEXT)
    assembly = app.synth()  # raises ValidationFailed on any unacknowledged cdk-nag finding
    return stack, Template.from_stack(stack), assembly


@pytest.fixture(scope="module")
def template(synthesized):
    return synthesized[1]


@pytest.fixture(scope="module")
def destroyable():
    """The stack with -c ghstats:retainData=false (a string, as the CLI passes it), default name."""
    context = {key: value for key, value in CONTEXT.items() if key != "ghstats:stackName"}
    app, stack = build_app({**context, "ghstats:retainData": "false"})
    app.synth()
    return stack, Template.from_stack(stack)


def resources(template, kind):
    return template.find_resources(kind)


def logical_id(synthesized, construct):
    stack = synthesized[0]
    return stack.get_logical_id(construct.node.default_child)


def statements(template):
    for policy_id, policy in resources(template, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            res = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            yield policy_id, set(actions), res, statement


def validation_report(directory) -> dict:
    """What CDK writes after running the validation plugins (cdk-nag): cdk.out/validation-report.json."""
    return json.loads((Path(directory) / "validation-report.json").read_text())


def nag_findings(report: dict, key: str) -> set[tuple]:
    [nag] = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    if key == "violations":
        return {(v["ruleName"], c["constructPath"]) for v in nag["violations"] for c in v["violatingConstructs"]}
    return {(v["acknowledgedId"], c["constructPath"], v["acknowledgedAt"], v["reason"])
            for v in nag["suppressedViolations"] for c in v["violatingConstructs"]}


def test_cdk_nag_passes_with_each_acknowledgment_on_the_resource_that_has_it(synthesized):
    from cdk_app.nag import acknowledgments

    report = validation_report(synthesized[2].directory)
    assert [r["conclusion"] for r in report["pluginReports"]] == ["success"]  # cdk-nag ran, found nothing new
    suppressed = nag_findings(report, "suppressedViolations")
    assert all(path == acknowledged_at for _, path, acknowledged_at, _ in suppressed)  # never an ancestor
    acks = acknowledgments(synthesized[0])
    # every acknowledgment is used (none stale) and every suppressed finding is one of them
    assert {(a.finding, a.construct.node.path, a.reason) for a in acks} == {(f, p, r) for f, p, _, r in suppressed}
    for ack in acks:
        assert len(ack.reason) > 60, ack
        if "-IAM4" in ack.finding or "-IAM5" in ack.finding:  # granular rules: the exact finding
            assert ack.finding.endswith("]") and "[" in ack.finding, ack


def test_an_unacknowledged_finding_fails_synth_and_the_report_lists_it():
    from aws_cdk import aws_iam as iam, aws_s3 as s3

    app, stack = build_app(CONTEXT)
    s3.Bucket(stack, "Unlogged", enforce_ssl=True, encryption=s3.BucketEncryption.S3_MANAGED)
    iam.Policy(stack, "Wide", roles=[stack.functions["TrackRun"].role],
               statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])])
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = validation_report(app.outdir)
    assert "failure" in [r["conclusion"] for r in report["pluginReports"]]
    violations = nag_findings(report, "violations")
    assert ("AwsSolutions-S1", f"{STACK}/Unlogged/Resource") in violations  # the same rule is not acknowledged elsewhere
    assert ("AwsSolutions-IAM5[Resource::*]", f"{STACK}/Wide/Resource") in violations  # nor the same granular finding


def test_definition_substitutions_resolve_to_the_right_functions(synthesized, template):
    [machine] = resources(template, "AWS::StepFunctions::StateMachine").values()
    props = machine["Properties"]
    stack = synthesized[0]
    subs = props["DefinitionSubstitutions"]
    for key, name in c.ASL_FUNCTIONS.items():
        assert subs[key] == {"Fn::GetAtt": [logical_id(synthesized, stack.functions[name]), "Arn"]}
    assert subs["LedgerTableName"] == {"Ref": logical_id(synthesized, stack.table)}
    assert subs["EventBusName"] == "default"
    assert subs["EventSource"] == STACK and subs["StackName"] == STACK
    placeholders = set(re.findall(r"\$\{(\w+)\}", c.ASL_PATH.read_text()))
    assert placeholders <= set(subs)  # every placeholder is substituted
    assert subs["BucketName"] == {"Ref": logical_id(synthesized, stack.bucket)}
    assert subs["MapResultsPrefix"] == names.MAP_RESULTS_PREFIX
    assert set(subs) == set(c.ASL_FUNCTIONS) | {"LedgerTableName", "EventBusName", "EventSource", "StackName", "BucketName",
                                                "MapResultsPrefix"}
    assert props["StateMachineName"] == f"{STACK}-Collect"
    assert json.loads(props["DefinitionString"]) == json.loads(c.ASL_PATH.read_text())
    assert props["StateMachineType"] == "STANDARD" and props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == "ALL"


def test_functions_run_the_handlers_with_their_sizes(synthesized, template):
    stack = synthesized[0]
    for name, spec in c.FUNCTIONS.items():
        props = template.to_json()["Resources"][logical_id(synthesized, stack.functions[name])]["Properties"]
        assert props["Handler"] == spec.handler and props["Runtime"] == "python3.14"
        assert (props["MemorySize"], props["Timeout"]) == (spec.memory_mb, spec.timeout_s)  # Aggregate: the default
        assert props["TracingConfig"] == {"Mode": "Active"}
        env = props["Environment"]["Variables"]
        assert set(env) == {names.ENV_BUCKET, names.ENV_TABLE, names.ENV_SECRET_NAME, names.ENV_STACK_NAME,
                            names.ENV_GITHUB_API_URLS, names.ENV_AGGREGATE_MEMORY_MB, "POWERTOOLS_SERVICE_NAME",
                            "POWERTOOLS_METRICS_NAMESPACE"}
        assert env[names.ENV_STACK_NAME] == STACK
        assert env[names.ENV_AGGREGATE_MEMORY_MB] == "3008"  # the default, as Aggregate is sized
        assert json.loads(env[names.ENV_GITHUB_API_URLS]) == ["https://api.github.com"]  # the default
        assert "GITHUB_TOKEN" not in json.dumps(env)
    for group in resources(template, "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] == 90


def test_no_star_resource_where_a_resource_can_be_named(template):
    for policy_id, actions, res, _ in statements(template):
        if "*" in res:
            assert actions <= STAR_ONLY_ACTIONS, (policy_id, actions)
        for action in actions:
            assert not action.endswith(":*"), (policy_id, action)


def test_state_machine_role_can_do_exactly_what_the_asl_uses(synthesized, template):
    stack = synthesized[0]
    role = logical_id(synthesized, stack.state_machine.role)
    granted, conditions = {}, {}
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                for action in actions:
                    granted.setdefault(action, []).append(statement["Resource"])
                    conditions.setdefault(action, []).append(statement.get("Condition"))
    functions = sorted(logical_id(synthesized, stack.functions[n]) for n in c.ASL_FUNCTIONS.values())
    assert sorted(r["Fn::GetAtt"][0] for r in granted["lambda:InvokeFunction"][0]) == functions
    assert granted["dynamodb:UpdateItem"] == [{"Fn::GetAtt": [logical_id(synthesized, stack.table), "Arn"]}]
    assert "event-bus/default" in json.dumps(granted["events:PutEvents"])
    assert conditions["events:PutEvents"] == [{"StringEquals": {"events:source": STACK}}]  # only its own events
    # the Distributed Maps: child executions of this machine only, its manifests, its ResultWriter's prefix
    pseudo = {"AWS::Partition": "aws", "AWS::Region": "REGION", "AWS::AccountId": "ACCOUNT"}
    states = "arn:aws:states:REGION:ACCOUNT"
    assert [rendered(r, pseudo) for r in granted["states:StartExecution"][0]] == [
        f"{states}:stateMachine:{STACK}-Collect", f"{states}:stateMachine:{STACK}-Collect/*"]  # and the nested Maps' children
    for action in ("states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"):
        assert [rendered(r, pseudo) for r in granted[action]] == [f"{states}:execution:{STACK}-Collect/*"]
    bucket = logical_id(synthesized, stack.bucket)
    in_bucket = lambda r: r["Fn::Join"][1][-1] if r["Fn::Join"][1][0] == {"Fn::GetAtt": [bucket, "Arn"]} else None
    assert [in_bucket(r) for r in granted["s3:GetObject"][0]] == [
        "/runs/*/owners.json", "/runs/*/owners/*/batches.json", "/runs/*/owners/*/org-items.json"]
    for action in ("s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"):
        assert [in_bucket(r) for r in granted[action]] == [f"/{names.MAP_RESULTS_PREFIX}/*"]
    assert {a.split(":")[0] for a in granted} <= {"lambda", "dynamodb", "events", "logs", "xray", "states", "s3"}


def role_actions(synthesized, template, function_name):
    """Every action in the policies attached to one function's role, and where it may write in S3."""
    role = logical_id(synthesized, synthesized[0].functions[function_name].role)
    actions, s3_writes = set(), []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                actions |= set(listed)
                if "s3:PutObject" in listed:
                    targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                    s3_writes += [t["Fn::Join"][1][-1] for t in targets]  # bucket ARN + "/prefix/*"
    return actions, set(s3_writes)


TRACING = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
SECRET_READ = {"secretsmanager:GetSecretValue"}
DLQ_SEND = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}  # on-failure destination (SqsDestination)
S3_READ_WRITE = {"s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:PutObjectTagging"}


@pytest.mark.parametrize("function_name, expected", [
    ("PlanRun", TRACING | SECRET_READ | S3_READ_WRITE | {"dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem"}),
    ("ListRepos", TRACING | SECRET_READ | S3_READ_WRITE | {"dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem"}),
    ("QueryBatch", TRACING | SECRET_READ | S3_READ_WRITE | {"dynamodb:UpdateItem", "dynamodb:GetItem"}),
    ("CollectOrg", TRACING | SECRET_READ | S3_READ_WRITE | {"dynamodb:UpdateItem", "dynamodb:GetItem"}),
    # its outputs carry no tags; the large ones are multipart uploads, aborted when a part fails
    ("Aggregate", TRACING | S3_READ_WRITE - {"s3:PutObjectTagging"} | {"s3:AbortMultipartUpload"}),
    ("TrackRun", TRACING | {"dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:Query"} | DLQ_SEND),
    ("StartRun", TRACING | {"dynamodb:GetItem", "dynamodb:UpdateItem"}),  # the ledger only: no S3, no secret
])
def test_lambdas_have_exactly_the_actions_they_use(synthesized, template, function_name, expected):
    actions, s3_writes = role_actions(synthesized, template, function_name)
    assert actions == expected
    assert s3_writes == {"PlanRun": {"/runs/*"}, "ListRepos": {"/runs/*"}, "QueryBatch": {"/runs/*"}, "CollectOrg": {"/runs/*", "/state/*"}, "TrackRun": set(),
                         "StartRun": set(),
                         "Aggregate": {"/runs/*", "/latest/*", "/datasets/*"}}[function_name]


def test_the_planning_step_reads_what_the_previous_runs_left_for_its_prediction(synthesized, template):
    # the alert lists' records (latest/), the ETag caches (state/), the previous summary (runs/): read only
    role = logical_id(synthesized, synthesized[0].functions["PlanRun"].role)
    reads = set()
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if "s3:GetObject" in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]):
                    targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                    reads |= {t["Fn::Join"][1][-1] for t in targets}
    assert reads == {"/runs/*", "/latest/*", "/state/*"}
    assert role_actions(synthesized, template, "PlanRun")[1] == {"/runs/*"}  # writes stay under runs/


def secret_statements(stack, template):
    """(function name, actions, resources, condition) of each statement with secretsmanager or kms actions."""
    roles = {stack.get_logical_id(f.role.node.default_child): name
             for name, f in stack.every_function.items()}
    found = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        [role] = policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any(a.startswith(("secretsmanager:", "kms:")) for a in actions):
                found.append((roles.get(role["Ref"], role["Ref"]), statement["Action"], statement["Resource"], statement.get("Condition")))
    return sorted(found, key=lambda item: (item[0], json.dumps(item[1])))


# they call GitHub; StartRun, Aggregate, TrackRun, WebhookReceiver and WebhookProcessor do not
SECRET_READERS = ["CollectOrg", "ListRepos", "PlanRun", "QueryBatch", c.WEBHOOK_SWEEP_NAME]


def test_only_the_secret_readers_may_get_the_secret_value(synthesized, template):
    secret = {"Ref": logical_id(synthesized, synthesized[0].secret)}
    webhook_secret = {"Ref": logical_id(synthesized, synthesized[0].webhook_secret)}
    assert secret_statements(synthesized[0], template) == sorted(
        [(name, "secretsmanager:GetSecretValue", secret, None) for name in SECRET_READERS]
        + [(c.WEBHOOK_FUNCTION_NAME, "secretsmanager:GetSecretValue", webhook_secret, None)])  # its own secret only


KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def existing_secret():
    """The stack with an existing secret under a customer managed key."""
    app, stack = build_app({**CONTEXT, "ghstats:existingSecretName": "ghstats/github", "ghstats:existingSecretKmsKeyArn": KEY_ARN})
    app.synth()
    return stack, Template.from_stack(stack)


def test_an_existing_secret_under_a_customer_key_is_read_and_decrypted_through_secrets_manager(existing_secret):
    stack, template = existing_secret
    found = [s for s in secret_statements(stack, template) if s[0] != c.WEBHOOK_FUNCTION_NAME]  # its own secret
    assert [(name, actions) for name, actions, _, _ in found] == [
        (name, action) for name in SECRET_READERS for action in ("kms:Decrypt", "secretsmanager:GetSecretValue")]
    for _, actions, resource, condition in found:
        if actions == "kms:Decrypt":
            assert resource == KEY_ARN
            assert condition == {"StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["secretsmanager.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}}
        else:  # the name's ARN with Secrets Manager's six-character suffix
            assert resource["Fn::Join"][1][-1] == ":secret:ghstats/github-??????" and condition is None
    # the stack creates only the webhook secret (existingSecretName is the GitHub credentials')
    assert set(resources(template, "AWS::SecretsManager::Secret")) == {stack.get_logical_id(stack.webhook_secret.node.default_child)}


@pytest.mark.parametrize("given", ["arn:aws:kms:eu-west-1:123456789012:alias/ghstats", "1234abcd-12ab-34cd-56ef-1234567890ab",
                                   "arn:aws:kms:eu-west-1:1234:key/1234abcd-12ab-34cd-56ef-1234567890ab"])
def test_a_secret_key_must_be_a_kms_key_arn(given):
    with pytest.raises(ValueError, match=r"'ghstats:existingSecretKmsKeyArn': .* is not a KMS key ARN"):
        settings(**{"ghstats:existingSecretName": "ghstats/github", "ghstats:existingSecretKmsKeyArn": given})


def test_a_secret_key_needs_an_existing_secret():
    with pytest.raises(ValueError, match=r"'ghstats:existingSecretKmsKeyArn': is set but 'ghstats:existingSecretName' is not"):
        settings(**{"ghstats:existingSecretKmsKeyArn": KEY_ARN})
    multi_region = "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    assert settings(**{"ghstats:existingSecretName": "s", "ghstats:existingSecretKmsKeyArn": multi_region}).existing_secret_kms_key_arn


def test_topic_policy_allows_publishing_only_from_the_stacks_rules_and_alarms(synthesized, template):
    stack = synthesized[0]
    [policy] = resources(template, "AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": logical_id(synthesized, stack.topic)}]
    allow_list = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    allows = {s["Principal"]["Service"]: s for s in allow_list}
    assert len(allow_list) == 2 and set(allows) == {"events.amazonaws.com", "cloudwatch.amazonaws.com"}

    def sources(service):
        statement = allows[service]
        assert statement["Action"] == "sns:Publish" and set(statement["Condition"]) == {"ArnEquals"}
        return {arn["Fn::GetAtt"][0] for arn in statement["Condition"]["ArnEquals"]["aws:SourceArn"]}

    rules = {k for k, r in resources(template, "AWS::Events::Rule").items()
             if r["Properties"]["Targets"][0]["Arn"] == {"Ref": logical_id(synthesized, stack.topic)}}
    assert len(rules) == 2 and sources("events.amazonaws.com") == rules  # RunCompleted, RunFailed
    assert sources("cloudwatch.amazonaws.com") == set(resources(template, "AWS::CloudWatch::Alarm"))


def test_schedule_starts_the_machine_with_the_context_config(template):
    [schedule] = resources(template, "AWS::Scheduler::Schedule").values()
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "cron(0 2 ? * MON *)" and props["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert json.loads(props["Target"]["Input"]) == COLLECTION


TRAFFIC_DAILY = {"name": "traffic-daily", "schedule": "cron(0 5 * * ? *)",
                 "collection": {"name": "traffic", "orgs": ["acme"],
                                "collectors": {"repository_stats": False, "traffic": True}}}


def test_each_schedule_starts_its_own_config_and_shares_the_dead_letter_queue():
    # a traffic-only daily schedule beside the weekly full run
    app, stack = build_app({**CONTEXT, "ghstats:schedules": [{"name": "weekly", "schedule": "cron(0 2 ? * MON *)"},
                                                             TRAFFIC_DAILY]})
    found = Template.from_stack(stack)
    schedules = resources(found, "AWS::Scheduler::Schedule")
    inputs = {s["Properties"]["ScheduleExpression"]: json.loads(s["Properties"]["Target"]["Input"]) for s in schedules.values()}
    assert inputs == {"cron(0 2 ? * MON *)": COLLECTION, "cron(0 5 * * ? *)": TRAFFIC_DAILY["collection"]}
    queues = {json.dumps(s["Properties"]["Target"]["DeadLetterConfig"], sort_keys=True) for s in schedules.values()}
    assert len(queues) == 1
    # the weekly schedule keeps its logical id (an upgrade does not replace it)
    assert sorted(k.rstrip("0123456789ABCDEF") for k in schedules) == ["TrafficDaily", "Weekly"]


@pytest.mark.parametrize("schedules, where, fix", [
    ([], "ghstats:schedules", "not a list of schedules"),
    ([{"name": "weekly", "schedule": "cron(0 2 ? * MON *)", "when": "x"}], r"ghstats:schedules\[0\]\.when", "allowed keys"),
    ([{"name": "Weekly!", "schedule": "cron(0 2 ? * MON *)"}], r"ghstats:schedules\[0\]\.name", "lower-case letters"),
    ([{"name": "a", "schedule": "cron(0 2 ? * MON *)"}, {"name": "a", "schedule": "cron(0 3 ? * MON *)"}],
     r"ghstats:schedules\[1\]\.name", "give each its own"),
    ([{"name": "a", "schedule": "cron(0 2 ? * MON *)"}, {"name": "b", "schedule": "cron(0 3 ? * MON *)"}],
     "ghstats:schedules", "start the same collection name 'default'"),
    ([{**TRAFFIC_DAILY, "collection": {"orgs": ["acme"], "collectors": {"trafic": True}}}],
     r"ghstats:schedules\[0\]\.collection", "trafic"),
])
def test_a_bad_schedule_list_fails_synth_naming_the_entry_and_the_fix(schedules, where, fix):
    with pytest.raises(ValueError, match=rf"'{where}': .*{fix}"):
        settings(**{"ghstats:schedules": schedules})


def test_bucket_denies_plain_http_and_blocks_public_access(synthesized, template):
    stack = synthesized[0]
    data = logical_id(synthesized, stack.bucket)
    bucket = template.to_json()["Resources"][data]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                        "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    rule = rules["ExpireBatchObjects"]
    assert rule["TagFilters"] == [{"Key": "ghstats-lifecycle", "Value": "transient"}] and rule["ExpirationInDays"] == 30
    # an upload Aggregate was stopped in the middle of leaves no billed parts behind
    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert "Prefix" not in rules["AbortIncompleteUploads"] and rules["AbortIncompleteUploads"]["Status"] == "Enabled"
    policies = [p for p in resources(template, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": data}]
    [deny] = [s for s in policies[0]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert template.to_json()["Resources"][data]["DeletionPolicy"] == "Retain"


def installed_recommended_feature_flags() -> tuple[str, dict]:
    """What `cdk init` writes for the installed aws-cdk-lib: its recommended-feature-flags.json."""
    import tarfile

    import aws_cdk

    [package] = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(package) as archive:
        return package.name, json.load(archive.extractfile("package/recommended-feature-flags.json"))


def test_cdk_json_sets_the_feature_flags_a_new_app_gets():
    from cdk_app.app import feature_flags

    package, recommended = installed_recommended_feature_flags()
    flags = feature_flags()
    assert flags, "cdk.json sets no feature flags"
    assert flags == {key: recommended.get(key, "<not a flag of this version>") for key in flags}, package
    missing = sorted(set(recommended) - set(flags))
    if missing:  # a newer aws-cdk-lib: its new flags are off until cdk.json sets them
        warnings.warn(f"{package} recommends flags cdk.json does not set yet: {missing}")


def test_tests_build_the_app_with_the_flags_in_cdk_json(synthesized):
    import aws_cdk as cdk

    from cdk_app.app import feature_flags

    stack = synthesized[0]
    assert {key: stack.node.try_get_context(key) for key in feature_flags()} == feature_flags()
    assert cdk.FeatureFlags.of(stack).is_enabled("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy")


def test_access_log_bucket_needs_no_acl_log_delivery_goes_through_its_policy(synthesized, template):
    stack = synthesized[0]
    data = logical_id(synthesized, stack.bucket)
    buckets = resources(template, "AWS::S3::Bucket")
    logs_id = buckets[data]["Properties"]["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    access_logs = buckets[logs_id]["Properties"]
    assert "AccessControl" not in access_logs
    assert access_logs["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [policy] = [p for p in resources(template, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": logs_id}]
    [delivery] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"} and delivery["Action"] == "s3:PutObject"
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": {"Fn::GetAtt": [data, "Arn"]}}


def test_data_bucket_keeps_overwritten_objects_for_a_while(synthesized, template):
    bucket = template.to_json()["Resources"][logical_id(synthesized, synthesized[0].bucket)]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    [rule] = [r for r in bucket["LifecycleConfiguration"]["Rules"] if "NoncurrentVersionExpiration" in r]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": c.NONCURRENT_VERSION_DAYS}
    assert rule["Status"] == "Enabled" and "TagFilters" not in rule and "Prefix" not in rule  # every object
    assert rule["ExpiredObjectDeleteMarker"] is True


def rendered(value, refs):
    """A CloudFormation string with its Fn::Join and Refs filled in (refs: logical id -> text)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return refs[value["Ref"]]
    separator, parts = value["Fn::Join"]
    return separator.join(rendered(part, refs) for part in parts)


def athena_resources(synthesized, template):
    stack = synthesized[0]
    refs = {logical_id(synthesized, stack.bucket): "BUCKET"}
    [(database_id, database)] = resources(template, "AWS::Glue::Database").items()
    [workgroup] = resources(template, "AWS::Athena::WorkGroup").values()
    tables = {t["Properties"]["TableInput"]["Name"]: t["Properties"] for t in resources(template, "AWS::Glue::Table").values()}
    return refs, database_id, database["Properties"], workgroup["Properties"], tables


def test_a_glue_database_holds_one_table_per_dataset_with_its_partitions_projected(synthesized, template):
    from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY

    refs, database_id, database, _, tables = athena_resources(synthesized, template)
    assert database["CatalogId"] == {"Ref": "AWS::AccountId"}
    assert database["DatabaseInput"]["Name"] == "ghstats_test"  # named after the stack (-> Glue's alphabet)
    from ghstats.webhooks.columns import DATASET_COLUMNS as WEBHOOK_COLUMNS

    # the collector's declared fields, then the run's id (and a History row's run start) the engine adds
    expected = {("repositories" if name == INVENTORY_COLLECTOR.name else name): [
        *collector.dataset_columns.items(), ("run_id", "string"),
        *([("run_started_at", "string")] if collector.history is not None else [])]
        for name, collector in REGISTRY.items()}
    # and the webhook datasets the hourly rollup writes: their own fields only
    expected.update({name: list(columns.items()) for name, columns in WEBHOOK_COLUMNS.items()})
    assert set(tables) == set(expected) and len(resources(template, "AWS::Glue::Table")) == len(expected)
    for name, columns in expected.items():
        table, where = tables[name], f"s3://BUCKET/datasets/{name}/"
        assert table["DatabaseName"] == {"Ref": database_id} and table["CatalogId"] == {"Ref": "AWS::AccountId"}
        table_input = table["TableInput"]
        assert table_input["TableType"] == "EXTERNAL_TABLE"
        assert table_input["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
        parameters = {key: rendered(value, refs) for key, value in table_input["Parameters"].items()}
        assert parameters == {
            "EXTERNAL": "TRUE", "classification": "json",
            "projection.enabled": "true", "projection.dt.type": "date", "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": "2024-01-01,NOW", "projection.dt.interval": "1", "projection.dt.interval.unit": "DAYS",
            "storage.location.template": where + "dt=${dt}/",
        }
        storage = table_input["StorageDescriptor"]
        assert rendered(storage["Location"], refs) == where
        assert storage["SerdeInfo"] == {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"}
        assert storage["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
        assert storage["OutputFormat"] == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
        assert [(col["Name"], col["Type"]) for col in storage["Columns"]] == columns
    assert dict((col["Name"], col["Type"]) for col in tables["repositories"]["TableInput"]["StorageDescriptor"]["Columns"])[
        "topics"] == "array<string>"


def test_the_athena_workgroup_keeps_encrypted_results_in_the_bucket_for_30_days(synthesized, template):
    refs, _, _, workgroup, _ = athena_resources(synthesized, template)
    assert workgroup["Name"] == STACK and workgroup["State"] == "ENABLED" and workgroup["RecursiveDeleteOption"] is True
    configuration = workgroup["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True  # no client may send results elsewhere
    assert configuration["PublishCloudWatchMetricsEnabled"] is True
    results = configuration["ResultConfiguration"]
    assert rendered(results["OutputLocation"], refs) == "s3://BUCKET/athena-results/"
    assert results["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    bucket = template.to_json()["Resources"][logical_id(synthesized, synthesized[0].bucket)]["Properties"]
    [rule] = [r for r in bucket["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == "athena-results/"]
    assert rule == {"Id": "ExpireAthenaResults", "Prefix": "athena-results/", "ExpirationInDays": 30, "Status": "Enabled"}
    # no other rule expires current objects under a prefix but the Distributed Maps' result files: the datasets stay
    assert [r["Id"] for r in bucket["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in r and "TagFilters" not in r] == [
        "ExpireMapResults", "ExpireAthenaResults"]


def test_the_default_stack_names_its_database_and_workgroup_ghstats(destroyable):
    _, template = destroyable
    [database] = resources(template, "AWS::Glue::Database").values()
    [workgroup] = resources(template, "AWS::Athena::WorkGroup").values()
    assert database["Properties"]["DatabaseInput"]["Name"] == c.ATHENA_DATABASE == "ghstats"
    assert workgroup["Properties"]["Name"] == c.ATHENA_WORKGROUP == "ghstats"


def test_outputs_name_the_athena_database_and_workgroup(synthesized, template):
    _, database_id, _, _, _ = athena_resources(synthesized, template)
    [workgroup_id] = resources(template, "AWS::Athena::WorkGroup")
    outputs = template.to_json()["Outputs"]
    assert outputs[c.OUTPUT_ATHENA_DATABASE]["Value"] == {"Ref": database_id}  # a Glue database's Ref is its name
    assert outputs[c.OUTPUT_ATHENA_WORKGROUP]["Value"] == {"Ref": workgroup_id}  # so is a workgroup's


def test_state_machine_logs_to_a_vended_logs_group_named_after_the_stack(synthesized, template):
    [machine] = resources(template, "AWS::StepFunctions::StateMachine").values()
    [destination] = machine["Properties"]["LoggingConfiguration"]["Destinations"]
    group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    name = resources(template, "AWS::Logs::LogGroup")[group_id]["Properties"]["LogGroupName"]
    assert name == f"/aws/vendedlogs/states/{synthesized[0].stack_name}-Collect"


def test_retained_ledger_has_deletion_protection(template, destroyable):
    [table] = resources(template, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    [table] = resources(destroyable[1], "AWS::DynamoDB::Table").values()
    assert table["Properties"].get("DeletionProtectionEnabled", False) is False  # retainData=false: destroy deletes it


def test_retained_data_stays_when_the_stack_is_deleted(synthesized, template):
    stack, raw = synthesized[0], template.to_json()["Resources"]
    for construct in (stack.bucket, stack.table, stack.secret):
        assert raw[logical_id(synthesized, construct)]["DeletionPolicy"] == "Retain"
    assert not resources(template, "Custom::S3AutoDeleteObjects")


def test_retain_data_false_deletes_bucket_objects_and_table_so_destroy_completes(destroyable):
    stack, template = destroyable
    raw = template.to_json()["Resources"]
    buckets = resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 2 and all(b["DeletionPolicy"] == "Delete" for b in buckets.values())
    emptied = {r["Properties"]["BucketName"]["Ref"] for r in resources(template, "Custom::S3AutoDeleteObjects").values()}
    assert emptied == set(buckets)  # CloudFormation deletes only empty buckets
    assert raw[stack.get_logical_id(stack.table.node.default_child)]["DeletionPolicy"] == "Delete"
    assert raw[stack.get_logical_id(stack.secret.node.default_child)]["DeletionPolicy"] == "Retain"  # credentials stay


def test_secret_is_read_at_run_time_not_embedded(synthesized, template):
    secrets = resources(template, "AWS::SecretsManager::Secret")
    assert set(secrets) == {logical_id(synthesized, synthesized[0].secret), logical_id(synthesized, synthesized[0].webhook_secret)}
    for secret in secrets.values():
        assert "SecretString" not in secret["Properties"]
    text = json.dumps(template.to_json())
    assert "ghp_" not in text and "private_key\":" not in text


def test_ledger_table(template):
    [table] = resources(template, "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    [gsi] = props["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == names.RUNS_INDEX
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["gsi1pk", "gsi1sk"]


def test_run_tracking_notifications_and_alarms(synthesized, template):
    stack = synthesized[0]
    rules = resources(template, "AWS::Events::Rule").values()
    patterns = [r["Properties"].get("EventPattern") for r in rules]  # none for a scheduled rule (WebhookSweepHourly)
    assert {"source": [STACK], "detail-type": ["RunCompleted"], "detail": {"stack": [STACK]}} in patterns
    tracking = [r for r in rules if r["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [logical_id(synthesized, stack.functions["TrackRun"]), "Arn"]}]
    assert tracking and tracking[0]["Properties"]["EventPattern"]["detail-type"] == ["Step Functions Execution Status Change"]
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"})
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    metrics = {a["Properties"].get("MetricName") for a in resources(template, "AWS::CloudWatch::Alarm").values()}
    assert {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled", names.METRIC_POINTS_REMAINING} <= metrics


def queue_id(synthesized, queue_name):
    return logical_id(synthesized, synthesized[0].dead_letter_queues[queue_name])


def assert_dead_letter_queue(synthesized, template, queue_name):
    """Encrypted, TLS-only, and an alarm on its visible messages notifies the topic."""
    queue = queue_id(synthesized, queue_name)
    props = resources(template, "AWS::SQS::Queue")[queue]["Properties"]
    assert props["SqsManagedSseEnabled"] is True
    [policy] = [p for p in resources(template, "AWS::SQS::QueuePolicy").values() if p["Properties"]["Queues"] == [{"Ref": queue}]]
    assert {"Action": "sqs:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
            "Principal": {"AWS": "*"}, "Resource": {"Fn::GetAtt": [queue, "Arn"]}} in policy["Properties"]["PolicyDocument"]["Statement"]
    [alarm] = [a for a in resources(template, "AWS::CloudWatch::Alarm").values()
               if a["Properties"].get("Dimensions") == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]]
    assert alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible" and alarm["Properties"]["Threshold"] == 1
    assert alarm["Properties"]["AlarmActions"] == [{"Ref": logical_id(synthesized, synthesized[0].topic)}]
    return queue, policy


def test_track_run_failures_go_to_a_dead_letter_queue_that_is_alarmed(synthesized, template):
    queue, _ = assert_dead_letter_queue(synthesized, template, c.TRACK_RUN_DLQ)
    track_run = logical_id(synthesized, synthesized[0].functions["TrackRun"])
    [config] = [e for e in resources(template, "AWS::Lambda::EventInvokeConfig").values()
                if e["Properties"]["FunctionName"] == {"Ref": track_run}]
    assert config["Properties"]["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}}
    role = {"Ref": logical_id(synthesized, synthesized[0].functions["TrackRun"].role)}
    policies = {k for k, p in resources(template, "AWS::IAM::Policy").items() if role in p["Properties"]["Roles"]}
    sends = [res for policy, actions, res, _ in statements(template) if policy in policies and actions & DLQ_SEND]
    assert sends == [[{"Fn::GetAtt": [queue, "Arn"]}]]  # TrackRun may send to its queue only


def test_events_the_tracking_rule_cannot_deliver_go_to_a_dead_letter_queue(synthesized, template):
    queue, policy = assert_dead_letter_queue(synthesized, template, c.TRACK_RUNS_RULE_DLQ)
    track_run = logical_id(synthesized, synthesized[0].functions["TrackRun"])
    [(rule_id, rule)] = [(k, r) for k, r in resources(template, "AWS::Events::Rule").items()
                         if r["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [track_run, "Arn"]}]
    assert rule["Properties"]["Targets"][0]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}
    [allow] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"} and allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}


def test_failed_scheduled_starts_go_to_a_dead_letter_queue_and_raise_an_alarm(synthesized, template):
    queue, _ = assert_dead_letter_queue(synthesized, template, c.SCHEDULE_DLQ)
    [schedule] = resources(template, "AWS::Scheduler::Schedule").values()
    target = schedule["Properties"]["Target"]
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}
    [group] = resources(template, "AWS::Scheduler::ScheduleGroup").values()
    assert schedule["Properties"]["GroupName"] == group["Properties"]["Name"]  # its own group: metrics are per group
    [alarm] = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()
               if "AWS/Scheduler" in json.dumps(a)]
    stats = [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]
    assert {s["Metric"]["MetricName"] for s in stats} == {"TargetErrorCount", "InvocationsSentToDeadLetterCount",
                                                         "InvocationsFailedToBeSentToDeadLetterCount", "InvocationDroppedCount"}
    assert all(s["Metric"]["Dimensions"] == [{"Name": "ScheduleGroup", "Value": group["Properties"]["Name"]}] for s in stats)
    [expression] = [m for m in alarm["Metrics"] if "Expression" in m]
    assert expression["ReturnData"] is True and all(f"FILL({m['Id']}, 0)" in expression["Expression"]
                                                    for m in alarm["Metrics"] if "MetricStat" in m)
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_every_alarm_notifies_the_topic(synthesized, template):
    topic = {"Ref": logical_id(synthesized, synthesized[0].topic)}
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    assert len(alarms) == 11  # the webhook dead-letter queue's and the webhook sweep's two included
    assert all(a["Properties"]["AlarmActions"] == [topic] for a in alarms)


def test_stack_is_named_from_context(synthesized, destroyable):
    assert synthesized[0].stack_name == STACK and synthesized[0].node.id == STACK
    assert destroyable[0].stack_name == names.STACK_NAME == "ghstats"  # the default


@pytest.mark.parametrize("given", ["1ghstats", "gh_stats", "gh.stats", "", "a" * 129, 5])
def test_a_bad_stack_name_fails_naming_the_key_and_the_rule(given):
    with pytest.raises(ValueError, match=r"'ghstats:stackName': .* letters, digits and hyphens, starting with a letter"):
        build_app({**CONTEXT, "ghstats:stackName": given})


def test_announced_completions_name_the_stack():
    asl = json.loads(c.ASL_PATH.read_text())
    [entry] = asl["States"]["AnnounceCompletion"]["Parameters"]["Entries"]
    assert entry["Source"] == "${EventSource}" and entry["Detail"]["stack"] == "${StackName}"


def test_points_alarm_watches_the_dimensions_the_lambdas_publish(synthesized, template, monkeypatch, capsys):
    from handlers.observability import publish_metrics

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv(names.ENV_STACK_NAME, STACK)
    publish_metrics({names.METRIC_POINTS_REMAINING: 42})
    [document] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    [directive] = document["_aws"]["CloudWatchMetrics"]
    [dimension_names] = directive["Dimensions"]
    published = {name: document[name] for name in dimension_names}
    [alarm] = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()
               if a["Properties"].get("MetricName") == names.METRIC_POINTS_REMAINING]
    assert alarm["Namespace"] == directive["Namespace"] == names.METRICS_NAMESPACE
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == published == {"service": names.SERVICE, "stack": STACK}


def test_metrics_of_local_runs_name_the_default_stack(monkeypatch, capsys):
    from handlers.observability import publish_metrics

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.delenv(names.ENV_STACK_NAME, raising=False)
    publish_metrics({names.METRIC_POINTS_REMAINING: 42})
    [document] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert document["stack"] == "ghstats"


def test_outputs_name_what_the_cli_looks_up(template):
    from ghstats_cli import deployed

    outputs = template.to_json()["Outputs"]
    assert {deployed.OUTPUT_TABLE, deployed.OUTPUT_STATE_MACHINE, c.OUTPUT_BUCKET, c.OUTPUT_SECRET} <= set(outputs)


def test_cfn_lint_finds_no_errors(synthesized, tmp_path):
    path = Path(synthesized[2].directory) / f"{STACK}.template.json"
    result = subprocess.run([str(REPO / ".venv" / "bin" / "cfn-lint"), str(path)], capture_output=True, text=True)
    assert result.returncode & 2 == 0, result.stdout  # bit 2 = errors (4 = warnings, 8 = informational)


def test_asl_is_valid_for_step_functions():
    result = subprocess.run(["npx", "--no-install", "asl-validator", "--json-path", str(c.ASL_PATH)],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout


def settings(**context):
    import aws_cdk as cdk

    from cdk_app.settings import Settings

    return Settings.from_context(cdk.App(context={**CONTEXT, **context}))


@pytest.mark.parametrize("given, expected", [(True, True), (False, False), ("true", True), ("false", False)])
def test_retain_data_is_read_as_a_boolean_from_json_and_from_the_command_line(given, expected):
    assert settings(**{"ghstats:retainData": given}).retain_data is expected


@pytest.mark.parametrize("given", ["False", "no", "0", 0, 1, "", "yes"])
def test_retain_data_refuses_anything_but_true_or_false(given):
    with pytest.raises(ValueError, match=r"'ghstats:retainData': .* use true or false"):
        settings(**{"ghstats:retainData": given})


def test_aggregate_memory_is_the_setting_within_a_lambdas_range():
    assert settings().aggregate_memory_mb == c.FUNCTIONS["Aggregate"].memory_mb == 3008
    assert settings(**{"ghstats:aggregateMemoryMb": "10240"}).aggregate_memory_mb == 10_240
    for given in (1024, 10_241, "lots"):
        with pytest.raises(ValueError, match=r"'ghstats:aggregateMemoryMb': .*whole number"):
            settings(**{"ghstats:aggregateMemoryMb": given})


def test_the_aggregate_memory_setting_sizes_the_function():
    _, stack = build_app({**CONTEXT, "ghstats:aggregateMemoryMb": 10_240})
    Template.from_stack(stack).has_resource_properties("AWS::Lambda::Function", {
        "Handler": c.FUNCTIONS["Aggregate"].handler, "MemorySize": 10_240, "Timeout": 900,
        "Description": Match.any_value()})
    # and every workflow function is told it: the planning step prices Aggregate at it
    template = Template.from_stack(stack)
    for name in c.FUNCTIONS:
        props = template.to_json()["Resources"][stack.get_logical_id(stack.functions[name].node.default_child)]["Properties"]
        assert props["Environment"]["Variables"][names.ENV_AGGREGATE_MEMORY_MB] == "10240"
    assert names.ENV_AGGREGATE_MEMORY_MB == "GHSTATS_AGGREGATE_MEMORY_MB"


def test_aggregate_ephemeral_storage_is_the_setting_within_a_lambdas_range():
    from ghstats import limits

    default = limits.FUNCTION_EPHEMERAL_STORAGE_MB["Aggregate"]
    assert settings().aggregate_ephemeral_storage_mb == default
    assert json.loads(c.CDK_JSON.read_text())["context"]["ghstats:aggregateEphemeralStorageMb"] == default
    assert settings(**{"ghstats:aggregateEphemeralStorageMb": "10240"}).aggregate_ephemeral_storage_mb == 10_240
    assert settings(**{"ghstats:aggregateEphemeralStorageMb": 512}).aggregate_ephemeral_storage_mb == 512
    for given in (511, 10_241, "lots", 2048.5):
        with pytest.raises(ValueError, match=r"'ghstats:aggregateEphemeralStorageMb': .*whole number from 512 to 10240"):
            settings(**{"ghstats:aggregateEphemeralStorageMb": given})


def test_aggregate_alone_gets_the_ephemeral_storage_setting(template):
    from ghstats import limits

    found = template.find_resources("AWS::Lambda::Function")
    storage = {f["Properties"]["Handler"]: f["Properties"].get("EphemeralStorage") for f in found.values()}
    assert storage[c.FUNCTIONS["Aggregate"].handler] == {"Size": limits.FUNCTION_EPHEMERAL_STORAGE_MB["Aggregate"]}
    assert [h for h, size in storage.items() if size is not None] == [c.FUNCTIONS["Aggregate"].handler]
    _, stack = build_app({**CONTEXT, "ghstats:aggregateEphemeralStorageMb": 10_240})
    Template.from_stack(stack).has_resource_properties("AWS::Lambda::Function", {
        "Handler": c.FUNCTIONS["Aggregate"].handler, "EphemeralStorage": {"Size": 10_240}})


@pytest.mark.parametrize("key", ["ghstats:batchObjectRetentionDays", "ghstats:logRetentionDays",
                                 "ghstats:pointsRemainingAlarmThreshold"])
def test_numbers_are_read_from_json_and_from_the_command_line(key):
    attribute = {"ghstats:batchObjectRetentionDays": "batch_object_retention_days",
                 "ghstats:logRetentionDays": "log_retention_days",
                 "ghstats:pointsRemainingAlarmThreshold": "points_remaining_alarm_threshold"}[key]
    assert getattr(settings(**{key: "30"}), attribute) == 30
    assert getattr(settings(**{key: 30}), attribute) == 30


@pytest.mark.parametrize("key", ["ghstats:batchObjectRetentionDays", "ghstats:logRetentionDays",
                                 "ghstats:pointsRemainingAlarmThreshold"])
@pytest.mark.parametrize("given", ["30.5", "-1", "thirty", 30.5, True, 0, [30]])
def test_numbers_refuse_anything_but_a_whole_number_in_range(key, given):
    with pytest.raises(ValueError, match=rf"'{key}': .*whole number"):
        settings(**{key: given})


def test_log_retention_must_be_a_cloudwatch_value():
    with pytest.raises(ValueError, match=r"'ghstats:logRetentionDays': 31 is not a CloudWatch retention; use one of \[1, 3,"):
        settings(**{"ghstats:logRetentionDays": "31"})


@pytest.mark.parametrize("key", ["ghstats:notificationEmail", "ghstats:existingSecretName"])
def test_strings_refuse_other_types(key):
    with pytest.raises(ValueError, match=rf"'{key}': .* is not a string"):
        settings(**{key: 5})


def test_a_schedule_expression_refuses_other_types():
    with pytest.raises(ValueError, match=r"'ghstats:schedules\[0\]\.schedule': 5 is not a string"):
        settings(**one_schedule(5))


@pytest.mark.parametrize("rate", ["rate(1 day)", "rate(1440 minutes)", "rate(24 hours)", "rate(7 days)"])
def test_a_rate_no_shorter_than_the_execution_timeout_is_accepted(rate):
    assert settings(**one_schedule(rate)).schedules[0].expression == rate


@pytest.mark.parametrize("rate, seconds", [("rate(23 hours)", "82,800"), ("rate(1439 minutes)", "86,340"), ("rate(5 minutes)", "300")])
def test_a_rate_shorter_than_the_execution_timeout_fails_synth(rate, seconds):
    timeout = json.loads(c.ASL_PATH.read_text())["TimeoutSeconds"]
    assert timeout == 86_400
    with pytest.raises(ValueError, match=rf"'ghstats:schedules\[0\]\.schedule': {re.escape(rate)} starts a run every {seconds} s, more often "
                                         rf"than a run may last \(the state machine's TimeoutSeconds, 86,400 s\).*rate\(1 day\)"):
        settings(**one_schedule(rate))


def test_the_rate_limit_follows_the_asl_timeout(monkeypatch, tmp_path):
    import cdk_app.settings as settings_module

    asl = tmp_path / "collect.asl.json"
    asl.write_text(json.dumps({**json.loads(c.ASL_PATH.read_text()), "TimeoutSeconds": 3600}))
    monkeypatch.setattr(settings_module, "ASL_PATH", asl)
    assert settings(**one_schedule("rate(1 hour)")).schedules[0].expression == "rate(1 hour)"
    with pytest.raises(ValueError, match=r"every 1,800 s, .* 3,600 s"):
        settings(**one_schedule("rate(30 minutes)"))


@pytest.mark.parametrize("given", ["rate(1 week)", "rate(one day)", "rate(2days)", "rate(-1 days)", "every day"])
def test_a_malformed_schedule_fails_naming_the_forms(given):
    with pytest.raises(ValueError, match=r"'ghstats:schedules\[0\]\.schedule': .*(rate\(N minutes\|hours\|days\)|use cron\(...\) or rate\(...\))"):
        settings(**one_schedule(given))


GHES = "https://ghe.example.com/api/v3"


@pytest.mark.parametrize("given, expected", [
    ("https://api.github.com", ["https://api.github.com"]),  # one string (as -c passes it)
    ([GHES, "https://api.github.com/"], [GHES, "https://api.github.com"]),  # GHES + github.com, normalised
    (f'["{GHES}", "https://api.github.com"]', [GHES, "https://api.github.com"]),  # a JSON list from -c
])
def test_github_api_urls_accept_one_url_or_a_list(given, expected):
    assert settings(**{"ghstats:githubApiUrls": given}).github_api_urls == expected


@pytest.mark.parametrize("given, problem", [
    ("http://ghe.example.com/api/v3", r"\[0\] 'http://ghe.example.com/api/v3' is not an https URL"),
    (["https://api.github.com", "https://github.com"], r"\[1\] 'https://github.com' is the github.com website, not its API"),
    (["https://ghe.example.com"], r"\[0\] 'https://ghe.example.com' is not an API base URL; GitHub Enterprise Server's API is at"),
    (["https://api.github.com", "https://api.github.com/"], r"\[1\] 'https://api.github.com' is listed twice"),
    ([], r"is not a URL or a list of URLs"), (5, r"is not a URL or a list of URLs"), ("[oops", r"is not a JSON list"),
])
def test_github_api_urls_are_checked_like_the_config_api_url(given, problem):
    with pytest.raises(ValueError, match=rf"'ghstats:githubApiUrls': .*{problem}"):
        settings(**{"ghstats:githubApiUrls": given})


def test_the_config_api_url_must_be_one_of_the_github_api_urls():
    collection = {**COLLECTION, "api_url": GHES}
    with pytest.raises(ValueError, match=r"'ghstats:githubApiUrls': \[\"https://api.github.com\"\] does not include the "
                                         r"collection config's api_url 'https://ghe.example.com/api/v3' \('ghstats:collection'\)"):
        settings(**{"ghstats:collection": collection})
    assert settings(**{"ghstats:collection": collection, "ghstats:githubApiUrls": [GHES]}).github_api_urls == [GHES]


def test_every_lambda_gets_the_github_api_urls():
    app, stack = build_app({**CONTEXT, "ghstats:githubApiUrls": [GHES, "https://api.github.com"]})
    callers = {spec.handler for spec in c.FUNCTIONS.values()} | {c.WEBHOOK_SWEEP.handler}
    found = resources(Template.from_stack(stack), "AWS::Lambda::Function").values()
    functions = [f for f in found if f["Properties"]["Handler"] in callers]
    assert len(functions) == len(c.FUNCTIONS) + 1
    for function in found:  # the webhook receiver and processor call no GitHub API
        if function["Properties"]["Handler"] in (c.WEBHOOK_FUNCTION.handler, c.WEBHOOK_PROCESSOR.handler):
            assert names.ENV_GITHUB_API_URLS not in function["Properties"]["Environment"]["Variables"]
    for function in functions:
        env = function["Properties"]["Environment"]["Variables"]
        assert json.loads(env[names.ENV_GITHUB_API_URLS]) == [GHES, "https://api.github.com"]


def test_bad_context_config_fails_synth_naming_the_field():
    with pytest.raises(ValueError, match="ghstats:collection.*batch_size"):
        build_app({**CONTEXT, "ghstats:collection": {"orgs": ["acme"], "batch_size": 0}})


def test_local_bundling_installs_lambda_wheels_and_copies_the_code(tmp_path):
    calls = []

    def fake_pip(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    bundling = PipLocalBundling(c.FUNCTIONS_DIR, c.FUNCTION_REQUIREMENTS, run=fake_pip)
    assert bundling.try_bundle(str(tmp_path), None) is True
    [command] = calls
    for flag, value in (("--platform", "manylinux2014_x86_64"), ("--python-version", "3.14"), ("--target", str(tmp_path)),
                        ("-r", str(c.FUNCTION_REQUIREMENTS))):
        assert command[command.index(flag) + 1] == value
    assert "--only-binary=:all:" in command and "--no-compile" in command  # no .pyc of the build's Python
    assert (tmp_path / "handlers" / "query_batch.py").exists() and (tmp_path / "ghstats" / "github" / "queries").is_dir()
    # every collector's GraphQL fragment travels with its folder
    from ghstats.collectors import REGISTRY

    for collector in (each for each in REGISTRY.values() if each.fragment_file):
        bundled = tmp_path / collector.fragment_file.relative_to(c.FUNCTIONS_DIR)
        assert bundled.read_text() == collector.fragment_file.read_text()
    assert not list(tmp_path.rglob("__pycache__"))


def test_bundling_failure_is_loud(tmp_path):
    failing = lambda command, **kwargs: subprocess.CompletedProcess(command, 1, "", "No matching distribution")
    with pytest.raises(RuntimeError, match="No matching distribution"):
        PipLocalBundling(c.FUNCTIONS_DIR, c.FUNCTION_REQUIREMENTS, run=failing).try_bundle(str(tmp_path))
