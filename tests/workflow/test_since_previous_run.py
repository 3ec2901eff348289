"""What changed since the previous run, through the real workflow: counts in summary.json and in
the execution's result (RunCompleted's detail), the changes themselves in the report."""

from __future__ import annotations

import json

from ghstats import names
from ghstats_cli.local_aws import BUCKET
from tests.report_html import read_report
from tests.workflow.helpers import only_collectors

ONLY = only_collectors("repository_stats", "repository_policy")


def test_a_second_run_counts_what_changed_since_the_first(make_sim, local_aws):
    sim = make_sim({"acme": 30})
    config = {"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY}
    first = local_aws.run(config)
    assert first.status == "SUCCEEDED", first.cause
    assert local_aws.get_json(names.summary_key(first.run_id))["since_previous_run"] is None
    repos = [r for r in sim.dataset.repos("acme") if not r.is_archived]
    renamed, deleted, archived, starred = repos[0], repos[1], repos[2], repos[3]
    old_name, stars = renamed.name_with_owner, starred.stargazers
    sim.rename_repo(old_name, "renamed-now")
    sim.delete_repo(deleted.name_with_owner)
    sim.add_repo("acme", "brand-new")
    sim.update_repo(archived.name_with_owner, is_archived=True)
    sim.update_repo(starred.name_with_owner, stargazers=stars + 500)

    second = local_aws.run(config)
    assert second.status == "SUCCEEDED", second.cause
    since = local_aws.get_json(names.summary_key(second.run_id))["since_previous_run"]
    counts = since["counts"]["repository_stats"]
    assert since["run_id"] == first.run_id
    assert {k: counts[k] for k in ("added", "removed", "renamed", "archived", "unarchived", "visibility_changed")} == {
        "added": 1, "removed": 1, "renamed": 1, "archived": 1, "unarchived": 0, "visibility_changed": 0}
    assert "repository_policy" in since["counts"]
    assert second.output["since_previous_run"] == since  # what RunCompleted's detail carries
    assert len(json.dumps(since)) < 2_000  # counts, not lists

    report = read_report(local_aws.s3.get_object(Bucket=BUCKET, Key=names.report_key(second.run_id))["Body"]
                         .read().decode())
    changes = report.tables[("changes", "Every change")]
    assert ["repository_stats", "renamed", f"{old_name} → acme/renamed-now", "–"] in changes
    assert ["repository_stats", "removed", deleted.name_with_owner, "–"] in changes
    assert ["repository_stats", "stars movers", starred.name_with_owner,
            f"{stars} → {stars + 500} (+500)"] in changes
