"""What a collector is: one declaration, in one folder, that the shared engine reads.

The engine (planning, batching, paging, the GitHub transport, merging, outputs, coverage) knows
nothing of any collector's fields: it asks the declaration how to fetch (a GraphQL fragment
composed into the shared repository batch, or a paged REST list per organisation), how to turn
one answer into a record, and how to summarise the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from graphql import FieldNode, parse
from pydantic import BaseModel

Record = dict[str, Any]


@dataclass(frozen=True)
class Permissions:
    """What a credential needs for the collector, per kind of credential (README's table)."""

    classic_scopes: tuple[str, ...]  # a classic PAT's scopes (X-OAuth-Scopes)
    fine_grained: tuple[str, ...]  # a fine-grained PAT's repository/organisation permissions
    github_app: tuple[str, ...]  # a GitHub App's permissions


@dataclass(frozen=True)
class SummaryContext:
    """What a collector's summary may use besides its records."""

    errors: Mapping[str, Mapping[str, Any]]  # per-repository errors of the run (repository_stats)
    slo_days: Mapping[str, int]  # severity -> days an alert may stay open (the config's slo_days)
    now: float  # when the run is aggregated (epoch seconds)
    # the collector's previous run (latest/<collector>.run.json: run_id, started_at), if older than this one
    previous: Mapping[str, str] | None = None
    options: Any = None  # the collector's own settings (its `options` model, from the config's collector_options)
    # that previous run's records (read from latest/<collector>.json only when called)
    previous_records: Callable[[], Mapping[str, Record]] | None = None
    repositories: tuple[str, ...] = ()  # the run's repositories GitHub answered (owner/name)
    records_of: Mapping[str, Mapping[str, Record]] = field(default_factory=dict)  # every collector's records of the run
    coverage: tuple[Mapping[str, Any], ...] = ()  # the run's coverage entries (every collector)
    # a collector with a History: per repository (lower case) of this run's rows, the last day
    # the kept history held from earlier runs (where a gap would start)
    history_before: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RestList:
    """One paged REST list of an organisation-level walk (GET, following link rel="next").

    `path` is under the REST base, filled in from the list's variables: `{org}`; for a list of
    `per_repository`, `{repository}` (owner/name) once for each of the run's repositories of the
    org; for a list in another's `then`, also the variables `then_vars(item)` gives for each of
    that list's items. `records(item, variables)` gives the item's records: a record whose key is
    already there adds its fields (list fields are united). `optional`: when GitHub will not show
    this list (403/404/422 as GitHubNoAccess) the walk goes on, and a coverage entry says so.
    """

    name: str  # unique within its collector
    path: str
    records: Callable[[dict[str, Any], Mapping[str, str]], list[Record]]
    params: Mapping[str, Any] = field(default_factory=dict)
    per_repository: bool = False
    optional: bool = False
    # GitHub answers this path with one object, not a list (e.g. /traffic/views): one item, no pages
    single_object: bool = False
    # each page asked with If-None-Match and the ETag of the last run's answer of that page (a 304
    # is free: the cached items and the cached link rel="next" stand, so paging goes on as before).
    # The cache is kept in the bucket (names.etag_cache_key): a list whose items hold a secret is
    # conditional only with `cache_fields`, and those fields must leave the secret out.
    conditional: bool = False
    # what of each item the ETag cache keeps: dotted paths ("repository.full_name") of the fields
    # `records` and `then_vars` read (a test builds the records from both and compares them); ()
    # keeps the whole item. A cache kept with other fields is not used (asked unconditionally).
    cache_fields: tuple[str, ...] = ()
    then: tuple["RestList", ...] = ()
    then_vars: Callable[[dict[str, Any]], Mapping[str, str]] | None = None


@dataclass(frozen=True)
class History:
    """A collector whose records of days are kept across runs (GitHub shows only a window of
    days): `day(record)` is the record's day (YYYY-MM-DD), None for a record that is not a daily
    row. The engine merges the rows of every run into one row per (repository, day), the latest
    run's winning, in datasets/<collector>/dt=<day>/ and latest/<collector>_history/<org>.json."""

    day: Callable[[Record], str | None]


def kept_fields(item: Any, paths: tuple[str, ...]) -> Any:
    """The part of `item` the dotted `paths` name (a missing or null field stays out: reading it
    from what is kept gives None, as from the item); the whole item when `paths` is ()."""
    if not paths:
        return item
    kept: dict[str, Any] = {}
    for path in paths:
        source, target = item, kept
        *parents, last = path.split(".")
        for name in parents:
            source = source.get(name) if isinstance(source, dict) else None
            if not isinstance(source, dict):
                break
            target = target.setdefault(name, {})
        else:
            if isinstance(source, dict) and source.get(last) is not None:
                target[last] = source[last]
    return kept


SINGLE_LIST = "list"  # the name of a collector's one list when it declares rest_path


@dataclass(frozen=True)
class Collector:
    name: str
    scope: Literal["repo", "org"]
    # "graphql_batch": a fragment composed into the shared per-batch query, one alias per repo;
    # "rest_paged": one work item per organisation: a paged REST list (GET rest_path, following
    # link rel="next"), or the lists of rest_lists (see RestList).
    fetch: Literal["graphql_batch", "rest_paged"]
    schema_version: int
    permissions: Permissions
    summarise: Callable[[dict[str, Record], SummaryContext], dict[str, Any]]
    default_enabled: bool = True
    # its sections of the run's report: (records, its summary section, context) -> sections
    # (figures, tables, charts as data: ghstats.report.blocks); None: no section
    report: Callable[[dict[str, Record], dict[str, Any], SummaryContext], list[Any]] | None = None
    # what changed between two runs' records (before, after) -> kind -> changes (ghstats.collectors.diffs);
    # None: no diff (e.g. traffic, whose days are kept, not replaced)
    diff: Callable[[dict[str, Record], dict[str, Record]], dict[str, list[dict[str, Any]]]] | None = None
    # graphql_batch
    fragment_name: str | None = None
    fragment_file: Path | None = None
    record: Callable[[str, dict[str, Any]], Record] | None = None  # (owner/name asked for, node) -> record
    # what its fragment adds to the batch query per repository, for the planner's point formula
    # (ghstats.collect.batch_size): connections (each one request per repository in GitHub's
    # cost) and possible nodes (first/last of each connection × its parents, GitHub's node
    # limit). A test checks both against the simulator's cost of a one-repository batch.
    connections_per_repository: int = 0
    nodes_per_repository: int = 0
    # at aggregation, what a record gains from the run's settings and clock (e.g. a verdict)
    finalise: Callable[[Record, SummaryContext], Record] | None = None
    # a Pydantic model of the collector's settings: config collector_options.<name>, checked up front
    options: type[BaseModel] | None = None
    # rest_paged: the path under the REST base ({org} filled in), its query, GitHub item -> record.
    # A record has "key" (unique in the collector) and "repository" (owner/name: the run's scope).
    rest_path: str | None = None
    rest_params: Mapping[str, Any] = field(default_factory=dict)
    item_record: Callable[[dict[str, Any]], Record] | None = None
    # rest_paged, one list: asked conditionally, its cache keeping these fields (RestList's)
    rest_conditional: bool = False
    rest_cache_fields: tuple[str, ...] = ()
    # rest_paged, more than one list: walked in order, each list's `then` lists for each of its items
    rest_lists: tuple[RestList, ...] = ()
    # the walk's records once every list is walked, and the names of the optional lists GitHub
    # would not show -> the records as stored (e.g. a field no list could fill set to None)
    complete: Callable[[dict[str, Record], frozenset[str]], dict[str, Record]] | None = None
    # rest_paged with lists per repository: why an archived repository is not asked (GitHub keeps
    # nothing of it for this collector); it ends in coverage as "not_applicable", no request sent.
    # None: archived repositories are asked like the others.
    skip_archived: str | None = None
    # records merged across runs into one row per (repository, day) instead of a per-run dataset
    history: "History | None" = None
    # the fields of its dataset's lines (datasets/<dir>/dt=…/, one Athena table of the stack), in
    # record order: name -> Athena (Hive) type: string, bigint, double, boolean, array<string>,
    # struct<name:type,…>. Without the fields the engine adds to every line (run_id; a History's
    # run_started_at): cdk_app.constants.dataset_tables adds those.
    dataset_columns: Mapping[str, str] = field(default_factory=dict)

    def walk(self) -> tuple[RestList, ...]:
        """The organisation-level lists this collector walks first (their `then` lists follow)."""
        if self.rest_lists:
            return self.rest_lists
        assert self.rest_path and self.item_record, f"{self.name} is not a paged REST collector"
        item_record = self.item_record
        return (RestList(SINGLE_LIST, self.rest_path, lambda item, _: [item_record(item)], self.rest_params,
                         conditional=self.rest_conditional, cache_fields=self.rest_cache_fields),)

    def conditional(self) -> bool:
        """Whether any of its lists is asked conditionally (the walk keeps an ETag cache)."""
        return any(rest_list.conditional for rest_list in _flatten(self.walk()))

    def repositories_only(self) -> bool:
        """Whether every list it walks is per repository (no organisation-level list): such a
        collector also walks the named repositories of owners outside the configured orgs."""
        return all(rest_list.per_repository for rest_list in self.walk())

    def needs_repositories(self) -> bool:
        """Whether a walk needs the run's repositories of its org (a list per repository)."""
        return any(rest_list.per_repository for rest_list in _flatten(self.walk()))

    def lists_by_name(self) -> dict[str, RestList]:
        return {rest_list.name: rest_list for rest_list in _flatten(self.walk())}

    def fragment(self) -> tuple[str, str]:
        """(fragment name, GraphQL text) for the batch query."""
        assert self.fragment_name and self.fragment_file, f"{self.name} has no GraphQL fragment"
        return self.fragment_name, _read(self.fragment_file)

    def fragment_fields(self) -> frozenset[str]:
        """The response names (alias or field) the fragment selects at its top level: an error
        whose path goes through one of them is this collector's."""
        return _top_level_fields(self.fragment()[1])


def _flatten(lists: tuple[RestList, ...]) -> list[RestList]:
    return [found for rest_list in lists for found in (rest_list, *_flatten(rest_list.then))]


@lru_cache(maxsize=None)
def _read(path: Path) -> str:
    return path.read_text()


@lru_cache(maxsize=None)
def _top_level_fields(text: str) -> frozenset[str]:
    (definition,) = parse(text).definitions
    return frozenset((s.alias or s.name).value for s in definition.selection_set.selections
                     if isinstance(s, FieldNode))
