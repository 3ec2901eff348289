"""Resolve one owner's repositories and split them into batches.

A run is planned in two steps. PlanRun (`steps.plan_run`) checks the token, counts the orgs'
repositories and names the run's owners: its organisations in config order, then the owners of
named repositories outside them (`run_owners`). Each owner then runs as its own pipeline (a child
execution of CollectOwners): ListRepos lists that owner (`list_owner`, page by page, resumable),
`plan_owner` turns the listing into the owner's batches, and the owner's batches start as soon as
its own listing is done, whatever the other owners are doing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ghstats import names
from ghstats.collect.batch_size import resolve_batch_size
from ghstats.config import CollectionConfig, OrgSpec
from ghstats.github.client import GitHubClient
from ghstats.github.errors import AppNotInstalled, OrgNotFound


def owner_of(key: str) -> str:
    return key.split("/", 1)[0]


def run_owners(config: CollectionConfig) -> list[str]:
    """The run's owners in config order: its orgs, then the owners of its named repositories
    (each once, case-insensitively, spelled as first written)."""
    owners: dict[str, str] = {}
    for owner in [org.name for org in config.orgs] + [owner_of(key) for key in config.repos]:
        owners.setdefault(owner.lower(), owner)
    return list(owners.values())


@dataclass(frozen=True)
class Owner:
    """One owner's share of the config: its org (None for an owner of named repositories only)
    and its named repositories."""

    index: int  # its place in run_owners(): its batch ids start with it
    name: str
    org: OrgSpec | None
    named: tuple[str, ...]


def owner_in(config: CollectionConfig, name: str) -> Owner:
    """`name`'s share of `config` (case-insensitive); ValueError when it is none of the run's owners."""
    owners = [o.lower() for o in run_owners(config)]
    if name.lower() not in owners:
        raise ValueError(f"'{name}' is none of the run's owners ({', '.join(run_owners(config))})")
    org = next((o for o in config.orgs if o.name.lower() == name.lower()), None)
    named = tuple(key for key in config.repos if owner_of(key).lower() == name.lower())
    return Owner(owners.index(name.lower()), run_owners(config)[owners.index(name.lower())], org, named)


@dataclass
class OwnerPlan:
    index: int
    owner: str
    repos: list[str]  # the owner's repositories in the run, once each, sorted case-insensitively
    batches: dict[str, list[str]]  # batch id -> owner/name keys
    listed: int | None = None  # repositories its org listing kept (after excludes); None: no org
    warnings: list[str] = field(default_factory=list)
    requests: int = 0  # GitHub requests spent listing
    points: int = 0
    org_error: dict[str, str] | None = None  # why its org could not be listed
    archived: list[str] = field(default_factory=list)  # the listing's archived repositories (not named ones)
    pages: int = 0  # listing pages fetched

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "owner": self.owner, "repos_total": len(self.repos), "batch_ids": list(self.batches),
                "batch_sizes": {b: len(k) for b, k in self.batches.items()},
                "listed": self.listed, "warnings": self.warnings, "requests": self.requests, "points": self.points,
                "pages": self.pages, "org_error": self.org_error}


def listing_scope(api_url: str, org: OrgSpec) -> dict[str, Any]:
    """What an org listing's pages depend on: stored progress is only valid for the same scope."""
    return {"api_url": api_url, "org": [org.name, org.include_archived, org.include_forks]}


@dataclass
class ListingProgress:
    """How far one org's listing got, kept between ListRepos invocations: after a rate-limit
    wait, a transient error or a pause for time, listing goes on from the next page instead of
    starting again (no page is fetched twice, and a big org cannot outrun one invocation)."""

    scope: dict[str, Any]  # listing_scope() of the org it was made for
    listed: list[str] = field(default_factory=list)  # keys listed so far
    archived: list[str] = field(default_factory=list)  # keys listed so far that GitHub says are archived
    cursor: str | None = None  # of its next page
    finished: bool = False  # listed to its last page (or not found)
    missing: dict[str, str] | None = None  # GitHub did not find the org: why (errors.json's entry)
    pages: int = 0  # pages fetched so far, all invocations
    requests: int = 0  # GitHub requests of earlier invocations
    points: int = 0

    def spent(self, client: GitHubClient | None) -> tuple[int, int]:
        """GitHub requests and points of the whole listing: earlier invocations' and this one's."""
        if client is None:
            return self.requests, self.points
        return self.requests + client.requests_made, self.points + client.points_used

    def to_dict(self, client: GitHubClient | None) -> dict[str, Any]:
        """The progress to store, with this invocation's requests and points added."""
        requests, points = self.spent(client)
        return {"scope": self.scope, "listed": self.listed, "archived": self.archived, "cursor": self.cursor,
                "finished": self.finished, "missing": self.missing, "pages": self.pages,
                "requests": requests, "points": points}

    @classmethod
    def resume(cls, stored: dict[str, Any] | None, api_url: str, org: OrgSpec) -> "ListingProgress":
        """The stored progress if it was made for this org's listing, else a fresh start (a
        re-run with other filters or API must not reuse other pages)."""
        scope = listing_scope(api_url, org)
        if stored and stored.get("scope") == scope:
            return cls(**stored)
        return cls(scope)


