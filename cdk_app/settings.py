"""Read and check the stack's settings from cdk.json context.

`-c key=value` on the command line arrives as a string ("false", "30"); cdk.json gives JSON
values. Both are parsed strictly: anything else fails synth naming the key and what it accepts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from cdk_app.constants import ASL_PATH, CONTEXT_DEFAULTS, LOG_RETENTION
from ghstats.config import ORG_NAME, InvalidConfig, check_api_url, parse_config
from ghstats.limits import AGGREGATE_EPHEMERAL_STORAGE_MB_RANGE, AGGREGATE_MEMORY_MB_RANGE
from ghstats.github.documents import OWNER_RULE

WHOLE_NUMBER = re.compile(r"^[0-9]+$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                         r"|mrk-[0-9a-f]{32})$")
RATE = re.compile(r"^rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)$")
RATE_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
SCHEDULE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
SCHEDULE_KEYS = ("name", "schedule", "collection")
HOOK_EXAMPLE = '[{"org": "acme", "hook_id": 123}, {"app": true}]'
STACK_NAME_RULE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")  # CloudFormation's rule for stack names


def context_error(key: str, message: str) -> ValueError:
    return ValueError(f"cdk.json context '{key}': {message}")


def parse_bool(key: str, value: Any) -> bool:
    """true/false in cdk.json, or the strings "true"/"false" from `-c key=value`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise context_error(key, f"{value!r} is not a boolean; use true or false (e.g. -c {key}=false)")


def parse_int(key: str, value: Any, low: int, high: int | None = None) -> int:
    """A whole number in cdk.json, or its digits from `-c key=value`, within [low, high]."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and WHOLE_NUMBER.match(value):
        number = int(value)
    accepted = f"a whole number from {low} to {high}" if high is not None else f"a whole number, {low} or more"
    if number is None or number < low or (high is not None and number > high):
        raise context_error(key, f"{value!r} is not {accepted}; use {accepted} (e.g. -c {key}={low})")
    return number


def parse_str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise context_error(key, f"{value!r} is not a string; use a string (\"\" for none)")
    return value


def execution_timeout_s() -> int:
    """The state machine's TimeoutSeconds, read from the ASL (the one place it is set)."""
    return int(json.loads(ASL_PATH.read_text())["TimeoutSeconds"])


