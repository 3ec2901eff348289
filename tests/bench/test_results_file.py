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
