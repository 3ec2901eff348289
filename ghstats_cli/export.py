"""A local run's records as flat files for spreadsheets and BI tools: CSV, JSON Lines, Parquet.

    export_run(Path("ghstats-data"), None, None, "csv", Path("exports"))
    -> exports/<run_id>/repositories.csv, exports/<run_id>/repository_policy.csv, ...

One file per collector of the run, `<dest>/<run_id>/<collector>.<csv|jsonl|parquet>`; repository
statistics (the repository_stats collector) under its historical name, `repositories`. Each row is
one record, in key order (case-insensitive, as the run's documents keep them), with a `run_id`
column first.

CSV and Parquet hold flat rows: nested objects become dotted columns (`verdict.score`,
`verdict.rules.license`), a list of plain values `;`-joined text and a list of objects (or lists)
JSON text. In CSV, None is an empty cell and booleans are true/false; Parquet keeps the types
(BOOLEAN, BIGINT, DOUBLE; VARCHAR for text and for a column whose values differ in type). The
columns are the union of the records' keys, in first-seen order. JSON Lines keep each record as
stored (nested), plus its run_id.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from ghstats_cli.errors import UserError

FORMATS = ("csv", "jsonl", "parquet")
INVENTORY_EXPORT = "repositories"  # repository_stats' records: runs/<id>/repositories.json
RUN_COLUMN = "run_id"
RUNS_LISTED = 10  # run ids an error message lists at most


def export_run(data_dir: Path, run_id: str | None, collectors: list[str] | None, fmt: str, dest: Path) -> list[Path]:
    """Write the records of run `run_id` of `data_dir` (a local --out folder; None: its newest run)
    for each of `collectors` (None or empty: every collector the run has) as `fmt` to
    `<dest>/<run_id>/<collector>.<fmt>`; the files written, in the order asked.

    Raises UserError for an unknown format, a folder without runs, an unknown run id, a collector
    the run does not have, or a --dest that cannot be written to.
    """
    fmt = _format(fmt)
    data_dir = Path(data_dir)
    run_dir, summary = _run(data_dir, run_id)
    run_id = run_dir.name
    sources = run_sources(data_dir, run_dir, summary)
    names = _collectors(collectors, sources, run_id)
    folder = _dest_folder(Path(dest), run_id)
    written = []
    for name in names:
        records = _records(sources[name], name, data_dir)
        path = folder / f"{name}.{fmt}"
        partial = path.with_name(path.name + ".partial")  # a failed export leaves no half file under the real name
        try:
            WRITERS[fmt](records, run_id, partial)
            os.replace(partial, path)
        except OSError as exc:
            raise UserError(f"--dest {dest}: cannot write {path} ({exc.strerror or exc}); "
                            "pick a folder you can write to, with room for the export") from None
        finally:
            partial.unlink(missing_ok=True)
        written.append(path)
    return written


# -- which run, which collectors ------------------------------------------------------------


def _format(fmt: str) -> str:
    wanted = (fmt or "").strip().lower()
    if wanted not in FORMATS:
        raise UserError(f"--format {fmt!r}: not a format ghstats exports; use one of {', '.join(FORMATS)} "
                        "(csv for spreadsheets, jsonl or parquet for BI tools)")
    return wanted


def local_runs(data_dir: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    """(run id, folder, summary) of each finished run of `data_dir` (one with a summary.json),
    newest first (by started_at, then run id)."""
    runs = []
    root = data_dir / "s3" / "runs"
    for folder in root.iterdir() if root.is_dir() else ():
        path = folder / "summary.json"
        if not path.is_file():
            continue  # not finished (or not a run): nothing to export
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(summary, dict):
            runs.append((folder.name, folder, summary))
    return sorted(runs, key=lambda r: (str(r[2].get("started_at") or ""), r[0]), reverse=True)


def _listed(ids: list[str]) -> str:
    shown = ", ".join(ids[:RUNS_LISTED])
    return shown + (f" and {len(ids) - RUNS_LISTED} older" if len(ids) > RUNS_LISTED else "")


def _run(data_dir: Path, run_id: str | None) -> tuple[Path, dict[str, Any]]:
    runs = local_runs(data_dir)
    if not runs:
        where = "no such folder" if not data_dir.is_dir() else "no finished runs there (no s3/runs/<RUN_ID>/summary.json)"
        raise UserError(f"--out {data_dir}: {where}; collect one first (ghstats demo, or ghstats run --out {data_dir}), "
                        "or pass --out the folder an earlier ghstats run or demo wrote")
    if run_id is None:
        return runs[0][1], runs[0][2]
    for found, folder, summary in runs:
        if found == run_id:
            return folder, summary
    ids = [r[0] for r in runs]
    plain = run_id not in ("", ".", "..") and Path(run_id).name == run_id  # a folder name, not a path
    if plain and (data_dir / "s3" / "runs" / run_id / "run.json").is_file():
        raise UserError(f"RUN_ID {run_id!r}: that run of --out {data_dir} did not finish (no summary.json); "
                        f"resume it (ghstats run --run-id {run_id} --out {data_dir}) or export a finished one: {_listed(ids)}")
    raise UserError(f"RUN_ID {run_id!r}: no such run in --out {data_dir}; pick one of its runs (newest first): "
                    f"{_listed(ids)}, or leave RUN_ID out for the newest")


def run_sources(data_dir: Path, run_dir: Path, summary: dict[str, Any]) -> dict[str, Path]:
    """export name -> the run's document of that collector's records, for each collector the run
    has: `repositories` first (if repository_stats ran), then the registry's order."""
    from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY

    keys = summary.get("output_keys") or {}
    ran = set(summary.get("collectors") or {})
    sources: dict[str, Path] = {}
    inventory = run_dir / "repositories.json"
    if INVENTORY_EXPORT in keys or (not keys and inventory.is_file()):
        sources[INVENTORY_EXPORT] = data_dir / "s3" / keys[INVENTORY_EXPORT] if INVENTORY_EXPORT in keys else inventory
    for name in REGISTRY:
        if name == INVENTORY_COLLECTOR.name:
            continue
        if name in keys:
            sources[name] = data_dir / "s3" / keys[name]
        elif name in ran:  # a summary without output_keys: the document's usual place
            sources[name] = run_dir / f"{name}.json"
    return sources


