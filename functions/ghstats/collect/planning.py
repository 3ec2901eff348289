"""Resolve the repositories of a run and split them into batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ghstats import limits, names
from ghstats.collect.batch_size import resolve_batch_size
from ghstats.config import CollectionConfig
from ghstats.github.client import GitHubClient
from ghstats.github.errors import OrgNotFound


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

    def spent(self, client: GitHubClient) -> tuple[int, int]:
        """GitHub requests and points of the whole listing: earlier invocations' and this one's."""
        return self.requests + client.requests_made, self.points + client.points_used

    def to_dict(self, client: GitHubClient) -> dict[str, Any]:
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


def split_into_batches(keys: list[str], batch_size: int) -> dict[str, list[str]]:
    """Consecutive batches of `batch_size` keys, in order. No cap: each batch is a child
    execution of CollectBatches' Distributed Map, read from the run's manifest in S3."""
    chunks = [keys[i : i + batch_size] for i in range(0, len(keys), batch_size)]
    return {names.batch_id(i): chunk for i, chunk in enumerate(chunks)}


def plan_collection(
    client: GitHubClient,
    config: CollectionConfig,
    progress: ListingProgress | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
    on_page: Callable[[ListingProgress], None] = lambda progress: None,
) -> Plan:
    """Check the token, list every org, apply excludes and filters, add named repos, dedupe.

    `progress` is advanced page by page (the caller stores it when this raises; `on_page` is
    told after each page); `out_of_time` is asked between pages, after at least one, and makes
    it raise ListingPaused.
    """
    progress = progress or ListingProgress(listing_scope(config))
    if not progress.token_checked:
        client.preflight()  # a bad or under-scoped token fails here, before any real work
        progress.token_checked = True
        progress.classic_scopes = sorted(client.classic_scopes) if client.classic_scopes is not None else None
    pages_before = progress.pages
    for org in config.orgs:
        while org.name not in progress.finished:
            if progress.pages > pages_before and out_of_time():
                raise ListingPaused(f"listing paused before {org.name}'s next page")
            try:
                page, cursor = client.list_org_repos_page(
                    org.name, progress.cursors.get(org.name),
                    include_archived=org.include_archived, include_forks=org.include_forks,
                )
            except OrgNotFound as exc:
                # One org renamed or mistyped must not cost the others: they are collected and
                # the run ends PARTIAL with this org in errors.json. (A bad token already failed
                # the preflight.)
                progress.missing[org.name] = org_error(org.name, exc)
                progress.finished.append(org.name)
                continue
            progress.pages += 1
            progress.listed.setdefault(org.name, []).extend(repo.key for repo in page)
            progress.archived.extend(repo.key for repo in page if repo.is_archived)
            if cursor is None:
                progress.finished.append(org.name)
            else:
                progress.cursors[org.name] = cursor
            on_page(progress)
    return _plan_from_listing(config, progress, client)


def org_error(org: str, exc: OrgNotFound) -> dict[str, str]:
    """errors.json's entry for an organisation that could not be listed: name, GitHub's answer, the fix."""
    return {"org": org, "type": "ORG_NOT_FOUND", "github": exc.github_message or str(exc),
            "fix": f"check the spelling of '{org}' in 'orgs' (renamed? it is then listed under its new name), "
                   "and that the token's owner or GitHub App can see that organisation"}


def _plan_from_listing(config: CollectionConfig, progress: ListingProgress, client: GitHubClient) -> Plan:
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
