"""A run's budget, predicted before any collection: GitHub requests per bucket, GraphQL points,
REST requests, the hours they need at the credential's hourly limits, and the AWS cost.

Plain code, dependencies passed in. Two steps:

1. `count_repositories(client, config)`: what the prediction needs to know of GitHub, as cheaply
   as GitHub tells it: the token check (the run's own first request: a bad token fails the plan as
   it would fail the run, and a classic token's scopes say which collectors it would skip), then
   one GraphQL query per `COUNT_ORGS_PER_QUERY` orgs, each org aliased, asking only
   `repositories(<the org's filters>) { totalCount }` and the archived ones' `totalCount`
   (no `nodes`, so no page: 2 connections per org, 1 point per query). Named `repos` count as
   themselves. Given the run's clients per owner, GitHub App credentials count each org with its
   own installation's client (`owner_installations`), and an owner without the App is its error.
   The workflow's planning step (PlanRun) asks the same before any listing, so `ghstats plan` and
   the run predict alike, and the run spends what it predicts.
2. `predict(counts, config, ...)`: pure arithmetic on those counts and the config, the way the
   run spends (collect/planning.py lists 100 repositories a page, 1 point a page; a batch is one
   request of batch_size.points_per_request(); each REST list is walked a page of 100 at a time),
   each owner's work charged to its installation's budget (the hours: the slowest
   installation's), a conditional REST page with an ETag kept from the previous run taken as a
   free 304 (`from_previous_run`), returning a JSON-able dict. What cannot be known before
   listing is an `assumptions` entry.

The AWS cost is counted as `make bench` counts it (`run_cost`, moved here from bench/costs.py,
which imports it): the predicted counts of transitions, Lambda time, S3 and DynamoDB requests
are fed to the same function that prices a measured run.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from ghstats import limits, names
from ghstats.aws_prices import PRICES
from ghstats.collect.batch_size import points_per_request, repository_connections, resolve_batch_size
from ghstats.collectors import batch_collectors, lacking_scopes, rest_collectors
from ghstats.collectors.unit import Collector, RestList
from ghstats.config import CollectionConfig
from ghstats.github.client import GitHubClient
from ghstats.github.errors import AppNotInstalled


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
APP_LIMIT_RULE = (f"{APP_BASE_PER_HOUR:,} + {APP_PER_REPOSITORY} per repository above {APP_REPOSITORIES_FREE}, "
                  f"at most {APP_MAX_PER_HOUR:,}")  # the same, said


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


def run_cost(result: dict[str, Any], memory_mb: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Dollars per run, by service, for one ghstats workflow run's counts (measured by the bench,
    or predicted by `predict`): history.billable_transitions, lambda_s (function -> n, sum of
    seconds), aws_calls ("service.Operation" -> n), dynamodb_items, run_item_bytes. `memory_mb`:
    a function's memory where it is not the stack's default (Aggregate's ghstats:aggregateMemoryMb)."""
    memory = {**LAMBDA_MEMORY_MB, **(memory_mb or {})}
    transitions = result["history"]["billable_transitions"]
    sfn = transitions / 1000 * PRICES["sfn_per_1k_transitions"]
    gb_s = storage_gb_s = 0.0
    requests = 0
    for name, stats in result["lambda_s"].items():
        gb_s += stats["sum"] * memory.get(name, 512) / 1024
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


# What one run does in AWS besides its owners and Map items, what each owner's pipeline adds (its
# child execution: ListRepos, the Choices, the Maps' own states; its plan, manifests, ledger item),
# each listing page (the ledger's listing note) and each batch: measured on local runs of one org
# of 100, 150 and 200 repositories and two of 100 (batches of 10, repository_stats only), every
# figure exactly fixed + per owner × owners + per page × pages + per batch × batches. An
# org-level work item is taken to cost what a batch costs (its Map iteration has the same Task,
# Choice and Pass), and an owner with work items one transition more (its CollectOrgs).
AWS_FIXED = {"transitions": 11, "s3.GetObject": 42, "s3.PutObject": 13, "s3.CopyObject": 1, "s3.HeadObject": 1,
             "dynamodb.GetItem": 2, "dynamodb.UpdateItem": 6, "dynamodb.TransactWriteItems": 1, "events.PutEvents": 1,
             "transact:other": 1, "transact:run": 1, "plain:other": 3, "plain:run": 3}
AWS_PER_OWNER = {"transitions": 6, "s3.GetObject": 5, "s3.PutObject": 5, "dynamodb.UpdateItem": 1,
                 "dynamodb.TransactWriteItems": 1, "dynamodb.PutItem": 1, "transact:other": 1, "transact:run": 1,
                 "plain:other": 2}
