"""Resolve the repositories of a run and split them into batches."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from ghstats import limits, names
from ghstats.collect.batch_size import resolve_batch_size
from ghstats.config import CollectionConfig, OrgSpec
from ghstats.github.client import GitHubClient
from ghstats.github.errors import AppNotInstalled, GitHubError, GitHubRateLimited, OrgNotFound


@dataclass
class Plan:
    repos: list[str]  # every repository of the run, once, sorted case-insensitively
    batches: dict[str, list[str]]  # batch id -> owner/name keys
    orgs: dict[str, int] = field(default_factory=dict)  # org -> repositories listed (after excludes)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0  # GitHub requests spent on preflight and listing
    points: int = 0
    org_errors: dict[str, dict[str, str]] = field(default_factory=dict)  # org -> why it was not listed
    classic_scopes: list[str] | None = None  # the token's classic scopes (None: fine-grained or App)
    archived: list[str] = field(default_factory=list)  # the repositories the listing saw archived (not named ones)
    batch_size: int = limits.FIXED_BATCH_SIZE_BEFORE_AUTO  # repositories per batch, as resolved
    batch_size_auto: bool = False  # whether the config said "auto" (the size chosen for its collectors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "repos_total": len(self.repos),
            "batch_ids": list(self.batches),
            "orgs": self.orgs,
            "org_errors": self.org_errors,
            "warnings": self.warnings,
            "classic_scopes": self.classic_scopes,
            "requests": self.requests,
            "points": self.points,
            "batch_size": self.batch_size,
            "batch_size_auto": self.batch_size_auto,
        }


def listing_scope(config: CollectionConfig) -> dict[str, Any]:
    """What a listing's pages depend on: stored progress is only valid for the same scope."""
    return {"api_url": config.api_url,
            "orgs": [[o.name, o.include_archived, o.include_forks] for o in config.orgs]}


@dataclass
class ListingProgress:
    """How far listing got, kept between ListRepos invocations: after a rate-limit wait, a
    transient error or a pause for time, listing goes on from the next page instead of
    starting again (no page is fetched twice, and a big org cannot outrun one invocation)."""

    scope: dict[str, Any]  # listing_scope() of the config it was made for
    token_checked: bool = False
    classic_scopes: list[str] | None = None  # the token's classic scopes at its check (None: not classic)
    listed: dict[str, list[str]] = field(default_factory=dict)  # org -> keys listed so far
    archived: list[str] = field(default_factory=list)  # keys listed so far that GitHub says are archived
    cursors: dict[str, str] = field(default_factory=dict)  # org -> cursor of its next page
    finished: list[str] = field(default_factory=list)  # orgs listed to their last page
    missing: dict[str, dict[str, str]] = field(default_factory=dict)  # orgs GitHub did not find: why
    pages: int = 0  # listing pages fetched so far, all invocations
    requests: int = 0  # GitHub requests of earlier invocations
    points: int = 0

    def spent(self, client: GitHubClient | ListingClients) -> tuple[int, int]:
        """GitHub requests and points of the whole listing: earlier invocations' and this one's."""
        return self.requests + client.requests_made, self.points + client.points_used

    def to_dict(self, client: GitHubClient | ListingClients) -> dict[str, Any]:
        """The progress to store, with this invocation's requests and points added."""
        requests, points = self.spent(client)
        return {"scope": self.scope, "token_checked": self.token_checked, "classic_scopes": self.classic_scopes,
                "listed": self.listed, "archived": self.archived,
                "cursors": self.cursors, "finished": self.finished, "missing": self.missing, "pages": self.pages,
                "requests": requests, "points": points}

    @classmethod
    def resume(cls, stored: dict[str, Any] | None, config: CollectionConfig) -> "ListingProgress":
        """The stored progress if it was made for this config's listing, else a fresh start
        (a re-run with other orgs, filters or API must not reuse other pages)."""
        scope = listing_scope(config)
        if stored and stored.get("scope") == scope:
            return cls(**stored)
        return cls(scope)


class ListingPaused(Exception):
    """Listing stopped between two pages to finish inside the invocation; go on in the next."""


def planned_batch_size(config: CollectionConfig) -> tuple[int, bool]:
    """(repositories per batch, chosen automatically?) for the config: "auto" resolves for the
    enabled repository-level GraphQL collectors (one request serves them all)."""
    from ghstats.collectors import batch_collectors

    return resolve_batch_size(config.batch_size, batch_collectors(dict(config.collectors)))


def owner_of(key: str) -> str:
    return key.split("/", 1)[0]


def split_into_batches(keys: list[str], batch_size: int) -> dict[str, list[str]]:
    """Consecutive batches of at most `batch_size` keys, in order, a batch never mixing owners:
    each batch is sent with its owner's client (per-org App credentials: the installation's
    token and budget). `keys` sorted case-insensitively keep each owner's keys together; each
    owner costs at most one batch short of full. No cap: each batch is a child execution of
    CollectBatches' Distributed Map, read from the run's manifest in S3."""
    chunks: list[list[str]] = []
    for key in keys:
        if chunks and len(chunks[-1]) < batch_size and owner_of(chunks[-1][0]).lower() == owner_of(key).lower():
            chunks[-1].append(key)
        else:
            chunks.append([key])
    return {names.batch_id(i): chunk for i, chunk in enumerate(chunks)}


