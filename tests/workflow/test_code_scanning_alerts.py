"""code_scanning_alerts through the real workflow: every alert once, every field GitHub's."""

from __future__ import annotations

from ghstats import names
from tests.workflow.helpers import only_collectors

ONLY = only_collectors("repository_stats", "code_scanning_alerts")
FIELDS = {
    "repository": lambda a: a.repository, "number": lambda a: a.number, "state": lambda a: a.state,
    "severity": lambda a: a.security_severity_level, "rule_severity": lambda a: a.rule_severity,
    "created_at": lambda a: a.created_at, "updated_at": lambda a: a.updated_at, "fixed_at": lambda a: a.fixed_at,
    "dismissed_at": lambda a: a.dismissed_at, "dismissed_reason": lambda a: a.dismissed_reason,
    "rule_id": lambda a: a.rule_id, "rule_name": lambda a: a.rule_name, "tool": lambda a: a.tool_name,
    "tool_version": lambda a: a.tool_version, "ref": lambda a: a.ref, "path": lambda a: a.path,
    "start_line": lambda a: a.start_line,
}


def test_every_alert_once_with_every_field_true_and_its_summary(make_sim, local_aws):
    sim = make_sim({"acme": 120, "globex": 30})
    outcome = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url, "collectors": ONLY})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    truth = {f"{a.repository}#{a.number}": a for org in ("acme", "globex") for a in sim.dataset.alerts(org, "code_scanning")}
    records = local_aws.get_json(names.collector_output_key(outcome.run_id, "code_scanning_alerts"))["records"]
    assert truth and set(records) == set(truth)
    for key, record in records.items():
        assert {f: record[f] for f in FIELDS} == {f: get(truth[key]) for f, get in FIELDS.items()}, key
    section = local_aws.get_json(names.summary_key(outcome.run_id))["collectors"]["code_scanning_alerts"]
    open_alerts = [a for a in truth.values() if a.state == "open"]
    assert section["open"] == len(open_alerts)
    assert section["open_by_severity"]["unrated"] == sum(a.security_severity_level is None for a in open_alerts)
    assert section["coverage"] == {"ok": 2}
