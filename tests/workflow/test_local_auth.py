"""A local run's credential: GitHub App flags mint installation tokens (the simulator checks the
JWT against the App's public key), else GITHUB_TOKEN, else `gh auth token`; a missing or half
credential is one line naming the fix, and the private key is nowhere in the run's folder."""

from __future__ import annotations

import argparse
import json
import subprocess

import pytest

from ghstats_cli import local_auth
from ghstats_cli.errors import UserError
from ghstats_cli.main import main

APP_ID = "4242"


@pytest.fixture(autouse=True)
def fresh_secret_cache():
    """A local run's secret always has the same name: no test reads another test's App (Powertools
    caches a secret for 5 minutes)."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    yield
    parameters.clear_caches()


def test_a_local_run_with_github_app_flags(make_sim, key_pair, tmp_path, capsys, engine_delays, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    sim = make_sim({"acme": 8}, apps={APP_ID: key_pair[1]}, tokens=())
    pem = tmp_path / "app.pem"
    pem.write_text(key_pair[0])
    out = tmp_path / "out"
    code = main(["run", "--org", "acme", "--api-url", sim.url, "--out", str(out),
                 "--app-id", APP_ID, "--installation-id", "7", "--private-key-file", str(pem)])
    captured = capsys.readouterr()
    assert code in (0, 3), captured.err
    assert f"credential: GitHub App {APP_ID}, installation 7" in captured.err
    assert "8 repositories collected" in captured.out
    secret_line = key_pair[0].splitlines()[1]
    assert not any(secret_line in p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file())


def test_a_local_run_with_an_installation_per_org(make_sim, key_pair, tmp_path, capsys, engine_delays, monkeypatch):
    # Given an App installed on acme and globex separately
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    sim = make_sim({"acme": 8, "globex": 5}, apps={APP_ID: key_pair[1]}, installations={"acme": 1, "globex": 2},
                   tokens=(), oauth_scopes=None)
    pem = tmp_path / "app.pem"
    pem.write_text(key_pair[0])
    # When a local run collects both with --installation-id per_org
    code = main(["run", "--org", "acme", "--org", "globex", "--api-url", sim.url, "--out", str(tmp_path / "out"),
                 "--app-id", APP_ID, "--installation-id", "per_org", "--private-key-file", str(pem)])
    captured = capsys.readouterr()
    # Then both are collected, each org's GraphQL requests on its own installation's token
    assert code in (0, 3), captured.err
    assert "13 repositories collected" in captured.out
    assert {r.installation for r in sim.requests if r.kind == "graphql"} == {"1", "2"}
    assert sim.installation_rate_limit(1).used > 0 and sim.installation_rate_limit(2).used > 0
    # and `ghstats plan` takes the same flags: each org counted with its own installation's token
    sim.reset_records()
    assert main(["plan", "--org", "acme", "--org", "globex", "--api-url", sim.url, "--app-id", APP_ID,
                 "--installation-id", "per_org", "--private-key-file", str(pem), "--json"]) == 0
    planned = capsys.readouterr()
    assert json.loads(planned.out)["counts"]["installations"] == {"1": ["acme"], "2": ["globex"]}
    assert {r.installation for r in sim.requests if r.kind == "graphql"} == {"1", "2"}
    assert key_pair[0].splitlines()[1] not in planned.out + planned.err


def namespace(**flags):
    return argparse.Namespace(**{key: flags.get(key) for key, _, _ in local_auth.APP_FLAGS})


def test_gh_auth_token_is_used_when_no_token_is_set(monkeypatch):
    monkeypatch.setattr(local_auth.shutil, "which", lambda name: "/usr/bin/gh")
    ran = []

    def gh(argv, **kwargs):
        ran.append(argv)
        return subprocess.CompletedProcess(argv, 0, stdout="gho_from_gh\n", stderr="")

    credential = local_auth.local_credential(namespace(), {}, run=gh)
    assert ran == [["gh", "auth", "token"]] and credential.environ == {"GITHUB_TOKEN": "gho_from_gh"}
    assert "gho_from_gh" not in credential.source
    # GITHUB_TOKEN wins over gh; gh logged out (exit 1) is no credential
    assert local_auth.local_credential(namespace(), {"GITHUB_TOKEN": "ghp_x"}, run=gh).source == "GITHUB_TOKEN"
    logged_out = lambda argv, **kw: subprocess.CompletedProcess(argv, 1, stdout="", stderr="not logged in")  # noqa: E731
    with pytest.raises(UserError, match="no GitHub credential: export GITHUB_TOKEN"):
        local_auth.local_credential(namespace(), {}, run=logged_out)


def test_half_an_app_or_a_bad_key_file_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(local_auth.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match=r"need all three: give --installation-id \(or GHSTATS_APP_INSTALLATION_ID\)"):
        local_auth.local_credential(namespace(app_id="1", private_key_file="k.pem"), {})
    with pytest.raises(UserError, match="--private-key-file .*missing.pem: cannot be read"):
        local_auth.local_credential(namespace(), {"GHSTATS_APP_ID": "1", "GHSTATS_APP_INSTALLATION_ID": "2",
                                                  "GHSTATS_APP_PRIVATE_KEY_FILE": str(tmp_path / "missing.pem")})
    (tmp_path / "k.pem").write_text("not a key")
    with pytest.raises(UserError, match="not a PEM private key"):
        local_auth.local_credential(namespace(app_id="1", installation_id="2", private_key_file=str(tmp_path / "k.pem")), {})
