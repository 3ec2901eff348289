"""dependabot_alerts through the real workflow: every alert of the run's repositories once, every
field the simulator's truth, coverage instead of failure, REST paging resumed at its page."""

from __future__ import annotations

from datetime import datetime

import pytest

from ghstats import names
from ghstats.config import DEFAULT_SLO_DAYS
from tests.workflow.helpers import only_collectors, org_keys

ONLY = only_collectors("repository_stats", "dependabot_alerts")



def alerts_output(aws, run_id):
    return aws.get_json(names.collector_output_key(run_id, "dependabot_alerts"))


def truth(sim, org, keep=lambda alert: True):
    return {f"{a.repository}#{a.number}": a for a in sim.dataset.alerts(org, "dependabot") if keep(a)}


def test_every_alert_of_the_runs_repositories_once_with_its_summary(make_sim, local_aws):
    # Given two orgs, one repository excluded
    sim = make_sim({"acme": 120, "globex": 40})
    alerts = truth(sim, "acme")
    excluded = next(a.repository for a in alerts.values())
    outcome = local_aws.run({"orgs": [{"name": "acme", "exclude": [excluded]}, "globex"], "api_url": sim.url,
                             "collectors": ONLY})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    # Then every alert but the excluded repository's is there once (each field: test_collector_truth.py)
    expected = {k: a for k, a in {**alerts, **truth(sim, "globex")}.items() if a.repository != excluded}
    document = alerts_output(local_aws, outcome.run_id)
    assert document["count"] == len(expected) and set(document["records"]) == set(expected)
    for key, record in document["records"].items():
        assert record["schema_version"] == 1 and record["key"] == key
    # and one paged walk per org: ceil(alerts / 100) REST requests each, none repeated
    pages = -(-len(alerts) // 100) + max(1, -(-len(truth(sim, "globex")) // 100))
    assert sim.count(kind="rest") == pages
    # and coverage says ok for each org, the summary counts open alerts by severity
    coverage = local_aws.get_json(names.coverage_key(outcome.run_id))["entries"]
    assert coverage == [{"org": "acme", "collector": "dependabot_alerts", "status": "ok"},
                        {"org": "globex", "collector": "dependabot_alerts", "status": "ok"}]
    summary = local_aws.get_json(names.summary_key(outcome.run_id))["collectors"]["dependabot_alerts"]
    open_alerts = [a for a in expected.values() if a.state == "open"]
    assert summary["records"] == len(expected) and summary["open"] == len(open_alerts)
    for severity in ("critical", "high", "medium", "low"):
        assert summary["open_by_severity"][severity] == sum(a.advisory.severity == severity for a in open_alerts)
    # and the dataset, and latest/, carry the same records
    assert local_aws.get_json(names.latest_collector_key("dependabot_alerts"))["records"] == document["records"]
    run = local_aws.ledger().get_run(outcome.run_id)
    assert run["output_keys"]["dependabot_alerts"] == names.collector_output_key(outcome.run_id, "dependabot_alerts")


def test_slo_breaches_follow_the_configs_days(make_sim, local_aws):
    sim = make_sim({"acme": 120})
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY,
                             "slo_days": {"critical": 1, "high": 1, "medium": 1, "low": 1}})
    summary = local_aws.get_json(names.summary_key(outcome.run_id))
    section = summary["collectors"]["dependabot_alerts"]
    finished = datetime.fromisoformat(summary["finished_at"].replace("Z", "+00:00")).timestamp()
    old = [a for a in truth(sim, "acme").values() if a.state == "open"
           and finished - datetime.fromisoformat(a.created_at.replace("Z", "+00:00")).timestamp() > 86_400]
    assert old and sum(section["slo_breaches"].values()) == len(old)
    assert section["slo_days"] == {"critical": 1, "high": 1, "medium": 1, "low": 1}
    default = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY})
    assert local_aws.get_json(names.summary_key(default.run_id))["collectors"]["dependabot_alerts"]["slo_days"] == DEFAULT_SLO_DAYS


@pytest.mark.parametrize("setting, status", [("access", "forbidden"), ("features", "disabled")])
def test_no_permission_or_the_feature_off_is_coverage_not_failure(make_sim, local_aws, engine_delays, setting, status):
    # Given a token that may not read acme's Dependabot alerts (or Dependabot off in acme)
    sim = make_sim({"acme": 60, "globex": 40})
    getattr(sim, f"set_alert_{setting}")("acme", set())
    outcome = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url, "collectors": ONLY})
    # Then the run goes on and ends PARTIAL, with acme's coverage entry saying why and what to grant
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    [acme, globex] = local_aws.get_json(names.coverage_key(outcome.run_id))["entries"]
    assert (acme["org"], acme["status"], globex["status"]) == ("acme", status, "ok")
    assert acme["message"]
    if status == "forbidden":
        assert acme["grant"] == "vulnerability_alerts=read"
    # and nothing was retried, no acme alert is in the output, repository statistics are complete
    assert engine_delays.retries == [] and len([r for r in sim.requests if "/orgs/acme/" in r.path]) == 1
    records = alerts_output(local_aws, outcome.run_id)["records"]
    assert records and not any(k.startswith("acme/") for k in records)
    assert set(local_aws.get_json(names.repositories_key(outcome.run_id))["repositories"]) == org_keys(sim, "acme") | org_keys(sim, "globex")


