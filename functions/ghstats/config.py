"""The collection config (the execution input): parsed and checked before any GitHub call.

Every problem names the field and the fix; all problems are reported at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlparse

from ghstats import limits
from ghstats.github.documents import NAME_RULE, OWNER_PATTERN, OWNER_RULE, REPO_KEY
from ghstats.github.endpoints import GITHUB_COM_API

ORG_NAME = re.compile(rf"^{OWNER_PATTERN}$")
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
COLLECTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEFAULT_COLLECTION_NAME = "default"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
GITHUB_WEBSITE_HOSTS = ("github.com", "www.github.com")
GITHUB_COM_API_HOST = "api.github.com"
ENTERPRISE_API_PATH = "/api/v3"
REPO_RULE = f"'owner/name' (owner: {OWNER_RULE}; name: {NAME_RULE})"

TOP_LEVEL_KEYS = ("name", "orgs", "repos", "collectors", "collector_options", "slo_days", "strict_permissions", "batch_size",
                  "max_concurrency", "rest_concurrency", "reserve_points", "reserve_requests", "api_url", "run_id")
# Days an alert of each severity may stay open before it breaches its SLO (the config's slo_days).
DEFAULT_SLO_DAYS = {"critical": 7, "high": 30, "medium": 90, "low": 180}
ORG_KEYS = ("name", "exclude", "include_archived", "include_forks")


class InvalidConfig(Exception):
    """The config cannot be used; the message lists every problem with its fix."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid collection config: " + "; ".join(problems))


@dataclass(frozen=True)
class OrgSpec:
    name: str
    exclude: tuple[str, ...] = ()  # owner/name, as written
    include_archived: bool = True
    include_forks: bool = True


@dataclass(frozen=True)
class CollectionConfig:
    orgs: tuple[OrgSpec, ...] = ()
    repos: tuple[str, ...] = ()
    batch_size: int | str = limits.DEFAULT_BATCH_SIZE  # 1..100, or "auto" (resolved by the plan)
    max_concurrency: int = limits.DEFAULT_MAX_CONCURRENCY
    rest_concurrency: int = limits.DEFAULT_REST_CONCURRENCY  # REST work items at once (their Map's own setting)
    api_url: str = GITHUB_COM_API
    run_id: str | None = None
    # One collection of this name runs at a time (the schedule's runs and manual starts of it).
    name: str = DEFAULT_COLLECTION_NAME
    collectors: tuple[tuple[str, bool], ...] = ()  # every registered collector -> enabled
    slo_days: tuple[tuple[str, int], ...] = tuple(DEFAULT_SLO_DAYS.items())
    strict_permissions: bool = False  # a collector the token cannot serve fails the run instead of being skipped
    # collector -> its settings (every collector with an options model, defaults filled in), as JSON
    collector_options: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)
    # left of the credential's hourly GraphQL points and REST requests for other tools (0: none)
    reserve_points: int = 0
    reserve_requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("warnings")
        data["orgs"] = [
            {**o, "exclude": list(o["exclude"])} for o in data["orgs"]
        ]
        data["repos"] = list(self.repos)
        data["collectors"] = dict(self.collectors)
        data["slo_days"] = dict(self.slo_days)
        data["collector_options"] = {name: json.loads(options) for name, options in self.collector_options}
        if self.run_id is None:
            data.pop("run_id")
        for key in ("reserve_points", "reserve_requests"):  # unset: as configs written before them (same fingerprint)
            if not data[key]:
                data.pop(key)
        return data

    def fingerprint(self) -> str:
        """A hash of what the run collects (everything but run_id): a run id means one config."""
        data = self.to_dict()
        data.pop("run_id", None)
        return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def config_differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two configs' to_dict(), one 'key: old -> new' each (run_id aside)."""
    keys = sorted((set(before) | set(after)) - {"run_id"})
    return [f"{k}: {json.dumps(before.get(k))} -> {json.dumps(after.get(k))}" for k in keys if before.get(k) != after.get(k)]


def _unknown_keys(obj: dict[str, Any], allowed: tuple[str, ...], where: str) -> list[str]:
    return [
        f"{where}{key}: unknown key; allowed keys are {', '.join(allowed)}"
        for key in obj
        if key not in allowed
    ]


def _bounded_int(raw: dict[str, Any], key: str, default: int, low: int, high: int, problems: list[str]) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{key}: {value!r} is not a whole number from {low} to {high}; set it within that range (default {default})")
        return default
    return value


