"""repository_policy through the real workflow: it rides the batch request beside
repository_stats (every fact against the truth: test_collector_truth.py), and what an admin alone
may see is "unknown" for everyone else, never "fail"."""

from __future__ import annotations

from ghstats import names
from simulator.policy import policy_of
from tests.workflow.helpers import only_collectors

BOTH = only_collectors("repository_stats", "repository_policy")


def test_policy_rides_the_batch_request_beside_repository_stats(make_sim, local_aws):
    sim = make_sim({"acme": 140})
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": BOTH, "batch_size": 50})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    repos = {r.name_with_owner: r for r in sim.dataset.repos("acme")}
    document = local_aws.get_json(names.collector_output_key(outcome.run_id, "repository_policy"))
    assert document["count"] == len(repos) and set(document["records"]) == set(repos)  # every field: test_collector_truth
    # one request per batch carries both collectors: 3 batches, 3 GraphQL batch requests
    summary = local_aws.get_json(names.summary_key(outcome.run_id))
    assert summary["api"]["batch_requests"] == 3
    assert local_aws.get_json(names.repositories_key(outcome.run_id))["count"] == len(repos)  # stats unchanged


def test_the_verdict_never_fails_a_rule_for_lack_of_permission(make_sim, local_aws):
    sim = make_sim({"acme": 200})
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": BOTH,
                             "collector_options": {"repository_policy": {"min_reviews": 2}}})
    assert outcome.status == "SUCCEEDED", outcome.cause
    records = local_aws.get_json(names.collector_output_key(outcome.run_id, "repository_policy"))["records"]
    repos = {r.name_with_owner: r for r in sim.dataset.repos("acme")}
    not_admin = [k for k in records if not policy_of(repos[k]).is_admin]
    assert not_admin and all(records[k]["verdict"]["rules"]["branch_protection"] != "fail" for k in not_admin)
    for key, record in records.items():
        truth = policy_of(repos[key])
        rule = truth.protection if truth.is_admin else None
        if rule and rule["requiresApprovingReviews"] and rule["requiredApprovingReviewCount"] >= 2:
            assert record["verdict"]["rules"]["code_review"] == "pass", key
        if truth.is_admin and record["default_branch"] and not record["branch_protection"]["protected"] \
                and record["rulesets_complete"]:
            assert record["verdict"]["rules"]["branch_protection"] == "fail", key
        assert record["verdict"]["failed"] == [n for n, o in record["verdict"]["rules"].items() if o == "fail"]
    section = local_aws.get_json(names.summary_key(outcome.run_id))["collectors"]["repository_policy"]
    rules = section["rules"]["branch_protection"]
    assert sum(rules.values()) == len(records) and rules["unknown"] >= len(
        [k for k in not_admin if not records[k]["branch_protection"]["protected"]])
    assert set(section["orgs"]) == {"acme"} and section["orgs"]["acme"]["repositories"] == len(records)
