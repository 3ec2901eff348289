"""A PARTIAL run from the command line, made with the simulator CLI's own --fault and --deny
parsing: exit code 3, one status said once, the missing repository and the missing permission
where a person looks (errors.json, coverage)."""

from __future__ import annotations

import json

import pytest

from ghstats_cli.main import EXIT_PARTIAL, main
from simulator.cli_faults import apply_denies, parse_fault
from tests.conftest import TOKEN


def test_a_partial_run_exits_3_and_says_partial_once(make_sim, tmp_path, capsys, engine_delays, monkeypatch):
    sim = make_sim({"acme": 12})
    gone = sim.dataset.repos("acme")[3].name_with_owner
    sim.add_fault(parse_fault(f"delete:{gone}"))
    apply_denies(sim, ["dependabot_alerts:acme"])
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"orgs": ["acme"], "api_url": sim.url,
                                  "collectors": {"repository_policy": False, "dependabot_alerts": True}}))
    code = main(["run", "--config", str(config), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == EXIT_PARTIAL == 3
    assert out.count("PARTIAL") == 1 and "SUCCEEDED" not in out and "Traceback" not in out
    [run_dir] = (tmp_path / "out" / "s3" / "runs").iterdir()
    assert json.loads((run_dir / "errors.json").read_text())["errors"][gone]["type"] == "NOT_FOUND"
    coverage = json.loads((run_dir / "coverage.json").read_text())["entries"]
    assert [e["status"] for e in coverage if e["collector"] == "dependabot_alerts"] == ["forbidden"]


@pytest.mark.parametrize("text, says", [("nope", "unknown kind 'nope'"), ("rate_limit:x", "neither a count"),
                                        ("slow:acme/x", "a repository is for")])
def test_a_fault_flag_that_cannot_be_read_names_the_fix(text, says):
    with pytest.raises(ValueError, match=says):
        parse_fault(text)


def test_fault_flags_read_as_the_faults_they_name():
    assert (parse_fault("rate_limit:3").kind, parse_fault("rate_limit:3").times) == ("rate_limited", 3)
    deleted = parse_fault("delete:acme/x")
    assert (deleted.kind, deleted.repo, deleted.times) == ("not_found", "acme/x", None)
