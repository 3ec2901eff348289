"""Local re-runs resume: a run's state in --out survives the process that made it.

`ghstats run --run-id ID` in a new process loads the run's exported S3 objects and ledger
items back into moto, so the stored plan and finished batches are reused and GitHub is asked
only for what is missing.
"""

from __future__ import annotations

import json
from decimal import Decimal
import os
import re
import subprocess
import sys
from pathlib import Path

from ghstats import names
from ghstats_cli.local_aws import REPO_ROOT
from tests.conftest import TOKEN
from tests.workflow.helpers import assert_every_repo_once, assert_matches_truth, default_org_walk_paths, org_keys

REPOSITORY_FIELD = re.compile(r'repository\(owner: "([^"]+)", name: "([^"]+)"\)')


def ghstats(*argv: str) -> subprocess.CompletedProcess:
    """The installed CLI in a process of its own (a fresh moto: nothing shared but the folder)."""
    env = {**os.environ, "GITHUB_TOKEN": TOKEN}
    return subprocess.run([sys.executable, "-m", "ghstats_cli", *argv], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)


def repos_asked(query: str) -> list[str]:
    """The owner/name of every repository() field of a GraphQL batch query."""
    return sorted(f"{owner}/{name}" for owner, name in REPOSITORY_FIELD.findall(query))


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_a_run_id_rerun_in_a_new_process_fetches_only_batches_without_a_stored_result(make_sim, tmp_path):
    from simulator import Fault

    # Given 120 repositories in 6 batches of 20, one at a time, and a 401 on the 7th GraphQL
    # request: 1 token check + 1 counting query + 2 listing pages + batches 0000-00000 and
    # 0000-00001 succeed, 0000-00002 fails for good
    sim = make_sim({"acme": 120})
    sim.add_fault(Fault("unauthorized", on_request=7))
    flags = ["--org", "acme", "--api-url", sim.url, "--batch-size", "20", "--max-concurrency", "1", "--out", str(tmp_path)]
    first = ghstats("run", *flags)
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    assert "error: GitHubAuthError: batch 0000-00002: GitHub answered 401 (Bad credentials)" in first.stderr
    assert sim.count(kind="graphql") == 7 and sim.count(kind="rest") == 0
    [ledger_file] = (tmp_path / "ledger").glob("*.json")
    run_id = ledger_file.stem
    assert f"fix the cause, then resume it: ghstats run --run-id {run_id} --out {tmp_path}" in first.stdout
    first_ledger = read(ledger_file)
    assert first_ledger["run"]["status"] == "FAILED"
    assert {b["batch_id"]: b["status"] for b in first_ledger["batches"]} == {
        "0000-00000": "DONE", "0000-00001": "DONE", "0000-00002": "FAILED", "0000-00003": "PENDING",
        "0000-00004": "PENDING", "0000-00005": "PENDING"}
    run_dir = tmp_path / "s3" / "runs" / run_id
    started_at = read(run_dir / "run.json")["started_at"]
    assert first_ledger["run"]["started_at"] == started_at
    stored = {p.stem for p in (run_dir / "results").glob("*.json")}
    assert stored == {"0000-00000", "0000-00001"}
    keys = {b: read(run_dir / "batches" / f"{b}.json")["keys"] for b in (names.batch_id(0, i) for i in range(6))}

    # When GitHub recovers and a second process re-runs the same run id over the same folder
    sim.clear_faults()
    sim.reset_records()
    second = ghstats("run", "--run-id", run_id, *flags)

    # Then it succeeds, and GitHub saw exactly the four batches that had no stored result:
    # no token check, no counting, no listing, no query for 0000-00000 or 0000-00001
    assert second.returncode == 0, second.stderr
    assert f"re-running run {run_id} from {tmp_path}: its plan and 2 of 6 batches are stored" in second.stderr
    graphql = [r for r in sim.requests if r.kind == "graphql"]
    assert sorted(repos_asked(r.query) for r in graphql) == sorted(sorted(keys[b]) for b in keys if b not in stored)
    assert sim.count(kind="graphql") == 4
    # and the org-level collectors, which the first run never reached, ran once
    assert sim.count(kind="rest") >= 1
    assert {r.path.split("?")[0] for r in sim.requests if r.kind == "rest"} == default_org_walk_paths("acme")
    # and the run keeps the start it was planned with
    summary = read(run_dir / "summary.json")
    assert summary["started_at"] == started_at
    assert read(run_dir / "repositories.json")["started_at"] == started_at
    ledger = read(ledger_file)
    assert ledger["run"]["started_at"] == started_at
    # and every repository is there once, right, and counted once in the ledger
    out = {"repositories": read(run_dir / "repositories.json"), "errors": read(run_dir / "errors.json")}
    assert_every_repo_once(out, org_keys(sim, "acme"))
    assert_matches_truth(out, sim)
    assert summary["status"] == "SUCCEEDED" and summary["repos_ok"] == 120
    assert (ledger["run"]["status"], ledger["run"]["batches_done"], ledger["run"]["repos_ok"]) == ("SUCCEEDED", 6, 120)
    attempts = {b["batch_id"]: b["attempts"] for b in ledger["batches"]}
    assert attempts == {names.batch_id(0, i): 2 if i == 2 else 1 for i in range(6)}
    # and the first failure's dead letter is still listed
    assert ledger["run"]["failure_keys"] == [f"runs/{run_id}/failures/batch-0000-00002.json"]