AWS_PER_PAGE = {"dynamodb.UpdateItem": 1, "plain:run": 1}
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
    # orgs GitHub did not find, and orgs the App is not installed on (the run lists them in errors.json)
    missing: list[str] = field(default_factory=list)
    classic_scopes: list[str] | None = None  # the token's classic scopes (None: fine-grained or App)
    requests: int = 0  # what counting cost
    points: int = 0
    # GitHub App credentials: installation id -> the owners whose work it carries (orgs, then
    # owners of named repositories), each installation its own hourly budget; {}: a PAT
    installations: dict[str, list[str]] = field(default_factory=dict)
    # per-org App credentials: owner -> the run's errors.json entry (APP_NOT_INSTALLED) of an
    # owner the App is not installed on (no token: its work sends nothing)
    not_installed: dict[str, dict[str, str]] = field(default_factory=dict)
    # orgs whose installation was out of points when counted (per-org App credentials): the run
    # does not wait for them to plan; each waits alone in its own pipeline
    uncounted: list[str] = field(default_factory=list)

    @property
    def shared_credential(self) -> bool:
        """Whether every owner's work spends one credential (a PAT, a fixed installation): one
        budget, and one share of GitHub's concurrent requests for all the run's owners."""
        return len(self.installations) <= 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "Counts":
        return cls({org: OrgCount(**count) for org, count in raw.get("orgs", {}).items()}, list(raw.get("missing", [])),
                   raw.get("classic_scopes"), int(raw.get("requests", 0)), int(raw.get("points", 0)),
                   {str(i): list(owners) for i, owners in (raw.get("installations") or {}).items()},
                   {owner: dict(entry) for owner, entry in (raw.get("not_installed") or {}).items()},
                   list(raw.get("uncounted", [])))


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


APP_NOT_INSTALLED = "APP_NOT_INSTALLED"  # planning.org_error's type of an owner the App is not installed on


def owner_installations(client_for: Callable[[str], Any], owners: Sequence[str]
                        ) -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
    """(installation id -> its owners, owner -> the run's APP_NOT_INSTALLED entry): whose
    hourly budget each owner's work spends, asked of each owner's client (`client_for(owner)`,
    the run's own: credentials.for_owner, so per-org App credentials look the installation up
    with the App's JWT, once per owner, limits.S3_PARALLEL_REQUESTS at a time). A PAT has no
    installation: ({}, {})."""
    from concurrent.futures import ThreadPoolExecutor

    from ghstats.collect.planning import org_error

    def looked_up(owner: str) -> Any:
        try:
            return getattr(client_for(owner), "installation_id", lambda: None)()
        except AppNotInstalled as exc:
            return exc

    for owner in owners:  # each owner's client made first, one at a time (client_for may keep them)
        client_for(owner)
    with ThreadPoolExecutor(max(1, min(limits.S3_PARALLEL_REQUESTS, len(owners)))) as pool:
        found = list(pool.map(looked_up, owners))
    installations: dict[str, list[str]] = {}
    not_installed: dict[str, dict[str, str]] = {}
    for owner, installation in zip(owners, found):  # in the run's owner order, whatever the timing
        if isinstance(installation, AppNotInstalled):
            not_installed[owner] = org_error(owner, installation)
        elif installation is not None:
            installations.setdefault(str(installation), []).append(owner)
    return installations, not_installed


def count_repositories(client: GitHubClient | Callable[[str], GitHubClient], config: CollectionConfig) -> Counts:
    """The token check, then each org's repository count in as few queries as GitHub allows.

    `client`: one GitHubClient for every owner, or the run's client factory per owner
    (`client(owner)`: the workflow's and `ghstats plan`'s, credentials.for_owner): with GitHub App
    credentials each org is counted with its own installation's client (a per-org installation
    sees only its own org), the token check is the first installed owner's (as the run's), and an
    owner the App is not installed on is its APP_NOT_INSTALLED error (`Counts.not_installed`),
    not counted. An installation out of points leaves its orgs `uncounted` (they wait alone in
    their own pipelines), unless nothing else could be counted: then GitHubRateLimited (the run
    waits to plan)."""
    from ghstats.collect.planning import run_owners  # the run's owners, in the order its token check takes them
    from ghstats.github.errors import GitHubRateLimited

    made: dict[str, Any] = {}

    def client_for(owner: str) -> Any:  # one client per owner, made once
        if not callable(client):
            return client
        if owner.lower() not in made:
            made[owner.lower()] = client(owner)
        return made[owner.lower()]

    owners = run_owners(config)
    installations, not_installed = owner_installations(client_for, owners)
    reached = [owner for owner in owners if owner not in not_installed]
    spent_before: dict[int, tuple[Any, int, int]] = {}  # each client once, with what it had spent before counting

    def using(owner: str) -> Any:
        owned = client_for(owner)
        spent_before.setdefault(id(owned), (owned, owned.requests_made, owned.points_used))
        return owned

    counts = Counts(installations=installations, not_installed=not_installed)
    payer = {owner.lower(): installation for installation, owners in installations.items() for owner in owners}
    by_payer: dict[str | None, list[Any]] = {}  # orgs per installation (None: the one credential), in config order
    for org in config.orgs:
        if org.name in not_installed:
            counts.missing.append(org.name)
        else:
            by_payer.setdefault(payer.get(org.name.lower()), []).append(org)
    # The token check: the first installed owner's; an installation out of points is passed over
    # (its orgs uncounted) for the next installation's owner, so one budget never holds the rest.
    limited: list[GitHubRateLimited] = []
    passed_over: set[str | None] = set()
    for owner in reached:
        if payer.get(owner.lower()) in passed_over:
            continue
        first = using(owner)
        try:
            first.preflight()  # a bad token fails here, as the run's planning step would
        except GitHubRateLimited as exc:
            if counts.shared_credential:
                raise  # one credential: nothing else to count with, the run waits to plan
            limited.append(exc)
            passed_over.add(payer.get(owner.lower()))
            continue
        counts.classic_scopes = sorted(first.classic_scopes) if first.classic_scopes is not None else None
        break
    for installation, orgs in by_payer.items():
        if installation in passed_over:
            counts.uncounted.extend(org.name for org in orgs)
            continue
        counting = using(orgs[0].name)
        try:
            answers = [(chunk, counting.graphql(count_query(chunk)))
                       for chunk in (orgs[start:start + COUNT_ORGS_PER_QUERY]
                                     for start in range(0, len(orgs), COUNT_ORGS_PER_QUERY))]
        except GitHubRateLimited as exc:
            limited.append(exc)
            counts.uncounted.extend(org.name for org in orgs)
            continue
        for chunk, answer in answers:
            for index, org in enumerate(chunk):
                node = answer.data.get(f"o{index}")
                if node is None:
                    counts.missing.append(org.name)
                    continue
                counts.orgs[org.name] = OrgCount(int(node["repositories"]["totalCount"]),
                                                 int((node.get("archived") or {}).get("totalCount", 0)))
    if limited and not counts.orgs and not counts.missing:
        raise limited[0]  # nothing counted: wait for the reset and plan again
    order = {org.name: index for index, org in enumerate(config.orgs)}
    for listed in (counts.missing, counts.uncounted):
        listed.sort(key=lambda name: order[name])  # in config order, as the run lists them
    counts.orgs = {name: counts.orgs[name] for name in sorted(counts.orgs, key=lambda name: order[name])}
    counts.requests = sum(c.requests_made - requests for c, requests, _ in spent_before.values())
    counts.points = sum(c.points_used - points for c, _, points in spent_before.values())
    return counts


