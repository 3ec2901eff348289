"""A run's budget, predicted before any collection: GitHub requests per bucket, GraphQL points,
REST requests, the hours they need at the credential's hourly limits, and the AWS cost.

Plain code, dependencies passed in. Two steps:

1. `count_repositories(client, config)`: what the prediction needs to know of GitHub, as cheaply
   as GitHub tells it: the token check (the run's own first request: a bad token fails the plan as
   it would fail the run, and a classic token's scopes say which collectors it would skip), then
   one GraphQL query per `COUNT_ORGS_PER_QUERY` orgs, each org aliased, asking only
   `repositories(<the org's filters>) { totalCount }` and the archived ones' `totalCount`
   (no `nodes`, so no page: 2 connections per org, 1 point per query). Named `repos` count as
   themselves.
2. `predict(counts, config, ...)`: pure arithmetic on those counts and the config, the way the
   run spends (collect/planning.py lists 100 repositories a page, 1 point a page; a batch is one
   request of batch_size.points_per_request(); each REST list is walked a page of 100 at a time),
   returning a JSON-able dict. What cannot be known before listing is an `assumptions` entry.

The AWS cost is counted as `make bench` counts it (`run_cost`, moved here from bench/costs.py,
which imports it): the predicted counts of transitions, Lambda time, S3 and DynamoDB requests
are fed to the same function that prices a measured run.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ghstats import limits, names
from ghstats.aws_prices import PRICES
from ghstats.collect.batch_size import points_per_request, repository_connections, resolve_batch_size
from ghstats.collectors import REGISTRY, batch_collectors, lacking_scopes, rest_collectors
from ghstats.collectors.unit import Collector, RestList
from ghstats.config import CollectionConfig
from ghstats.github.client import GitHubClient

PAGE_SIZE = 100  # repositories per listing page (list_org_repos.graphql), items per REST page (per_page)
LISTING_POINTS_PER_PAGE = 1  # repositories(first: 100) under one organisation: 1 request -> 1 point
PREFLIGHT_POINTS = 1  # the token check (rateLimit only): GitHub's minimum of 1
COUNT_ORGS_PER_QUERY = 50  # 2 totalCount connections per org: 100 requests, 1 point per counting query

# The credential's hourly budgets (../shared/notes/github-api.md, "GraphQL primary rate limit"):
# a personal access token has 5,000 GraphQL points and, separately, 5,000 REST requests an hour;
# a GitHub App installation 5,000 + 50 per repository above 20 (+ 50 per user above 20, not
# counted here), at most 12,500, for each.
PAT_GRAPHQL_POINTS_PER_HOUR = 5_000
PAT_REST_REQUESTS_PER_HOUR = 5_000
APP_BASE_PER_HOUR, APP_PER_REPOSITORY, APP_REPOSITORIES_FREE, APP_MAX_PER_HOUR = 5_000, 50, 20, 12_500


# -- the bench's way of pricing a run (bench/costs.py imports these) --------------------------

LAMBDA_MEMORY_MB = limits.FUNCTION_MEMORY_MB  # as the stack sizes them
LAMBDA_EPHEMERAL_STORAGE_MB = limits.FUNCTION_EPHEMERAL_STORAGE_MB  # the same; the others have the 512 MB included

S3_PUT_TIER = ("PutObject", "CopyObject", "ListObjectsV2", "ListObjects", "PostObject", "CreateMultipartUpload")


def dynamodb_units(calls: dict[str, int], items: dict[str, int], run_item_bytes: int) -> tuple[float, float]:
    """(write units, read units).

    Writes: 1 WRU per KB per item, 2 per KB in a transaction; the run item (in the by_time
    GSI, projection ALL) costs its size in KB again for the index on every write. Reads: items
    are small, eventually consistent GetItem/Query = 0.5 RRU.
    """
    run_kb = max(1, math.ceil(run_item_bytes / 1024))
    wru = 0.0
    for key, n in items.items():
        kind, which = key.split(":")
        size = run_kb if which == "run" else 1
        factor = 2 if kind == "transact" else 1
        wru += n * size * factor
        if which == "run":
            wru += n * run_kb  # the GSI copy
    rru = 0.5 * sum(n for k, n in calls.items() if k in ("dynamodb.GetItem", "dynamodb.Query"))
    return wru, rru


def run_cost(result: dict[str, Any]) -> dict[str, Any]:
    """Dollars per run, by service, for one ghstats workflow run's counts (measured by the bench,
    or predicted by `predict`): history.billable_transitions, lambda_s (function -> n, sum of
    seconds), aws_calls ("service.Operation" -> n), dynamodb_items, run_item_bytes."""
    transitions = result["history"]["billable_transitions"]
    sfn = transitions / 1000 * PRICES["sfn_per_1k_transitions"]
    gb_s = storage_gb_s = 0.0
    requests = 0
    for name, stats in result["lambda_s"].items():
        gb_s += stats["sum"] * LAMBDA_MEMORY_MB.get(name, 512) / 1024
        billed_storage_mb = LAMBDA_EPHEMERAL_STORAGE_MB.get(name, 0) - limits.LAMBDA_INCLUDED_EPHEMERAL_STORAGE_MB
        storage_gb_s += stats["sum"] * max(0, billed_storage_mb) / 1024
        requests += stats["n"]
    lam = (gb_s * PRICES["lambda_per_gb_s"] + storage_gb_s * PRICES["lambda_ephemeral_per_gb_s"]
           + requests / 1e6 * PRICES["lambda_per_1m_requests"])
    calls = result["aws_calls"]
    s3_put = sum(n for k, n in calls.items() if k.startswith("s3.") and k.split(".", 1)[1] in S3_PUT_TIER)
    s3_get = sum(n for k, n in calls.items() if k.startswith("s3.")) - s3_put
    s3 = s3_put / 1000 * PRICES["s3_put_per_1k"] + s3_get / 1000 * PRICES["s3_get_per_1k"]
    wru, rru = dynamodb_units(calls, result.get("dynamodb_items", {}), result.get("run_item_bytes", 1024))
    ddb = wru / 1e6 * PRICES["ddb_per_1m_wru"] + rru / 1e6 * PRICES["ddb_per_1m_rru"]
    events = calls.get("events.PutEvents", 0) / 1e6 * 1.0
    return {
        "transitions": transitions, "sfn": sfn,
        "lambda_requests": requests, "lambda_gb_s": gb_s, "lambda_storage_gb_s": storage_gb_s, "lambda": lam,
        "s3_put": s3_put, "s3_get": s3_get, "s3": s3,
        "ddb_wru": wru, "ddb_rru": rru, "dynamodb": ddb,
        "eventbridge": events,
        "total": sfn + lam + s3 + ddb + events,
    }


# What one run does in AWS besides its Map items, and what each Map item adds: `make bench`'s
# measured runs (bench/results.json, 1,000 / 10,000 / 50,000 repositories, every figure exactly
# fixed + per batch × batches). An org-level work item is taken to cost what a batch costs (its
# Map iteration has the same Task, Choice and Pass; the bench runs none).
AWS_FIXED = {"transitions": 12, "s3.GetObject": 4, "s3.PutObject": 9, "dynamodb.GetItem": 2,
             "dynamodb.UpdateItem": 6, "dynamodb.TransactWriteItems": 1, "dynamodb.PutItem": 1, "events.PutEvents": 1,
             "transact:other": 1, "transact:run": 1, "plain:other": 4, "plain:run": 3}
AWS_PER_ITEM = {"transitions": 3, "s3.GetObject": 5, "s3.PutObject": 2, "dynamodb.UpdateItem": 2,
                "dynamodb.TransactWriteItems": 1, "dynamodb.PutItem": 1, "transact:other": 1, "transact:run": 1,
                "plain:other": 3}
RUN_ITEM_BYTES = 1_814  # the bench's measured run item
# Lambda seconds (billed: they include the wait for GitHub), from the bench's latency model
# (300 ms + 5 ms per repository a GraphQL request, 120 ms a REST call) and its measured means:
# ListRepos 0.35 s a listing page, QueryBatch 0.72 s a batch of 50, Aggregate 0.16 ms a repository.
SECONDS_PER_LISTING_REQUEST = 0.35
SECONDS_PER_BATCH, SECONDS_PER_BATCH_REPOSITORY = 0.47, 0.005
SECONDS_PER_REST_REQUEST = 0.15
SECONDS_AGGREGATE, SECONDS_AGGREGATE_PER_REPOSITORY = 0.1, 0.00016
SECONDS_SMALL_STEP = 0.01  # StartRun, TrackRun


# -- what GitHub tells before listing -----------------------------------------------------------


@dataclass
class OrgCount:
    repositories: int  # what the listing will list with the org's filters (before excludes)
    archived: int  # of which archived


@dataclass
class Counts:
    """What `count_repositories` learnt: the input of `predict` (JSON-able: `to_dict`/`from_dict`)."""

    orgs: dict[str, OrgCount] = field(default_factory=dict)  # org -> its counts
    missing: list[str] = field(default_factory=list)  # orgs GitHub did not find (the run lists them in errors.json)
    classic_scopes: list[str] | None = None  # the token's classic scopes (None: fine-grained or App)
    requests: int = 0  # what counting cost
    points: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "Counts":
        return cls({org: OrgCount(**count) for org, count in raw.get("orgs", {}).items()}, list(raw.get("missing", [])),
                   raw.get("classic_scopes"), int(raw.get("requests", 0)), int(raw.get("points", 0)))


def _filter_arguments(include_archived: bool, include_forks: bool, archived_only: bool = False) -> str:
    arguments = []
    if archived_only:
        arguments.append("isArchived: true")
    elif not include_archived:
        arguments.append("isArchived: false")
    if not include_forks:
        arguments.append("isFork: false")
    return f"({', '.join(arguments)})" if arguments else ""


def count_query(orgs: list[Any]) -> str:
    """One query counting the repositories of `orgs` (OrgSpecs), each org aliased o0, o1, …:
    the listing's count (its filters) and the archived ones among them."""
    lines = ["query CountRepositories {", "  rateLimit {", "    ...RateLimitFields", "  }"]
    for index, org in enumerate(orgs):
        listed = _filter_arguments(org.include_archived, org.include_forks)
        archived = (f"    archived: repositories{_filter_arguments(True, org.include_forks, archived_only=True)}"
                    " { totalCount }\n") if org.include_archived else ""
        lines.append(f"  o{index}: organization(login: {json.dumps(org.name)}) {{\n"
                     f"    repositories{listed} {{ totalCount }}\n{archived}  }}")
    lines.append("}")
    from ghstats.github.documents import with_fragments

    return with_fragments("\n".join(lines))


