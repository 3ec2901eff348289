"""bench/results.md is put together from several steps: the main rows' report on top, each other
step's section in a fixed order, and the sections of steps that did not run this time kept."""

from __future__ import annotations

from bench.results_file import compose, replace_section

HEADINGS = ("## Points", "## Orgs", "## Time")
BEFORE = "# Results\n\n## Headline\n\nold\n\n## Orgs\n\norgs of the last run\n\n## Points\n\nold points\n"


def test_a_new_report_and_section_replace_theirs_and_the_others_stay():
    text = compose(BEFORE, HEADINGS, top="# Results\n\n## Headline\n\nnew\n",
                   sections={"## Points": "## Points\n\nnew points\n", "## Time": "## Time\n\n10 s\n"})
    assert text == ("# Results\n\n## Headline\n\nnew\n\n## Points\n\nnew points\n\n"
                    "## Orgs\n\norgs of the last run\n\n## Time\n\n10 s\n")


def test_without_a_new_report_the_old_one_stays_on_top():
    text = compose(BEFORE, HEADINGS, sections={"## Orgs": "## Orgs\n\nnew orgs\n"})
    assert text.startswith("# Results\n\n## Headline\n\nold\n\n## Points\n\nold points\n\n## Orgs\n\nnew orgs\n")


def test_replace_section_replaces_in_place_or_appends():
    once = replace_section(BEFORE, "## Orgs\n\nnew orgs\n", "## Orgs")
    assert "orgs of the last run" not in once and once.index("## Orgs") < once.index("## Points")
    assert replace_section(once, "## Time\n\n1 s\n", "## Time").endswith("old points\n\n## Time\n\n1 s\n")


def test_results_md_carries_a_summary_of_make_bench_scale(tmp_path):
    import json
    import shutil
    from pathlib import Path

    from bench.report import SCALE_HEADING
    from bench.runner import summarise_scale

    bench = Path(__file__).resolve().parents[2] / "bench"
    shutil.copy(bench / "results-scale.json", tmp_path / "results-scale.json")
    (tmp_path / "results.md").write_text("# Benchmark results\n\n## Headline\n\n- x\n")
    data = json.loads((tmp_path / "results-scale.json").read_text())
    [row] = [r for r in data["rows"] if r["approach"] == "ghstats"]
    summarise_scale(tmp_path / "results-scale.md")  # as make bench-scale does after writing its own file
    summarise_scale(tmp_path / "results.md")  # and make bench after results.md: replaced, not added twice
    text = (tmp_path / "results.md").read_text()
    assert text.count(SCALE_HEADING) == 1 and text.startswith("# Benchmark results\n\n## Headline\n\n- x\n")
    assert f"**{row['scale']:,} repositories**: ghstats {row['github']['requests']:,} requests" in text
    assert "(results-scale.md)" in text and "(within 5%)" in text and "not** within" not in text