class ListingClients:
    """The listing's GitHub clients, one per owner (per-org App credentials: each on its
    installation's token and budget; else all on the one credential), counted together."""

    def __init__(self, make: Callable[[str | None], GitHubClient]):
        self._make = make
        self._clients: dict[str, GitHubClient] = {}
        self._lock = threading.Lock()

    def for_owner(self, owner: str) -> GitHubClient:
        with self._lock:
            if owner.lower() not in self._clients:
                self._clients[owner.lower()] = self._make(owner)
            return self._clients[owner.lower()]

    def _distinct(self) -> list[GitHubClient]:
        """Each client once (one client may serve every owner)."""
        return list({id(c): c for c in self._clients.values()}.values())

    @property
    def requests_made(self) -> int:
        return sum(c.requests_made for c in self._distinct())

    @property
    def points_used(self) -> int:
        return sum(c.points_used for c in self._distinct())


def _as_clients(client: GitHubClient | ListingClients) -> ListingClients:
    """The clients per owner, or one client for every owner (a test's)."""
    return client if isinstance(client, ListingClients) else ListingClients(lambda owner: client)


def _run_owners(config: CollectionConfig) -> list[str]:
    """The run's owners in config order: its orgs, then the owners of its named repositories."""
    owners: dict[str, str] = {}
    for owner in [org.name for org in config.orgs] + [owner_of(key) for key in config.repos]:
        owners.setdefault(owner.lower(), owner)
    return list(owners.values())


def _check_token(clients: ListingClients, config: CollectionConfig, progress: ListingProgress) -> None:
    """The preflight, with the first owner's client whose credential exists: per-org App
    credentials have no token for an owner without the App's installation (that org is then
    an org error, and the next owner's installation is checked)."""
    org_names = {org.name for org in config.orgs}
    for owner in _run_owners(config):
        if owner in progress.missing:
            continue
        try:
            client = clients.for_owner(owner)
            client.preflight()  # a bad or under-scoped token fails here, before any real work
        except AppNotInstalled as exc:
            if owner in org_names:
                progress.missing[owner] = org_error(owner, exc)
                progress.finished.append(owner)
            continue
        progress.token_checked = True
        progress.classic_scopes = sorted(client.classic_scopes) if client.classic_scopes is not None else None
        return


class _OrgPaused(Exception):
    pass


def plan_collection(
    client: GitHubClient | ListingClients,
    config: CollectionConfig,
    progress: ListingProgress | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
    on_page: Callable[[ListingProgress], None] = lambda progress: None,
) -> Plan:
    """Check the token, list every org, apply excludes and filters, add named repos, dedupe.

    Orgs are listed side by side (limits.LIST_REPOS_PARALLEL_ORGS at a time), each with its
    owner's client (`client`: ListingClients, or one client for all). `progress` is advanced page
    by page, each org on from its own cursor (the caller stores it when this raises; `on_page` is
    told after each page, one call at a time); `out_of_time` is asked between pages (the first
    LIST_REPOS_PARALLEL_ORGS orgs still to list get one page each first) and makes it raise
    ListingPaused once the orgs being listed have stopped. A rate limit stops the orgs on the
    same credential (a PAT: all of them; per-org installations: that org) before their next page. An org
    that fails stops only itself; the first failure in config order is raised once every org
    has stopped. The plan does not depend on which org's page came first.
    """
    clients = _as_clients(client)
    at_once = limits.LIST_REPOS_PARALLEL_ORGS if isinstance(client, ListingClients) else 1  # a client is one thread's
    progress = progress or ListingProgress(listing_scope(config))
    if not progress.token_checked:
        _check_token(clients, config, progress)
    lock = threading.Lock()
    to_list = [org for org in config.orgs if org.name not in progress.finished]
    # Each invocation moves the first orgs it lists (as many as list at once) on by a page at
    # least, however short of time: the listing always progresses, by the same pages whatever
    # the timing, and with no more than one round of pages past the margin.
    first_round = {org.name for org in to_list[:limits.LIST_REPOS_PARALLEL_ORGS]}

    limited: set[str] = set()  # the credentials GitHub said are rate limited: no more pages on them

    def list_org(org: OrgSpec) -> None:
        listed_here = False
        client = clients.for_owner(org.name)
        while True:
            with lock:
                if org.name in progress.finished:
                    return
                if (listed_here or org.name not in first_round) and out_of_time():
                    raise _OrgPaused(org.name)
                cursor = progress.cursors.get(org.name)
            credential = None
            try:
                credential = client.credential_id()
                with lock:
                    if credential in limited:  # an org on the same budget was refused: wait with it
                        raise _OrgPaused(org.name)
                page, cursor = client.list_org_repos_page(
                    org.name, cursor, include_archived=org.include_archived, include_forks=org.include_forks,
                )
            except GitHubRateLimited:
                if credential is not None:
                    with lock:
                        limited.add(credential)
                raise
            except OrgNotFound as exc:
                # One org renamed, mistyped or without the App's installation must not cost the
                # others: they are collected and the run ends PARTIAL with this org in
                # errors.json. (A bad token already failed the preflight.)
                with lock:
                    progress.missing[org.name] = org_error(org.name, exc)
                    progress.finished.append(org.name)
                return
            listed_here = True
            with lock:
                progress.pages += 1
                progress.listed.setdefault(org.name, []).extend(repo.key for repo in page)
                progress.archived.extend(repo.key for repo in page if repo.is_archived)
                if cursor is None:
                    progress.finished.append(org.name)
                else:
                    progress.cursors[org.name] = cursor
                on_page(progress)

    outcomes: dict[str, BaseException | None] = {}
    try:
        if len(to_list) <= 1 or at_once == 1:
            for org in to_list:
                try:
                    list_org(org)
                except (_OrgPaused, GitHubError) as exc:
                    outcomes[org.name] = exc
        else:
            with ThreadPoolExecutor(max_workers=min(at_once, len(to_list)),
                                    thread_name_prefix="list-org") as pool:
                futures = {org.name: pool.submit(list_org, org) for org in to_list}
                for name, future in futures.items():
                    try:
                        future.result()
                    except (_OrgPaused, GitHubError) as exc:
                        outcomes[name] = exc
    finally:
        _in_config_order(progress, config)
    failures = [exc for exc in outcomes.values() if isinstance(exc, GitHubError)]
    if failures:
        raise failures[0]  # in config order: the same error whatever the timing
    if outcomes:
        raise ListingPaused(f"listing paused before the next page of {', '.join(outcomes)}")
    return _plan_from_listing(config, progress, clients)