def counts_from_listing(listed: Mapping[str, Sequence[str]], archived: Sequence[str], missing: Sequence[str],
                        classic_scopes: list[str] | None) -> Counts:
    """The counts the workflow's planning step knows once it has listed (ListRepos): every org's
    repositories as listed (before excludes, as GitHub's totalCount) and the archived among them.
    Nothing is asked of GitHub for them."""
    archived_keys = {key.lower() for key in archived}
    return Counts({org: OrgCount(len(keys), sum(1 for key in keys if key.lower() in archived_keys))
                   for org, keys in listed.items()}, list(missing), classic_scopes)


def count_repositories(client: GitHubClient, config: CollectionConfig, *, check_token: bool = True) -> Counts:
    """The token check, then each org's repository count in as few queries as GitHub allows.

    `check_token=False`: the client's token was checked already (ListRepos' preflight: its
    classic scopes are then the client's), so only the counting queries are sent."""
    requests_before, points_before = client.requests_made, client.points_used
    if check_token:
        client.preflight()  # a bad token fails here, as the run's first step would
    counts = Counts(classic_scopes=sorted(client.classic_scopes) if client.classic_scopes is not None else None)
    orgs = list(config.orgs)
    for start in range(0, len(orgs), COUNT_ORGS_PER_QUERY):
        chunk = orgs[start:start + COUNT_ORGS_PER_QUERY]
        answer = client.graphql(count_query(chunk))
        for index, org in enumerate(chunk):
            node = answer.data.get(f"o{index}")
            if node is None:
                counts.missing.append(org.name)
                continue
            counts.orgs[org.name] = OrgCount(int(node["repositories"]["totalCount"]),
                                             int((node.get("archived") or {}).get("totalCount", 0)))
    counts.requests = client.requests_made - requests_before
    counts.points = client.points_used - points_before
    return counts


