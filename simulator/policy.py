"""The truth about each repository's policy (branch protection, rulesets, policy files,
security settings), and how GraphQL serves it: repository_policy's simulator data.

Derived from the repository alone (its database id seeds it), so it needs no storage, stays the
same across calls, and follows the repository through renames. Who may see what follows GitHub:
branch protection rules and rulesets only for admins (others: null / no nodes), vulnerability
alerts as false for non-admins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from simulator.connections import Connection
from simulator.dataset import SimRepo

PERMISSIONS = (("ADMIN", 0.8), ("MAINTAIN", 0.05), ("WRITE", 0.1), ("READ", 0.05))
ROOT_FILES = (("README.md", 0.85), ("CONTRIBUTING.md", 0.2), ("SECURITY.md", 0.15),
              ("CODEOWNERS", 0.05))
GITHUB_FILES = (("CODEOWNERS", 0.2), ("SECURITY.md", 0.1), ("CONTRIBUTING.md", 0.05), ("dependabot.yml", 0.3))
DOCS_FILES = (("CODEOWNERS", 0.03), ("SECURITY.md", 0.03), ("index.md", 0.2))


@dataclass(frozen=True)
class SimRuleset:
    name: str
    enforcement: str  # ACTIVE, EVALUATE, DISABLED
    target: str  # BRANCH, TAG
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    rules: tuple[tuple[str, dict[str, Any] | None], ...]  # (type, PullRequestParameters or None)


@dataclass(frozen=True)
class SimPolicy:
    viewer_permission: str
    delete_branch_on_merge: bool
    vulnerability_alerts: bool
    protection: dict[str, Any] | None  # the default branch's protection rule, GraphQL field names
    rulesets: tuple[SimRuleset, ...]
    root_files: tuple[str, ...] = ()
    github_files: tuple[str, ...] = ()
    docs_files: tuple[str, ...] = ()
    dirs: tuple[str, ...] = field(default=())  # ".github", "docs" where they exist

    @property
    def is_admin(self) -> bool:
        return self.viewer_permission == "ADMIN"

    @property
    def security_policy(self) -> bool:
        return any(f == "SECURITY.md" for f in (*self.root_files, *self.github_files, *self.docs_files))


def _files(rng: random.Random, options: tuple[tuple[str, float], ...]) -> tuple[str, ...]:
    return tuple(name for name, chance in options if rng.random() < chance)


def _ruleset(rng: random.Random, index: int, branch: str) -> SimRuleset:
    roll = rng.random()
    enforcement = "ACTIVE" if roll < 0.75 else ("EVALUATE" if roll < 0.9 else "DISABLED")
    target = "BRANCH" if rng.random() < 0.85 else "TAG"
    include = (("~DEFAULT_BRANCH",), ("~ALL",), (f"refs/heads/{branch}",), ("refs/heads/release/*",))[int(rng.random() * 4)]
    rules: list[tuple[str, dict[str, Any] | None]] = []
    if rng.random() < 0.7:
        rules.append(("PULL_REQUEST", {"__typename": "PullRequestParameters",
                                       "requiredApprovingReviewCount": int(rng.random() * 3),
                                       "requireCodeOwnerReview": rng.random() < 0.3,
                                       "dismissStaleReviewsOnPush": False, "requireLastPushApproval": False,
                                       "requiredReviewThreadResolution": False}))
    for kind, chance in (("NON_FAST_FORWARD", 0.7), ("DELETION", 0.6), ("REQUIRED_STATUS_CHECKS", 0.4),
                         ("REQUIRED_SIGNATURES", 0.1)):
        if rng.random() < chance:
            rules.append((kind, None))
    return SimRuleset(f"ruleset-{index}", enforcement, target, include, (), tuple(rules))


def policy_of(repo: SimRepo) -> SimPolicy:
    """The repository's policy truth (what an admin would see)."""
    return _policy(repo.database_id, repo.default_branch, repo.is_empty, repo.license_spdx_id is not None)


