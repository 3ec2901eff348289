"""README's queries, run by DuckDB over the demo's output folder, answer what the simulator's
truth says (every query README shows is here: a block without a test fails)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ghstats_cli.main import main
from ghstats_cli.queries import readme_queries, run

TESTED = {"stale_repositories", "stars_over_time", "critical_alerts_by_team", "outside_admins", "traffic_top_10"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo run's folder and its records per collector (the run's own JSON documents)."""
    from unittest import mock

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    out = tmp_path_factory.mktemp("demo")
    with mock.patch.object(retrier_decl, "time"):
        assert main(["demo", "--orgs", "acme:150,globex:40", "--out", str(out)]) == 0
    [run_dir] = (out / "s3" / "runs").iterdir()
    records = {p.stem: json.loads(p.read_text()) for p in run_dir.glob("*.json")}
    return out, run_dir.name, records


def records_of(demo, collector):
    document = demo[2][collector]
    return list((document.get("records") or document.get("repositories")).values())


def test_every_readme_query_is_tested():
    assert set(readme_queries()) == TESTED


def test_stale_repositories(demo):
    got = run(demo[0], readme_queries()["stale_repositories"])
    expected = sorted(((r["name_with_owner"], r["pushed_at"]) for r in records_of(demo, "repositories")
                       if not r["is_archived"] and r["pushed_at"] and r["pushed_at"] < "2025-01-01"),
                      key=lambda e: (e[1], e[0]))
    # DuckDB reads ISO dates as timestamps (Athena, declared string, keeps the text): compare the instants
    as_text = [(g["name_with_owner"], g["pushed_at"].strftime("%Y-%m-%dT%H:%M:%SZ")) for g in got]
    assert expected and as_text == expected


def test_stars_over_time(demo):
    got = run(demo[0], readme_queries()["stars_over_time"])
    stars = Counter()
    for record in records_of(demo, "repositories"):
        stars[record["owner"]] += record["stars"]
    assert {(g["run_id"], g["owner"]): g["stars"] for g in got} == {(demo[1], o): n for o, n in stars.items()}


def test_critical_alerts_by_team(demo):
    got = run(demo[0], readme_queries()["critical_alerts_by_team"])
    critical = Counter(a["repository"] for a in records_of(demo, "dependabot_alerts")
                       if a["state"] == "open" and a["severity"] == "critical")
    expected = Counter()
    for grant in records_of(demo, "teams"):
        if grant["kind"] == "team_repository" and critical[grant["repository"]]:
            expected[(grant["org"], grant["team"])] += critical[grant["repository"]]
    assert expected and {(g["org"], g["team"]): g["open_critical"] for g in got} == dict(expected)
    assert [g["open_critical"] for g in got] == sorted((g["open_critical"] for g in got), reverse=True)


def test_outside_admins(demo):
    got = run(demo[0], readme_queries()["outside_admins"])
    expected = sorted((c["repository"], c["login"]) for c in records_of(demo, "outside_collaborators")
                      if c["kind"] == "repository_collaborator" and c["outside"] and c["permission"] == "admin")
    assert [(g["repository"], g["login"]) for g in got] == expected


def test_traffic_top_10(demo):
    got = run(demo[0], readme_queries()["traffic_top_10"])
    views = Counter()
    for row in records_of(demo, "traffic"):
        if row["kind"] == "day":
            views[row["repository"]] += row["views"]
    expected = sorted(views.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(g["repository"], g["views"]) for g in got] == expected and all(g["days"] == 14 for g in got)
