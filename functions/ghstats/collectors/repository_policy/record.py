"""The flat JSON record of one repository's policy facts (README, "Output records").

What GitHub showed, nothing judged: the verdict (verdict.py) is worked out at aggregation, when
the run's thresholds and clock are known. A fact GitHub did not show is None, never False.
"""

from __future__ import annotations

import re
from typing import Any

SCHEMA_VERSION = 1
RULESETS_ASKED = 5  # the fragment's rulesets(first: 5): more than that and the rulesets seen are not all

# The files a reader looks for, as GitHub finds them: root, .github/ or docs/ (CODEOWNERS,
# SECURITY, CONTRIBUTING); README and LICENSE in the root (or .github/ for README).
FILES = {
    "readme": (re.compile(r"^readme(\.[a-z0-9]+)?$", re.I), ("root", "github", "docs")),
    "license": (re.compile(r"^(licen[cs]e|copying)(\.[a-z0-9]+)?$", re.I), ("root",)),
    "codeowners": (re.compile(r"^codeowners$", re.I), ("root", "github", "docs")),
    "security_policy": (re.compile(r"^security(\.[a-z0-9]+)?$", re.I), ("root", "github", "docs")),
    "contributing": (re.compile(r"^contributing(\.[a-z0-9]+)?$", re.I), ("root", "github", "docs")),
}
_TREES = {"root": "rootFiles", "github": "githubFiles", "docs": "docsFiles"}


def _blobs(tree: dict[str, Any] | None) -> list[str]:
    return [e["name"] for e in (tree or {}).get("entries") or [] if e and e.get("type") == "blob"]


def _files(node: dict[str, Any]) -> dict[str, bool | None]:
    """Which policy files the default branch has; None for all when it has no commit (empty repo)."""
    if node.get("rootFiles") is None:
        return {name: None for name in FILES}
    names = {where: _blobs(node.get(field)) for where, field in _TREES.items()}
    return {name: any(pattern.match(n) for where in places for n in names[where])
            for name, (pattern, places) in FILES.items()}


def _applies_to_default(ruleset: dict[str, Any], branch: str | None) -> bool:
    if ruleset.get("enforcement") != "ACTIVE" or ruleset.get("target") != "BRANCH" or branch is None:
        return False
    ref = ((ruleset.get("conditions") or {}).get("refName") or {})
    names = {"~ALL", "~DEFAULT_BRANCH", f"refs/heads/{branch}"}
    return bool(names & set(ref.get("include") or [])) and not (names & set(ref.get("exclude") or []))


def _protection(node: dict[str, Any], branch: str | None) -> dict[str, Any]:
    """What protects the default branch, from its branch protection rule and the active rulesets
    that target it (either is enough for a protection to count)."""
    rule = (node.get("policyBranch") or {}).get("branchProtectionRule")
    rulesets = [r for r in ((node.get("rulesets") or {}).get("nodes") or []) if r and _applies_to_default(r, branch)]
    rules = [x for r in rulesets for x in ((r.get("rules") or {}).get("nodes") or []) if x]
    types = {x.get("type") for x in rules}
    reviews = [int((x.get("parameters") or {}).get("requiredApprovingReviewCount") or 0)
               for x in rules if x.get("type") == "PULL_REQUEST"]
    if rule and rule.get("requiresApprovingReviews"):
        reviews.append(int(rule.get("requiredApprovingReviewCount") or 0))
    sources = [s for s, present in (("branch_protection_rule", rule), ("ruleset", rulesets)) if present]
    return {
        "protected": bool(sources),
        "sources": sources,
        "rulesets": [r.get("name") for r in rulesets],
        "required_reviews": max(reviews) if reviews else 0,
        "code_owner_reviews": bool(rule and rule.get("requiresCodeOwnerReviews"))
        or any((x.get("parameters") or {}).get("requireCodeOwnerReview") for x in rules if x.get("type") == "PULL_REQUEST"),
        "status_checks": bool(rule and rule.get("requiresStatusChecks")) or "REQUIRED_STATUS_CHECKS" in types,
        "force_push_blocked": bool(rule and rule.get("allowsForcePushes") is False) or "NON_FAST_FORWARD" in types,
        "deletion_blocked": bool(rule and rule.get("allowsDeletions") is False) or "DELETION" in types,
        "signed_commits": bool(rule and rule.get("requiresCommitSignatures")) or "REQUIRED_SIGNATURES" in types,
    }


def policy_record(key: str, node: dict[str, Any]) -> dict[str, Any]:
    """Flatten one GraphQL `RepositoryPolicy` node (`key`: the owner/name asked for)."""
    branch = (node.get("policyBranch") or {}).get("name")
    rulesets = node.get("rulesets") or {}
    permission = node.get("viewerPermission")
    return {
        "schema_version": SCHEMA_VERSION,
        "key": key,
        "repository": key,
        "default_branch": branch,
        "viewer_permission": permission,
        # branch protection rules and rulesets are shown to admins only: a repository without
        # any seen is unprotected only when the credential could have seen them
        "protection_visible": permission == "ADMIN",
        "rulesets_complete": int(rulesets.get("totalCount") or 0) <= RULESETS_ASKED,
        "is_archived": bool(node.get("isArchived")),
        "pushed_at": node.get("pushedAt"),
        "license": (node.get("policyLicense") or {}).get("spdxId"),
        "delete_branch_on_merge": node.get("deleteBranchOnMerge"),
        "vulnerability_alerts_enabled": node.get("hasVulnerabilityAlertsEnabled"),
        "security_policy_enabled": node.get("isSecurityPolicyEnabled"),
        "files": _files(node),
        "branch_protection": _protection(node, branch),
    }