def _collectors(asked: list[str] | None, sources: dict[str, Path], run_id: str) -> list[str]:
    from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY

    if not sources:
        raise UserError(f"RUN_ID {run_id}: the run has no collector records to export; pick another run")
    if not asked:
        return list(sources)
    names: list[str] = []
    for raw in asked:
        name = raw.strip().lower()
        name = INVENTORY_EXPORT if name == INVENTORY_COLLECTOR.name else name  # its records' historical name
        if name not in sources:
            has = ", ".join(sources)
            if name in REGISTRY:
                raise UserError(f"--collector {raw!r}: run {run_id} did not collect it (it was off in that run's config); "
                                f"pick from the run's collectors: {has}")
            raise UserError(f"--collector {raw!r}: no such collector; pick from run {run_id}'s collectors: {has} "
                            "(or leave --collector out for all of them)")
        if name not in names:
            names.append(name)
    return names


def _dest_folder(dest: Path, run_id: str) -> Path:
    folder = dest / run_id
    for path in (dest, folder):
        if path.exists() and not path.is_dir():
            raise UserError(f"--dest {dest}: {path} is a file, not a folder; pick another --dest")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--dest {dest}: cannot create {folder} ({exc.strerror or exc}); "
                        "pick a folder you can write to") from None
    return folder


def _records(path: Path, name: str, data_dir: Path) -> dict[str, dict[str, Any]]:
    field = "repositories" if name == INVENTORY_EXPORT else "records"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"--collector {name}: {path} is missing from --out {data_dir}; the run's files are incomplete: "
                        "copy the whole --out folder, or export another run") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"--collector {name}: {path} cannot be read ({getattr(exc, 'strerror', None) or exc}); "
                        "the run's files are damaged: export another run, or collect it again") from None
    records = document.get(field) if isinstance(document, dict) else None
    if not isinstance(records, dict):
        raise UserError(f"--collector {name}: {path} has no '{field}' object; the run's files are damaged: "
                        "export another run, or collect it again")
    return records


# -- rows -----------------------------------------------------------------------------------


