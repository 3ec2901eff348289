"""An organisation-level collector's paged REST walk, resumable at its next page.

A walk is a queue of paged lists (the collector's `walk()`: its org-level lists, one list per
repository of the run for a `per_repository` one, and a list's `then` lists for each of its
items, queued as its pages arrive). It stops after a rate-limit answer, an error or short of
Lambda time; what it fetched, the lists still to walk and each one's next page go into the
work item's partial object, and the next attempt goes on from that page (no page is fetched
twice, no record counted twice: records are keyed by the collector's key).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from ghstats.collectors.unit import SINGLE_LIST, Collector, Record, RestList, kept_fields
from ghstats.github.client import GitHubClient
from ghstats.github.errors import GitHubNoAccess


class WalkPaused(Exception):
    """Stopped between two pages to finish inside the invocation; go on in the next."""


@dataclass
class WalkProgress:
    records: dict[str, Record] = field(default_factory=dict)
    # the lists still to walk, the first one next: {"list": name, "vars": {...}, "next_url": GitHub's
    # link rel="next" once a page of it was fetched}; None: the walk has not started
    pending: list[dict[str, Any]] | None = None
    pages: int = 0  # answers that moved the walk on (pages, and optional lists GitHub would not show), all attempts
    requests: int = 0  # GitHub requests of earlier attempts
    notes: list[dict[str, Any]] = field(default_factory=list)  # optional lists GitHub would not show: coverage entries
    # the answers of conditional lists, the next run's ETag cache: per page (a list's first page
    # by its path, a later one by its link's URL) {"etag", "items" (RestList.cache_fields of
    # each), "next_url" (its link rel="next"), "fields" (a digest of cache_fields, when set)}
    etags: dict[str, dict[str, Any]] = field(default_factory=dict)
    not_modified: int = 0  # conditional requests GitHub answered 304 (free), all attempts
    # requests sent with an ETag of the last run (If-None-Match), all attempts: of which
    # `not_modified` came back 304 (the next run's plan predicts its free share from the two)
    with_etag: int = 0

    @property
    def done(self) -> bool:
        return self.pending == []

    def to_dict(self, client: GitHubClient) -> dict[str, Any]:
        return {**asdict(self), "requests": self.requests + client.requests_made}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "WalkProgress":
        if not data:
            return cls()
        if "next_url" in data:  # stored by a single-list walk before walks had lists
            data = {**data}
            next_url = data.pop("next_url")
            data["pending"] = None if not data.get("pages") else (
                [{"list": SINGLE_LIST, "vars": {}, "next_url": next_url}] if next_url else [])
        return cls(**data)


def _merge(records: dict[str, Record], record: Record) -> None:
    """A record whose key is there adds its fields to it; list fields are united (sorted)."""
    existing = records.get(record["key"])
    if existing is None:
        records[record["key"]] = record
        return
    for name, value in record.items():
        if isinstance(value, list) and isinstance(existing.get(name), list):
            existing[name] = sorted(set(existing[name]) | set(value), key=lambda v: (str(v).lower(), str(v)))
        else:
            existing[name] = value


def _queued(rest_list: RestList, variables: dict[str, str]) -> dict[str, Any]:
    return {"list": rest_list.name, "vars": variables, "next_url": None}


def start_lists(collector: Collector, org: str, repositories: Iterable[str]) -> list[dict[str, Any]]:
    """The walk's first queue: each org-level list, then each per-repository list once per repository."""
    first = [_queued(rest_list, {"org": org}) for rest_list in collector.walk() if not rest_list.per_repository]
    return first + [_queued(rest_list, {"org": org, "repository": repository})
                    for rest_list in collector.walk() if rest_list.per_repository for repository in repositories]


