"""A classic token's scopes, read at its check, decide before any alert is asked for which
org-level collectors can run: the others are skipped with what to grant (or the run fails, with
strict_permissions)."""

from __future__ import annotations

from ghstats import names


def rest_paths(sim):
    return {r.path for r in sim.requests if r.kind == "rest"}


def test_collectors_a_classic_token_has_no_scope_for_are_skipped_saying_what_to_grant(make_sim, local_aws):
    # Given a classic token with repo and read:org, but not security_events
    sim = make_sim({"acme": 30}, oauth_scopes="repo, read:org")
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url})
    # Then Dependabot and code scanning are skipped (their endpoints never asked), secret scanning
    # (which repo serves) runs, and the run ends PARTIAL with the grant in the coverage
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    assert rest_paths(sim) == {"/orgs/acme/secret-scanning/alerts"}
    coverage = {e["collector"]: e for e in local_aws.get_json(names.coverage_key(outcome.run_id))["entries"]}
    assert {name: e["status"] for name, e in coverage.items()} == {
        "code_scanning_alerts": "skipped", "dependabot_alerts": "skipped", "secret_scanning_alerts": "ok"}
    assert coverage["dependabot_alerts"]["grant"] == "security_events"
    errors = local_aws.get_json(names.errors_key(outcome.run_id))
    assert any(w.startswith("dependabot_alerts skipped for acme") for w in errors["warnings"])
    summary = local_aws.get_json(names.summary_key(outcome.run_id))
    assert summary["collectors"]["dependabot_alerts"]["coverage"] == {"skipped": 1}


def test_strict_permissions_fails_the_run_naming_the_collectors_and_the_scopes(make_sim, local_aws):
    sim = make_sim({"acme": 30}, oauth_scopes="repo, read:org")
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "strict_permissions": True})
    assert outcome.status == "FAILED" and outcome.error == "GitHubAuthError"
    assert "dependabot_alerts (grant security_events)" in outcome.cause and "code_scanning_alerts" in outcome.cause
    assert rest_paths(sim) == set() and local_aws.invocations.get("QueryBatch", 0) == 0


def test_fine_grained_and_app_tokens_are_not_judged_by_scopes(make_sim, local_aws):
    sim = make_sim({"acme": 30}, oauth_scopes=None)  # no X-OAuth-Scopes: what they may read shows as coverage
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "strict_permissions": True})
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert len(rest_paths(sim)) == 3
