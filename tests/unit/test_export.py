"""`ghstats export`'s function: a local run's records as CSV, JSON Lines and Parquet files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ghstats_cli.errors import UserError
from ghstats_cli.export import export_run

NEW = "20260201T000000Z-aaaa"  # newest by started_at, though its id sorts first
OLD = "20260301T000000Z-old"

POLICY = {  # stored out of key order: the export sorts (case-insensitively, as the run's documents do)
    "acme/Zeta": {
        "schema_version": 1, "key": "acme/Zeta", "repository": "acme/Zeta", "license": None,
        "files": {"readme": True, "license": False},
        "branch_protection": {"protected": True, "sources": ["branch_protection_rule", "ruleset"],
                              "rulesets": [{"name": "main", "enforcement": "active"}]},
        "verdict": {"rules": {"license": "fail", "readme": "pass"}, "failed": ["license"], "score": 5.0},
    },
    "acme/alpha": {
        "schema_version": 1, "key": "acme/alpha", "repository": "acme/alpha", "license": "MIT",
        "files": {"readme": False, "license": True},
        "branch_protection": {"protected": False, "sources": [], "rulesets": []},
        "verdict": {"rules": {"license": "pass", "readme": "fail"}, "failed": ["readme"], "score": 7.5},
    },
}
REPOSITORIES = {
    "acme/alpha": {"schema_version": 1, "key": "acme/alpha", "description": "Café, \"quoted\"", "stars": 3,
                   "is_archived": False, "topics": ["cli", "go"]},
    "acme/Zeta": {"schema_version": 1, "key": "acme/Zeta", "description": None, "stars": 0, "is_archived": True,
                  "topics": []},
}
MEMBERS = {
    "acme#bob": {"key": "acme#bob", "login": "bob", "role": "member", "id": 2},
    "acme#ann": {"key": "acme#ann", "login": "ann", "role": "admin", "id": 1, "two_factor_disabled": True},
}


def write_run(data: Path, run_id: str, started_at: str, documents: dict[str, dict]) -> Path:
    folder = data / "s3" / "runs" / run_id
    folder.mkdir(parents=True)
    keys = {"errors": f"runs/{run_id}/errors.json", "summary": f"runs/{run_id}/summary.json"}
    for name, records in documents.items():
        field = "repositories" if name == "repositories" else "records"
        (folder / f"{name}.json").write_text(json.dumps({"schema_version": 1, "run_id": run_id, "count": len(records),
                                                         field: records}), encoding="utf-8")
        keys[name] = f"runs/{run_id}/{name}.json"
        if name != "repositories":
            keys[f"{name}_dataset"] = f"datasets/{name}/dt=2026-02-01/{run_id}.jsonl"
    if "repositories" in documents:
        keys["latest"] = "latest/repositories.json"
    summary = {"run_id": run_id, "status": "SUCCEEDED", "started_at": started_at, "output_keys": keys,
               "collectors": {name: {"records": len(r)} for name, r in documents.items() if name != "repositories"}}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


@pytest.fixture
def data(tmp_path):
    data = tmp_path / "ghstats-data"
    write_run(data, NEW, "2026-02-01T00:00:00+00:00",
              {"repositories": REPOSITORIES, "repository_policy": POLICY, "members": MEMBERS})
    write_run(data, OLD, "2026-01-01T00:00:00+00:00", {"members": {"acme#old": {"key": "acme#old", "login": "old"}}})
    return data


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def test_csv_has_dotted_columns_empty_cells_for_none_and_joined_lists(data, tmp_path):
    dest = tmp_path / "exports"
    written = export_run(data, NEW, ["repository_policy"], "csv", dest)

    assert written == [dest / NEW / "repository_policy.csv"]
    assert read(written[0]) == (
        "run_id,schema_version,key,repository,license,files.readme,files.license,branch_protection.protected,"
        "branch_protection.sources,branch_protection.rulesets,verdict.rules.license,verdict.rules.readme,"
        "verdict.failed,verdict.score\r\n"
        f"{NEW},1,acme/alpha,acme/alpha,MIT,false,true,false,,,pass,fail,readme,7.5\r\n"
        f'{NEW},1,acme/Zeta,acme/Zeta,,true,false,true,branch_protection_rule;ruleset,'
        '"[{""name"":""main"",""enforcement"":""active""}]",fail,pass,license,5.0\r\n')


def test_csv_columns_are_the_union_in_first_seen_order_and_text_is_quoted_utf8(data, tmp_path):
    written = export_run(data, NEW, ["members", "repositories"], "csv", tmp_path / "exports")

    assert [p.name for p in written] == ["members.csv", "repositories.csv"]
    assert read(written[0]) == ("run_id,key,login,role,id,two_factor_disabled\r\n"
                                f"{NEW},acme#ann,ann,admin,1,true\r\n"
                                f"{NEW},acme#bob,bob,member,2,\r\n")
    assert read(written[1]) == ("run_id,schema_version,key,description,stars,is_archived,topics\r\n"
                                f'{NEW},1,acme/alpha,"Café, ""quoted""",3,false,cli;go\r\n'
                                f"{NEW},1,acme/Zeta,,0,true,\r\n")
    with written[1].open(encoding="utf-8", newline="") as f:  # what a spreadsheet reads back
        assert [row["description"] for row in csv.DictReader(f)] == ['Café, "quoted"', ""]