# -- the prediction ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    """What the prediction cannot know before listing and walking: each is said in the output."""

    pages_per_org_list: int = 1  # pages of an organisation-level REST list (alerts, members): ≤ 100 items
    pages_per_repository_list: int = 1  # pages of a list per repository (collaborators): ≤ 100 items
    teams_per_org: int = 0  # teams of an org (each adds its `then` lists: members, maintainers, repositories)
    # owner (lower case) -> teams the previous run's records hold (`previous_teams`); an org it
    # did not collect: `teams_per_org`
    org_teams: Mapping[str, int] = field(default_factory=dict)
    # conditional requests GitHub answers 304 (free), for a collector `etag_pages` knows nothing
    # of: 0 (a first run asks with no ETag)
    not_modified_share: float = 0.0
    # collector -> owner (lower case) -> items of its one organisation-level list, where known (the
    # previous run's records: `previous_list_items`); the others are `pages_per_org_list` pages
    org_list_items: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # conditional collector -> owner (lower case) -> pages its ETag cache holds (what the last
    # walk left in state/<collector>/etags/<owner>.json: the pages the next walk asks with
    # If-None-Match; an owner without a cache: none). A collector here is predicted from it,
    # not from `not_modified_share` (`previous_conditional`)
    etag_pages: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # conditional collector -> of its requests sent with an ETag in its previous run, the share
    # GitHub answered 304 (summary.json api.rest_by_collector); absent: every cached page unchanged
    unchanged_share: Mapping[str, float] = field(default_factory=dict)


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
        if assumptions.org_teams:  # the previous run's teams (an org it did not collect: teams_per_org)
            notes.add("previous_teams")
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


LineReader = Callable[[str], Any]  # the store's get_lines: key -> its lines, or None


def _previous_records(get_json: Callable[[str], Any], get_lines: LineReader | None, key: str) -> Iterable[dict[str, Any]] | None:
    """The records of a previous run's document (latest/<collector>.json): a line at a time when
    `get_lines` is given and the document is in the layout Aggregate writes (a team-repository
    document may hold hundreds of thousands of records: PlanRun has 256 MB), else parsed whole.
    None: no such document."""
    if get_lines is not None:
        lines = get_lines(key)
        if lines is None:
            return None
        from ghstats.collect.compact import document_record_texts

        texts = document_record_texts(lines, "records")
        if texts is not None:
            return (json.loads(text) for _, text in texts)
    document = get_json(key)
    return None if not document else (document.get("records") or {}).values()


def previous_list_items(get_json: Callable[[str], Any], config: CollectionConfig,
                        get_lines: LineReader | None = None) -> dict[str, dict[str, int]]:
    """collector -> owner -> records of the previous run (latest/<collector>.json, read with the
    store's `get_json` / `get_lines`), for each enabled collector of one organisation-level list:
    the best guess of how many pages of 100 its walk of that owner takes."""
    found: dict[str, dict[str, int]] = {}
    for collector in rest_collectors(dict(config.collectors)):
        if not _single_org_list(collector):
            continue
        records = _previous_records(get_json, get_lines, names.latest_collector_key(collector.name))
        if records is None:
            continue
        per_owner: dict[str, int] = {}
        for record in records:
            owner = str(record.get("repository") or "").split("/", 1)[0]
            if owner:
                per_owner[owner.lower()] = per_owner.get(owner.lower(), 0) + 1
        found[collector.name] = per_owner
    return found


