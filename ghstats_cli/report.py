"""Plain text for the terminal: tables, a run in detail, failures and config problems."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Sequence

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


COLLECTOR_HEADERS = ("collector", "records", "open", "critical", "high", "medium", "low", "SLO breaches", "coverage")


def collectors_table(summary: dict[str, Any]) -> str:
    """One row per org-level collector of the run: its records, open alerts by severity, coverage."""
    rows = []
    for name, section in summary.get("collectors", {}).items():
        if "rules" in section:
            continue  # a verdict collector: rules_table
        by = section.get("open_by_severity", {})
        coverage = ", ".join(f"{status} {count}" for status, count in sorted(section.get("coverage", {}).items()))
        rows.append([name, section["records"], section.get("open", ""), *(by.get(s, "") for s in ("critical", "high", "medium", "low")),
                     sum(section.get("slo_breaches", {}).values()), coverage or "-"])
    return table(COLLECTOR_HEADERS, rows) if rows else ""


def rules_table(summary: dict[str, Any]) -> str:
    """Each verdict rule of a collector that judges repositories (repository_policy): how many pass,
    fail, or could not be judged with this credential."""
    blocks = []
    for name, section in summary.get("collectors", {}).items():
        if section.get("rules"):
            rows = [[rule, c.get("pass", 0), c.get("fail", 0), c.get("unknown", 0)] for rule, c in section["rules"].items()]
            blocks.append(f"{name}: mean score {section.get('mean_score')} of 10\n"
                          + table(["rule", "pass", "fail", "unknown"], rows))
    return "\n\n".join(blocks)


def run_line(run: dict[str, Any]) -> list[Any]:
    return [
        run.get("run_id", "?"), run.get("status", "?"), run.get("started_at", "")[:19],
        f"{run.get('batches_done', 0)}/{run.get('batches_total', '?')}",
        run.get("repos_ok", 0), run.get("repos_failed", 0), run.get("points_used", 0),
    ]


RUN_HEADERS = ["run", "status", "started", "batches", "repos ok", "failed", "points"]


def _listed(value: Any) -> str:
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) if not isinstance(v, dict) else str(v.get("org") or v.get("key") or v) for v in value) or "none"
    return "" if value is None else str(value)


def _when(value: Any) -> str:
    return str(value or "")[:19].replace("T", " ") + (" UTC" if value else "")


# A run's facts as `status RUN_ID` shows them: label -> how to read it from the ledger's run item.
RUN_FIELDS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("run", lambda r: r.get("run_id")),
    ("status", lambda r: r.get("status")),
    ("collection", lambda r: r.get("collection_name")),
    ("started", lambda r: _when(r.get("started_at"))),
    ("finished", lambda r: _when(r.get("finished_at"))),
    ("duration", lambda r: f"{float(r['duration_s']):.1f} s" if r.get("duration_s") is not None else ""),
    ("owners", lambda r: _listed(r.get("orgs"))),
    ("batches", lambda r: f"{r.get('batches_done', 0)} of {r.get('batches_total', '?')} done"),
    ("repositories", lambda r: f"{r.get('repos_ok', 0)} collected, {r.get('repos_failed', 0)} in errors"
                               + (f" (of {r['repos_total']})" if r.get("repos_total") is not None else "")),
    ("GitHub requests", lambda r: f"{r.get('requests', 0)} ({r.get('rest_requests', 0)} REST)"),
    ("GraphQL points", lambda r: f"{r.get('points_used', 0)} used"
                                 + (f", {r['points_remaining']} left" if r.get("points_remaining") is not None else "")),
    ("owners not listed", lambda r: _listed(r.get("orgs_failed"))),
    ("warnings", lambda r: len(r.get("warnings") or [])),
    ("redrives", lambda r: r.get("redrive_count", 0)),
    ("summary", lambda r: (r.get("output_keys") or {}).get("summary", "")),
    ("report", lambda r: (r.get("output_keys") or {}).get("report", "")),
)


def run_detail(run: dict[str, Any], batches: list[dict[str, Any]], *, local: bool = False,
               owners: list[dict[str, Any]] = ()) -> str:
    """One run: its facts as label: value lines, its collectors as a table, the orgs whose listing
    failed, the batches not done."""
    facts = [(label, read(run)) for label, read in RUN_FIELDS]
    width = max(len(label) for label, _ in facts)
    lines = [f"{label.ljust(width)}  {value}" for label, value in facts if value not in (None, "")]
    if run.get("collectors"):
        statuses = sorted({k for c in run["collectors"].values() for k in c if k not in ("records", "failed")})
        lines.append("")
        lines.append(table(["collector", "records", "repos in errors", *statuses],
                           [[name, c.get("records", 0), c.get("failed", ""), *(c.get(k, "") for k in statuses)]
                            for name, c in run["collectors"].items()]))
        lines.append("(per collector: records, and work items by coverage status)")
    if run.get("error") or run.get("cause"):
        lines.append(failure_text(run.get("error"), run.get("cause"), local=local))
    from ghstats.names import OWNER_FAILED

    unlisted = [o for o in owners if o.get("status") == OWNER_FAILED]
    if unlisted:
        lines.append("")
        lines.append(table(["org", "listing", "error", "cause"],
                           [[o.get("owner_name", ""), o["status"], o.get("error", ""), o.get("cause", "")] for o in unlisted]))
    failed = [b for b in batches if b.get("status") != "DONE"]
    if failed:
        lines.append("")
        lines.append(table(["batch", "status", "attempts", "repos", "error"],
                           [[b["batch_id"], b["status"], b.get("attempts", 0), b.get("repos", 0), b.get("error", "")] for b in failed]))
    return "\n".join(lines)


def as_json(value: Any) -> str:
    """Ledger items as JSON (DynamoDB's numbers as numbers, its sets as lists)."""
    from decimal import Decimal

    def plain(v: Any) -> Any:
        if isinstance(v, Decimal):
            return int(v) if v == v.to_integral_value() else float(v)
        if isinstance(v, (set, frozenset)):
            return sorted(v)
        raise TypeError(f"not JSON: {type(v).__name__}")

    return json.dumps(value, indent=2, default=plain, ensure_ascii=False)


def config_problems(problems: Sequence[str]) -> str:
    """An invalid config: a heading, then each problem (field, what is wrong, the fix) on its own line."""
    count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
    return f"invalid collection config ({count}), nothing was started:\n" + "\n".join(f"  {p}" for p in problems)


# The deployed advice in GitHubAuthError's message; a local run's token is GITHUB_TOKEN.
_SECRET_ADVICE = re.compile(r"put [^;:]*? into the secret(?: \(see [^)]*\))?")
LOCAL_TOKEN_ADVICE = "set GITHUB_TOKEN to a valid token (export GITHUB_TOKEN=...)"


def failure_text(error: str | None, cause: str | None, *, local: bool = False) -> str:
    """'error: <type>: <message>' from a Step Functions error and cause.

    The cause of a failed Lambda task is often a JSON string {"errorType", "errorMessage", ...}:
    its message is printed as text. `local`: a token problem names GITHUB_TOKEN, not the secret.
    """
    kind, message = error or "", (cause or "").strip()
    try:
        parsed = json.loads(message) if message.startswith("{") else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and ("errorMessage" in parsed or "errorType" in parsed):
        inner = str(parsed.get("errorType") or "")
        kind = kind if not inner or inner == kind else (f"{kind} ({inner})" if kind else inner)
        message = str(parsed.get("errorMessage") or "").strip()
    if local and "secret" in message:
        message, replaced = _SECRET_ADVICE.subn(LOCAL_TOKEN_ADVICE, message)
        if not replaced:
            message += f"; locally, {LOCAL_TOKEN_ADVICE}"
    kind = kind or "unknown error"
    return f"error: {kind}: {message}" if message else f"error: {kind}"