# -- the same, one process per main() call: each call starts an empty moto -----------------------


def failed_first_run(make_sim, tmp_path, monkeypatch, *, repos=60):
    """A run of `repos` repositories in batches of 20 whose second batch failed for good (401)."""
    from simulator import Fault

    from ghstats_cli.main import main

    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    sim = make_sim({"acme": repos})
    sim.add_fault(Fault("unauthorized", on_request=5))  # token check, counting, 1 listing page, batch 0000-00000, then 0000-00001
    flags = ["--org", "acme", "--api-url", sim.url, "--batch-size", "20", "--max-concurrency", "1", "--out", str(tmp_path)]
    assert main(["run", *flags]) == 1
    [ledger_file] = (tmp_path / "ledger").glob("*.json")
    sim.clear_faults()
    sim.reset_records()
    return sim, flags, ledger_file.stem


def test_a_rerun_without_collection_flags_collects_the_stored_plan(make_sim, tmp_path, monkeypatch, capsys, engine_delays):
    from ghstats_cli.main import main

    sim, _, run_id = failed_first_run(make_sim, tmp_path, monkeypatch)
    capsys.readouterr()
    assert main(["run", "--run-id", run_id, "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert f"re-running run {run_id}" in captured.err and "1 of 3 batches are stored" in captured.err
    assert "60 repositories collected" in captured.out
    assert sim.count(kind="graphql") == 2  # batches 0000-00001 and 0000-00002


def test_a_rerun_with_another_config_is_refused_before_any_github_call(make_sim, tmp_path, monkeypatch, capsys):
    from ghstats_cli.main import main

    sim, flags, run_id = failed_first_run(make_sim, tmp_path, monkeypatch)
    before = sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    capsys.readouterr()
    code = main(["run", "--run-id", run_id, *flags, "--batch-size", "10"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"run {run_id} was planned with another batch_size" in err and "leave out --run-id" in err
    assert sim.count() == 0
    assert sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == before


def test_a_rerun_that_fails_again_keeps_the_earlier_dead_letter(make_sim, tmp_path, monkeypatch, engine_delays):
    from simulator import Fault

    from ghstats_cli.main import main

    sim, flags, run_id = failed_first_run(make_sim, tmp_path, monkeypatch)
    sim.add_fault(Fault("unauthorized", on_request=1))
    assert main(["run", "--run-id", run_id, *flags]) == 1
    run = json.loads((tmp_path / "ledger" / f"{run_id}.json").read_text())["run"]
    # the failure keys are a set in DynamoDB: the second failure is added to the loaded first one
    assert (run["error"], sorted(run["failure_keys"])) == (
        "GitHubAuthError", [f"runs/{run_id}/failures/batch-0000-00001-2.json", f"runs/{run_id}/failures/batch-0000-00001.json"])
    assert (tmp_path / "s3" / "runs" / run_id / "failures" / "batch-0000-00001.json").is_file()
    assert (tmp_path / "s3" / "runs" / run_id / "failures" / "batch-0000-00001-2.json").is_file()


def test_new_runs_read_only_latest_from_the_folder_and_latest_only_moves_forward(make_sim, tmp_path, monkeypatch,
                                                                                 engine_delays):
    from ghstats_cli.main import main

    sim, flags, old_run = failed_first_run(make_sim, tmp_path, monkeypatch)
    # A new run in the same folder is not affected by the earlier, unfinished one
    assert main(["run", *flags]) == 0
    assert sim.count(kind="graphql") == 1 + 1 + 1 + 3  # token check, counting, one listing page, three batches
    [new_run] = {p.stem for p in (tmp_path / "ledger").glob("*.json")} - {old_run}
    latest = lambda: json.loads((tmp_path / "s3" / "latest" / "run.json").read_text())["run_id"]
    assert latest() == new_run
    # A re-run of the older run finishes it, but leaves the newer run's copy in latest/
    assert main(["run", "--run-id", old_run, *flags]) == 0
    assert json.loads((tmp_path / "s3" / "runs" / old_run / "summary.json").read_text())["status"] == "SUCCEEDED"
    assert latest() == new_run
    assert json.loads((tmp_path / "s3" / "latest" / "repositories.json").read_text())["run_id"] == new_run


def test_export_then_import_gives_back_the_same_objects_tags_and_ledger_items(make_sim, tmp_path, engine_delays):
    from simulator import Fault

    from ghstats_cli.local_aws import BUCKET, TABLE, LocalAws
    from ghstats_cli.local_runs import quiet_engine

    quiet_engine()
    sim = make_sim({"acme": 30})
    sim.add_fault(Fault("unauthorized", on_request=4))

    def snapshot(aws, run_id):
        objects = {}
        for key in aws.dependencies().store.list_keys(f"runs/{run_id}/"):
            body = aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            objects[key] = (body, aws.s3.get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"])
        items = aws.dynamodb.Table(TABLE).scan()["Items"]  # raw: Decimal numbers, string sets
        # the run's own items; the collection's lock belongs to no run (and is free once it ended)
        own = (i for i in items if not i["sk"].startswith("ORG#") and i["sk"] != names.LOCK_SK)
        return objects, sorted(own, key=lambda i: i["sk"])

    with LocalAws({"GITHUB_TOKEN": TOKEN}) as aws:
        outcome = aws.run({"orgs": ["acme"], "api_url": sim.url, "batch_size": 10, "max_concurrency": 1})
        assert outcome.status == "FAILED"
        aws.export(outcome.run_id, tmp_path)
        before = snapshot(aws, outcome.run_id)
    [run] = [item for item in before[1] if item["sk"] == "RUN"]
    assert isinstance(run["failure_keys"], set) and isinstance(run["points_used"], Decimal)  # what needs care
    assert any(tags for _, tags in before[0].values()) and any(not tags for _, tags in before[0].values())
    with LocalAws({"GITHUB_TOKEN": TOKEN}) as aws:
        aws.import_run(outcome.run_id, tmp_path)
        after = snapshot(aws, outcome.run_id)
    assert after == before


def test_a_rerun_of_a_run_that_failed_while_listing_lists_on_from_the_page_it_stored(make_sim, tmp_path, monkeypatch,
                                                                                      engine_delays):
    from simulator import Fault

    from ghstats_cli.main import main

    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    sim = make_sim({"acme": 250})  # 3 listing pages, 5 batches of 50
    sim.add_fault(Fault("unauthorized", on_request=4))  # token check, counting, page 1, then page 2 fails for good
    flags = ["--org", "acme", "--api-url", sim.url, "--out", str(tmp_path), "--batch-size", "50"]
    assert main(["run", *flags]) == 1
    [ledger_file] = (tmp_path / "ledger").glob("*.json")
    first_started_at = json.loads(ledger_file.read_text())["run"]["started_at"]
    sim.clear_faults()
    sim.reset_records()
    assert main(["run", "--run-id", ledger_file.stem, *flags]) == 0
    assert sim.count(kind="graphql") == 2 + 5  # pages 2 and 3 (the run was planned), then the batches
    summary = json.loads((tmp_path / "s3" / "runs" / ledger_file.stem / "summary.json").read_text())
    # the planning's and the listing's requests of both processes: token check, counting, page 1,
    # the 401, pages 2 and 3
    assert summary["repos_ok"] == 250 and summary["api"]["listing_requests"] == 6
    # and the run is dated by its first start, not the re-run's (StartRun answers the ledger's)
    assert summary["started_at"] == first_started_at