def _in_order(records: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for key in sorted(records, key=lambda k: (k.lower(), k)):
        yield records[key]


def flatten(record: dict[str, Any], run_id: str) -> dict[str, Any]:
    """One flat row: run_id first, nested objects as dotted columns, lists as text; other values
    (None, booleans, numbers, text) as they are."""
    row: dict[str, Any] = {RUN_COLUMN: run_id}
    _flatten_into(row, record, "")
    row[RUN_COLUMN] = run_id  # a record's own run_id field does not override the run's
    return row


def _flatten_into(row: dict[str, Any], value: dict[str, Any], prefix: str) -> None:
    for key, item in value.items():
        column = f"{prefix}{key}"
        if isinstance(item, dict):
            _flatten_into(row, item, column + ".")
        elif isinstance(item, list):
            row[column] = list_text(item)
        else:
            row[column] = item


def list_text(values: list[Any]) -> str:
    """`a;b;c` for a list of plain values, JSON text for a list holding objects or lists."""
    if any(isinstance(v, (dict, list)) for v in values):
        return json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return ";".join(cell(v) for v in values)


def cell(value: Any) -> str:
    """A flat value as CSV text: None empty, booleans true/false."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _kind(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT" if -2**63 <= value < 2**63 else "VARCHAR"
    if isinstance(value, float):
        return "DOUBLE"
    return "VARCHAR"


def _column_type(kinds: set[str]) -> str:
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds == {"BIGINT", "DOUBLE"}:
        return "DOUBLE"
    return "VARCHAR"  # none but nulls, or values of different types: text


def _columns(rows: Iterable[dict[str, Any]]) -> dict[str, set[str]]:
    """column -> the types of its values (first pass over the rows), in first-seen order."""
    columns: dict[str, set[str]] = {RUN_COLUMN: {"VARCHAR"}}
    for row in rows:
        for column, value in row.items():
            kinds = columns.setdefault(column, set())
            kind = _kind(value)
            if kind:
                kinds.add(kind)
    return columns


def _flat_rows(records: dict[str, dict[str, Any]], run_id: str) -> Iterator[dict[str, Any]]:
    return (flatten(record, run_id) for record in _in_order(records))


# -- writers --------------------------------------------------------------------------------


def write_csv(records: dict[str, dict[str, Any]], run_id: str, path: Path) -> None:
    columns = list(_columns(_flat_rows(records, run_id)))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in _flat_rows(records, run_id):
            writer.writerow([cell(row.get(column)) for column in columns])


def write_jsonl(records: dict[str, dict[str, Any]], run_id: str, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for record in _in_order(records):
            line = {RUN_COLUMN: run_id, **record}
            line[RUN_COLUMN] = run_id  # first, and the run's (not a record's own run_id field)
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_parquet(records: dict[str, dict[str, Any]], run_id: str, path: Path) -> None:
    """The flat rows, typed per column, through DuckDB (COPY ... TO ... (FORMAT parquet)) from a
    JSON Lines file of them; then read back to check every row arrived."""
    try:
        import duckdb
    except ImportError:
        raise UserError("--format parquet needs DuckDB: install it (.venv/bin/pip install duckdb), "
                        "or export --format csv or jsonl") from None
    types = {column: _column_type(kinds) for column, kinds in _columns(_flat_rows(records, run_id)).items()}
    text_columns = [column for column, kind in types.items() if kind == "VARCHAR"]
    staging = path.with_name(path.name + ".jsonl")
    try:
        with staging.open("w", encoding="utf-8", newline="\n") as out:
            for row in _flat_rows(records, run_id):
                for column in text_columns:  # text columns get text: numbers and booleans in them as CSV shows them
                    value = row.get(column)
                    if value is not None and not isinstance(value, str):
                        row[column] = cell(value)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        struct = "{" + ", ".join(f"{_sql_text(c)}: {_sql_text(t)}" for c, t in types.items()) + "}"
        connection = duckdb.connect()
        try:
            connection.execute(f"COPY (SELECT * FROM read_json({_sql_text(str(staging))}, format = 'newline_delimited', "
                               f"columns = {struct})) TO {_sql_text(str(path))} (FORMAT parquet)")
            [(count,)] = connection.execute(f"SELECT count(*) FROM read_parquet({_sql_text(str(path))})").fetchall()
        finally:
            connection.close()
    finally:
        staging.unlink(missing_ok=True)
    if count != len(records):
        raise RuntimeError(f"{path}: parquet holds {count} rows, the run has {len(records)} records")


WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}
