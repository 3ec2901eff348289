"""Aggregate's scratch space on the function's local disk (/tmp): one sqlite database in a
temporary directory of its own, one table per mapping of records (key -> JSON text), removed
whole when Aggregate ends.

Why sqlite (stdlib, in every Lambda Python runtime) rather than a file format of our own: it
gives lookups by key, replacing a record in place, deleting one, rewriting a table in the
outputs' case-insensitive key order through an index, and reading rows back a page at a time,
all with a bounded page cache (memory: `cache_size`, not the run). A hand-written append-only
file would need its own index, its own compaction after `finalise` rewrites every record, and
its own external sort.

The database is scratch: nothing in it outlives the invocation, so it is never made durable
(no fsync) and keeps no rollback journal (`journal_mode = OFF`: nothing is ever rolled back; a
statement that fails fails Aggregate, which throws the database away). With the journal in
memory instead, every statement's sub-journal was kept in memory too: dropping or rewriting a
table of 50,000 records took 80 MB for it. It is written in one transaction from opening to
closing (nothing is ever committed: sqlite spills its page cache to the file as it fills).

A Lambda cut short (its timeout, out of memory) runs no cleanup but leaves its directory in a
warm container's /tmp: the next RecordDisk removes directories of processes that have ended,
and this process's own that it no longer has open.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import tempfile
import threading
import weakref
from typing import Iterator

from ghstats import limits

PREFIX = "ghstats-records-"
DATABASE = "records.sqlite"
_open_here: set[str] = set()  # this process's open directories (never swept)
_lock = threading.Lock()  # a sweep never sees a directory made but not yet counted as open


def _pid_of(name: str) -> int | None:
    """The process id in a RecordDisk directory's name (ghstats-records-<pid>-<random>)."""
    pid = name.removeprefix(PREFIX).split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _sweep(parent: str) -> None:
    """Remove RecordDisk directories left by Aggregates that ended without cleaning up."""
    for entry in os.scandir(parent):
        pid = _pid_of(entry.name) if entry.name.startswith(PREFIX) and entry.is_dir() else None
        if pid is None or os.path.realpath(entry.path) in _open_here:
            continue
        if pid == os.getpid() or not _running(pid):
            shutil.rmtree(entry.path, ignore_errors=True)


