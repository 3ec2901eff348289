"""What the access collectors' summaries share: which organisations a collector saw in full, the
run's repositories of those, and what changed since the collector's previous run (joined, left,
changed: a diff of the two runs' records, of the organisations both runs collected)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ghstats.collectors.unit import Record, SummaryContext


def collected_orgs(context: SummaryContext, collector: str) -> set[str]:
    """The organisations (lower case) whose `collector` walk answered ok."""
    return {e["org"].lower() for e in context.coverage
            if e["collector"] == collector and e["status"] == "ok" and "list" not in e and "repo" not in e}


def unread_repositories(context: SummaryContext, collector: str) -> set[str]:
    """The repositories (lower case) of which GitHub would not show `collector` a per-repository list."""
    return {e["repo"].lower() for e in context.coverage if e["collector"] == collector and "list" in e and "repo" in e}


def repositories_of(context: SummaryContext, orgs: set[str]) -> list[str]:
    """The run's repositories owned by one of `orgs` (lower-case logins)."""
    return [r for r in context.repositories if r.split("/", 1)[0].lower() in orgs]


def org_of(record: Record) -> str:
    return record["org"].lower()


def changes(records: Mapping[str, Record], context: SummaryContext, kinds: Mapping[str, str],
            orgs: set[str]) -> dict[str, Any] | None:
    """Since the previous run, per record kind: the keys that joined and left, and those whose
    `kinds[kind]` field changed ({key, from, to}); only of `orgs` (collected in full now) that the
    previous run has records of. None when there is no previous run."""
    if context.previous is None or context.previous_records is None:
        return None
    before = context.previous_records()
    both = orgs & {org_of(r) for r in before.values() if "org" in r}
    diff: dict[str, Any] = {"previous_run_id": context.previous["run_id"],
                            "previous_started_at": context.previous["started_at"], "orgs": sorted(both)}
    for kind, field in kinds.items():
        old = _of_kind(before, kind, both)
        new = _of_kind(records, kind, both)
        diff[kind] = {
            "joined": _sorted(set(new) - set(old)),
            "left": _sorted(set(old) - set(new)),
            "changed": [{"key": k, "from": old[k].get(field), "to": new[k].get(field)}
                        for k in _sorted(set(old) & set(new)) if old[k].get(field) != new[k].get(field)],
        }
    return diff


def _of_kind(records: Mapping[str, Record], kind: str, orgs: set[str]) -> dict[str, Record]:
    return {k: r for k, r in records.items() if r.get("kind") == kind and "org" in r and org_of(r) in orgs}


def _sorted(keys: Iterable[str]) -> list[str]:
    return sorted(keys, key=lambda k: (k.lower(), k))