# -- the prediction ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    """What the prediction cannot know before listing and walking: each is said in the output."""

    pages_per_org_list: int = 1  # pages of an organisation-level REST list (alerts, members): ≤ 100 items
    pages_per_repository_list: int = 1  # pages of a list per repository (collaborators): ≤ 100 items
    teams_per_org: int = 0  # teams of an org (each adds its `then` lists: members, maintainers, repositories)
    not_modified_share: float = 0.0  # conditional requests GitHub answers 304 (free): 0 on a first run
    # collector -> owner (lower case) -> items of its one organisation-level list, where known (the
    # previous run's records: `previous_list_items`); the others are `pages_per_org_list` pages
    org_list_items: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class CredentialLimits:
    graphql_points_per_hour: int = PAT_GRAPHQL_POINTS_PER_HOUR
    rest_requests_per_hour: int = PAT_REST_REQUESTS_PER_HOUR
    kind: str = "personal access token"


def credential_limits(kind: str = "pat", repositories: int = 0) -> CredentialLimits:
    """The hourly budgets of a credential: "pat", or "app" (grows with the installation's repositories)."""
    if kind == "app":
        budget = min(APP_MAX_PER_HOUR, APP_BASE_PER_HOUR + APP_PER_REPOSITORY * max(0, repositories - APP_REPOSITORIES_FREE))
        return CredentialLimits(budget, budget, "GitHub App installation")
    return CredentialLimits()