class RecordDisk:
    """The database and its directory (under `parent`, the system's temporary directory unless
    given): use it as a context manager, or call `close()`; either removes the directory."""

    def __init__(self, parent: str | None = None):
        parent = parent or tempfile.gettempdir()
        with _lock:
            _sweep(parent)
            self.directory = os.path.realpath(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
            _open_here.add(self.directory)
        self.path = os.path.join(self.directory, DATABASE)
        self._names = itertools.count()
        try:
            self.db: sqlite3.Connection | None = sqlite3.connect(self.path, isolation_level=None)
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "locking_mode = EXCLUSIVE",
                           f"cache_size = -{limits.RECORD_DISK_CACHE_KB}"):
                self.db.execute(f"PRAGMA {pragma}")
            self.db.execute("BEGIN")
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "RecordDisk":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database and remove its directory (again: nothing)."""
        db, self.db = getattr(self, "db", None), None
        if db is not None:
            db.close()  # the open transaction is let go with the file
        shutil.rmtree(self.directory, ignore_errors=True)
        with _lock:
            _open_here.discard(self.directory)

    def bytes_used(self) -> int:
        """The database's size, pages not yet spilled from the cache included: what the disk holds
        now or soon (it never shrinks: deleted rows' pages are reused, so at the end it is the
        most it held)."""
        if self.db is None:
            return 0
        return self.db.execute("PRAGMA page_count").fetchone()[0] * self.db.execute("PRAGMA page_size").fetchone()[0]

    def table(self) -> "Table":
        if self.db is None:
            raise ValueError("the record disk is closed")
        name = f"records_{next(self._names)}"
        _create(self.db, name)
        return Table(self, name)

    def _drop(self, name: str) -> None:
        """A table no mapping uses any more (its pages are reused by the next)."""
        if self.db is None:
            return
        try:
            self.db.execute(f"DROP TABLE {name}")
        except sqlite3.ProgrammingError:  # let go in another thread: left to `close`
            pass


def _create(db: sqlite3.Connection, name: str) -> None:
    db.execute(f"CREATE TABLE {name} (key TEXT NOT NULL UNIQUE, fold TEXT NOT NULL, text TEXT NOT NULL)")


class Table:
    """One mapping's rows: key, its lower case (`fold`, for the outputs' order) and the JSON
    text. Row ids are the order rows were added (replacing a text keeps its row), as a dict's."""

    def __init__(self, disk: RecordDisk, name: str):
        self.disk, self.name = disk, name
        self._count: int | None = 0
        self._upsert = (f"INSERT INTO {name} (key, fold, text) VALUES (?, ?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET text = excluded.text")
        weakref.finalize(self, disk._drop, name)  # dropped when the last mapping over it is let go

    @property
    def _db(self) -> sqlite3.Connection:
        if self.disk.db is None:
            raise ValueError("the record disk is closed")
        return self.disk.db

    def get(self, key: str) -> str | None:
        row = self._db.execute(f"SELECT text FROM {self.name} WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def contains(self, key: str) -> bool:
        return self._db.execute(f"SELECT 1 FROM {self.name} WHERE key = ?", (key,)).fetchone() is not None

    def put(self, key: str, text: str) -> None:
        """Added at the end, or replacing the key's text where it is."""
        self._db.execute(self._upsert, (key, key.lower(), text))
        self._count = None

    def put_many(self, rows: list[tuple[str, str]]) -> None:
        """Each (key, text) as `put` would, in one statement."""
        self._db.executemany(self._upsert, [(key, key.lower(), text) for key, text in rows])
        self._count = None

    def delete(self, key: str) -> bool:
        deleted = self._db.execute(f"DELETE FROM {self.name} WHERE key = ?", (key,)).rowcount > 0
        self._count = None
        return deleted

    def count(self) -> int:
        if self._count is None:
            self._count = self._db.execute(f"SELECT count(*) FROM {self.name}").fetchone()[0]
        return self._count

    def sort(self) -> None:
        """Rewrite the rows in the outputs' order: case-insensitive key, then the order they were
        added (a stable sort's). The rows are then in the file in the order every later pass
        reads them (finalise, summaries, reports, writers, a diff's lookups): one pass reads the
        table sequentially instead of a page per row. Through an index of the order (small: the
        lower-cased keys), so no sorter spills whole records to temporary files."""
        db, name, sorting = self._db, self.name, f"{self.name}_sorting"
        db.execute(f"CREATE INDEX {name}_fold ON {name} (fold)")
        _create(db, sorting)
        db.execute(f"INSERT INTO {sorting} (key, fold, text) SELECT key, fold, text FROM {name} ORDER BY fold, rowid")
        db.execute(f"DROP TABLE {name}")  # its pages are reused by the next table
        db.execute(f"ALTER TABLE {sorting} RENAME TO {name}")

    def rows(self, columns: str) -> Iterator[tuple[str, ...]]:
        """`columns` of every row in row order, read limits.RECORD_DISK_ROWS_PER_READ at a time:
        each read is done before its rows are handed out, so a caller may change the table between
        them (rows after the last one handed out that are added or changed are seen; those
        deleted are not)."""
        query = f"SELECT rowid, {columns} FROM {self.name} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        after = -1
        while True:
            page = self._db.execute(query, (after, limits.RECORD_DISK_ROWS_PER_READ)).fetchall()
            for row in page:
                yield row[1:]
            if len(page) < limits.RECORD_DISK_ROWS_PER_READ:
                return
            after = page[-1][0]