def _in_config_order(progress: ListingProgress, config: CollectionConfig) -> None:
    """The orgs' listings in config order, whichever thread listed a page first: the stored
    progress, and the plan made from it, are the same for the same pages."""
    order = {org.name: index for index, org in enumerate(config.orgs)}

    def in_order(by_org: dict[str, Any]) -> dict[str, Any]:
        return {name: by_org[name] for name in sorted(by_org, key=lambda n: order.get(n, len(order)))}

    progress.listed, progress.missing, progress.cursors = (in_order(progress.listed), in_order(progress.missing),
                                                           in_order(progress.cursors))
    progress.finished = sorted(progress.finished, key=lambda n: order.get(n, len(order)))
    archived = set(progress.archived)
    progress.archived = list(dict.fromkeys(key for keys in progress.listed.values() for key in keys if key in archived))


def org_error(org: str, exc: OrgNotFound) -> dict[str, str]:
    """errors.json's entry for an organisation that could not be listed: name, GitHub's answer, the fix."""
    if isinstance(exc, AppNotInstalled):
        return {"org": org, "type": "APP_NOT_INSTALLED", "github": exc.github_message or str(exc),
                "fix": f"install the GitHub App on {org} (its settings, Install App), or remove '{org}' from 'orgs'"}
    return {"org": org, "type": "ORG_NOT_FOUND", "github": exc.github_message or str(exc),
            "fix": f"check the spelling of '{org}' in 'orgs' (renamed? it is then listed under its new name), "
                   "and that the token's owner or GitHub App can see that organisation"}


def _plan_from_listing(config: CollectionConfig, progress: ListingProgress, client: ListingClients) -> Plan:
    warnings: list[str] = []
    chosen: dict[str, str] = {}  # lower-case key -> key as GitHub spells it
    orgs: dict[str, int] = {}
    for org in config.orgs:
        if org.name in progress.missing:
            continue
        listed = progress.listed.get(org.name, [])
        listed_lower = {key.lower() for key in listed}
        excluded = {key.lower() for key in org.exclude}
        for key in org.exclude:
            if key.lower() not in listed_lower:
                warnings.append(f"orgs.{org.name}.exclude: '{key}' is not a repository of {org.name} (or was filtered out); nothing to exclude")
        kept: dict[str, str] = {}  # once each: a case-only rename while listing paused lists a repo twice
        for key in listed:
            if key.lower() not in excluded:
                kept.setdefault(key.lower(), key)
        orgs[org.name] = len(kept)
        for lower, key in kept.items():
            chosen.setdefault(lower, key)
    for key in config.repos:  # named repositories: added unless an org already brought them
        chosen.setdefault(key.lower(), key)
    repos = [chosen[k] for k in sorted(chosen)]
    batch_size, auto = planned_batch_size(config)
    batches = split_into_batches(repos, batch_size)
    in_run = set(chosen)
    return Plan(repos, batches, orgs, warnings, *progress.spent(client), org_errors=dict(progress.missing),
                classic_scopes=progress.classic_scopes, batch_size=batch_size, batch_size_auto=auto,
                archived=sorted({k for k in progress.archived if k.lower() in in_run}, key=str.lower))
