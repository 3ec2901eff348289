"""python -m simulator: serves until Ctrl-C, printing its URL and token."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

from simulator.__main__ import parse_orgs

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_parse_orgs():
    assert parse_orgs("acme:500,globex:120") == {"acme": 500, "globex": 120}


def test_cli_serves_then_stops_on_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--orgs", "acme:12,globex:3", "--seed", "1",
         "--token", "ghp_cli_token", "--latency-ms", "0", "--deny", "members:globex"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", first)
        assert match, first
        url = match[1]
        lines = [process.stdout.readline() for _ in range(5)]
        assert any("ghp_cli_token" in line for line in lines)
        assert any(line.startswith("repositories of acme, e.g. acme/") for line in lines)
        assert "denied: members in globex\n" in lines
        response = requests.post(url + "/graphql", json={"query": '{ organization(login: "acme") { repositories { totalCount } } }'},
                                 headers={"Authorization": "bearer ghp_cli_token"}, timeout=10)
        assert response.json() == {"data": {"organization": {"repositories": {"totalCount": 12}}}}
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