@lru_cache(maxsize=200_000)
def _policy(database_id: int, default_branch: str | None, is_empty: bool, licensed: bool) -> SimPolicy:
    rng = random.Random(f"policy:{database_id}")
    roll, permission = rng.random(), "READ"
    for name, chance in PERMISSIONS:
        if roll < chance:
            permission = name
            break
        roll -= chance
    protection = None
    if default_branch is not None and rng.random() < 0.45:
        reviews = rng.random() < 0.7
        protection = {"__typename": "BranchProtectionRule", "pattern": default_branch,
                      "requiresApprovingReviews": reviews,
                      "requiredApprovingReviewCount": (1 + int(rng.random() * 2)) if reviews else 0,
                      "requiresCodeOwnerReviews": rng.random() < 0.25, "requiresStatusChecks": rng.random() < 0.5,
                      "allowsForcePushes": rng.random() < 0.1, "allowsDeletions": rng.random() < 0.1,
                      "requiresCommitSignatures": rng.random() < 0.1}
    count = 0 if default_branch is None or rng.random() < 0.7 else 1 + int(rng.random() * 2.2)
    if rng.random() < 0.01:
        count = 7  # more than repository_policy asks for: its "rulesets_complete" is false
    rulesets = tuple(_ruleset(rng, i, default_branch or "main") for i in range(count))
    empty = is_empty or default_branch is None
    root = () if empty else _files(rng, ROOT_FILES) + (("LICENSE",) if licensed else ())  # GitHub's licenseInfo reads it
    github = () if empty or rng.random() < 0.4 else _files(rng, GITHUB_FILES)
    docs = () if empty or rng.random() < 0.7 else _files(rng, DOCS_FILES)
    dirs = tuple(d for d, present in ((".github", not empty and (github or rng.random() < 0.5)),
                                      ("docs", not empty and bool(docs))) if present)
    return SimPolicy(permission, rng.random() < 0.4, rng.random() < 0.6, protection, rulesets,
                     root, github if ".github" in dirs else (), docs, dirs)


def security_and_analysis(repo: SimRepo) -> dict[str, Any]:
    """REST's `security_and_analysis` of the repository (GitHub shows it to admins only)."""
    rng = random.Random(f"security:{repo.database_id}")
    scanning = rng.random() < 0.5
    push_protection = scanning and rng.random() < 0.6
    updates = rng.random() < 0.4

    def status(on: bool) -> dict[str, str]:
        return {"status": "enabled" if on else "disabled"}

    found = {"secret_scanning": status(scanning), "secret_scanning_push_protection": status(push_protection),
             "dependabot_security_updates": status(updates)}
    if repo.is_private:
        found = {"advanced_security": status(rng.random() < 0.3), **found}
    return found


# -- GraphQL -------------------------------------------------------------------------------------


class Lazy:
    """A field value built with the field's arguments (a connection), or an error raised then."""

    __slots__ = ("build",)

    def __init__(self, build: Any):
        self.build = build


def _tree(names: tuple[str, ...], dirs: tuple[str, ...] = ()) -> dict[str, Any]:
    entries = [{"__typename": "TreeEntry", "name": n, "type": "blob", "path": n} for n in names]
    entries += [{"__typename": "TreeEntry", "name": d, "type": "tree", "path": d} for d in dirs]
    return {"__typename": "Tree", "entries": sorted(entries, key=lambda e: e["name"])}


def git_object(repo: SimRepo, args: dict[str, Any]) -> dict[str, Any] | None:
    """object(expression: "HEAD:<dir>") for the root, .github and docs trees; null elsewhere."""
    policy = policy_of(repo)
    if repo.is_empty or repo.default_branch is None:
        return None
    expression = str(args.get("expression", ""))
    path = expression.split(":", 1)[1] if ":" in expression else None
    if path == "":
        return _tree(policy.root_files, policy.dirs)
    if path == ".github" and ".github" in policy.dirs:
        return _tree(policy.github_files)
    if path == "docs" and "docs" in policy.dirs:
        return _tree(policy.docs_files)
    return None


def _ruleset_node(ruleset: SimRuleset) -> dict[str, Any]:
    rules = [{"__typename": "RepositoryRule", "type": kind, "parameters": params} for kind, params in ruleset.rules]
    return {"__typename": "RepositoryRuleset", "name": ruleset.name, "enforcement": ruleset.enforcement,
            "target": ruleset.target,
            "conditions": {"__typename": "RepositoryRuleConditions",
                           "refName": {"__typename": "RefNameConditionTarget", "include": list(ruleset.include),
                                       "exclude": list(ruleset.exclude)}},
            "rules": Lazy(lambda a: Connection(rules, list(range(len(rules))), first=a.get("first"), last=a.get("last"),
                                               after=a.get("after"), before=a.get("before")))}


def rulesets_connection(repo: SimRepo, args: dict[str, Any]) -> Connection:
    policy = policy_of(repo)
    nodes = [_ruleset_node(r) for r in policy.rulesets] if policy.is_admin else []
    return Connection(nodes, list(range(len(nodes))), first=args.get("first"), last=args.get("last"),
                      after=args.get("after"), before=args.get("before"))


def protection_rule(repo: SimRepo) -> Lazy:
    return Lazy(lambda a: policy_of(repo).protection if policy_of(repo).is_admin else None)


REPOSITORY_FIELDS = {
    "viewerPermission": lambda r, a: policy_of(r).viewer_permission,
    "deleteBranchOnMerge": lambda r, a: policy_of(r).delete_branch_on_merge,
    "hasVulnerabilityAlertsEnabled": lambda r, a: policy_of(r).vulnerability_alerts and policy_of(r).is_admin,
    "isSecurityPolicyEnabled": lambda r, a: policy_of(r).security_policy,
    "securityPolicyUrl": lambda r, a: f"{r.url}/security/policy" if policy_of(r).security_policy else None,
    "rulesets": rulesets_connection,
    "object": git_object,
}
