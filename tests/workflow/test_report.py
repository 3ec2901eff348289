"""The run's report, written by the workflow: a section per collector that ran, its numbers the
run's own, trends from the earlier run, latest/report.html the newest run's, nothing fetched."""

from __future__ import annotations

import json
import re

from ghstats_cli.main import DEMO_OPT_IN
from tests.report_html import as_number, read_report

from ghstats.collectors import REGISTRY

ENGINE_SECTIONS = ["changes", "coverage", "run", "trends"]
REPOSITORY_SECTIONS = ["overview", "activity", "issues"]


def load(out, run_id, name):
    return json.loads((out / "s3" / "runs" / run_id / name).read_text())


def report_of(out, run_id):
    return (out / "s3" / "runs" / run_id / "report.html").read_text()


def test_every_collector_that_ran_has_its_section_in_registry_order(two_demo_runs):
    out, runs = two_demo_runs
    summary = load(out, runs[-1], "summary.json")
    ran = {"repository_stats", *summary["collectors"]}
    assert ran == {n for n, c in REGISTRY.items() if c.default_enabled} | set(DEMO_OPT_IN)
    expected = []
    for name in REGISTRY:
        if name == "repository_stats":
            expected += REPOSITORY_SECTIONS
        elif name in ran:
            expected.append(name)
    assert read_report(report_of(out, runs[-1])).sections == expected + ENGINE_SECTIONS


def test_the_numbers_are_the_runs_own(two_demo_runs):
    out, runs = two_demo_runs
    run_id = runs[-1]
    report = read_report(report_of(out, run_id))
    summary = load(out, run_id, "summary.json")
    repositories = load(out, run_id, "repositories.json")["repositories"]
    assert as_number(report.figures[("overview", "repositories")]) == len(repositories) == summary["totals"]["repos"]
    owners = report.tables[("overview", "Totals by owner")]
    assert owners[0][:2] == ["owner", "repositories"]
    assert {row[0]: as_number(row[1]) for row in owners[1:]} == {o: c["repos"] for o, c in summary["owners"].items()}
    # every chart has its numbers beside it: the visibility chart's table adds up to every repository
    visibility = report.tables[("overview", "Repositories by owner and visibility")]
    assert sum(as_number(cell) for row in visibility[1:] for cell in row[1:]) == len(repositories)
    # alerts past their SLO: one row each, as many as the summary counts
    dependabot = summary["collectors"]["dependabot_alerts"]
    breaching = report.tables[("dependabot_alerts", "Open past their SLO")]
    assert len(breaching) - 1 == sum(dependabot["slo_breaches"].values()) > 0
    assert as_number(report.figures[("dependabot_alerts", "open")]) == dependabot["open"]
    # coverage: archived repositories' traffic is not applicable, and counted so
    coverage = load(out, run_id, "coverage.json")["entries"]
    by_collector = {row[0]: row for row in report.tables[("coverage", "Coverage by collector")]}
    header = by_collector.pop("collector")
    column = header.index("not_applicable")
    assert as_number(by_collector["traffic"][column]) == sum(
        1 for e in coverage if e["collector"] == "traffic" and e["status"] == "not_applicable") > 0
    requests = {row[0]: row[1] for row in report.tables[("run", "GitHub requests and points by bucket")]}
    assert as_number(requests["repository batches (GraphQL)"]) == summary["api"]["batch_requests"]


def test_trends_come_from_the_earlier_runs_and_latest_is_the_newest_report(two_demo_runs):
    out, runs = two_demo_runs
    first, second = (read_report(report_of(out, r)) for r in runs)
    assert len(first.tables[("trends", "Runs")]) - 1 == 1  # one run: no trend charts yet
    trend_runs = second.tables[("trends", "Runs")]
    assert [row[0] for row in trend_runs[1:]] == list(reversed(runs))
    stars = {row[0]: as_number(row[4]) for row in trend_runs[1:]}
    assert stars == {r: load(out, r, "summary.json")["totals"]["stars"] for r in runs}
    assert ("trends", "Stars") in second.tables and ("trends", "Open alerts") in second.tables
    assert (out / "s3" / "latest" / "report.html").read_text() == report_of(out, runs[-1])
    index = json.loads((out / "s3" / "latest" / "trend.json").read_text())
    assert [p["run_id"] for p in index["runs"]] == runs


def test_the_report_loads_nothing_from_anywhere(two_demo_runs):
    out, runs = two_demo_runs
    html = report_of(out, runs[-1])
    assert not re.search(r"<script[^>]+src|<link|@import|url\(|<img|<iframe", html)
    # the only absolute URLs are the SVG namespace pygal declares (a name, never fetched)
    assert set(re.findall(r"(?:src|href)=\"(https?:[^\"]*)", html)) == set()
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_diff_compares_the_last_two_runs_as_the_second_runs_summary_counts(two_demo_runs, capsys):
    from ghstats_cli.main import main

    out, runs = two_demo_runs
    assert main(["diff", "--data", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    since = load(out, runs[-1], "summary.json")["since_previous_run"]
    assert (result["from"], result["to"]) == (runs[0], runs[1]) == (since["run_id"], runs[1])
    assert result["counts"] == since["counts"] and result["counts"]["repository_stats"]["added"] > 0
    assert main(["diff", runs[1], runs[0], "--data", str(out)]) == 0  # either way round, as text
    text = capsys.readouterr().out
    assert text.startswith(f"from run {runs[1]} to run {runs[0]}") and "repository_stats" in text
    assert main(["diff", runs[0], "--data", str(out)]) == 2
    assert main(["diff", "nope", runs[0], "--data", str(out)]) == 2
    assert "run nope has no outputs" in capsys.readouterr().err
