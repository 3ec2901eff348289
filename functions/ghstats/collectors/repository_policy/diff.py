"""repository_policy's diff of two runs: rules a repository newly fails, and newly passes."""

from __future__ import annotations

from typing import Mapping

from ghstats.collectors.diffs import Changes
from ghstats.collectors.unit import Record


def diff(before: Mapping[str, Record], after: Mapping[str, Record]) -> Changes:
    failing, passing = [], []
    for key in sorted(set(before) & set(after), key=str.lower):
        old, new = before[key]["verdict"]["rules"], after[key]["verdict"]["rules"]
        for rule, outcome in new.items():
            if outcome == "fail" and old.get(rule) == "pass":
                failing.append({"key": key, "rule": rule})
            elif outcome == "pass" and old.get(rule) == "fail":
                passing.append({"key": key, "rule": rule})
    return {"newly_failing": failing, "newly_passing": passing}
