"""Traffic records of one repository, from GitHub's four traffic answers:

- `repository` (key owner/name): the 14-day views and clones (count, uniques: the uniques of 14
  days are GitHub's, not a sum of daily uniques);
- `day` (key owner/name#YYYY-MM-DD): one day's views and clones (count, uniques), the rows kept
  across runs (History); today's is incomplete until the day ends;
- `path` / `referrer` (key owner/name#path#<path>, owner/name#referrer#<referrer>): the top 10
  of the 14 days, with their rank.
"""

from __future__ import annotations

from typing import Any, Mapping

SCHEMA_VERSION = 1
REPOSITORY, DAY, PATH, REFERRER = "repository", "day", "path", "referrer"
VIEWS_LIST, CLONES_LIST, PATHS_LIST, REFERRERS_LIST = "views", "clones", "popular_paths", "popular_referrers"
COUNTS = ("views", "views_uniques", "clones", "clones_uniques")


def _base(variables: Mapping[str, str]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "org": variables["org"], "repository": variables["repository"]}


def _counts(kind: str) -> Any:
    """The records of a views or clones answer: the repository's 14 days, then each day."""
    def records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
        repository = variables["repository"]
        found = [{**_base(variables), "key": repository, "kind": REPOSITORY, kind: item.get("count", 0),
                  f"{kind}_uniques": item.get("uniques", 0)}]
        for entry in item.get(kind) or []:
            day = str(entry["timestamp"])[:10]
            found.append({**_base(variables), "key": f"{repository}#{day}", "kind": DAY, "day": day,
                          kind: entry.get("count", 0), f"{kind}_uniques": entry.get("uniques", 0)})
        return found
    return records


view_records = _counts("views")
clone_records = _counts("clones")


def path_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    repository = variables["repository"]
    return [{**_base(variables), "key": f"{repository}#path#{item['path']}", "kind": PATH, "path": item["path"],
             "title": item.get("title"), "count": item.get("count", 0), "uniques": item.get("uniques", 0)}]


def referrer_records(item: dict[str, Any], variables: Mapping[str, str]) -> list[dict[str, Any]]:
    repository = variables["repository"]
    return [{**_base(variables), "key": f"{repository}#referrer#{item['referrer']}", "kind": REFERRER,
             "referrer": item["referrer"], "count": item.get("count", 0), "uniques": item.get("uniques", 0)}]


def complete(records: dict[str, dict[str, Any]], unread: frozenset[str]) -> dict[str, dict[str, Any]]:
    """A day that one of views and clones did not list had none of it (0); a repository's
    popular lists are ranked (1 = most)."""
    for record in records.values():
        if record["kind"] in (REPOSITORY, DAY):
            for name in COUNTS:
                record.setdefault(name, 0)
    for kind in (PATH, REFERRER):
        by_repository: dict[str, list[dict[str, Any]]] = {}
        for record in records.values():
            if record["kind"] == kind:
                by_repository.setdefault(record["repository"].lower(), []).append(record)
        for found in by_repository.values():
            for rank, record in enumerate(sorted(found, key=lambda r: (-r["count"], r["key"])), start=1):
                record["rank"] = rank
    return records


def day_of(record: dict[str, Any]) -> str | None:
    """The day of a daily row (kept across runs), None for the other records."""
    return record["day"] if record["kind"] == DAY else None