class ListingPaused(Exception):
    """Listing stopped between two pages to finish inside the invocation; go on in the next."""


def list_owner(
    client: GitHubClient,
    org: OrgSpec,
    progress: ListingProgress,
    out_of_time: Callable[[], bool] = lambda: False,
    on_page: Callable[[ListingProgress], None] = lambda progress: None,
) -> None:
    """List `org` to its last page, advancing `progress` page by page from its cursor (the caller
    stores it when this raises; `on_page` is told after each page). `out_of_time` is asked
    between pages once this invocation has listed one (so every invocation moves the listing on)
    and makes it raise ListingPaused. An org GitHub does not find (renamed, mistyped, without the
    App's installation) is not an error of the run: `progress.missing` says why, the run's other
    owners are collected and the run ends PARTIAL."""
    listed_here = False
    while not progress.finished:
        if listed_here and out_of_time():
            raise ListingPaused(f"listing paused before the next page of {org.name}")
        try:
            page, cursor = client.list_org_repos_page(org.name, progress.cursor, include_archived=org.include_archived,
                                                      include_forks=org.include_forks)
        except OrgNotFound as exc:
            progress.missing, progress.finished = org_error(org.name, exc), True
            return
        listed_here = True
        progress.pages += 1
        progress.listed.extend(repo.key for repo in page)
        progress.archived.extend(repo.key for repo in page if repo.is_archived)
        progress.cursor, progress.finished = cursor, cursor is None
        on_page(progress)


def org_error(org: str, exc: OrgNotFound) -> dict[str, str]:
    """errors.json's entry for an organisation that could not be listed: name, GitHub's answer, the fix."""
    if isinstance(exc, AppNotInstalled):
        return {"org": org, "type": "APP_NOT_INSTALLED", "github": exc.github_message or str(exc),
                "fix": f"install the GitHub App on {org} (its settings, Install App), or remove '{org}' from 'orgs'"}
    return {"org": org, "type": "ORG_NOT_FOUND", "github": exc.github_message or str(exc),
            "fix": f"check the spelling of '{org}' in 'orgs' (renamed? it is then listed under its new name), "
                   "and that the token's owner or GitHub App can see that organisation"}


def planned_batch_size(config: CollectionConfig) -> tuple[int, bool]:
    """(repositories per batch, chosen automatically?) for the config: "auto" resolves for the
    enabled repository-level GraphQL collectors (one request serves them all)."""
    from ghstats.collectors import batch_collectors

    return resolve_batch_size(config.batch_size, batch_collectors(dict(config.collectors)))


def split_into_batches(keys: list[str], batch_size: int, owner_index: int = 0) -> dict[str, list[str]]:
    """Consecutive batches of at most `batch_size` of one owner's keys, in order (one short batch
    at most). No cap: each batch is a child execution of its owner's CollectBatches Distributed
    Map, read from the owner's manifest in S3."""
    chunks = [keys[start:start + batch_size] for start in range(0, len(keys), batch_size)]
    return {names.batch_id(owner_index, i): chunk for i, chunk in enumerate(chunks)}


def plan_owner(owner: Owner, progress: ListingProgress | None, batch_size: int,
               spent: tuple[int, int] = (0, 0)) -> OwnerPlan:
    """The owner's repositories (its org's listing after excludes, once each even where a
    case-only rename across a pause listed one twice, plus its named repositories) and batches;
    `spent`: the listing's GitHub requests and points, all invocations."""
    warnings: list[str] = []
    chosen: dict[str, str] = {}  # lower-case key -> key as GitHub spells it
    listed_count = None
    if owner.org is not None and progress is not None and progress.missing is None:
        listed_lower = {key.lower() for key in progress.listed}
        excluded = {key.lower() for key in owner.org.exclude}
        for key in owner.org.exclude:
            if key.lower() not in listed_lower:
                warnings.append(f"orgs.{owner.org.name}.exclude: '{key}' is not a repository of {owner.org.name} "
                                "(or was filtered out); nothing to exclude")
        for key in progress.listed:
            if key.lower() not in excluded:
                chosen.setdefault(key.lower(), key)
        listed_count = len(chosen)
    for key in owner.named:  # named repositories: added unless the org's listing brought them
        chosen.setdefault(key.lower(), key)
    repos = [chosen[k] for k in sorted(chosen)]
    requests, points = spent
    in_run = set(chosen)
    archived = sorted({k for k in (progress.archived if progress else []) if k.lower() in in_run}, key=str.lower)
    return OwnerPlan(owner.index, owner.name, repos, split_into_batches(repos, batch_size, owner.index), listed_count,
                     warnings, requests, points, progress.missing if progress else None, archived,
                     progress.pages if progress else 0)