def parse_schedule(key: str, value: Any) -> str:
    """cron(...) as EventBridge Scheduler takes it, or rate(N unit) no more often than a run may last."""
    schedule = parse_str(key, value)
    if schedule.startswith("cron("):
        return schedule
    if not schedule.startswith("rate("):
        raise context_error(key, "use cron(...) or rate(...), e.g. cron(0 2 ? * MON *)")
    match = RATE.match(schedule)
    if not match:
        raise context_error(key, f"{schedule!r} is not a rate expression; use rate(N minutes|hours|days), e.g. rate(7 days)")
    interval = int(match.group(1)) * RATE_UNIT_S[match.group(2).rstrip("s")]
    timeout = execution_timeout_s()
    if interval < timeout:
        days = -(-timeout // 86400)
        raise context_error(key, f"{schedule} starts a run every {interval:,} s, more often than a run may last (the "
                                 f"state machine's TimeoutSeconds, {timeout:,} s), so runs would overlap; use an interval "
                                 f"of at least {timeout:,} s (e.g. rate({days} {'day' if days == 1 else 'days'})) "
                                 "or a cron(...) expression")
    return schedule


def parse_api_urls(key: str, value: Any) -> list[str]:
    """One REST base URL or a list (a JSON list from -c too), each by the collection config's api_url rules."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise context_error(key, f"{value!r} is not a JSON list; use a URL or a list of URLs") from None
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list) or not urls:
        raise context_error(key, f"{value!r} is not a URL or a list of URLs; use e.g. [\"https://api.github.com\"]")
    problems, seen = [], []
    for i, url in enumerate(urls):
        found = check_api_url(url)
        problems += [f"[{i}] {problem.removeprefix('api_url: ')}" for problem in found]
        if not found:
            url = url.rstrip("/")
            if url in seen:
                problems.append(f"[{i}] {url!r} is listed twice; list each URL once")
            seen.append(url)
    if problems:
        raise context_error(key, "; ".join(problems))
    return seen


def _hook_id(where: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise context_error(f"{where}.hook_id", f"{value!r} is not a webhook id; use the positive whole number GitHub "
                                                "shows in the webhook's URL (.../settings/hooks/<id>) and sends as "
                                                "X-GitHub-Hook-ID")
    return value


def parse_webhook_hooks(key: str, value: Any, api_urls: list[str]) -> tuple[dict[str, Any], ...]:
    """The webhooks WebhookSweep asks GitHub about (GHSTATS_WEBHOOK_HOOKS, read by
    ghstats.webhooks.sweep.parse_hooks): a list (a JSON list from -c too) of
    {"org": <login>, "hook_id": <positive int>} (an organisation webhook) or {"app": true} (the
    GitHub App's webhook; its "hook_id", if given, is the X-GitHub-Hook-ID of its deliveries, for
    the dedupe check), each with an optional "api_url", one of 'ghstats:githubApiUrls' (default:
    the first); [] for none."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise context_error(key, f"{value!r} is not a JSON list of webhooks; use e.g. {HOOK_EXAMPLE}, or [] for none") from None
    if not isinstance(value, list):
        raise context_error(key, f"{value!r} is not a list of webhooks; use e.g. {HOOK_EXAMPLE}, or [] for none")
    forms = '{"org": "<login>", "hook_id": <id>} or {"app": true}'
    found: list[dict[str, Any]] = []
    for i, entry in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(entry, dict):
            raise context_error(where, f"{entry!r} is not an object; use {forms}")
        if "app" in entry:
            allowed = ("app", "hook_id", "api_url")
            if entry["app"] is not True or "org" in entry:
                raise context_error(where, f"{entry!r}: the App's webhook is {{\"app\": true}} (with no \"org\"); "
                                           "an organisation's is {\"org\": \"<login>\", \"hook_id\": <id>}")
            hook: dict[str, Any] = {"app": True}
            if "hook_id" in entry:
                hook["hook_id"] = _hook_id(where, entry["hook_id"])
        else:
            allowed = ("org", "hook_id", "api_url")
            org = entry.get("org")
            if not isinstance(org, str) or not ORG_NAME.match(org):
                raise context_error(f"{where}.org", f"{org!r} is not a GitHub organisation login ({OWNER_RULE}); "
                                                    "use the organisation whose webhook it is, e.g. \"acme\"")
            hook = {"org": org, "hook_id": _hook_id(where, entry.get("hook_id"))}
        unknown = sorted(set(entry) - set(allowed))
        if unknown:
            raise context_error(f"{where}.{unknown[0]}", f"is not a key of this webhook; allowed keys are {', '.join(allowed)}")
        if "api_url" in entry:
            url = entry["api_url"]
            problems = check_api_url(url)
            if problems:
                raise context_error(f"{where}.api_url", "; ".join(problem.removeprefix("api_url: ") for problem in problems))
            if url.rstrip("/") not in api_urls:
                raise context_error("ghstats:githubApiUrls", f"{json.dumps(api_urls)} does not include {url!r} ('{where}.api_url'); "
                                    "add it, or change api_url to one of them")
            hook["api_url"] = url.rstrip("/")
        if any({k: v for k, v in other.items() if k != "api_url"} == {k: v for k, v in hook.items() if k != "api_url"}
               for other in found):
            raise context_error(where, f"{json.dumps(hook)} is listed twice; list each webhook once")
        found.append(hook)
    return tuple(found)


def context_value(scope: Construct, key: str) -> Any:
    value = scope.node.try_get_context(key)
    return CONTEXT_DEFAULTS[key] if value is None else value


def stack_name_of(scope: Construct) -> str:
    """The stack's name (and construct id): `ghstats:stackName`, default ghstats."""
    key = "ghstats:stackName"
    name = context_value(scope, key)
    if not isinstance(name, str) or not STACK_NAME_RULE.match(name):
        raise context_error(key, f"{name!r} is not a stack name; use 1-128 letters, digits and hyphens, "
                                 "starting with a letter (e.g. ghstats-test)")
    return name


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule: when it starts an execution, and with which collection config."""

    name: str
    expression: str  # cron(...) or rate(...), UTC
    collection: dict[str, Any]

    @property
    def construct_id(self) -> str:
        """weekly -> Weekly, traffic-daily -> TrafficDaily (the first schedule keeps its historical id)."""
        return "".join(part.capitalize() for part in self.name.split("-"))


def parse_collection(key: str, value: Any, api_urls: list[str]) -> dict[str, Any]:
    """A collection config, checked as PlanRun checks it, whose api_url the Lambdas may call."""
    try:
        config = parse_config(value)
    except InvalidConfig as exc:
        raise context_error(key, str(exc)) from None
    if config.api_url not in api_urls:
        raise context_error("ghstats:githubApiUrls", f"{json.dumps(api_urls)} does not include the collection config's api_url "
                            f"{config.api_url!r} ('{key}'); add it, or change api_url to one of them")
    return value


def parse_schedules(key: str, value: Any, default_collection: dict[str, Any], api_urls: list[str]) -> tuple[ScheduleSpec, ...]:
    """A list of {name, schedule, collection?}; a schedule without its own collection starts
    'ghstats:collection'. Names are unique, and so are the collections' names (one run of a
    collection at a time: two schedules of one collection would refuse each other)."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise context_error(key, f"{value!r} is not a JSON list of schedules") from None
    if not isinstance(value, list) or not value:
        raise context_error(key, f"{value!r} is not a list of schedules; use e.g. "
                                 '[{"name": "weekly", "schedule": "cron(0 2 ? * MON *)"}]')
    found: list[ScheduleSpec] = []
    for i, entry in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(entry, dict):
            raise context_error(where, f"{entry!r} is not an object; use {{\"name\": ..., \"schedule\": ..., \"collection\": {{...}}}}")
        unknown = sorted(set(entry) - set(SCHEDULE_KEYS))
        if unknown:
            raise context_error(f"{where}.{unknown[0]}", f"is not a schedule key; allowed keys are {', '.join(SCHEDULE_KEYS)}")
        name = entry.get("name")
        if not isinstance(name, str) or not SCHEDULE_NAME.match(name):
            raise context_error(f"{where}.name", f"{name!r} is not a schedule name; use 1-40 lower-case letters, digits "
                                                 "or '-', starting with a letter (e.g. traffic-daily)")
        if name in {s.name for s in found}:
            raise context_error(f"{where}.name", f"{name!r} is the name of another schedule; give each its own")
        expression = parse_schedule(f"{where}.schedule", entry.get("schedule"))
        collection = parse_collection(f"{where}.collection", entry["collection"], api_urls) if "collection" in entry \
            else default_collection
        found.append(ScheduleSpec(name, expression, collection))
    collections: dict[str, str] = {}
    for spec in found:
        collection_name = parse_config(spec.collection).name
        if collection_name in collections:
            raise context_error(key, f"schedules {collections[collection_name]!r} and {spec.name!r} start the same collection "
                                     f"name {collection_name!r}, so one would refuse the other while it runs; give one "
                                     "its own collection with its own \"name\" (e.g. \"name\": \"traffic\")")
        collections[collection_name] = spec.name
    return tuple(found)