def test_a_rate_limited_page_is_waited_for_and_the_walk_goes_on_from_it(make_sim, local_aws, engine_delays):
    from simulator import Fault

    sim = make_sim({"acme": 120})
    pages = -(-len(truth(sim, "acme")) // 100)
    assert pages >= 2
    sim.add_fault(Fault("secondary_403", on_request=2, retry_after=45, api="rest"))  # the walk's second page
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY})
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert engine_delays.waits == [45]
    # the limited page once more, no other again (a walk started over would be pages + 2)
    assert sim.count(kind="rest") == pages + 1
    assert set(alerts_output(local_aws, outcome.run_id)["records"]) == set(truth(sim, "acme"))
    summary = local_aws.get_json(names.summary_key(outcome.run_id))
    assert summary["api"]["rest_requests"] == pages + 1


def test_a_collector_switched_off_sends_nothing(make_sim, local_aws):
    sim = make_sim({"acme": 30})
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": only_collectors("repository_stats")})
    assert outcome.status == "SUCCEEDED" and sim.count(kind="rest") == 0
    assert local_aws.get_json(names.collector_output_key(outcome.run_id, "dependabot_alerts")) is None
    assert local_aws.get_json(names.coverage_key(outcome.run_id))["entries"] == []


def test_the_ledger_keeps_each_collectors_counts_and_status_shows_them(make_sim, local_aws):
    from ghstats_cli import report

    sim = make_sim({"acme": 60, "globex": 20})
    sim.set_alert_access("globex", set())
    outcome = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url, "collectors": ONLY})
    run = local_aws.ledger().get_run(outcome.run_id)
    found = len(alerts_output(local_aws, outcome.run_id)["records"])
    assert run["collectors"] == {"repository_stats": {"records": 80, "failed": 0},
                                 "dependabot_alerts": {"records": found, "ok": 1, "forbidden": 1}}
    assert run["rest_requests"] == sim.count(kind="rest") and run["requests"] == sim.count()
    detail = report.run_detail(run, local_aws.ledger().get_batches(outcome.run_id))
    rows = {line.split()[0]: line.split()[1:] for line in detail.splitlines()
            if line.split() and line.split()[0] in run["collectors"]}
    assert rows == {"repository_stats": ["80", "0"], "dependabot_alerts": [str(found), "1", "1"]}  # records, (failed,) ok, forbidden


def test_a_rerun_walks_only_the_org_items_without_a_result(make_sim, local_aws, engine_delays):
    from simulator import Fault

    # Given a run whose globex walk was refused for good (after the batches and acme's walk)
    sim = make_sim({"acme": 60, "globex": 20})
    sim.add_fault(Fault("unauthorized", api="rest", org="globex"))
    config = {"orgs": ["acme", "globex"], "api_url": sim.url, "collectors": ONLY, "max_concurrency": 1,
              "rest_concurrency": 1, "run_id": "weekly"}
    assert local_aws.run(config, name="first").status == "FAILED"
    done = {i for i in ("dependabot_alerts.acme", "dependabot_alerts.globex")
            if local_aws.get_json(names.org_result_key("weekly", i)) is not None}
    assert done == {"dependabot_alerts.acme"}
    # When the run is taken up again
    sim.clear_faults()
    sim.reset_records()
    outcome = local_aws.run(config, name="second")
    # Then GitHub is asked only for the walk that had no result: no listing, no batch, no acme page
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert sim.count(kind="graphql") == 0
    assert {r.path for r in sim.requests} == {"/orgs/globex/dependabot/alerts"}
    records = alerts_output(local_aws, "weekly")["records"]
    assert set(records) == set(truth(sim, "acme")) | set(truth(sim, "globex"))


def test_the_summary_says_what_was_opened_fixed_and_dismissed_since_the_previous_run(make_sim, local_aws):
    sim = make_sim({"acme": 120})
    config = {"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY}
    first = local_aws.run(config, name="first")
    section = local_aws.get_json(names.summary_key(first.run_id))["collectors"]["dependabot_alerts"]
    assert section["since_previous_run"] is None  # no earlier run
    # Given the previous run dated back to 2025-01-01 (the simulator's alerts are all in the past)
    pointer = names.latest_collector_run_key("dependabot_alerts")
    local_aws.dependencies().store.put_json(pointer, {"run_id": "first", "started_at": "2025-01-01T00:00:00Z"})
    second = local_aws.run(config, name="second")
    since = local_aws.get_json(names.summary_key(second.run_id))["collectors"]["dependabot_alerts"]["since_previous_run"]
    alerts = truth(sim, "acme").values()
    assert since == {"previous_run_id": "first", "previous_started_at": "2025-01-01T00:00:00Z",
                     "opened": sum(a.created_at > "2025-01-01T00:00:00Z" for a in alerts),
                     "fixed": sum((a.fixed_at or "") > "2025-01-01T00:00:00Z" for a in alerts),
                     "dismissed": sum((a.dismissed_at or "") > "2025-01-01T00:00:00Z" for a in alerts)}
    assert since["opened"] > 0 and since["fixed"] > 0
