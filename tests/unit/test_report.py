"""The report's parts: text from GitHub is escaped, the trend index keeps each run once, the
latest copy moves only forward, and the buckets' edges."""

from __future__ import annotations

from datetime import datetime, timezone

from ghstats.collectors.alert_report import age_bucket
from ghstats.collectors.repository_stats.report import merge_share, push_bucket
from ghstats.report import trend
from ghstats.report.blocks import Chart, Figures, Section, Table
from ghstats.report.render import render
from ghstats.report.write import write_report
from ghstats.collect.record_disk import RecordDisk
from ghstats.run_diff import compare_with_previous
from tests.report_html import read_report
from tests.unit.test_aggregate import DictStore

RUN = {"run_id": "r1", "status": "SUCCEEDED", "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:01:00Z"}
DAY = 86_400


def test_text_from_github_is_escaped_in_tables_and_charts():
    hostile = '<script>alert("x")</script>'
    html = render(title=f"GitHub statistics: {hostile}", run=RUN, sections=[Section("s", "S", [
        Table("t", ["repository"], [[hostile]]),
        Chart("c", "bar", [hostile], {"n": [1]}, "label"),
        Figures({hostile: 1}),
    ])])
    assert hostile not in html and "&lt;script&gt;" in html
    assert html.count("<script>") == 1  # the page's own sort-and-filter script only


def test_a_section_without_blocks_is_left_out_and_cells_read_as_numbers():
    html = render(title="t", run=RUN, sections=[Section("empty", "Empty"), Section("s", "S", [
        Table("t", ["name", "count", "share", "flag", "none"], [["a", 1234, 4.25, True, None]])])])
    report = read_report(html)
    assert report.sections == ["s"]
    assert report.tables[("s", "t")][1] == ["a", "1,234", "4.2", "yes", "–"]
    assert 'data-sort="1234"' in html and 'data-sort="4.25"' in html


def point(run_id, started_at, collection="default"):
    return {"run_id": run_id, "started_at": started_at, "collection": collection, "repositories": 1}


def test_the_trend_index_keeps_each_run_once_oldest_first_and_a_collections_own():
    index = trend.with_point(None, point("b", "2026-01-02"))
    index = trend.with_point(index, point("a", "2026-01-01"))
    index = trend.with_point(index, {**point("b", "2026-01-02"), "repositories": 2})  # a re-run of b
    index = trend.with_point(index, point("other", "2026-01-03", "nightly"))
    assert [(p["run_id"], p["repositories"]) for p in index["runs"]] == [("a", 1), ("b", 2), ("other", 1)]
    assert [p["run_id"] for p in trend.of_collection(index, point("a", "2026-01-01"))] == ["a"]  # not later runs
    assert [p["run_id"] for p in trend.of_collection(index, point("b", "2026-01-02"))] == ["a", "b"]
    for n in range(trend.KEPT + 5):
        index = trend.with_point(index, point(f"x{n:04}", f"2027-01-01T{n:05}"))
    assert len(index["runs"]) == trend.KEPT and index["runs"][-1]["run_id"] == f"x{trend.KEPT + 4:04}"


def summary(run_id, started_at):
    return {"run_id": run_id, "started_at": started_at, "finished_at": started_at, "status": "SUCCEEDED",
            "duration_s": 1.0, "repos_total": 0, "repos_ok": 0, "repos_failed": 0, "collectors": {},
            "config": {"orgs": ["acme"]},
            "api": {"requests": 1, "listing_requests": 1, "batch_requests": 0, "points_used": 1}}


def write(store, run_id, started_at):
    """A run's report as Aggregate writes it: compared with the previous run, then rendered."""
    done = summary(run_id, started_at)
    with RecordDisk() as disk:
        comparison = compare_with_previous(store, done, {}, disk)
    write_report(store, f"runs/{run_id}/report.html", done, {}, {}, [], {}, comparison)


def test_latest_report_moves_only_forward():
    store = DictStore()
    write(store, "new", "2026-01-02T00:00:00Z")
    write(store, "old", "2026-01-01T00:00:00Z")  # a redrive
    assert "new" in store.objects["latest/report.html"] and store.objects["latest/report.run.json"]["run_id"] == "new"
    assert "old" in store.objects["runs/old/report.html"]
    assert [p["run_id"] for p in store.objects["latest/trend.json"]["runs"]] == ["old", "new"]
    # the old run's trends end at the old run
    assert read_report(store.objects["runs/old/report.html"]).tables[("trends", "Runs")][1][0] == "old"


def days_ago(days, now):
    return datetime.fromtimestamp(now - days * DAY, tz=timezone.utc).isoformat()


def test_bucket_edges():
    now = 1_000 * DAY
    assert push_bucket({"pushed_at": None}, now) == "never pushed"
    assert [push_bucket({"pushed_at": days_ago(d, now)}, now) for d in (30, 31, 90, 365, 366)] == [
        "within 30 days", "31–90 days", "31–90 days", "91–365 days", "over a year"]
    assert [age_bucket(d) for d in (7, 7.1, 30, 90, 365, 400)] == [
        "up to 7 days", "8–30 days", "8–30 days", "31–90 days", "91–365 days", "over a year"]
    assert merge_share(3, 1) == 75.0 and merge_share(0, 0) is None