def previous_teams(get_json: Callable[[str], Any], config: CollectionConfig,
                   get_lines: LineReader | None = None) -> dict[str, int]:
    """owner (lower case) -> teams of the previous run's records (latest/teams.json), when the
    teams collector is enabled: each team is 3 more REST lists of its walk."""
    from ghstats.collectors.teams.record import TEAM

    if not any(c.name == "teams" for c in rest_collectors(dict(config.collectors))):
        return {}
    found: dict[str, int] = {}
    for record in _previous_records(get_json, get_lines, names.latest_collector_key("teams")) or ():
        if record.get("kind") == TEAM and record.get("org"):
            found[str(record["org"]).lower()] = found.get(str(record["org"]).lower(), 0) + 1
    return found


def previous_conditional(get_json: Callable[[str], Any], config: CollectionConfig
                         ) -> tuple[dict[str, dict[str, int]], dict[str, float]]:
    """(`Assumptions.etag_pages`, `Assumptions.unchanged_share`) from what the previous runs
    left, for each enabled conditional collector: per owner of the run it walks, the pages its
    ETag cache holds for this config's API (state/<collector>/etags/<owner>.json: another API's
    ETags are not sent), and, where the collector's latest run (latest/<collector>.run.json) sent
    any request with an ETag, the share of them GitHub answered 304 (its summary.json's
    api.rest_by_collector). The caches are read 16 at a time, each let go once its pages are counted."""
    from concurrent.futures import ThreadPoolExecutor

    from ghstats.collect.org_walk import etag_cache_of
    from ghstats.collect.planning import run_owners

    conditional = [c for c in rest_collectors(dict(config.collectors)) if c.conditional()]
    wanted = [(collector.name, owner) for collector in conditional
              for owner in (run_owners(config) if collector.repositories_only() else [o.name for o in config.orgs])]

    def cached_pages(pair: tuple[str, str]) -> int:
        return len(etag_cache_of(get_json(names.etag_cache_key(*pair)), config.api_url))

    with ThreadPoolExecutor(limits.S3_PARALLEL_REQUESTS) as pool:
        pages = dict(zip(wanted, pool.map(cached_pages, wanted)))
    etag_pages: dict[str, dict[str, int]] = {collector.name: {} for collector in conditional}
    for (name, owner), n in pages.items():
        if n:
            etag_pages[name][owner.lower()] = n
    shares: dict[str, float] = {}
    for collector in conditional:
        pointer = get_json(names.latest_collector_run_key(collector.name)) or {}
        summary = get_json(names.summary_key(pointer["run_id"])) if pointer.get("run_id") else None
        figures = ((summary or {}).get("api") or {}).get("rest_by_collector", {}).get(collector.name) or {}
        if int(figures.get("with_etag", 0) or 0) > 0:
            shares[collector.name] = min(1.0, int(figures.get("not_modified", 0) or 0) / int(figures["with_etag"]))
    return etag_pages, shares


def from_previous_run(get_json: Callable[[str], Any], config: CollectionConfig,
                      assumptions: Assumptions = Assumptions(), get_lines: LineReader | None = None) -> Assumptions:
    """`assumptions` with what the previous runs left in the bucket (`get_json`: the store's
    reader): the alert lists' items (`previous_list_items`) and the conditional lists' cached
    pages and 304 share (`previous_conditional`). What `ghstats plan` and PlanRun predict with."""
    etag_pages, shares = previous_conditional(get_json, config)
    return replace(assumptions, org_list_items=previous_list_items(get_json, config, get_lines),
                   etag_pages=etag_pages, unchanged_share=shares,
                   org_teams=previous_teams(get_json, config, get_lines) or assumptions.org_teams)


def not_modified(collector: Collector, owner: str, sent: int, assumptions: Assumptions) -> int:
    """Of the `sent` requests of `collector`'s walk over `owner`, those GitHub will answer 304
    (free): as many as its ETag cache holds pages (at most `sent`), times the share of the
    previous run's ETag requests answered 304 (none known: all); without cache knowledge the
    flat `not_modified_share`. A collector that asks nothing conditionally: none."""
    if not collector.conditional():
        return 0
    cached = assumptions.etag_pages.get(collector.name)
    if cached is None:
        return round(sent * assumptions.not_modified_share)
    return round(min(sent, int(cached.get(owner.lower(), 0))) * assumptions.unchanged_share.get(collector.name, 1.0))


