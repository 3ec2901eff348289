"""A local run's progress as it happens: listing (pages and repositories so far per org; owners
are listed side by side, and a listed owner's batches run while the others list), a
bar per collector (the repository batches, each org-level collector's work items) with ETA, the
points left, and a rate-limit wait shown as a wait. rich draws it on a terminal; elsewhere (a
pipe, CI, --verbose) a line is printed when something changes; --quiet shows nothing."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, TextIO

from ghstats import names

MODES = ("auto", "rich", "lines", "quiet")
SNAPSHOT_EVERY_S = 0.5  # S3 is read at most this often (the ledger is polled faster)


@dataclass(frozen=True)
class Snapshot:
    run_id: str
    listed: dict[str, int]  # org -> repositories listed so far
    pages: int
    batches: tuple[int, int | None]  # done, total so far (None: not planned yet)
    batch_collectors: tuple[str, ...]
    org_items: dict[str, tuple[int, int]] = field(default_factory=dict)  # collector -> done, total
    points_left: int | None = None
    waiting: str | None = None  # "rate limited, resuming at 14:02 (listing)" while GitHub makes it wait
    owners: tuple[int, int | None] = (0, None)  # listed, total (None: not planned yet)

    @property
    def listing(self) -> bool:
        """Whether an owner is still to be listed (the totals may still grow): owners are listed
        side by side, and a listed owner's batches run while the others list."""
        return self.owners[1] is None or self.owners[0] < self.owners[1]


def waiting_text(run: dict[str, Any], now: float) -> str | None:
    until = run.get("waiting_until")
    if not until:
        return None
    at = datetime.fromisoformat(until.replace("Z", "+00:00"))
    if at.timestamp() <= now:
        return None
    return f"rate limited, resuming at {at.astimezone().strftime('%H:%M:%S')} ({run.get('waiting_for', 'GitHub')})"


def snapshot(run: dict[str, Any], store: Any, now: float) -> Snapshot:
    """What the run has done, from its ledger item and the bucket (its plan, the work items
    planned and finished so far; with no store, the ledger item only)."""
    run_id = run["run_id"]
    planned = run.get("owners_total") is not None
    plan = store.get_json(names.run_config_key(run_id)) if store is not None and planned else None
    org_items: dict[str, tuple[int, int]] = {}
    if plan:
        def ids(folder: str) -> list[str]:
            return [key.rsplit("/", 1)[-1].removesuffix(".json")
                    for key in store.list_keys(f"{names.run_prefix(run_id)}{folder}/")]

        done = set(ids("org-results"))
        for item in ids("org-items"):  # each owner's, written as soon as it is listed
            collector = item.split(".", 1)[0]
            finished, total = org_items.get(collector, (0, 0))
            org_items[collector] = (finished + (item in done), total + 1)
    return Snapshot(
        run_id=run_id, listed={o: int(n) for o, n in (run.get("listing") or {}).items()},
        pages=int(run.get("listing_pages") or 0),
        batches=(int(run.get("batches_done") or 0), int(run["batches_total"]) if run.get("batches_total") is not None else None),
        batch_collectors=tuple((plan or {}).get("batch_collectors", [])), org_items=org_items,
        points_left=int(run["points_remaining"]) if run.get("points_remaining") is not None else None,
        waiting=waiting_text(run, now),
        owners=(int(run.get("owners_listed") or 0), int(run["owners_total"]) if planned else None))


def line(s: Snapshot) -> str:
    """The snapshot as one line (non-TTY output)."""
    if s.owners[1] is None and not s.pages:
        text = "  checking the token"
    else:
        parts = []
        if s.listing:
            parts.append(f"listing: page {s.pages}, " + ", ".join(f"{o} {n}" for o, n in s.listed.items())
                         + " repositories so far" if s.listed else f"listing: {s.owners[0]} of {s.owners[1]} owners")
        if s.batches[1]:
            parts.append(f"batches {s.batches[0]}/{s.batches[1]}" + (" so far" if s.listing else ""))
            parts += [f"{name} {done}/{total}" for name, (done, total) in s.org_items.items()]
            if s.points_left is not None:
                parts.append(f"{s.points_left} points left")
        text = "  " + "  ".join(parts)
    return text + (f"  -- {s.waiting}" if s.waiting else "")


class LineProgress:
    def __init__(self, stream: TextIO):
        self.stream, self.last = stream, None

    def show(self, s: Snapshot) -> None:
        text = line(s)
        if text != self.last:
            print(text, file=self.stream, flush=True)
            self.last = text

    def close(self) -> None:
        pass


class RichProgress:
    """Bars on the terminal: listing rows while listing, then one bar per collector."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), console=Console(file=stream), transient=False)
        self.tasks: dict[str, Any] = {}
        self.progress.start()

    def _task(self, key: str, description: str, completed: int, total: int | None) -> None:
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(description, total=total)
        self.progress.update(self.tasks[key], description=description, completed=completed, total=total)

    def show(self, s: Snapshot) -> None:
        for org, count in s.listed.items():
            finished = not s.listing
            self._task(f"listing:{org}", f"listing {org}: {count:,} repositories" + ("" if finished else " so far"),
                       count, count if finished else None)
        if s.batches[1]:
            riders = ", ".join(s.batch_collectors) or "repositories"
            points = f" · {s.points_left:,} points left" if s.points_left is not None else ""
            self._task("batches", f"batches ({riders}){points}", s.batches[0], s.batches[1])
            for name, (done, total) in s.org_items.items():
                self._task(f"org:{name}", f"{name} (organisations)", done, total)
        if s.waiting or "wait" in self.tasks:
            self._task("wait", s.waiting or "going on", 0 if s.waiting else 1, 1)

    def close(self) -> None:
        self.progress.stop()


def choose(mode: str, stream: TextIO | None = None) -> Any:
    """The view for --quiet / --verbose / a terminal or not (None: show nothing)."""
    stream = stream or sys.stderr
    if mode == "quiet":
        return None
    if mode == "rich" or (mode == "auto" and stream.isatty()):
        return RichProgress(stream)
    return LineProgress(stream)


def follower(view: Any, store: Any, clock: Callable[[], float] = time.time) -> Callable[[dict[str, Any]], None]:
    """The ledger poll's callback: a new snapshot at most every SNAPSHOT_EVERY_S (and on every change)."""
    state: dict[str, Any] = {"at": 0.0, "item": None}

    def on_progress(run: dict[str, Any]) -> None:
        now = clock()
        key = {k: run.get(k) for k in ("batches_done", "batches_total", "listing_pages", "owners_listed", "waiting_until",
                                       "status")}
        if key == state["item"] and now - state["at"] < SNAPSHOT_EVERY_S:
            return
        state.update(at=now, item=key)
        view.show(snapshot(run, store, now))

    return on_progress