def walk_org(client: GitHubClient, collector: Collector, org: str, progress: WalkProgress,
             out_of_time: Callable[[], bool] = lambda: False, repositories: Iterable[str] = (),
             etag_cache: dict[str, dict[str, Any]] | None = None) -> None:
    """Fetch the rest of `org`'s lists into `progress`; raise WalkPaused between pages when
    `out_of_time()` (after at least one page), or the GitHub error that stopped it.
    `etag_cache`: the last run's answers of conditional lists (WalkProgress.etags): a page GitHub
    answers 304 stands for its cached items and its cached link to the next page, and every
    next page is asked again with its own ETag (a changed page comes back 200, in full)."""
    lists = collector.lists_by_name()
    if progress.pending is None:
        progress.pending = start_lists(collector, org, repositories)
    pages_before = progress.pages
    while progress.pending:
        if progress.pages > pages_before and out_of_time():
            raise WalkPaused(f"{collector.name} of {org} paused before page {progress.pages + 1}")
        entry = progress.pending[0]
        rest_list = lists[entry["list"]]
        path = rest_list.path.format(**entry["vars"]) if entry["next_url"] is None else rest_list.path  # the link says all
        cache_key = entry["next_url"] or path  # a later page is its link's URL
        cached = _usable((etag_cache or {}).get(cache_key), rest_list) if rest_list.conditional else None
        try:
            page = client.rest_page(path, dict(rest_list.params), url=entry["next_url"],
                                    single_object=rest_list.single_object, etag=cached["etag"] if cached else None)
        except GitHubNoAccess as exc:
            if not rest_list.optional:
                raise
            progress.notes.append(_note(collector, org, rest_list, entry["vars"], exc))
            progress.pending.pop(0)
            progress.pages += 1
            continue
        items, next_url = page.items, page.next_url
        if cached:
            progress.with_etag += 1
        if page.not_modified and cached:  # this page as the last run saw it, and so its link to the next
            items, next_url = cached["items"], cached.get("next_url")
            progress.not_modified += 1
        if rest_list.conditional and page.etag and _cacheable(rest_list, page.not_modified, items, next_url):
            progress.etags[cache_key] = _cache_entry(rest_list, page.etag, items, next_url)
        for item in items:
            for record in rest_list.records(item, entry["vars"]):
                _merge(progress.records, record)
            if rest_list.then:
                variables = {**entry["vars"], **(rest_list.then_vars(item) if rest_list.then_vars else {})}
                progress.pending.extend(_queued(follow, variables) for follow in rest_list.then)
        progress.pages += 1
        if next_url:
            entry["next_url"] = next_url
        else:
            progress.pending.pop(0)


GITHUB_PER_PAGE = 30  # GitHub's page size when a list's params name none


def _fields_tag(rest_list: RestList) -> str | None:
    """A short digest of what the list's cache keeps of an item (None: the whole item)."""
    if not rest_list.cache_fields:
        return None
    return hashlib.sha256("\n".join(rest_list.cache_fields).encode()).hexdigest()[:12]


def _usable(cached: dict[str, Any] | None, rest_list: RestList) -> dict[str, Any] | None:
    """The last run's entry of a page, if it holds what this code keeps of an item."""
    if not cached or cached.get("fields") != _fields_tag(rest_list):
        return None
    return cached


def _cacheable(rest_list: RestList, not_modified: bool, items: list[Any], next_url: str | None) -> bool:
    """Whether the next run may ask this page with its ETag. Not a full page without a link
    rel="next": GitHub adds that link when an item joins after it, and the page's body (the
    ETag) stays the same; a 304 would keep the old "no next page" and lose the new page. A page
    that is not full, or that has a next link, cannot change that way without a new body."""
    if not_modified or rest_list.single_object or next_url:
        return True
    return len(items) < int(rest_list.params.get("per_page", GITHUB_PER_PAGE))


def _cache_entry(rest_list: RestList, etag: str, items: list[Any], next_url: str | None) -> dict[str, Any]:
    """One page of the next run's ETag cache: its ETag, the fields of its items the list's
    records read (never a secret: RestList.cache_fields), and its link rel="next"."""
    entry: dict[str, Any] = {"etag": etag, "items": [kept_fields(item, rest_list.cache_fields) for item in items],
                             "next_url": next_url}
    tag = _fields_tag(rest_list)
    if tag is not None:
        entry["fields"] = tag
    return entry


def stored_etag_cache(etags: dict[str, dict[str, Any]], api_url: str) -> dict[str, Any]:
    """The ETag cache as kept in the bucket (names.etag_cache_key): the pages, and the API they
    came from (their next links lead there)."""
    return {"api_url": api_url, "pages": etags}


def etag_cache_of(stored: dict[str, Any] | None, api_url: str) -> dict[str, dict[str, Any]]:
    """The pages of a kept ETag cache, if it came from this API (another API's ETags and links
    mean nothing here); a cache kept before it named its API is its pages."""
    if not stored:
        return {}
    if "pages" not in stored or "api_url" not in stored:
        return stored
    return stored["pages"] if stored["api_url"] == api_url else {}


def _note(collector: Collector, org: str, rest_list: RestList, variables: dict[str, str],
          exc: GitHubNoAccess) -> dict[str, Any]:
    """The coverage entry of an optional list GitHub would not show (per repository for a
    per-repository list)."""
    note: dict[str, Any] = {"org": org, "collector": collector.name, "status": exc.status, "list": rest_list.name,
                            "message": exc.github_message, "grant": exc.grant}
    if "repository" in variables:
        note["repo"] = variables["repository"]
    return note


def unread_lists(progress: WalkProgress) -> frozenset[str]:
    """The optional lists GitHub would not show, in at least one place."""
    return frozenset(note["list"] for note in progress.notes)
