"""security_settings through the real workflow: settings where the credential is admin, unknown
(never "disabled") elsewhere, the summary's counts from the same truth, and a second run answered
with free 304s."""

from __future__ import annotations

from ghstats import names
from simulator import truth
from simulator.policy import policy_of
from tests.conftest import TOKEN
from tests.workflow.helpers import only_collectors

ONLY = only_collectors("repository_stats", "security_settings")


def test_settings_where_admin_unknown_elsewhere_and_a_second_run_costs_nothing(make_sim, local_aws):
    sim = make_sim({"acme": 40})
    first = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY})
    assert first.status == "SUCCEEDED" and first.output["status"] == "SUCCEEDED", first.cause
    records = local_aws.get_json(names.collector_output_key(first.run_id, "security_settings"))["records"]
    scope = {r.name_with_owner for r in sim.dataset.repos("acme")}
    assert truth.mismatches("security_settings", records, sim, ["acme"], scope) == []
    admin = {r.name_with_owner for r in sim.dataset.repos("acme") if policy_of(r).is_admin}
    assert admin and admin != scope  # both cases are in the data
    assert all(records[k]["secret_scanning"] is None for k in scope - admin)  # not visible is not "disabled"
    summary = local_aws.get_json(names.summary_key(first.run_id))["collectors"]["security_settings"]
    scanning = summary["orgs"]["acme"]["secret_scanning"]
    assert scanning["unknown"] == len(scope - admin) and scanning["enabled"] + scanning["disabled"] == len(admin)
    assert summary["secret_scanning_without_push_protection"] == sorted(
        (k for k, r in records.items() if r["secret_scanning"] == "enabled" and r["push_protection"] == "disabled"),
        key=str.lower)
    used = sim.rate_limit(TOKEN, "core").used
    second = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY})
    assert sim.rate_limit(TOKEN, "core").used == used
    api = local_aws.get_json(names.summary_key(second.run_id))["api"]
    assert api["rest_not_modified"] == api["rest_requests"] == len(scope)


def test_the_policy_verdict_judges_secret_scanning_from_the_same_runs_settings(make_sim, local_aws):
    sim = make_sim({"acme": 30})
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url,
                             "collectors": only_collectors("repository_stats", "repository_policy", "security_settings")})
    assert outcome.status == "SUCCEEDED", outcome.cause
    settings = local_aws.get_json(names.collector_output_key(outcome.run_id, "security_settings"))["records"]
    policy = local_aws.get_json(names.collector_output_key(outcome.run_id, "repository_policy"))["records"]
    outcome_of = {"enabled": "pass", "disabled": "fail", None: "unknown"}
    assert set(policy) == set(settings)
    for key, record in policy.items():
        rules = record["verdict"]["rules"]
        assert rules["secret_scanning"] == outcome_of[settings[key]["secret_scanning"]], key
        assert rules["push_protection"] == outcome_of[settings[key]["push_protection"]], key
    assert {r["verdict"]["rules"]["secret_scanning"] for r in policy.values()} == {"pass", "fail", "unknown"}