def test_every_collector_of_the_newest_run_by_default(data, tmp_path):
    dest = tmp_path / "exports"
    written = export_run(data, None, None, "csv", dest)

    assert written == [dest / NEW / f"{name}.csv" for name in ("repositories", "repository_policy", "members")]
    assert sorted(p.name for p in (dest / NEW).iterdir()) == ["members.csv", "repositories.csv", "repository_policy.csv"]
    older = export_run(data, OLD, [], "csv", dest)
    assert older == [dest / OLD / "members.csv"]
    assert read(older[0]) == f"run_id,key,login\r\n{OLD},acme#old,old\r\n"


def test_repository_stats_names_the_repositories_export_and_repeats_count_once(data, tmp_path):
    written = export_run(data, NEW, ["repository_stats", "Members", "repositories", "members"], "jsonl", tmp_path / "x")
    assert [p.name for p in written] == ["repositories.jsonl", "members.jsonl"]


def test_jsonl_keeps_each_record_as_stored_plus_its_run_id(data, tmp_path):
    written = export_run(data, NEW, ["repository_policy", "members"], "jsonl", tmp_path / "exports")

    policy = [json.loads(line) for line in read(written[0]).splitlines()]
    assert policy == [{"run_id": NEW, **POLICY["acme/alpha"]}, {"run_id": NEW, **POLICY["acme/Zeta"]}]
    assert list(policy[0])[:2] == ["run_id", "schema_version"]
    assert policy[1]["verdict"] == {"rules": {"license": "fail", "readme": "pass"}, "failed": ["license"], "score": 5.0}
    members = [json.loads(line) for line in read(written[1]).splitlines()]
    assert members == [{"run_id": NEW, **MEMBERS["acme#ann"]}, {"run_id": NEW, **MEMBERS["acme#bob"]}]


def test_parquet_reads_back_with_the_flat_rows_and_typed_columns(data, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    [path] = export_run(data, NEW, ["repository_policy"], "parquet", tmp_path / "exports")

    assert path == tmp_path / "exports" / NEW / "repository_policy.parquet"
    connection = duckdb.connect()
    cursor = connection.execute("SELECT * FROM read_parquet(?)", [str(path)])
    columns = [c[0] for c in cursor.description]
    rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    assert columns == ["run_id", "schema_version", "key", "repository", "license", "files.readme", "files.license",
                       "branch_protection.protected", "branch_protection.sources", "branch_protection.rulesets",
                       "verdict.rules.license", "verdict.rules.readme", "verdict.failed", "verdict.score"]
    assert [(r["key"], r["license"], r["files.readme"], r["verdict.score"], r["verdict.failed"]) for r in rows] == [
        ("acme/alpha", "MIT", False, 7.5, "readme"), ("acme/Zeta", None, True, 5.0, "license")]
    assert rows[1]["branch_protection.sources"] == "branch_protection_rule;ruleset"
    assert json.loads(rows[1]["branch_protection.rulesets"]) == [{"name": "main", "enforcement": "active"}]
    assert {r["run_id"] for r in rows} == {NEW}
    types = dict(connection.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                                    [str(path)]).fetchall())
    assert (types["schema_version"], types["files.readme"], types["verdict.score"], types["license"]) == (
        "BIGINT", "BOOLEAN", "DOUBLE", "VARCHAR")
    assert sorted(p.name for p in path.parent.iterdir()) == ["repository_policy.parquet"]  # no staging file left


