"""Plain-text tables for the terminal."""

from __future__ import annotations

from typing import Any, Sequence

SUMMARY_COLUMNS = (
    ("repos", "repos"), ("stars", "stars"), ("forks", "forks"), ("watchers", "watchers"),
    ("open_issues", "issues open"), ("closed_issues", "closed"), ("open_pull_requests", "PRs open"),
    ("closed_pull_requests", "closed"), ("merged_pull_requests", "merged"), ("archived", "archived"),
    ("errors", "errors"),
)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_table(summary: dict[str, Any]) -> str:
    rows = [[owner] + [counts[k] for k, _ in SUMMARY_COLUMNS] for owner, counts in summary["owners"].items()]
    rows.append(["TOTAL"] + [summary["totals"].get(k, 0) for k, _ in SUMMARY_COLUMNS])
    return table(["owner"] + [label for _, label in SUMMARY_COLUMNS], rows)


def run_line(run: dict[str, Any]) -> list[Any]:
    return [
        run.get("run_id", "?"), run.get("status", "?"), run.get("started_at", "")[:19],
        f"{run.get('batches_done', 0)}/{run.get('batches_total', '?')}",
        run.get("repos_ok", 0), run.get("repos_failed", 0), run.get("points_used", 0),
    ]


RUN_HEADERS = ["run", "status", "started", "batches", "repos ok", "failed", "points"]


def run_detail(run: dict[str, Any], batches: list[dict[str, Any]]) -> str:
    lines = [f"{k}: {run[k]}" for k in sorted(run) if k not in ("pk", "sk", "gsi1pk", "gsi1sk", "config")]
    lines.append(f"config: {run.get('config')}")
    failed = [b for b in batches if b.get("status") != "DONE"]
    if failed:
        lines.append("")
        lines.append(table(["batch", "status", "attempts", "repos", "error"],
                           [[b["batch_id"], b["status"], b.get("attempts", 0), b.get("repos", 0), b.get("error", "")] for b in failed]))
    return "\n".join(lines)


def config_problems(problems: Sequence[str]) -> str:
    """An invalid config: a heading, then each problem (field, what is wrong, the fix) on its own line."""
    count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
    return f"invalid collection config ({count}), nothing was started:\n" + "\n".join(f"  {p}" for p in problems)
