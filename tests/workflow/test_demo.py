"""`make demo`'s command end to end: a full simulated collection, exported, checked, looked up."""

import json

from ghstats_cli.main import main


def test_demo_collects_exports_and_verifies(tmp_path, capsys, engine_delays):
    assert main(["demo", "--orgs", "acme:70,globex:25", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "SUCCEEDED" in out and "checked against the simulator's ground truth: every count right" in out
    [ledger_file] = (tmp_path / "ledger").glob("*.json")
    run_id = ledger_file.stem
    records = json.loads((tmp_path / "s3" / "runs" / run_id / "repositories.json").read_text())["repositories"]
    assert len(records) == 70 - 2 + 25 + 1  # two acme repos excluded, one named user repo
    assert (tmp_path / "s3" / "latest" / "repositories.json").exists()
    for collector in ("members", "outside_collaborators", "teams", "traffic", "security_settings"):  # off by default, on in the demo
        assert json.loads((tmp_path / "s3" / "runs" / run_id / f"{collector}.json").read_text())["count"] > 0
    assert list((tmp_path / "s3" / "datasets").rglob(f"{run_id}.jsonl"))
    assert main(["status", run_id, "--data", str(tmp_path)]) == 0
    assert "status             SUCCEEDED" in capsys.readouterr().out


def test_run_command_against_any_base_url(make_sim, tmp_path, capsys, engine_delays, monkeypatch):
    from tests.conftest import TOKEN

    sim = make_sim({"acme": 12, "globex": 5})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    excluded = sim.dataset.repos("acme")[0].name_with_owner
    code = main(["run", "--org", "acme", "--org", "globex", "--exclude", excluded, "--api-url", sim.url,
                 "--batch-size", "5", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "run " in out and ": SUCCEEDED\n" in out and "16 repositories collected" in out


def test_run_command_needs_a_token(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert main(["run", "--org", "acme", "--out", str(tmp_path)]) == 2
    assert "no GitHub credential: export GITHUB_TOKEN" in capsys.readouterr().err
