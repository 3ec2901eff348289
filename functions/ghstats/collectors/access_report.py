"""What the access collectors' report sections share: the "since the previous run" table."""

from __future__ import annotations

from typing import Any

from ghstats.limits import REPORT_MAX_ROWS
from ghstats.report.blocks import Table, limited_table


def changes_table(since: dict[str, Any] | None, labels: dict[str, str]) -> list[Table]:
    """One table of what joined, left and changed per record kind (`labels`: kind -> what it is),
    or nothing when there is no previous run."""
    if not since:
        return []
    rows: list[list[Any]] = []
    for kind, label in labels.items():
        diff = since.get(kind) or {}
        rows += [[label, "joined", key, ""] for key in diff.get("joined", [])]
        rows += [[label, "left", key, ""] for key in diff.get("left", [])]
        rows += [[label, "changed", c["key"], f"{c['from']} → {c['to']}"] for c in diff.get("changed", [])]
    return [limited_table(f"Since the previous run ({since['previous_run_id']})", ["what", "change", "key", "from → to"],
                          rows, REPORT_MAX_ROWS)]
