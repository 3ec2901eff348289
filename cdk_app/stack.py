"""The ghstats stack: storage, ledger, credentials, Lambdas, the state machine, its schedule,
run tracking, notifications and alarms. Each part is built by one small method."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import (
    aws_apigateway as apigw,
    aws_apigatewayv2 as apigwv2,
    aws_apigatewayv2_integrations as integrations,
    aws_athena as athena,
    aws_cloudwatch as cloudwatch,
    aws_cloudwatch_actions as cw_actions,
    aws_dynamodb as dynamodb,
    aws_events as events,
    aws_events_targets as targets,
    aws_glue as glue,
    aws_iam as iam,
    aws_kms as kms,
    aws_lambda as lambda_,
    aws_lambda_destinations as destinations,
    aws_lambda_event_sources as event_sources,
    aws_logs as logs,
    aws_s3 as s3,
    aws_scheduler as scheduler,
    aws_scheduler_targets as scheduler_targets,
    aws_secretsmanager as secretsmanager,
    aws_sns as sns,
    aws_sns_subscriptions as subscriptions,
    aws_sqs as sqs,
    aws_stepfunctions as sfn,
)
from constructs import Construct

from cdk_app import constants as c
from cdk_app.bundling import PipLocalBundling
from cdk_app.settings import Settings
from ghstats import names
from ghstats.webhooks import names as webhook_names


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """apigwv2.IAccessLogSettings is an interface (not a struct): Python passes an implementation."""

    def __init__(self, destination: apigwv2.IAccessLogDestination, format: apigw.AccessLogFormat):
        self._destination, self._format = destination, format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return self._format


class GhStatsStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = Settings.from_context(self)
        self.bucket = self._build_bucket()
        self.athena_database, self.athena_tables, self.workgroup = self._build_athena()
        self.table = self._build_ledger()
        self.secret = self._build_secret()
        self.webhook_functions: dict[str, lambda_.Function] = {}  # _build_webhooks
        self.functions = self._build_functions()
        self.s3_objects: dict[str, set[str]] = {}  # function name -> the object key patterns it may use
        self._grant_functions()
        self.state_machine = self._build_state_machine()
        self.dead_letter_queues: dict[str, sqs.Queue] = {}  # each gets an alarm
        self._build_schedule()
        self._build_run_tracking()
        self._build_webhooks()
        self.topic = self._build_notifications()
        self._build_alarms()
        self._build_outputs()

    # -- data ---------------------------------------------------------------------------------

    def _removal(self) -> cdk.RemovalPolicy:
        return cdk.RemovalPolicy.RETAIN if self.settings.retain_data else cdk.RemovalPolicy.DESTROY

    @property
    def every_function(self) -> dict[str, lambda_.Function]:
        """The state machine's functions and the webhook functions (receiver, processor, sweep), by name."""
        return {**self.functions, **self.webhook_functions}

    def _build_bucket(self) -> s3.Bucket:
        # Not retained: CloudFormation deletes only empty buckets, so a custom resource empties
        # them first (auto_delete_objects) and `cdk destroy` does not end DELETE_FAILED.
        removal, auto_delete = self._removal(), not self.settings.retain_data
        access_logs = s3.Bucket(
            self, "AccessLogs", encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
            removal_policy=removal, auto_delete_objects=auto_delete,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,  # no ACLs: log delivery is granted by the
            # bucket policy (feature flag @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy in cdk.json)
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
        )
        key, value = c.TRANSIENT_TAG
        return s3.Bucket(
            self, "Data", encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
            removal_policy=removal, auto_delete_objects=auto_delete,
            server_access_logs_bucket=access_logs, server_access_logs_prefix="data-bucket/",
            # An overwritten or deleted object (latest/ every run, a run's outputs) can be
            # restored for NONCURRENT_VERSION_DAYS.
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireBatchObjects", tag_filters={key: value},
                    expiration=cdk.Duration.days(self.settings.batch_object_retention_days),
                ),
                s3.LifecycleRule(  # the Distributed Maps' ResultWriter files (the ASL's ${MapResultsPrefix})
                    id="ExpireMapResults", prefix=f"{names.MAP_RESULTS_PREFIX}/",
                    expiration=cdk.Duration.days(self.settings.batch_object_retention_days),
                ),
                s3.LifecycleRule(  # the Athena workgroup's query results
                    id="ExpireAthenaResults", prefix=c.ATHENA_RESULTS_PREFIX,
                    expiration=cdk.Duration.days(c.ATHENA_RESULTS_DAYS),
                ),
                s3.LifecycleRule(  # Aggregate's multipart uploads cut short (its timeout, out of memory)
                    id="AbortIncompleteUploads",
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(c.INCOMPLETE_UPLOAD_DAYS),
                ),
                s3.LifecycleRule(
                    id="ExpireNoncurrentVersions",
                    noncurrent_version_expiration=cdk.Duration.days(c.NONCURRENT_VERSION_DAYS),
                    expired_object_delete_marker=True,
                ),
            ],
        )

    def _build_athena(self) -> tuple[glue.CfnDatabase, dict[str, glue.CfnTable], athena.CfnWorkGroup]:
        """A Glue database with one table per dataset, its partitions projected (no crawler, no
        partitions to add: a day's folder is queryable once written), and a workgroup whose results
        go to the data bucket. Metadata only: the data stays in the bucket whatever happens to them."""
        database_name, workgroup_name = c.athena_names(self.stack_name)
        database = glue.CfnDatabase(
            self, "GlueDatabase", catalog_id=self.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=database_name, description=f"ghstats datasets of the {self.stack_name} stack's bucket"))
        bucket = f"s3://{self.bucket.bucket_name}/"
        tables = {}
        for table in c.dataset_tables():
            location = f"{bucket}{table.prefix}"
            construct_id = "".join(part.capitalize() for part in table.name.split("_")) + "Table"
            tables[table.name] = glue.CfnTable(
                self, construct_id, catalog_id=self.account, database_name=database.ref,
                table_input=glue.CfnTable.TableInputProperty(
                    name=table.name, table_type="EXTERNAL_TABLE",
                    description=f"{table.collector}: JSON Lines under {table.prefix}{c.DATASET_PARTITION}=YYYY-MM-DD/",
                    parameters={
                        "EXTERNAL": "TRUE", "classification": "json",
                        "projection.enabled": "true",
                        f"projection.{c.DATASET_PARTITION}.type": "date",
                        f"projection.{c.DATASET_PARTITION}.format": c.PARTITION_FORMAT,
                        f"projection.{c.DATASET_PARTITION}.range": f"{c.PARTITION_START},NOW",
                        f"projection.{c.DATASET_PARTITION}.interval": "1",
                        f"projection.{c.DATASET_PARTITION}.interval.unit": "DAYS",
                        "storage.location.template": f"{location}{c.DATASET_PARTITION}=${{{c.DATASET_PARTITION}}}/",
                    },
                    partition_keys=[glue.CfnTable.ColumnProperty(name=c.DATASET_PARTITION, type="string")],
                    storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                        location=location, input_format=c.TEXT_INPUT_FORMAT, output_format=c.TEXT_OUTPUT_FORMAT,
                        columns=[glue.CfnTable.ColumnProperty(name=name, type=kind) for name, kind in table.columns.items()],
                        serde_info=glue.CfnTable.SerdeInfoProperty(serialization_library=c.JSON_SERDE),
                    ),
                ),
            )
        workgroup = athena.CfnWorkGroup(
            self, "QueryWorkGroup", name=workgroup_name, state="ENABLED",
            description=f"Queries over the {self.stack_name} stack's datasets (Glue database {database_name})",
            recursive_delete_option=True,  # deleting the stack deletes it with its saved queries
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,  # a client cannot send results elsewhere or unencrypted
                publish_cloud_watch_metrics_enabled=True,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"{bucket}{c.ATHENA_RESULTS_PREFIX}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(encryption_option="SSE_S3"),
                ),
            ),
        )
        return database, tables, workgroup

    def _build_ledger(self) -> dynamodb.Table:
        table = dynamodb.Table(
            self, "Ledger",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
            time_to_live_attribute="expires_at",
            removal_policy=self._removal(),
            deletion_protection=self.settings.retain_data,  # kept data cannot be deleted by one API call either
        )
        table.add_global_secondary_index(
            index_name=names.RUNS_INDEX,
            partition_key=dynamodb.Attribute(name="gsi1pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="gsi1sk", type=dynamodb.AttributeType.STRING),
        )
        return table

    def _build_secret(self) -> secretsmanager.ISecret:
        if self.settings.existing_secret_name:
            return secretsmanager.Secret.from_secret_name_v2(self, "GitHubCredentials", self.settings.existing_secret_name)
        # Created empty of credentials: the operator puts a token or App credentials into it.
        return secretsmanager.Secret(
            self, "GitHubCredentials",
            description="ghstats GitHub credentials: {\"token\": ...} or {\"app_id\", \"installation_id\", \"private_key\"}",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    # -- Lambdas ------------------------------------------------------------------------------

    @staticmethod
    def _runtime() -> lambda_.Runtime:
        return lambda_.Runtime(f"python{c.PYTHON_VERSION}", lambda_.RuntimeFamily.PYTHON)

    def _code(self) -> lambda_.Code:
        return lambda_.Code.from_asset(
            str(c.FUNCTIONS_DIR),
            exclude=["**/__pycache__", "**/*.pyc"],
            bundling=cdk.BundlingOptions(
                image=self._runtime().bundling_image,
                local=PipLocalBundling(c.FUNCTIONS_DIR, c.FUNCTION_REQUIREMENTS),
                command=["bash", "-c", "pip install -r requirements.txt -t /asset-output && cp -r ghstats handlers /asset-output"],
            ),
        )

    def _build_functions(self) -> dict[str, lambda_.Function]:
        code = self._code_asset = self._code()
        environment = {
            names.ENV_BUCKET: self.bucket.bucket_name,
            names.ENV_TABLE: self.table.table_name,
            names.ENV_SECRET_NAME: self.secret.secret_name,
            names.ENV_STACK_NAME: self.stack_name,
            names.ENV_GITHUB_API_URLS: json.dumps(self.settings.github_api_urls),
            # the planning step prices Aggregate's GB-seconds at the memory it is deployed with
            names.ENV_AGGREGATE_MEMORY_MB: str(self.settings.aggregate_memory_mb),
            "POWERTOOLS_SERVICE_NAME": names.SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": names.METRICS_NAMESPACE,
        }
        functions = {}
        for name, spec in c.FUNCTIONS.items():
            log_group = logs.LogGroup(
                self, f"{name}Logs", retention=self._retention(),
                removal_policy=cdk.RemovalPolicy.DESTROY,
            )
            functions[name] = lambda_.Function(
                self, name, runtime=self._runtime(), architecture=lambda_.Architecture.X86_64,
                handler=spec.handler, code=code, memory_size=self._memory_mb(name),
                ephemeral_storage_size=self._ephemeral_storage(name),
                timeout=cdk.Duration.seconds(spec.timeout_s), description=spec.description,
                environment=environment, tracing=lambda_.Tracing.ACTIVE, log_group=log_group,
            )
        return functions

    def _memory_mb(self, name: str) -> int:
        """Each function's memory: Aggregate's from ghstats:aggregateMemoryMb (it grows with the run)."""
        return self.settings.aggregate_memory_mb if name == "Aggregate" else c.FUNCTIONS[name].memory_mb

    def _ephemeral_storage(self, name: str) -> cdk.Size | None:
        """Aggregate's /tmp from ghstats:aggregateEphemeralStorageMb (its record disk grows with the
        run); the others keep a Lambda's 512 MB."""
        return cdk.Size.mebibytes(self.settings.aggregate_ephemeral_storage_mb) if name == "Aggregate" else None

    def _retention(self) -> logs.RetentionDays:
        return getattr(logs.RetentionDays, c.LOG_RETENTION[self.settings.log_retention_days])

    def _grant_functions(self) -> None:
        """Exactly the actions each function uses, on this bucket's prefixes, this table, this secret."""
        f = self.functions
        read, write = ["s3:GetObject"], ["s3:PutObject"]
        tagged_write = write + ["s3:PutObjectTagging"]  # PutObject with Tagging (transient objects)
        self._allow_s3("PlanRun", read + tagged_write, ["runs"])
        # what the previous runs left, which its prediction reads: alert records, ETag caches
        self._allow_s3("PlanRun", read, ["latest", "state"])
        self._allow_s3("ListRepos", read + tagged_write, ["runs"])
        self._allow_s3("QueryBatch", read + tagged_write, ["runs"])
        self._allow_s3("CollectOrg", read + tagged_write, ["runs"])  # no ledger: its results are in S3
        self._allow_s3("CollectOrg", read + write, ["state"])  # state/: a walk's ETags for the next run's conditional asks
        self._allow_s3("Aggregate", read, ["runs", "latest"])  # latest/: is this run newer?
        self._allow_s3("Aggregate", ["s3:GetObject"], [c.WEBHOOK_DATASET_OBJECTS])  # the period's webhook figures
        # outputs carry no tags; the large ones are multipart uploads (aborted when a part fails)
        self._allow_s3("Aggregate", write + ["s3:AbortMultipartUpload"], ["runs", "latest", "datasets"])
        for name, actions in c.LEDGER_ACTIONS.items():
            f[name].add_to_role_policy(iam.PolicyStatement(actions=list(actions), resources=[self.table.table_arn]))
        for name in c.SECRET_READERS:
            self._allow_secret_read(f[name])

    def _allow_secret_read(self, function: lambda_.Function) -> None:
        """GetSecretValue only (secret.grant_read adds DescribeSecret, which nothing calls)."""
        # A secret named by existingSecretName has a partial ARN: Secrets Manager appends "-" and
        # six characters to a secret's name in its ARN.
        arn = self.secret.secret_full_arn or f"{self.secret.secret_arn}-??????"
        function.add_to_role_policy(iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[arn]))
        if self.settings.existing_secret_kms_key_arn:
            # The existing secret is encrypted under a customer managed key: decrypt with it only
            # through Secrets Manager.
            function.add_to_role_policy(iam.PolicyStatement(
                actions=["kms:Decrypt"], resources=[self.settings.existing_secret_kms_key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{self.region}.amazonaws.com"}}))

    @staticmethod
    def _object_pattern(prefix: str) -> str:
        """A folder ("runs") as the key pattern of its objects ("runs/*"); a key pattern
        ("datasets/webhooks_*": every folder whose name starts so) as it is."""
        return prefix if prefix.endswith("*") else f"{prefix}/*"

    def _allow_s3(self, name: str, actions: list[str], prefixes: list[str]) -> None:
        """Object actions under bucket prefixes (their key patterns recorded in s3_objects for cdk_app.nag)."""
        function = self.every_function[name]
        patterns = [self._object_pattern(p) for p in prefixes]
        self.s3_objects.setdefault(name, set()).update(patterns)
        function.add_to_role_policy(iam.PolicyStatement(
            actions=actions, resources=[self.bucket.arn_for_objects(p) for p in patterns]))
        if "s3:GetObject" in actions:
            # Without ListBucket S3 answers 403 instead of 404 for a missing key, and "no result
            # stored yet" is a normal answer for QueryBatch and ListRepos.
            function.add_to_role_policy(iam.PolicyStatement(
                actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": patterns}}))

    def _allow_ledger_keys(self, function: lambda_.Function, actions: tuple[str, ...], leading_keys: tuple[str, ...]) -> None:
        """Ledger actions on items whose partition key matches one of `leading_keys` only, so a
        webhook function cannot touch the runs, the locks or the plans of the collection.
        ForAllValues:StringLike on dynamodb:LeadingKeys: every partition key the request names
        must match (a BatchGetItem's each). ForAllValues also holds for a request that names no
        partition key, a Scan: none is granted."""
        function.add_to_role_policy(iam.PolicyStatement(
            actions=list(actions), resources=[self.table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(leading_keys)}}))

    # -- workflow -----------------------------------------------------------------------------

    def _build_state_machine(self) -> sfn.StateMachine:
        # Under /aws/vendedlogs/ CloudWatch Logs needs no resource-policy entry per log group
        # (that policy is limited to 5,120 characters per account and region).
        log_group = logs.LogGroup(self, "StateMachineLogs", retention=self._retention(),
                                  log_group_name=f"{c.STATE_MACHINE_LOG_GROUP_PREFIX}{self.stack_name}-Collect",
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        substitutions = {key: self.functions[name].function_arn for key, name in c.ASL_FUNCTIONS.items()}
        # RunCompleted: the event source and detail.stack are this stack's name, so two stacks in
        # one account do not react to each other's runs.
        substitutions.update(LedgerTableName=self.table.table_name, EventBusName=c.EVENT_BUS_NAME,
                             EventSource=self.stack_name, StackName=self.stack_name,
                             BucketName=self.bucket.bucket_name, MapResultsPrefix=names.MAP_RESULTS_PREFIX)
        machine_name = c.state_machine_name(self.stack_name)
        machine = sfn.StateMachine(
            self, "Collect", state_machine_type=sfn.StateMachineType.STANDARD, state_machine_name=machine_name,
            definition_body=sfn.DefinitionBody.from_string(Path(c.ASL_PATH).read_text()),
            definition_substitutions=substitutions,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        machine.add_to_role_policy(iam.PolicyStatement(
            actions=["lambda:InvokeFunction"],
            resources=[self.functions[name].function_arn for name in c.ASL_FUNCTIONS.values()]))
        machine.add_to_role_policy(iam.PolicyStatement(actions=["dynamodb:UpdateItem"], resources=[self.table.table_arn]))
        self._allow_distributed_maps(machine, machine_name)
        # PutEvents on the bus, and only events whose source is this stack (AnnounceCompletion's).
        default_bus = events.EventBus.from_event_bus_name(self, "DefaultBus", c.EVENT_BUS_NAME)
        machine.add_to_role_policy(iam.PolicyStatement(
            actions=["events:PutEvents"], resources=[default_bus.event_bus_arn],
            conditions={"StringEquals": {"events:source": self.stack_name}}))
        return machine

    def _allow_distributed_maps(self, machine: sfn.StateMachine, machine_name: str) -> None:
        """CollectOwners, and inside each owner's child execution CollectBatches and CollectOrgs,
        are Distributed Maps: they start child executions of this machine (and describe, stop and,
        on a redrive, redrive them), read their items from the run's manifests and write the
        ResultWriter's files. Nothing else."""
        own = self.format_arn(service="states", resource="stateMachine", resource_name=machine_name,
                              arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
        children = self.format_arn(service="states", resource="execution", resource_name=f"{machine_name}/*",
                                   arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
        # the owners' children start their own Distributed Maps' children (nested): this machine, as
        # itself or qualified by a Map's label (stateMachine:<name>/<label>), nothing else
        machine.add_to_role_policy(iam.PolicyStatement(actions=["states:StartExecution"], resources=[own, f"{own}/*"]))
        machine.add_to_role_policy(iam.PolicyStatement(
            actions=["states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"], resources=[children]))
        manifests = [names.owner_manifest_key("*"), names.owner_batch_manifest_key("*", "*"),
                     names.owner_item_manifest_key("*", "*")]
        results = f"{names.MAP_RESULTS_PREFIX}/*"
        self.state_machine_s3_objects = {*manifests, results}  # for cdk_app.nag
        self.state_machine_name = machine_name
        machine.add_to_role_policy(iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects(key) for key in manifests]))
        machine.add_to_role_policy(iam.PolicyStatement(
            actions=["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            resources=[self.bucket.arn_for_objects(results)]))

    def _dead_letter_queue(self, construct_id: str) -> sqs.Queue:
        """Encrypted, TLS-only, 14 days to look at what failed; _build_alarms watches it."""
        queue = sqs.Queue(self, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                          retention_period=cdk.Duration.days(14))
        self.dead_letter_queues[construct_id] = queue
        return queue

    def _build_schedule(self) -> None:
        # Its own group: the Scheduler metrics are per group, so the alarm hears only this schedule.
        self.schedule_group = scheduler.ScheduleGroup(self, "Schedules", removal_policy=cdk.RemovalPolicy.DESTROY)
        undelivered = self._dead_letter_queue(c.SCHEDULE_DLQ)  # one for every schedule, alarmed once
        for spec in self.settings.schedules:
            scheduler.Schedule(
                self, spec.construct_id,
                schedule=scheduler.ScheduleExpression.expression(spec.expression, cdk.TimeZone.ETC_UTC),
                schedule_group=self.schedule_group,
                target=scheduler_targets.StepFunctionsStartExecution(
                    self.state_machine, input=scheduler.ScheduleTargetInput.from_object(spec.collection),
                    dead_letter_queue=undelivered,
                    retry_attempts=c.SCHEDULE_RETRY_ATTEMPTS, max_event_age=cdk.Duration.hours(1),
                ),
                description=f"ghstats schedule {spec.name}: start a collection with its config",
            )

    def _build_run_tracking(self) -> None:
        # EventBridge invokes TrackRun asynchronously: an event it cannot deliver goes to the
        # rule's dead-letter queue; an invocation that fails after Lambda's retries goes to the
        # function's on-failure destination. Both are alarmed.
        track_run = self.functions["TrackRun"]
        track_run.configure_async_invoke(
            on_failure=destinations.SqsDestination(self._dead_letter_queue(c.TRACK_RUN_DLQ)), retry_attempts=2)
        events.Rule(
            self, "TrackRuns",
            description="Keep the run ledger true for failed, timed out, aborted and redriven executions",
            event_pattern=events.EventPattern(
                source=["aws.states"], detail_type=["Step Functions Execution Status Change"],
                detail={"stateMachineArn": [self.state_machine.state_machine_arn]},
            ),
            targets=[targets.LambdaFunction(track_run, retry_attempts=8,
                                            dead_letter_queue=self._dead_letter_queue(c.TRACK_RUNS_RULE_DLQ))],
        )

    # -- webhooks -----------------------------------------------------------------------------

    def _build_webhooks(self) -> None:
        """GitHub deliveries: an HTTP API (POST route, throttled default stage, access logs) to
        WebhookReceiver, which verifies each against the webhook secret, dedupes it in the ledger,
        stores it raw under events/raw/ and queues it; WebhookProcessor merges the queued ones into
        derived state in the ledger; WebhookSweep, hourly, redelivers what GitHub failed to deliver
        and rolls the derived state up into datasets/webhooks_*."""
        self.webhook_secret = secretsmanager.Secret(
            self, "WebhookSecret",
            description="ghstats GitHub webhook secret (HMAC key of X-Hub-Signature-256): give GitHub its value",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=c.WEBHOOK_SECRET_LENGTH, exclude_punctuation=True),
            removal_policy=cdk.RemovalPolicy.RETAIN,  # GitHub keeps signing with it
        )
        self.webhook_dlq = sqs.Queue(
            self, c.WEBHOOK_QUEUE_DLQ, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            retention_period=cdk.Duration.days(14))
        self.webhook_queue = sqs.Queue(
            self, "WebhookDeliveries", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            retention_period=cdk.Duration.days(c.WEBHOOK_QUEUE_RETENTION_DAYS),
            visibility_timeout=cdk.Duration.seconds(c.WEBHOOK_QUEUE_VISIBILITY_S),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.webhook_dlq, max_receive_count=c.WEBHOOK_MAX_RECEIVE_COUNT))
        common = {
            names.ENV_BUCKET: self.bucket.bucket_name,
            names.ENV_TABLE: self.table.table_name,
            names.ENV_STACK_NAME: self.stack_name,
            "POWERTOOLS_SERVICE_NAME": names.SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": names.METRICS_NAMESPACE,
        }
        function = self._webhook_function(c.WEBHOOK_FUNCTION_NAME, c.WEBHOOK_FUNCTION, {
            # the secret's name only: the function reads its value at run time
            webhook_names.ENV_WEBHOOK_SECRET_NAME: self.webhook_secret.secret_name,
            webhook_names.ENV_WEBHOOK_QUEUE_URL: self.webhook_queue.queue_url,
            **common,
        })
        # Exactly what the receiver calls: GetSecretValue (Powertools), PutObject (the raw
        # delivery, untagged), SendMessage, and the dedupe's ledger calls.
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue"], resources=[self.webhook_secret.secret_full_arn]))
        self._allow_s3(c.WEBHOOK_FUNCTION_NAME, ["s3:PutObject"], [c.WEBHOOK_RAW_PREFIX])
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["sqs:SendMessage"], resources=[self.webhook_queue.queue_arn]))
        self._allow_ledger_keys(function, c.WEBHOOK_LEDGER_ACTIONS, c.WEBHOOK_LEDGER_LEADING_KEYS)
        self._build_webhook_processor(common)
        self._build_webhook_sweep(common)
        self._build_webhook_api(function)

    def _webhook_function(self, name: str, spec: c.Function, environment: dict[str, str]) -> lambda_.Function:
        """A webhook function with its own log group, registered in webhook_functions (so every
        per-function check and acknowledgment applies to it)."""
        log_group = logs.LogGroup(self, f"{name}Logs", retention=self._retention(),
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        function = lambda_.Function(
            self, name, runtime=self._runtime(), architecture=lambda_.Architecture.X86_64,
            handler=spec.handler, code=self._code_asset, memory_size=spec.memory_mb,
            timeout=cdk.Duration.seconds(spec.timeout_s), description=spec.description,
            environment=environment, tracing=lambda_.Tracing.ACTIVE, log_group=log_group,
        )
        self.webhook_functions[name] = function
        return function

    def _build_webhook_processor(self, environment: dict[str, str]) -> None:
        """The queue's consumer. A message it fails is reported in batchItemFailures and retried
        alone; after maxReceiveCount it is dead-lettered (WebhookDeliveriesFailedNotEmpty)."""
        name = c.WEBHOOK_PROCESSOR_NAME
        function = self._webhook_function(name, c.WEBHOOK_PROCESSOR, dict(environment))
        # The event source's grant: ReceiveMessage, DeleteMessage, ChangeMessageVisibility,
        # GetQueueAttributes, GetQueueUrl on this queue.
        function.add_event_source(event_sources.SqsEventSource(
            self.webhook_queue, batch_size=c.WEBHOOK_BATCH_SIZE,
            max_batching_window=cdk.Duration.seconds(c.WEBHOOK_BATCH_WINDOW_S), report_batch_item_failures=True))
        self._allow_s3(name, ["s3:GetObject"], [c.WEBHOOK_RAW_PREFIX])  # the raw deliveries: read, never written
        self._allow_ledger_keys(function, c.WEBHOOK_PROCESSOR_LEDGER_ACTIONS, c.WEBHOOK_PROCESSOR_LEADING_KEYS)

    def _build_webhook_sweep(self, environment: dict[str, str]) -> None:
        """Hourly (also with no webhooks to sweep: its rollup writes the datasets). Invoked
        asynchronously, as TrackRun: an event the rule cannot deliver goes to the rule's
        dead-letter queue, a sweep that fails after Lambda's retries to its on-failure destination;
        both are alarmed."""
        name = c.WEBHOOK_SWEEP_NAME
        function = self._webhook_function(name, c.WEBHOOK_SWEEP, {
            **environment,
            # the GitHub credentials and hosts, as the collection's functions get them
            names.ENV_SECRET_NAME: self.secret.secret_name,
            names.ENV_GITHUB_API_URLS: json.dumps(self.settings.github_api_urls),
            webhook_names.ENV_WEBHOOK_HOOKS: json.dumps(list(self.settings.webhook_hooks)),
        })
        self._allow_secret_read(function)  # the deliveries API needs the org's token or the App's JWT
        self._allow_ledger_keys(function, c.WEBHOOK_SWEEP_LEDGER_ACTIONS, c.WEBHOOK_SWEEP_LEADING_KEYS)
        self._allow_s3(name, ["s3:PutObject"], [c.WEBHOOK_DATASET_OBJECTS])  # the rollup's datasets (it reads no object)
        max_age = cdk.Duration.seconds(c.WEBHOOK_SWEEP_MAX_EVENT_AGE_S)
        function.configure_async_invoke(
            on_failure=destinations.SqsDestination(self._dead_letter_queue(c.WEBHOOK_SWEEP_DLQ)),
            retry_attempts=c.WEBHOOK_SWEEP_RETRY_ATTEMPTS, max_event_age=max_age)
        events.Rule(
            self, c.WEBHOOK_SWEEP_RULE, description="Sweep GitHub webhook deliveries and roll webhook state up",
            schedule=events.Schedule.expression(c.WEBHOOK_SWEEP_SCHEDULE),
            targets=[targets.LambdaFunction(function, retry_attempts=c.WEBHOOK_SWEEP_RETRY_ATTEMPTS, max_event_age=max_age,
                                            dead_letter_queue=self._dead_letter_queue(c.WEBHOOK_SWEEP_RULE_DLQ))],
        )

    def _build_webhook_api(self, function: lambda_.Function) -> None:
        """The HTTP API in front of the receiver: one POST route, a throttled stage, access logs."""
        access_logs = logs.LogGroup(self, "WebhookApiAccessLogs", retention=self._retention(),
                                    removal_policy=cdk.RemovalPolicy.DESTROY)
        self.webhook_api = apigwv2.HttpApi(
            self, "WebhookApi", description=f"GitHub webhook deliveries of the {self.stack_name} stack",
            create_default_stage=False)
        self.webhook_api.add_routes(
            path=c.WEBHOOK_PATH, methods=[apigwv2.HttpMethod.POST],
            integration=integrations.HttpLambdaIntegration(  # payload format 2.0 (the default)
                "WebhookReceiverIntegration", function,
                payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0))
        # No request headers in the log: X-Hub-Signature-256 stays out of it.
        access_format = apigw.AccessLogFormat.custom(json.dumps({
            "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
            "requestTime": "$context.requestTime", "routeKey": "$context.routeKey", "status": "$context.status",
            "protocol": "$context.protocol", "responseLength": "$context.responseLength",
            "userAgent": "$context.identity.userAgent",
            "integrationStatus": "$context.integrationStatus", "integrationError": "$context.integrationErrorMessage",
            "error": "$context.error.message",
        }))
        self.webhook_stage = apigwv2.HttpStage(
            self, "WebhookApiStage", http_api=self.webhook_api, stage_name="$default", auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=c.WEBHOOK_THROTTLE_RATE, burst_limit=c.WEBHOOK_THROTTLE_BURST),
            access_log_settings=_AccessLogSettings(apigwv2.LogGroupLogDestination(access_logs), access_format),
        )

    # -- notifications and alarms -------------------------------------------------------------

    def _build_notifications(self) -> sns.Topic:
        key = kms.Key(self, "NotificationsKey", enable_key_rotation=True,
                      description="ghstats notifications topic", removal_policy=cdk.RemovalPolicy.DESTROY)
        key.grant(iam.ServicePrincipal("events.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        topic = sns.Topic(self, "Notifications", master_key=key, enforce_ssl=True, display_name="ghstats runs")
        if self.settings.notification_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.settings.notification_email))
        # The rules' targets get a reference to the topic, so they add no statement of their own to
        # its policy (an events.amazonaws.com Publish from any rule in any account); the statement
        # below allows these two rules by ARN.
        target = sns.Topic.from_topic_arn(self, "NotificationsTarget", topic.topic_arn)
        completed = events.Rule(
            self, "RunCompleted", description="A collection finished (SUCCEEDED or PARTIAL)",
            event_pattern=events.EventPattern(source=[self.stack_name], detail_type=["RunCompleted"],
                                              detail={"stack": [self.stack_name]}),
            targets=[targets.SnsTopic(target, message=events.RuleTargetInput.from_text(
                f"ghstats run {events.EventField.from_path('$.detail.run_id')} finished "
                f"{events.EventField.from_path('$.detail.status')}: {events.EventField.from_path('$.detail.repos_ok')} "
                f"repositories, {events.EventField.from_path('$.detail.repos_failed')} in errors.json"))],
        )
        failed = events.Rule(
            self, "RunFailed", description="A collection failed, timed out or was aborted",
            event_pattern=events.EventPattern(
                source=["aws.states"], detail_type=["Step Functions Execution Status Change"],
                detail={"stateMachineArn": [self.state_machine.state_machine_arn],
                        "status": list(names.TERMINAL_FAILURES)},
            ),
            targets=[targets.SnsTopic(target, message=events.RuleTargetInput.from_text(
                f"ghstats run {events.EventField.from_path('$.detail.name')} "
                f"{events.EventField.from_path('$.detail.status')}: {events.EventField.from_path('$.detail.error')}. "
                f"Read the run with `ghstats status RUN_ID --stack {self.stack_name}`, fix the cause, then redrive it "
                "(docs/operations.md)."))],
        )
        self._allow_publish(topic, "events.amazonaws.com", [completed.rule_arn, failed.rule_arn])
        return topic

    @staticmethod
    def _allow_publish(topic: sns.Topic, service: str, source_arns: list[str]) -> None:
        topic.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal(service)], actions=["sns:Publish"], resources=[topic.topic_arn],
            conditions={"ArnEquals": {"aws:SourceArn": source_arns}}))

    def _build_alarms(self) -> None:
        action = cw_actions.SnsAction(self.topic)
        machine = self.state_machine
        period = cdk.Duration.hours(1)
        alarms = {
            "ExecutionsFailed": machine.metric_failed(period=period),
            "ExecutionsTimedOut": machine.metric_timed_out(period=period),
            "ExecutionsThrottled": machine.metric_throttled(period=period),
        }
        for queue_id, queue in {**self.dead_letter_queues, c.WEBHOOK_QUEUE_DLQ: self.webhook_dlq}.items():
            alarms[f"{queue_id}NotEmpty"] = queue.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(5), statistic="Maximum")
        group = self.schedule_group
        alarms["ScheduledStartFailed"] = cloudwatch.MathExpression(  # a scheduled run did not start
            expression="FILL(errors, 0) + FILL(sent, 0) + FILL(unsent, 0) + FILL(dropped, 0)",
            using_metrics={"errors": group.metric_target_errors(), "sent": group.metric_sent_to_dlq(),
                           "unsent": group.metric_failed_to_be_sent_to_dlq(), "dropped": group.metric_dropped()},
            period=cdk.Duration.minutes(5), label="failed scheduled StartExecution invocations")
        created = []
        for name, metric in alarms.items():
            alarm = cloudwatch.Alarm(self, name, metric=metric, threshold=1, evaluation_periods=1,
                                     comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                                     treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
            alarm.add_alarm_action(action)
            created.append(alarm)
        points = cloudwatch.Metric(namespace=names.METRICS_NAMESPACE, metric_name=names.METRIC_POINTS_REMAINING,
                                   dimensions_map={"service": names.SERVICE, names.METRIC_DIMENSION_STACK: self.stack_name},
                                   statistic="Minimum",
                                   period=cdk.Duration.minutes(5))
        low = cloudwatch.Alarm(self, "GitHubPointsLow", metric=points,
                               threshold=self.settings.points_remaining_alarm_threshold, evaluation_periods=1,
                               comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                               treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                               alarm_description="GitHub rate-limit points remaining are low during a run")
        low.add_alarm_action(action)
        # The topic has a policy (TLS only, the rules), which replaces SNS's default owner policy:
        # CloudWatch may publish only for these alarms.
        self._allow_publish(self.topic, "cloudwatch.amazonaws.com", [a.alarm_arn for a in created + [low]])

    def _build_outputs(self) -> None:
        cdk.CfnOutput(self, c.OUTPUT_BUCKET, value=self.bucket.bucket_name)
        cdk.CfnOutput(self, c.OUTPUT_TABLE, value=self.table.table_name)
        cdk.CfnOutput(self, c.OUTPUT_STATE_MACHINE, value=self.state_machine.state_machine_arn)
        cdk.CfnOutput(self, c.OUTPUT_SECRET, value=self.secret.secret_name)
        cdk.CfnOutput(self, c.OUTPUT_ATHENA_DATABASE, value=self.athena_database.ref)
        cdk.CfnOutput(self, c.OUTPUT_ATHENA_WORKGROUP, value=self.workgroup.ref)
        cdk.CfnOutput(self, c.OUTPUT_WEBHOOK_URL, value=f"{self.webhook_api.api_endpoint}{c.WEBHOOK_PATH}",
                      description="GitHub webhook Payload URL (content type application/json)")
        cdk.CfnOutput(self, c.OUTPUT_WEBHOOK_SECRET, value=self.webhook_secret.secret_name,
                      description="Secrets Manager secret whose SecretString is the webhook secret")