def _batch_size(raw: dict[str, Any], problems: list[str]) -> int | str:
    value = raw.get("batch_size", limits.DEFAULT_BATCH_SIZE)
    if value == limits.AUTO_BATCH_SIZE:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not limits.MIN_BATCH_SIZE <= value <= limits.MAX_BATCH_SIZE:
        problems.append(f"batch_size: {value!r} is neither \"{limits.AUTO_BATCH_SIZE}\" nor a whole number from "
                        f"{limits.MIN_BATCH_SIZE} to {limits.MAX_BATCH_SIZE}; leave it out or set \"{limits.AUTO_BATCH_SIZE}\" "
                        "(the default: the size with the fewest rate-limit points per repository for the enabled "
                        f"collectors), or set repositories per request within {limits.MIN_BATCH_SIZE}..{limits.MAX_BATCH_SIZE}")
        return limits.DEFAULT_BATCH_SIZE
    return value


def _bool(raw: dict[str, Any], key: str, where: str, problems: list[str]) -> bool:
    value = raw.get(key, True)
    if not isinstance(value, bool):
        problems.append(f"{where}{key}: {value!r} is not true or false")
        return True
    return value


def _parse_org(index: int, raw: Any, problems: list[str]) -> OrgSpec | None:
    where = f"orgs[{index}]"
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected an organisation login or an object with 'name'")
        return None
    problems.extend(_unknown_keys(raw, ORG_KEYS, f"{where}."))
    name = raw.get("name")
    if not isinstance(name, str) or not ORG_NAME.match(name):
        problems.append(f"{where}.name: {name!r} is not a GitHub organisation login ({OWNER_RULE})")
        return None
    exclude_raw = raw.get("exclude", [])
    exclude: list[str] = []
    if not isinstance(exclude_raw, list):
        problems.append(f"{where}.exclude: expected a list of repository names")
        exclude_raw = []
    for j, item in enumerate(exclude_raw):
        key = item if isinstance(item, str) and "/" in item else f"{name}/{item}"
        match = REPO_KEY.match(key) if isinstance(item, str) else None
        if not match:
            problems.append(f"{where}.exclude[{j}]: {item!r} is not a repository name ('name' or '{name}/name'; "
                            f"name: {NAME_RULE})")
        elif match.group(1).lower() != name.lower():
            problems.append(f"{where}.exclude[{j}]: {item!r} belongs to another owner; exclude only {name}'s repositories here")
        else:
            exclude.append(key)
    return OrgSpec(
        name=name,
        exclude=tuple(exclude),
        include_archived=_bool(raw, "include_archived", f"{where}.", problems),
        include_forks=_bool(raw, "include_forks", f"{where}.", problems),
    )


def check_api_url(value: Any) -> list[str]:
    """The problems of one REST base URL, by the rules parse_config applies to api_url (none: usable)."""
    problems: list[str] = []
    _check_api_url(value, problems)
    return problems


def _check_api_url(value: Any, problems: list[str]) -> str:
    if not isinstance(value, str):
        problems.append("api_url: expected a URL such as https://api.github.com or https://HOST/api/v3")
        return GITHUB_COM_API
    parsed = urlparse(value)
    local = parsed.hostname in LOCAL_HOSTS
    if not parsed.hostname or parsed.scheme not in ("https", "http") or (parsed.scheme == "http" and not local):
        problems.append(
            f"api_url: {value!r} is not an https URL; use https://api.github.com (github.com) or "
            "https://HOST/api/v3 (GitHub Enterprise Server)"
        )
        return GITHUB_COM_API
    if parsed.query or parsed.fragment or parsed.username or parsed.password:
        problems.append("api_url: remove the query, fragment or credentials from the URL")
    path_problem = _api_url_path_problem(value, parsed.hostname, parsed.path.rstrip("/"), local)
    if path_problem:
        problems.append(path_problem)
    return value.rstrip("/")


def _is_ghe_com_api(host: str) -> bool:
    """GHE.com (data residency) serves REST like github.com: https://api.SUBDOMAIN.ghe.com."""
    return host.startswith("api.") and host.endswith(".ghe.com")