def batch_requests_and_points(repositories: int, batch_size: int, connections: int) -> tuple[int, int]:
    """(requests, points) of one owner's batches: full batches of `batch_size` and one of the rest."""
    full, rest = divmod(repositories, batch_size)
    requests = full + (1 if rest else 0)
    points = full * points_per_request(connections, batch_size) + (points_per_request(connections, rest) if rest else 0)
    return requests, points


def _list_requests(rest_list: RestList, assumptions: Assumptions, notes: set[str]) -> int:
    """Requests of one walk of `rest_list` (for one org or one repository), its `then` lists included."""
    if rest_list.single_object:
        pages, items = 1, 1
    elif rest_list.per_repository:
        pages, items = assumptions.pages_per_repository_list, None
        notes.add("pages_per_repository_list")
    else:
        pages, items = assumptions.pages_per_org_list, None
        notes.add("pages_per_org_list")
    then = sum(_list_requests(t, assumptions, notes) for t in rest_list.then)
    if then and items is None:
        items = assumptions.teams_per_org  # the one paged list with `then` lists: an org's teams
        notes.add("teams_per_org")
    return pages + (items or 0) * then


def rest_requests(collector: Collector, repositories: int, assumptions: Assumptions,
                  notes: set[str], owner_is_org: bool = True, items: int | None = None) -> int:
    """REST requests of one collector's walk over one owner with `repositories` to ask (per
    repository lists); an owner of named repositories only walks the lists per repository.
    `items`: the known items of a collector's one organisation-level list (pages of 100)."""
    total = 0
    for rest_list in collector.walk():
        if rest_list.per_repository:
            total += repositories * _list_requests(rest_list, assumptions, notes)
        elif owner_is_org and items is not None and _single_org_list(collector):
            total += max(1, -(-items // PAGE_SIZE))
        elif owner_is_org:
            total += _list_requests(rest_list, assumptions, notes)
    return total


def _single_org_list(collector: Collector) -> bool:
    """Whether the collector walks one organisation-level list, each item one record (the alerts)."""
    return bool(collector.rest_path) and not collector.rest_lists


def previous_list_items(get_json: Callable[[str], Any], config: CollectionConfig) -> dict[str, dict[str, int]]:
    """collector -> owner -> records of the previous run (latest/<collector>.json, `get_json(key)`:
    the store's reader), for each enabled collector of one organisation-level list: the best
    guess of how many pages of 100 its walk of that owner takes."""
    found: dict[str, dict[str, int]] = {}
    for collector in rest_collectors(dict(config.collectors)):
        if not _single_org_list(collector):
            continue
        document = get_json(names.latest_collector_key(collector.name)) or {}
        per_owner: dict[str, int] = {}
        for record in (document.get("records") or {}).values():
            owner = str(record.get("repository") or "").split("/", 1)[0]
            if owner:
                per_owner[owner.lower()] = per_owner.get(owner.lower(), 0) + 1
        if document:
            found[collector.name] = per_owner
    return found


def _planned_repositories(counts: Counts, config: CollectionConfig) -> tuple[dict[str, int], dict[str, int], int]:
    """(owner -> repositories of the run, owner -> archived among them (listed orgs only),
    named repositories outside the listed orgs)."""
    by_owner: dict[str, int] = {}
    archived: dict[str, int] = {}
    listed = {org.lower() for org in counts.orgs} | {org.lower() for org in counts.missing}
    for org in config.orgs:
        if org.name in counts.orgs:
            count = counts.orgs[org.name]
            excluded = min(len(org.exclude), count.repositories)
            by_owner[org.name] = count.repositories - excluded
            archived[org.name] = min(count.archived, by_owner[org.name])  # whether excluded ones are archived: unknown
    named = 0
    for key in dict.fromkeys(k.lower() for k in config.repos):
        owner = key.split("/", 1)[0]
        if owner in listed:
            continue  # its org lists it (the run adds it once)
        spelled = next(k.split("/", 1)[0] for k in config.repos if k.lower() == key)
        owner_key = next((o for o in by_owner if o.lower() == owner), spelled)
        by_owner[owner_key] = by_owner.get(owner_key, 0) + 1
        named += 1
    return by_owner, archived, named


def predict(counts: Counts, config: CollectionConfig, *, credential: CredentialLimits | None = None,
            assumptions: Assumptions = Assumptions()) -> dict[str, Any]:
    """The run's budget for `config` given `counts`: a JSON-able dict (see the module's doc)."""
    credential = credential or CredentialLimits()
    notes: set[str] = set()
    enabled = dict(config.collectors)
    by_owner, archived, named = _planned_repositories(counts, config)
    org_names = [org.name for org in config.orgs if org.name in counts.orgs]
    repositories = sum(by_owner.values())

    # Listing (collect/planning.py): the token check, then 100 repositories a page, at least one
    # page an org; an org GitHub does not find costs its one failed page.
    pages = {org: max(1, -(-counts.orgs[org].repositories // PAGE_SIZE)) for org in org_names}
    listing_requests = 1 + sum(pages.values()) + len(counts.missing)
    listing_points = PREFLIGHT_POINTS + LISTING_POINTS_PER_PAGE * (sum(pages.values()) + len(counts.missing))

    # Batches: one request per batch; "auto" is the size with the fewest points per repository.
    # resolve_batch_size is what the run's planner resolves with (choose_batch_size of the
    # enabled collectors' connections and nodes, without the repository count).
    collectors = batch_collectors(enabled)
    connections = repository_connections(collectors)
    batch_size, auto = resolve_batch_size(config.batch_size, collectors)
    # A batch never mixes owners (each is sent with its owner's credential): batches per owner.
    per_owner_batches = [batch_requests_and_points(n, batch_size, connections) for n in by_owner.values() if n > 0]
    batch_requests = sum(requests for requests, _ in per_owner_batches)
    batch_points = sum(points for _, points in per_owner_batches)
    batches = batch_requests

    # REST: one work item per org and enabled REST collector (and, for a collector of lists per
    # repository only, per owner of named repositories outside the orgs); none for a collector
    # a classic token has no scope for.
    lacking = lacking_scopes(rest_collectors(enabled), counts.classic_scopes)
    rest: dict[str, dict[str, int]] = {}
    skipped: dict[str, tuple[str, ...]] = {}
    org_items = 0
    for collector in rest_collectors(enabled):
        owners = org_names + ([o for o in by_owner if o not in org_names] if collector.repositories_only() else [])
        if collector.name in lacking:
            skipped[collector.name] = lacking[collector.name]
            continue
        per_owner = {}
        for owner in owners:
            asked = by_owner.get(owner, 0)
            if collector.skip_archived:
                asked -= archived.get(owner, 0)
            known = assumptions.org_list_items.get(collector.name)
            items = None if known is None else int(known.get(owner.lower(), 0))
            if known is not None:
                notes.add("previous_run")
            per_owner[owner] = rest_requests(collector, asked, assumptions, notes, owner_is_org=owner in org_names,
                                             items=items)
        org_items += len(owners)
        rest[collector.name] = {"requests": sum(per_owner.values()), "work_items": len(owners), "per_owner": per_owner}
    rest_total = sum(entry["requests"] for entry in rest.values())
    conditional = sum(entry["requests"] for name, entry in rest.items() if REGISTRY[name].conditional())
    rest_counted = rest_total - round(conditional * assumptions.not_modified_share)

    graphql_requests = listing_requests + batch_requests
    graphql_points = listing_points + batch_points
    hours_graphql = graphql_points / credential.graphql_points_per_hour
    hours_rest = rest_counted / credential.rest_requests_per_hour

    aws = predicted_aws(batches, org_items, listing_requests, repositories, batch_size, rest_total)

    stated = _assumptions(config, counts, assumptions, notes, archived, named)
    return {
        "repositories": {"total": repositories, "by_owner": by_owner, "named_outside_orgs": named,
                         "archived": sum(archived.values()), "orgs_not_found": list(counts.missing)},
        "batch_size": batch_size,
        "batch_size_auto": auto,
        "points_per_batch": points_per_request(connections, batch_size) if repositories else 0,
        "buckets": {
            "graphql_listing": {"requests": listing_requests, "points": listing_points, "pages": sum(pages.values())},
            "graphql_batches": {"requests": batch_requests, "points": batch_points, "batches": batches},
            "rest": rest,
        },
        "skipped_collectors": {name: list(scopes) for name, scopes in skipped.items()},
        "graphql": {"requests": graphql_requests, "points": graphql_points},
        "rest_requests": rest_total,
        "requests": graphql_requests + rest_total,
        "org_items": org_items,
        "limits": {"credential": credential.kind, "graphql_points_per_hour": credential.graphql_points_per_hour,
                   "rest_requests_per_hour": credential.rest_requests_per_hour},
        # a run spends a window's budget, then waits for the next: the hours its points need
        "hours": {"graphql": round(hours_graphql, 3), "rest": round(hours_rest, 3),
                  "run": round(max(hours_graphql, hours_rest), 3),
                  "rate_limit_waits": max(math.ceil(hours_graphql), math.ceil(hours_rest), 1) - 1},
        "aws": aws,
        "counting": {"requests": counts.requests, "points": counts.points},
        "assumptions": stated,
    }


ACTUALS = {  # the prediction's figure -> the run's summary.json `api` figure(s) it predicts
    "graphql_requests": ("listing_requests", "batch_requests"),
    "graphql_points": ("points_used",),
    "rest_requests": ("rest_requests",),
    "batches": ("batches",),
    "org_items": ("org_items",),
}


def predicted_figures(plan: Mapping[str, Any]) -> dict[str, int]:
    """The figures of a prediction a run is held to (ACTUALS' keys): what the ledger keeps."""
    return {"graphql_requests": plan["graphql"]["requests"], "graphql_points": plan["graphql"]["points"],
            "rest_requests": plan["rest_requests"], "batches": plan["buckets"]["graphql_batches"]["batches"],
            "org_items": plan["org_items"]}


def against_run(plan: Mapping[str, Any], api: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Predicted against actual (a run's summary.json `api`): figure -> predicted, actual and the
    error as a share of actual (None when actual is 0): what the summary and the bench record."""
    predicted = predicted_figures(plan)
    compared = {}
    for figure, keys in ACTUALS.items():
        actual = sum(int(api.get(key, 0) or 0) for key in keys)
        error = (predicted[figure] - actual) / actual if actual else None
        compared[figure] = {"predicted": predicted[figure], "actual": actual,
                            "error": None if error is None else round(error, 4)}
    return compared


def predicted_aws(batches: int, org_items: int, listing_requests: int, repositories: int, batch_size: int,
                  rest: int) -> dict[str, Any]:
    """The AWS counts of a run of this shape (the bench's per-item figures) and their price (`run_cost`)."""
    items = batches + org_items
    count = {key: AWS_FIXED.get(key, 0) + AWS_PER_ITEM.get(key, 0) * items for key in {*AWS_FIXED, *AWS_PER_ITEM}}
    lambda_s = {
        "StartRun": {"n": 1, "sum": SECONDS_SMALL_STEP},
        "ListRepos": {"n": 1, "sum": listing_requests * SECONDS_PER_LISTING_REQUEST},
        "QueryBatch": {"n": batches, "sum": batches * SECONDS_PER_BATCH + repositories * SECONDS_PER_BATCH_REPOSITORY},
        "CollectOrg": {"n": org_items, "sum": rest * SECONDS_PER_REST_REQUEST},
        "Aggregate": {"n": 1, "sum": SECONDS_AGGREGATE + repositories * SECONDS_AGGREGATE_PER_REPOSITORY},
        "TrackRun": {"n": 1, "sum": SECONDS_SMALL_STEP},
    }
    shaped = {"history": {"billable_transitions": count["transitions"]}, "lambda_s": lambda_s,
              "aws_calls": {k: v for k, v in count.items() if "." in k},
              "dynamodb_items": {k: v for k, v in count.items() if ":" in k}, "run_item_bytes": RUN_ITEM_BYTES}
    cost = run_cost(shaped)
    return {"transitions": cost["transitions"], "lambda_invocations": cost["lambda_requests"],
            "lambda_gb_s": round(cost["lambda_gb_s"], 3), "s3_put": cost["s3_put"], "s3_get": cost["s3_get"],
            "dynamodb_wru": cost["ddb_wru"], "dynamodb_rru": cost["ddb_rru"],
            "cost_usd": {k: round(cost[k], 6) for k in ("sfn", "lambda", "s3", "dynamodb", "eventbridge", "total")}}


def _assumptions(config: CollectionConfig, counts: Counts, assumptions: Assumptions, notes: set[str],
                 archived: dict[str, int], named: int) -> list[str]:
    said = []
    if any(org.exclude for org in config.orgs):
        said.append("every excluded repository exists in its org's listing (one fewer repository each)")
    if config.repos:
        said.append("a named repository whose owner is a listed org is in that org's listing (added once); "
                    f"the {named} others are counted as themselves")
    if "previous_run" in notes:
        said.append("the alert lists hold as many items as the previous run's records of each org "
                    f"({', '.join(sorted(assumptions.org_list_items))}; an org it did not collect: none)")
    if "pages_per_org_list" in notes:
        said.append(f"each organisation-level REST list (alerts, members, …) has at most "
                    f"{PAGE_SIZE * assumptions.pages_per_org_list} items: {assumptions.pages_per_org_list} page(s)")
    if "pages_per_repository_list" in notes:
        said.append(f"each list per repository (collaborators) fits {assumptions.pages_per_repository_list} page(s)")
    if "teams_per_org" in notes:
        said.append(f"{assumptions.teams_per_org} teams per org (each adds 3 REST lists of 1 page)")
    if any(REGISTRY[c.name].conditional() for c in rest_collectors(dict(config.collectors))):
        said.append(f"{assumptions.not_modified_share:.0%} of conditional REST requests are answered 304 "
                    "(free; 0% on a collection's first run)")
    if any(c.skip_archived for c in rest_collectors(dict(config.collectors))) and archived:
        said.append("archived repositories: GitHub's count at planning time (traffic skips them)")
    said.append("no retries, 502 splits or rate-limit waits inside the hour (each adds requests)")
    if config.api_url.rstrip("/").endswith("/api/v3"):
        said.append("GitHub Enterprise Server: rate limits are off unless the site admin turned them on; "
                    "the hours hold only then")
    said.append("the repository counts hold until the run lists (repositories created or deleted between "
                "plan and run change every figure)")
    said.append("AWS: us-east-1 list prices, the bench's measured counts per batch and work item, "
                "Lambda time from the bench's latency model")
    return said
