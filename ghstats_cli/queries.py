"""The datasets of a local `--out` folder as DuckDB views, and README's queries by name.

    .venv/bin/python -m ghstats_cli.queries ghstats-data                    # list README's queries
    .venv/bin/python -m ghstats_cli.queries ghstats-data stale_repositories # run one
    .venv/bin/python -m ghstats_cli.queries ghstats-data my-query.sql       # run a file

One view per dataset folder (`datasets/<collector>/dt=.../*.jsonl`, hive-partitioned, columns
united by name across files), named after the collector: the same names README's queries use.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from cdk_app.constants import REPO_ROOT

README = REPO_ROOT / "README.md"
QUERY_BLOCK = re.compile(r"```sql\n-- query: (\w+)\n(.*?)```", re.S)


def readme_queries(readme: Path = README) -> dict[str, str]:
    """README's SQL blocks that start with `-- query: NAME`."""
    return {name: sql.strip() for name, sql in QUERY_BLOCK.findall(readme.read_text())}


def connect(data_dir: Path) -> Any:
    """An in-memory DuckDB with a view per dataset of `data_dir` (an `--out` folder)."""
    import duckdb

    connection = duckdb.connect()
    datasets = data_dir / "s3" / "datasets"
    for folder in sorted(p for p in datasets.iterdir() if p.is_dir()) if datasets.is_dir() else []:
        if not re.fullmatch(r"\w+", folder.name):
            continue
        pattern = str(folder / "*" / "*.jsonl").replace("'", "''")
        connection.execute(f"CREATE VIEW {folder.name} AS SELECT * FROM read_json_auto('{pattern}', "
                           "hive_partitioning = true, union_by_name = true)")
    return connection


def run(data_dir: Path, sql: str) -> list[dict[str, Any]]:
    cursor = connect(data_dir).execute(sql)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    queries = readme_queries()
    data_dir = Path(argv[0])
    if len(argv) == 1:
        print("README's queries: " + ", ".join(queries))
        return 0
    target = argv[1]
    sql = queries.get(target) or (Path(target).read_text() if Path(target).is_file() else None)
    if sql is None:
        print(f"{target!r} is neither one of README's queries ({', '.join(queries)}) nor a file", file=sys.stderr)
        return 2
    for row in run(data_dir, sql):
        print("\t".join(str(v) for v in row.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