def _api_url_path_problem(value: str, host: str, path: str, local: bool) -> str | None:
    """The REST base must be the API root: caught here, not as a 404 from the first request."""
    if host in GITHUB_WEBSITE_HOSTS:
        return f"api_url: {value!r} is the github.com website, not its API; use {GITHUB_COM_API}"
    if path.endswith("/graphql"):
        return (f"api_url: {value!r} is a GraphQL URL; give the REST base instead ({GITHUB_COM_API}, or "
                f"https://HOST{ENTERPRISE_API_PATH} for GitHub Enterprise Server): the GraphQL URL is derived from it")
    if host == GITHUB_COM_API_HOST or _is_ghe_com_api(host):
        if path:
            return f"api_url: {value!r} has a path; this API's REST base is https://{host} with no path"
        return None
    if local:
        if path not in ("", ENTERPRISE_API_PATH):
            return (f"api_url: {value!r} has an unexpected path; a local simulator is served at "
                    f"http://127.0.0.1:PORT (or http://127.0.0.1:PORT{ENTERPRISE_API_PATH})")
        return None
    if path != ENTERPRISE_API_PATH:
        return (f"api_url: {value!r} is not an API base URL; GitHub Enterprise Server's API is at "
                f"https://HOST{ENTERPRISE_API_PATH} (github.com: {GITHUB_COM_API})")
    return None


def _parse_collectors(raw: Any, problems: list[str]) -> tuple[tuple[str, bool], ...]:
    from ghstats.collectors import REGISTRY

    defaults = {name: c.default_enabled for name, c in REGISTRY.items()}
    if raw is None:
        return tuple(defaults.items())
    if not isinstance(raw, dict):
        problems.append('collectors: expected an object such as {"repository_stats": true, "dependabot_alerts": false}')
        return tuple(defaults.items())
    for name, on in raw.items():
        if name not in REGISTRY:
            problems.append(f"collectors.{name}: unknown collector; known collectors are {', '.join(REGISTRY)}")
        elif not isinstance(on, bool):
            problems.append(f"collectors.{name}: {on!r} is not true or false")
        else:
            defaults[name] = on
    if not any(defaults.values()):
        problems.append("collectors: every collector is off; turn at least one on")
    return tuple(defaults.items())


def _parse_slo_days(raw: Any, problems: list[str]) -> tuple[tuple[str, int], ...]:
    days = dict(DEFAULT_SLO_DAYS)
    if raw is None:
        return tuple(days.items())
    if not isinstance(raw, dict):
        problems.append(f"slo_days: expected an object of days per severity, e.g. {json.dumps(DEFAULT_SLO_DAYS)}")
        return tuple(days.items())
    for severity, value in raw.items():
        if severity not in DEFAULT_SLO_DAYS:
            problems.append(f"slo_days.{severity}: unknown severity; use {', '.join(DEFAULT_SLO_DAYS)}")
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
            problems.append(f"slo_days.{severity}: {value!r} is not a whole number of days from 1 to 3650 "
                            f"(default {DEFAULT_SLO_DAYS[severity]})")
        else:
            days[severity] = value
    return tuple(days.items())


def _parse_collector_options(raw: Any, problems: list[str]) -> tuple[tuple[str, str], ...]:
    """Each collector's settings, checked by the Pydantic model its folder declares: every
    problem named by its path (collector_options.<collector>.<field>) with what is allowed."""
    from pydantic import ValidationError

    from ghstats.collectors import REGISTRY

    models = {name: c.options for name, c in REGISTRY.items() if c.options is not None}
    given = raw if isinstance(raw, dict) else {}
    if raw is not None and not isinstance(raw, dict):
        problems.append('collector_options: expected an object such as {"repository_policy": {"min_reviews": 2}}')
    for name in given:
        if name not in models:
            problems.append(f"collector_options.{name}: no such collector with settings; "
                            f"collectors with settings are {', '.join(models) or 'none'}")
    parsed = []
    for name, model in models.items():
        try:
            options = model.model_validate(given.get(name) or {})
        except ValidationError as exc:
            fields = model.model_fields
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                field_info = fields.get(str(error["loc"][0])) if error["loc"] else None
                hint = (f" ({field_info.description}; default {json.dumps(field_info.get_default(call_default_factory=True))})"
                        if field_info is not None else f"; allowed keys are {', '.join(fields)}")
                problems.append(f"collector_options.{name}.{where}: {error['msg']}{hint}")
            options = model()
        parsed.append((name, options.model_dump_json()))
    return tuple(parsed)


