"""code_scanning_alerts through the real workflow: every alert once and its summary (every field:
test_collector_truth.py)."""

from __future__ import annotations

from ghstats import names
from tests.workflow.helpers import only_collectors

ONLY = only_collectors("repository_stats", "code_scanning_alerts")


def test_every_alert_once_and_its_summary(make_sim, local_aws):
    sim = make_sim({"acme": 120, "globex": 30})
    outcome = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url, "collectors": ONLY})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    truth = {f"{a.repository}#{a.number}": a for org in ("acme", "globex") for a in sim.dataset.alerts(org, "code_scanning")}
    records = local_aws.get_json(names.collector_output_key(outcome.run_id, "code_scanning_alerts"))["records"]
    assert truth and set(records) == set(truth)  # every field: test_collector_truth.py
    section = local_aws.get_json(names.summary_key(outcome.run_id))["collectors"]["code_scanning_alerts"]
    open_alerts = [a for a in truth.values() if a.state == "open"]
    assert section["open"] == len(open_alerts)
    assert section["open_by_severity"]["unrated"] == sum(a.security_severity_level is None for a in open_alerts)
    assert section["coverage"] == {"ok": 2}
