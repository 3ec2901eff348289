"""repository_policy's record and verdict rules, case by case."""

from __future__ import annotations

import pytest

from ghstats.collectors.repository_policy.record import policy_record
from ghstats.collectors.repository_policy.verdict import PolicyOptions, verdict

NOW = 1_795_000_000.0  # 2026-11-18
RECENT, OLD = "2026-11-01T00:00:00Z", "2025-01-01T00:00:00Z"


def tree(*names):
    return {"entries": [{"name": n, "type": "blob"} for n in names]}


def node(permission="ADMIN", rule=None, rulesets=(), root=("README.md", "LICENSE"), github=None, pushed=RECENT,
         archived=False, branch="main", total=None):
    return {"viewerPermission": permission, "isArchived": archived, "pushedAt": pushed, "deleteBranchOnMerge": True,
            "hasVulnerabilityAlertsEnabled": True, "isSecurityPolicyEnabled": False,
            "policyLicense": {"spdxId": "MIT"} if "LICENSE" in (root or ()) else None,
            "policyBranch": None if branch is None else {"name": branch, "branchProtectionRule": rule},
            "rulesets": {"totalCount": len(rulesets) if total is None else total, "nodes": list(rulesets)},
            "rootFiles": None if root is None else tree(*root), "githubFiles": github, "docsFiles": None}


def ruleset(enforcement="ACTIVE", include=("~DEFAULT_BRANCH",), exclude=(), target="BRANCH", rules=()):
    return {"name": "r", "enforcement": enforcement, "target": target,
            "conditions": {"refName": {"include": list(include), "exclude": list(exclude)}},
            "rules": {"nodes": [{"type": t, "parameters": p} for t, p in rules]}}


def outcome(n, options=PolicyOptions(), **kw):
    return verdict(policy_record("o/r", n), options, NOW)["rules"]


@pytest.mark.parametrize("rs, protected", [
    (ruleset(), True),
    (ruleset(include=("~ALL",)), True),
    (ruleset(include=("refs/heads/main",)), True),
    (ruleset(include=("refs/heads/release/*",)), False),
    (ruleset(enforcement="EVALUATE"), False),  # evaluate mode enforces nothing
    (ruleset(enforcement="DISABLED"), False),
    (ruleset(target="TAG"), False),
    (ruleset(include=("~ALL",), exclude=("~DEFAULT_BRANCH",)), False),
])
def test_only_an_active_branch_ruleset_on_the_default_branch_protects_it(rs, protected):
    record = policy_record("o/r", node(rulesets=[rs]))
    assert record["branch_protection"]["protected"] is protected
    assert verdict(record, PolicyOptions(), NOW)["rules"]["branch_protection"] == ("pass" if protected else "fail")


def test_what_only_an_admin_sees_is_unknown_for_others_never_fail():
    rules = outcome(node(permission="WRITE"))
    assert rules["branch_protection"] == rules["code_review"] == rules["force_push_blocked"] == "unknown"
    # more rulesets than asked for: an unprotected-looking branch may be protected by one not seen
    assert outcome(node(total=9))["branch_protection"] == "unknown"
    assert outcome(node())["branch_protection"] == "fail"


def test_reviews_counted_from_the_rule_or_a_pull_request_ruleset_against_min_reviews():
    rule = {"requiresApprovingReviews": True, "requiredApprovingReviewCount": 1, "allowsForcePushes": False,
            "allowsDeletions": True}
    assert outcome(node(rule=rule))["code_review"] == "pass"
    assert outcome(node(rule=rule), PolicyOptions(min_reviews=2))["code_review"] == "fail"
    two = ruleset(rules=[("PULL_REQUEST", {"requiredApprovingReviewCount": 2}), ("DELETION", None)])
    rules = outcome(node(rule=rule, rulesets=[two]), PolicyOptions(min_reviews=2))
    assert (rules["code_review"], rules["force_push_blocked"], rules["deletion_blocked"]) == ("pass", "pass", "pass")


def test_files_in_root_or_dot_github_and_an_empty_repository_is_unknown():
    rules = outcome(node(root=("readme.rst",), github=tree("CODEOWNERS", "SECURITY.md")))
    assert (rules["readme"], rules["codeowners"], rules["security_policy"], rules["license"]) == ("pass", "pass", "pass", "fail")
    empty = outcome(node(root=None, branch=None, pushed=None))
    assert empty["readme"] == empty["branch_protection"] == "unknown" and empty["maintained"] == "fail"


def test_maintained_archived_and_days_and_the_score_over_decided_rules():
    assert outcome(node(pushed=OLD))["maintained"] == "fail"
    assert outcome(node(pushed=OLD), PolicyOptions(maintained_days=1000))["maintained"] == "pass"
    assert outcome(node(archived=True))["maintained"] == "fail"
    result = verdict(policy_record("o/r", node(permission="READ")), PolicyOptions(skip_rules=["codeowners"]), NOW)
    assert "codeowners" not in result["rules"]
    passed = sum(o == "pass" for o in result["rules"].values())
    assert result["score"] == round(10 * passed / (passed + len(result["failed"])), 1)


@pytest.mark.parametrize("settings, expected", [
    (None, ("unknown", "unknown")),  # security_settings did not run
    ({"secret_scanning": None, "push_protection": None}, ("unknown", "unknown")),  # not an admin: not shown
    ({"secret_scanning": "enabled", "push_protection": "disabled"}, ("pass", "fail")),
    ({"secret_scanning": "disabled", "push_protection": "disabled"}, ("fail", "fail")),
])
def test_secret_scanning_rules_judge_the_security_settings_seen(settings, expected):
    record = {**policy_record("o/r", node()), "security_settings": settings}
    rules = verdict(record, PolicyOptions(), NOW)["rules"]
    assert (rules["secret_scanning"], rules["push_protection"]) == expected