def test_parquet_of_many_records(data, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    traffic = {f"acme/r{i:05d}#2026-01-{i % 28 + 1:02d}": {"key": f"acme/r{i:05d}#2026-01-{i % 28 + 1:02d}", "kind": "day",
                                                           "views": i, "uniques": None if i % 2 else i / 2}
               for i in range(20_000)}
    write_run(data, "big", "2026-03-01T00:00:00+00:00", {"traffic": traffic})
    [path] = export_run(data, None, None, "parquet", tmp_path / "exports")

    assert path.name == "traffic.parquet" and path.parent.name == "big"
    assert duckdb.connect().execute("SELECT count(*), sum(views), count(uniques) FROM read_parquet(?)",
                                    [str(path)]).fetchall() == [(20_000, sum(range(20_000)), 10_000)]


def message(excinfo: pytest.ExceptionInfo) -> str:
    return str(excinfo.value)


def test_unknown_run_lists_the_runs_there(data, tmp_path):
    with pytest.raises(UserError) as excinfo:
        export_run(data, "nope", None, "csv", tmp_path / "exports")
    assert message(excinfo) == (f"RUN_ID 'nope': no such run in --out {data}; pick one of its runs (newest first): "
                                f"{NEW}, {OLD}, or leave RUN_ID out for the newest")
    assert not (tmp_path / "exports").exists()


def test_a_run_that_did_not_finish_says_how_to_resume_it(data, tmp_path):
    (data / "s3" / "runs" / "half").mkdir()
    (data / "s3" / "runs" / "half" / "run.json").write_text("{}")
    with pytest.raises(UserError) as excinfo:
        export_run(data, "half", None, "csv", tmp_path / "exports")
    assert message(excinfo) == (f"RUN_ID 'half': that run of --out {data} did not finish (no summary.json); "
                                f"resume it (ghstats run --run-id half --out {data}) or export a finished one: {NEW}, {OLD}")
    with pytest.raises(UserError, match="no such run"):  # a path is no run id
        export_run(data, f"../runs/{NEW}", None, "csv", tmp_path / "exports")


def test_unknown_collector_lists_the_runs_collectors(data, tmp_path):
    with pytest.raises(UserError) as excinfo:
        export_run(data, NEW, ["members", "bogus"], "csv", tmp_path / "exports")
    assert message(excinfo) == (f"--collector 'bogus': no such collector; pick from run {NEW}'s collectors: "
                                "repositories, repository_policy, members (or leave --collector out for all of them)")
    with pytest.raises(UserError) as excinfo:
        export_run(data, OLD, ["traffic"], "csv", tmp_path / "exports")
    assert message(excinfo) == (f"--collector 'traffic': run {OLD} did not collect it (it was off in that run's config); "
                                "pick from the run's collectors: members")
    assert not (tmp_path / "exports").exists()


def test_unknown_format(data, tmp_path):
    with pytest.raises(UserError) as excinfo:
        export_run(data, NEW, None, "xlsx", tmp_path / "exports")
    assert message(excinfo) == ("--format 'xlsx': not a format ghstats exports; use one of csv, jsonl, parquet "
                                "(csv for spreadsheets, jsonl or parquet for BI tools)")
    assert [p.name for p in export_run(data, NEW, ["members"], " CSV ", tmp_path / "exports")] == ["members.csv"]


def test_a_folder_without_runs(tmp_path):
    empty = tmp_path / "empty"
    (empty / "s3" / "runs" / "unfinished").mkdir(parents=True)
    with pytest.raises(UserError) as excinfo:
        export_run(empty, None, None, "csv", tmp_path / "exports")
    assert message(excinfo) == (f"--out {empty}: no finished runs there (no s3/runs/<RUN_ID>/summary.json); collect one "
                                f"first (ghstats demo, or ghstats run --out {empty}), or pass --out the folder an earlier "
                                "ghstats run or demo wrote")
    missing = tmp_path / "missing"
    with pytest.raises(UserError) as excinfo:
        export_run(missing, None, None, "csv", tmp_path / "exports")
    assert message(excinfo).startswith(f"--out {missing}: no such folder; collect one first")


def test_a_dest_that_is_a_file(data, tmp_path):
    dest = tmp_path / "exports"
    dest.write_text("")
    with pytest.raises(UserError) as excinfo:
        export_run(data, NEW, None, "csv", dest)
    assert message(excinfo) == f"--dest {dest}: {dest} is a file, not a folder; pick another --dest"


def test_a_missing_collector_document(data, tmp_path):
    (data / "s3" / "runs" / NEW / "members.json").unlink()
    with pytest.raises(UserError) as excinfo:
        export_run(data, NEW, ["members"], "csv", tmp_path / "exports")
    assert message(excinfo).startswith("--collector members: ")
    assert "is missing from --out" in message(excinfo)