def parse_config(raw: Any) -> CollectionConfig:
    """Check and normalise the execution input; raise InvalidConfig listing every problem."""
    if not isinstance(raw, dict):
        raise InvalidConfig(["the config must be a JSON object with 'orgs' and/or 'repos'"])
    problems = _unknown_keys(raw, TOP_LEVEL_KEYS, "")
    warnings: list[str] = []

    orgs_raw = raw.get("orgs", [])
    orgs: list[OrgSpec] = []
    if not isinstance(orgs_raw, list):
        problems.append("orgs: expected a list of organisation logins or objects")
        orgs_raw = []
    seen_orgs: set[str] = set()
    for i, item in enumerate(orgs_raw):
        spec = _parse_org(i, item, problems)
        if spec is None:
            continue
        if spec.name.lower() in seen_orgs:
            problems.append(f"orgs[{i}].name: '{spec.name}' is listed twice; list each organisation once")
            continue
        seen_orgs.add(spec.name.lower())
        orgs.append(spec)

    repos_raw = raw.get("repos", [])
    repos: list[str] = []
    if not isinstance(repos_raw, list):
        problems.append("repos: expected a list of 'owner/name' strings")
        repos_raw = []
    seen_repos: set[str] = set()
    for i, item in enumerate(repos_raw):
        if not isinstance(item, str) or not REPO_KEY.match(item):
            problems.append(f"repos[{i}]: {item!r} is not {REPO_RULE}")
        elif item.lower() in seen_repos:
            problems.append(f"repos[{i}]: '{item}' is listed twice; list each repository once")
        else:
            seen_repos.add(item.lower())
            repos.append(item)

    if "orgs" in raw and isinstance(orgs_raw, list) and not orgs_raw and "repos" not in raw:
        problems.append("orgs: the list is empty; name at least one organisation or add 'repos'")
    elif "repos" in raw and isinstance(repos_raw, list) and not repos_raw and "orgs" not in raw:
        problems.append("repos: the list is empty; name at least one repository or add 'orgs'")
    elif not orgs_raw and not repos_raw and not any(p.startswith(("orgs", "repos")) for p in problems):
        problems.append("orgs: nothing to collect; add 'orgs' (organisation logins) and/or 'repos' ('owner/name')")

    batch_size = _batch_size(raw, problems)
    concurrency = _bounded_int(raw, "max_concurrency", limits.DEFAULT_MAX_CONCURRENCY, limits.MIN_MAX_CONCURRENCY, limits.MAX_MAX_CONCURRENCY, problems)
    rest_concurrency = _bounded_int(raw, "rest_concurrency", limits.DEFAULT_REST_CONCURRENCY, limits.MIN_MAX_CONCURRENCY,
                                    limits.MAX_MAX_CONCURRENCY, problems)
    reserve_points = _bounded_int(raw, "reserve_points", 0, 0, limits.MAX_RESERVE, problems)
    reserve_requests = _bounded_int(raw, "reserve_requests", 0, 0, limits.MAX_RESERVE, problems)
    api_url = _check_api_url(raw.get("api_url", GITHUB_COM_API), problems)

    run_id = raw.get("run_id")
    if run_id is not None and (not isinstance(run_id, str) or not RUN_ID.match(run_id)):
        problems.append("run_id: use 1-80 letters, digits, '-' or '_' (it names the run's S3 folder)")

    name = raw.get("name", DEFAULT_COLLECTION_NAME)
    if not isinstance(name, str) or not COLLECTION_NAME.match(name):
        problems.append(f"name: {name!r} is not a collection name; use 1-64 letters, digits, '-' or '_' "
                        f"(default '{DEFAULT_COLLECTION_NAME}'; one collection of a name runs at a time)")

    collectors = _parse_collectors(raw.get("collectors"), problems)
    slo_days = _parse_slo_days(raw.get("slo_days"), problems)
    collector_options = _parse_collector_options(raw.get("collector_options"), problems)
    strict = raw.get("strict_permissions", False)
    if not isinstance(strict, bool):
        problems.append(f"strict_permissions: {strict!r} is not true or false")
        strict = False

    if problems:
        raise InvalidConfig(problems)
    return CollectionConfig(tuple(orgs), tuple(repos), batch_size, concurrency, rest_concurrency, api_url, run_id, name,
                            collectors, slo_days, strict, collector_options, tuple(warnings), reserve_points,
                            reserve_requests)
