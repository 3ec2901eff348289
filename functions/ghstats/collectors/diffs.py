"""What the collectors' diffs between two runs share: keys that came and went, fields that changed.

A collector's `diff(before, after)` takes two runs' records (key -> record) and returns its
changes by kind (kind -> list of small dicts); `ghstats diff`, the report and the RunCompleted
event (counts only) show them."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from ghstats.collectors.unit import Record

Changes = dict[str, list[dict[str, Any]]]


def _ordered(keys: Iterable[str]) -> list[str]:
    return sorted(keys, key=lambda k: (k.lower(), k))


def keyed_changes(before: Mapping[str, Record], after: Mapping[str, Record], *, added: str, removed: str,
                  changed: Mapping[str, str] = {}, where: Callable[[Record], bool] = lambda r: True) -> Changes:
    """Keys only in `after` (`added`), only in `before` (`removed`), and for each field of
    `changed` (field -> kind) the keys whose field differs, of the records `where` picks."""
    old = {k: r for k, r in before.items() if where(r)}
    new = {k: r for k, r in after.items() if where(r)}
    found: Changes = {added: [{"key": k} for k in _ordered(set(new) - set(old))],
                      removed: [{"key": k} for k in _ordered(set(old) - set(new))]}
    for field, kind in changed.items():
        found[kind] = [{"key": k, "from": old[k].get(field), "to": new[k].get(field)}
                       for k in _ordered(set(old) & set(new)) if old[k].get(field) != new[k].get(field)]
    return found


def alert_changes(before: Mapping[str, Record], after: Mapping[str, Record]) -> Changes:
    """Alerts opened (new and open, or reopened), fixed and dismissed between two runs."""

    def became(state: str, *, new_counts: bool) -> list[dict[str, Any]]:
        return [{"key": k, "repository": r["repository"], "severity": r.get("severity")}
                for k, r in sorted(after.items(), key=lambda kv: kv[0].lower())
                if r["state"] == state and (before[k]["state"] != state if k in before else new_counts)]

    return {"opened": became("open", new_counts=True), "fixed": became("fixed", new_counts=False),
            "dismissed": became("dismissed", new_counts=False)}