@dataclass(frozen=True)
class Settings:
    stack_name: str
    collection: dict[str, Any]
    github_api_urls: list[str]
    schedules: tuple[ScheduleSpec, ...]
    notification_email: str
    existing_secret_name: str
    existing_secret_kms_key_arn: str
    batch_object_retention_days: int
    log_retention_days: int
    points_remaining_alarm_threshold: int
    retain_data: bool
    aggregate_memory_mb: int
    aggregate_ephemeral_storage_mb: int
    webhook_hooks: tuple[dict[str, Any], ...]

    @classmethod
    def from_context(cls, scope: Construct) -> "Settings":
        def get(key: str) -> Any:
            return context_value(scope, key)

        api_urls = parse_api_urls("ghstats:githubApiUrls", get("ghstats:githubApiUrls"))
        # the same check PlanRun makes, at synth time
        collection = parse_collection("ghstats:collection", get("ghstats:collection"), api_urls)
        schedules = parse_schedules("ghstats:schedules", get("ghstats:schedules"), collection, api_urls)
        retention_key = "ghstats:logRetentionDays"
        retention = parse_int(retention_key, get(retention_key), 1)
        if retention not in LOG_RETENTION:
            raise context_error(retention_key, f"{retention} is not a CloudWatch retention; use one of {sorted(LOG_RETENTION)}")
        secret_name = parse_str("ghstats:existingSecretName", get("ghstats:existingSecretName"))
        key_arn = parse_str("ghstats:existingSecretKmsKeyArn", get("ghstats:existingSecretKmsKeyArn"))
        if key_arn and not KMS_KEY_ARN.match(key_arn):
            raise context_error("ghstats:existingSecretKmsKeyArn", f"{key_arn!r} is not a KMS key ARN; use "
                                "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (a key ARN, not an alias), or \"\" for none")
        if key_arn and not secret_name:
            raise context_error("ghstats:existingSecretKmsKeyArn", "is set but 'ghstats:existingSecretName' is not; "
                                "the key decrypts an existing secret: set both, or neither")
        return cls(
            stack_name=stack_name_of(scope),
            collection=collection,
            github_api_urls=api_urls,
            schedules=schedules,
            notification_email=parse_str("ghstats:notificationEmail", get("ghstats:notificationEmail")),
            existing_secret_name=secret_name,
            existing_secret_kms_key_arn=key_arn,
            batch_object_retention_days=parse_int("ghstats:batchObjectRetentionDays", get("ghstats:batchObjectRetentionDays"), 1),
            log_retention_days=retention,
            points_remaining_alarm_threshold=parse_int(
                "ghstats:pointsRemainingAlarmThreshold", get("ghstats:pointsRemainingAlarmThreshold"), 1),
            retain_data=parse_bool("ghstats:retainData", get("ghstats:retainData")),
            aggregate_memory_mb=parse_int("ghstats:aggregateMemoryMb", get("ghstats:aggregateMemoryMb"),
                                          *AGGREGATE_MEMORY_MB_RANGE),
            aggregate_ephemeral_storage_mb=parse_int("ghstats:aggregateEphemeralStorageMb",
                                                     get("ghstats:aggregateEphemeralStorageMb"),
                                                     *AGGREGATE_EPHEMERAL_STORAGE_MB_RANGE),
            webhook_hooks=parse_webhook_hooks("ghstats:webhookHooks", get("ghstats:webhookHooks"), api_urls),
        )
