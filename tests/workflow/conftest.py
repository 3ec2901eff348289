"""Fixtures of the workflow tests that share a finished collection."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest

from ghstats_cli.main import main

REPORT_ORGS = "acme:60,globex:25"


@pytest.fixture(scope="session")
def two_demo_runs(tmp_path_factory):
    """Two demo collections (every collector the demo turns on) into one folder, one after the
    other: the second run's report has trends. (folder, [first run id, second run id])."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    out: Path = tmp_path_factory.mktemp("report-demo")
    with mock.patch.object(retrier_decl, "time"):
        for seed in (7, 8):
            assert main(["demo", "--orgs", REPORT_ORGS, "--seed", str(seed), "--out", str(out)]) == 0
    runs = sorted((p.name for p in (out / "s3" / "runs").iterdir()),
                  key=lambda r: json.loads((out / "s3" / "runs" / r / "summary.json").read_text())["started_at"])
    return out, runs