def _planned_repositories(counts: Counts, config: CollectionConfig) -> tuple[dict[str, int], dict[str, int], int]:
    """(owner -> repositories of the run, owner -> archived among them (listed orgs only),
    named repositories outside the listed orgs)."""
    by_owner: dict[str, int] = {}
    archived: dict[str, int] = {}
    listed = {org.lower() for org in [*counts.orgs, *counts.missing, *counts.uncounted]}
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
            assumptions: Assumptions = Assumptions(), aggregate_memory_mb: int | None = None) -> dict[str, Any]:
    """The run's budget for `config` given `counts`: a JSON-able dict (see the module's doc).
    `credential`: the hourly limits of the one credential (a PAT by default); where `counts`
    knows GitHub App installations, each installation's own limits (`credential_limits("app",
    its repositories)`) and its own share of the work, and the run's hours are the slowest
    installation's. `aggregate_memory_mb`: Aggregate's memory as deployed
    (ghstats:aggregateMemoryMb), which prices its GB-seconds; None: the stack's default."""
    from ghstats.collect.planning import run_owners

    credential = credential or CredentialLimits()
    notes: set[str] = set()
    enabled = dict(config.collectors)
    by_owner, archived, named = _planned_repositories(counts, config)
    org_names = [org.name for org in config.orgs if org.name in counts.orgs]
    repositories = sum(by_owner.values())
    # Whose budget each owner's work spends: its installation's (GitHub App), else the one
    # credential's (None); an owner the App is not installed on sends nothing (no token).
    payers = {owner.lower(): installation for installation, owners in counts.installations.items() for owner in owners}
    unreached = {owner.lower() for owner in counts.not_installed}
    spending = ("graphql_requests", "graphql_points", "rest_requests", "rest_not_modified")
    spent: dict[str | None, dict[str, int]] = {installation: dict.fromkeys(spending, 0)
                                               for installation in counts.installations}

    def pay(owner: str, **figures: int) -> None:
        if owner.lower() in unreached:
            return
        payer = spent.setdefault(payers.get(owner.lower()), dict.fromkeys(spending, 0))
        for figure, value in figures.items():
            payer[figure] += value

    def installation_repositories(installation: str) -> int:
        """What GitHub sizes an installation's hourly limit by, as far as counted: its owners' repositories."""
        return sum(counts.orgs[o].repositories if o in counts.orgs else by_owner.get(o, 0)
                   for o in counts.installations[installation])

    # Planning (the run's planning step asks what `count_repositories` asks): the token check
    # (the first owner with a credential's), then one counting query per 50 orgs of each
    # credential (one refused for an installation out of points: sent, no points). Listing
    # (collect/planning.py): 100 repositories a page, at least one page an org (an uncounted
    # one: its one page is all that is known); an org GitHub does not find costs its one failed
    # page, an org the App is not installed on none.
    uncounted = {org.lower() for org in counts.uncounted}
    limited_payers = {payers.get(org) for org in uncounted}  # installations out of points at planning
    checked = next((owner for owner in run_owners(config)
                    if owner.lower() not in unreached and payers.get(owner.lower()) not in limited_payers), None)
    if checked is not None:
        pay(checked, graphql_requests=1, graphql_points=PREFLIGHT_POINTS)
    groups: dict[str | None, list[str]] = {}  # orgs counted together: one credential's
    for org in config.orgs:
        if org.name.lower() not in unreached:
            groups.setdefault(payers.get(org.name.lower()), []).append(org.name)
    counting_requests = counting_points = 0
    for payer, orgs in groups.items():
        # an installation out of points: its one refused request (the token check or the count)
        queries = 1 if payer in limited_payers else -(-len(orgs) // COUNT_ORGS_PER_QUERY)
        points = 0 if payer in limited_payers else queries
        pay(orgs[0], graphql_requests=queries, graphql_points=points)
        counting_requests, counting_points = counting_requests + queries, counting_points + points
    pages = {org: max(1, -(-counts.orgs[org].repositories // PAGE_SIZE)) for org in org_names}
    pages.update({org: 1 for org in counts.uncounted})
    failed = [org for org in counts.missing if org.lower() not in unreached]
    for org, n in [*pages.items(), *((org, 1) for org in failed)]:
        pay(org, graphql_requests=n, graphql_points=LISTING_POINTS_PER_PAGE * n)
    planning_requests = (checked is not None) + counting_requests
    listing_requests = planning_requests + sum(pages.values()) + len(failed)
    listing_points = (PREFLIGHT_POINTS * (checked is not None) + counting_points
                      + LISTING_POINTS_PER_PAGE * (sum(pages.values()) + len(failed)))

    # Batches: one request per batch; "auto" is the size with the fewest points per repository.
    # resolve_batch_size is what the run's planner resolves with (choose_batch_size of the
    # enabled collectors' connections and nodes, without the repository count).
    collectors = batch_collectors(enabled)
    connections = repository_connections(collectors)
    batch_size, auto = resolve_batch_size(config.batch_size, collectors)
    # A batch never mixes owners (each is sent with its owner's credential): batches per owner.
    # The batches of an owner the App is not installed on are planned and send nothing.
    per_owner_batches = {owner: batch_requests_and_points(n, batch_size, connections)
                         for owner, n in by_owner.items() if n > 0}
    batches = sum(requests for requests, _ in per_owner_batches.values())
    for owner, (requests, points) in per_owner_batches.items():
        pay(owner, graphql_requests=requests, graphql_points=points)
    sent = {owner: figures for owner, figures in per_owner_batches.items() if owner.lower() not in unreached}
    batch_requests = sum(requests for requests, _ in sent.values())
    batch_points = sum(points for _, points in sent.values())

    # REST: one work item per org and enabled REST collector (and, for a collector of lists per
    # repository only, per owner of named repositories outside the orgs); none for a collector
    # a classic token has no scope for.
    lacking = lacking_scopes(rest_collectors(enabled), counts.classic_scopes)
    rest: dict[str, dict[str, Any]] = {}
    skipped: dict[str, tuple[str, ...]] = {}
    org_items = 0
    for collector in rest_collectors(enabled):
        owners = org_names + ([o for o in by_owner if o not in org_names] if collector.repositories_only() else [])
        if collector.name in lacking:
            skipped[collector.name] = lacking[collector.name]
            continue
        per_owner, free = {}, {}
        for owner in owners:
            asked = by_owner.get(owner, 0)
            if collector.skip_archived:
                asked -= archived.get(owner, 0)
            known = assumptions.org_list_items.get(collector.name)
            items = None if known is None else int(known.get(owner.lower(), 0))
            if known is not None:
                notes.add("previous_run")
            teams = assumptions.org_teams.get(owner.lower())
            owned = assumptions if teams is None else replace(assumptions, teams_per_org=teams)
            per_owner[owner] = 0 if owner.lower() in unreached else rest_requests(
                collector, asked, owned, notes, owner_is_org=owner in org_names, items=items)
            # a conditional page GitHub answers 304 is sent, and not counted against the limit
            free[owner] = not_modified(collector, owner, per_owner[owner], assumptions)
            pay(owner, rest_requests=per_owner[owner], rest_not_modified=free[owner])
        org_items += len(owners)
        rest[collector.name] = {"requests": sum(per_owner.values()), "not_modified": sum(free.values()),
                                "work_items": len(owners), "per_owner": per_owner}
    rest_total = sum(entry["requests"] for entry in rest.values())
    rest_free = sum(entry["not_modified"] for entry in rest.values())

    # Hours: each budget's own (a PAT's, or each installation's), the run's the slowest's.
    hours: dict[str | None, dict[str, Any]] = {}
    limits_of: dict[str | None, CredentialLimits] = {}
    for payer, figures in spent.items():
        limits_of[payer] = credential if payer is None else credential_limits("app", installation_repositories(payer))
        figures["rest_counted"] = figures["rest_requests"] - figures["rest_not_modified"]
        hours[payer] = _hours(figures["graphql_points"], figures["rest_counted"], limits_of[payer])
    slowest = max(hours, key=lambda payer: hours[payer]["run"], default=None)
    limits = limits_of.get(slowest, credential)
    run_hours = hours.get(slowest, _hours(0, 0, credential))
    installations = {payer: {
        "owners": list(counts.installations[payer]), "repositories": installation_repositories(payer),
        "limits": {"graphql_points_per_hour": limits_of[payer].graphql_points_per_hour,
                   "rest_requests_per_hour": limits_of[payer].rest_requests_per_hour},
        "graphql": {"requests": figures["graphql_requests"], "points": figures["graphql_points"]},
        "rest_requests": figures["rest_requests"], "rest_not_modified": figures["rest_not_modified"],
        "rest_counted": figures["rest_counted"], "hours": hours[payer]}
        for payer, figures in spent.items() if payer is not None}
    kind = limits.kind if slowest is None else (
        f"{limits.kind} {slowest}" + (f" (the slowest of {len(installations)}, each its own budget)"
                                      if len(installations) > 1 else ""))

    aws = predicted_aws(batches, org_items, listing_requests, repositories, batch_size, rest_total,
                        owners=len(run_owners(config)), pages=sum(pages.values()) + len(failed),
                        owners_with_items=len({o for entry in rest.values() for o in entry["per_owner"]}),
                        aggregate_memory_mb=aggregate_memory_mb)

    stated = _assumptions(config, counts, assumptions, notes, archived, named, aggregate_memory_mb)
    return {
        "repositories": {"total": repositories, "by_owner": by_owner, "named_outside_orgs": named,
                         "archived": sum(archived.values()), "orgs_not_found": list(counts.missing),
                         "org_errors": _org_errors(counts),
                         "repository_errors": {key: APP_NOT_INSTALLED for key in config.repos
                                               if key.split("/", 1)[0].lower() in unreached
                                               and key.split("/", 1)[0] not in counts.missing}},
        "batch_size": batch_size,
        "batch_size_auto": auto,
        "points_per_batch": points_per_request(connections, batch_size) if repositories else 0,
        "buckets": {
            "graphql_listing": {"requests": listing_requests, "points": listing_points, "pages": sum(pages.values()),
                                "planning_requests": planning_requests},
            "graphql_batches": {"requests": batch_requests, "points": batch_points, "batches": batches},
            "rest": rest,
        },
        "skipped_collectors": {name: list(scopes) for name, scopes in skipped.items()},
        "graphql": {"requests": listing_requests + batch_requests, "points": listing_points + batch_points},
        # REST requests sent; of which answered 304 (free); the others, counted against the limit
        "rest_requests": rest_total,
        "rest_not_modified": rest_free,
        "rest_counted": rest_total - rest_free,
        "requests": listing_requests + batch_requests + rest_total,
        "org_items": org_items,
        "limits": {"credential": kind, "graphql_points_per_hour": limits.graphql_points_per_hour,
                   "rest_requests_per_hour": limits.rest_requests_per_hour},
        # a run spends a window's budget, then waits for the next: the hours its points need
        # (per installation, each on its own budget: the slowest one's)
        "hours": {**run_hours, **({"installation": slowest} if slowest is not None else {})},
        "installations": installations,
        "aws": aws,
        "counting": {"requests": counts.requests, "points": counts.points},
        "assumptions": stated,
    }


def _hours(points: int, rest_counted: int, limits: CredentialLimits) -> dict[str, Any]:
    """The hours a budget of `limits` needs for `points` and `rest_counted` REST requests, and the
    rate-limit windows a run on it waits out."""
    graphql, rest = points / limits.graphql_points_per_hour, rest_counted / limits.rest_requests_per_hour
    return {"graphql": round(graphql, 3), "rest": round(rest, 3), "run": round(max(graphql, rest), 3),
            "rate_limit_waits": max(math.ceil(graphql), math.ceil(rest), 1) - 1}


def _org_errors(counts: Counts) -> list[dict[str, str]]:
    """errors.json's `orgs` as the run will write them: each org GitHub did not find, or the App
    is not installed on (planning.org_error's entries)."""
    from ghstats.collect.planning import org_error
    from ghstats.github.errors import OrgNotFound

    return [counts.not_installed.get(org) or org_error(org, OrgNotFound(
        f"GitHub's count found no organisation '{org}'", github_message="Could not resolve to an Organization"))
        for org in counts.missing]


ACTUALS: dict[str, Callable[[Mapping[str, Any]], int]] = {  # the prediction's figure -> from the run's summary.json `api`
    "graphql_requests": lambda api: _figure(api, "listing_requests") + _figure(api, "batch_requests"),
    "graphql_points": lambda api: _figure(api, "points_used"),
    "rest_requests": lambda api: _figure(api, "rest_requests"),  # sent
    "rest_not_modified": lambda api: _figure(api, "rest_not_modified"),  # of which answered 304 (free)
    "rest_counted": lambda api: _figure(api, "rest_requests") - _figure(api, "rest_not_modified"),
    "batches": lambda api: _figure(api, "batches"),
    "org_items": lambda api: _figure(api, "org_items"),
}


def _figure(api: Mapping[str, Any], key: str) -> int:
    return int(api.get(key, 0) or 0)


def predicted_figures(plan: Mapping[str, Any]) -> dict[str, int]:
    """The figures of a prediction a run is held to (ACTUALS' keys): what the ledger keeps. A
    prediction made before the 304s were predicted predicted none."""
    free = int(plan.get("rest_not_modified", 0))
    return {"graphql_requests": plan["graphql"]["requests"], "graphql_points": plan["graphql"]["points"],
            "rest_requests": plan["rest_requests"], "rest_not_modified": free,
            "rest_counted": plan["rest_requests"] - free,
            "batches": plan["buckets"]["graphql_batches"]["batches"], "org_items": plan["org_items"]}


def against_run(plan: Mapping[str, Any], api: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Predicted against actual (a run's summary.json `api`): figure -> predicted, actual and the
    error as a share of actual (None when actual is 0): what the summary and the bench record."""
    predicted = predicted_figures(plan)
    compared = {}
    for figure, actual_of in ACTUALS.items():
        actual = actual_of(api)
        error = (predicted[figure] - actual) / actual if actual else None
        compared[figure] = {"predicted": predicted[figure], "actual": actual,
                            "error": None if error is None else round(error, 4)}
    return compared


def predicted_aws(batches: int, org_items: int, listing_requests: int, repositories: int, batch_size: int,
                  rest: int, *, owners: int = 1, pages: int | None = None, owners_with_items: int | None = None,
                  aggregate_memory_mb: int | None = None) -> dict[str, Any]:
    """The AWS counts of a run of this shape (`owners` pipelines, `pages` listing pages (default:
    the listing's requests), `owners_with_items` of them with work items (default: every owner
    when there are any), the bench's per-item figures) and their price (`run_cost`), Aggregate
    priced at `aggregate_memory_mb` (the deployment's ghstats:aggregateMemoryMb; None: the stack's
    default)."""
    aggregate_memory_mb = aggregate_memory_mb or LAMBDA_MEMORY_MB["Aggregate"]
    pages = listing_requests if pages is None else pages
    owners_with_items = (owners if org_items else 0) if owners_with_items is None else owners_with_items
    items = batches + org_items
    count = {key: AWS_FIXED.get(key, 0) + AWS_PER_OWNER.get(key, 0) * owners + AWS_PER_PAGE.get(key, 0) * pages
             + AWS_PER_ITEM.get(key, 0) * items for key in {*AWS_FIXED, *AWS_PER_OWNER, *AWS_PER_PAGE, *AWS_PER_ITEM}}
    count["transitions"] += owners_with_items  # an owner's CollectOrgs state
    lambda_s = {
        "StartRun": {"n": 1, "sum": SECONDS_SMALL_STEP},
        "PlanRun": {"n": 1, "sum": (listing_requests - pages) * SECONDS_PER_LISTING_REQUEST},
        "ListRepos": {"n": owners, "sum": pages * SECONDS_PER_LISTING_REQUEST},
        "QueryBatch": {"n": batches, "sum": batches * SECONDS_PER_BATCH + repositories * SECONDS_PER_BATCH_REPOSITORY},
        "CollectOrg": {"n": org_items, "sum": rest * SECONDS_PER_REST_REQUEST},
        "Aggregate": {"n": 1, "sum": SECONDS_AGGREGATE + repositories * SECONDS_AGGREGATE_PER_REPOSITORY},
        "TrackRun": {"n": 1, "sum": SECONDS_SMALL_STEP},
    }
    shaped = {"history": {"billable_transitions": count["transitions"]}, "lambda_s": lambda_s,
              "aws_calls": {k: v for k, v in count.items() if "." in k},
              "dynamodb_items": {k: v for k, v in count.items() if ":" in k}, "run_item_bytes": RUN_ITEM_BYTES}
    cost = run_cost(shaped, {"Aggregate": aggregate_memory_mb})
    return {"transitions": cost["transitions"], "lambda_invocations": cost["lambda_requests"],
            "aggregate_memory_mb": aggregate_memory_mb,
            "lambda_gb_s": round(cost["lambda_gb_s"], 3), "s3_put": cost["s3_put"], "s3_get": cost["s3_get"],
            "dynamodb_wru": cost["ddb_wru"], "dynamodb_rru": cost["ddb_rru"],
            "cost_usd": {k: round(cost[k], 6) for k in ("sfn", "lambda", "s3", "dynamodb", "eventbridge", "total")}}


def _assumptions(config: CollectionConfig, counts: Counts, assumptions: Assumptions, notes: set[str],
                 archived: dict[str, int], named: int, aggregate_memory_mb: int | None) -> list[str]:
    said = []
    if counts.uncounted:
        said.append(f"not counted, their installation out of points at planning: {', '.join(counts.uncounted)} "
                    "(one listing page each; their repositories, batches and work items are not in this prediction)")
    if any(org.exclude for org in config.orgs):
        said.append("every excluded repository exists in its org's listing (one fewer repository each)")
    if config.repos:
        said.append("a named repository whose owner is a listed org is in that org's listing (added once); "
                    f"the {named} others are counted as themselves")
    if "previous_teams" in notes:
        said.append("each org has as many teams as the previous run's records of it "
                    f"({len(assumptions.org_teams)} org(s) known; the others: {assumptions.teams_per_org})")
    if "previous_run" in notes:
        said.append("the alert lists hold as many items as the previous run's records of each org "
                    f"({', '.join(sorted(assumptions.org_list_items))}; an org it did not collect: none)")
    if "pages_per_org_list" in notes:
        said.append(f"each organisation-level REST list (alerts, members, …) has at most "
                    f"{PAGE_SIZE * assumptions.pages_per_org_list} items: {assumptions.pages_per_org_list} page(s)")
    if "pages_per_repository_list" in notes:
        said.append(f"each list per repository (collaborators) fits {assumptions.pages_per_repository_list} page(s)")
    if "teams_per_org" in notes and "previous_teams" not in notes:
        said.append(f"{assumptions.teams_per_org} teams per org (each adds 3 REST lists of 1 page)")
    conditional = [c.name for c in rest_collectors(dict(config.collectors)) if c.conditional()]
    from_cache = [name for name in conditional if assumptions.etag_pages.get(name)]
    first_walks = [name for name in conditional if name in assumptions.etag_pages and name not in from_cache]
    if first_walks:
        said.append(f"no ETag cache yet of {', '.join(first_walks)} (a collection's first run): none of its "
                    "conditional REST requests is answered 304, every one is counted")
    if from_cache:
        cached = {name: sum(assumptions.etag_pages[name].values()) for name in from_cache}
        shares = ", ".join(f"{name} {assumptions.unchanged_share[name]:.0%}" for name in from_cache
                           if name in assumptions.unchanged_share)
        said.append("conditional REST requests answered 304 (free: not counted against the limit, so not in the "
                    "hours): each page the last walk left an ETag for (state/<collector>/etags/<owner>.json: "
                    + ", ".join(f"{name} {n:,}" for name, n in cached.items()) + " page(s)), "
                    + (f"times the share of the previous run's ETag requests GitHub answered 304 ({shares}; "
                       "the others: all of them)" if shares else "all of them, as if nothing changed since")
                    + "; a page without one (a first walk, a full last page, a page after a changed one) is counted")
    if any(name not in assumptions.etag_pages for name in conditional):
        said.append(f"{assumptions.not_modified_share:.0%} of conditional REST requests are answered 304 "
                    "(free; 0% on a collection's first run)")
    if counts.installations:
        said.append(f"each GitHub App installation's hourly limit is {APP_LIMIT_RULE}, of the repositories counted "
                    "for its owners (the App may see more: then more), and each installation waits only for its own")
    if any(c.skip_archived for c in rest_collectors(dict(config.collectors))) and archived:
        said.append("archived repositories: GitHub's count at planning time (traffic skips them)")
    said.append("no retries, 502 splits or rate-limit waits inside the hour (each adds requests)")
    if config.reserve_points or config.reserve_requests:
        said.append("reserve_points / reserve_requests: each step's client first asks GET /rate_limit (free: no limit "
                    "counts it), one more request per planning credential, listing, batch and work item than predicted")
    if config.api_url.rstrip("/").endswith("/api/v3"):
        said.append("GitHub Enterprise Server: rate limits are off unless the site admin turned them on; "
                    "the hours hold only then")
    said.append("the repository counts hold until the run lists (repositories created or deleted between "
                "plan and run change every figure)")
    said.append("AWS: us-east-1 list prices, the measured counts per run, owner, listing page, batch and work item, "
                "Lambda time from the bench's latency model, Aggregate at "
                f"{aggregate_memory_mb or LAMBDA_MEMORY_MB['Aggregate']:,} MB (ghstats:aggregateMemoryMb)")
    return said
