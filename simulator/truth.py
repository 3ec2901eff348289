"""Ground truth per collector: for each collector ghstats registers, the records its run must
write, as {key: {field path: value}} for the fields the simulator decides. The registry-driven
tests and `ghstats demo`'s check compare a run's outputs with these, so a collector added without
its truth here fails those tests.

Each takes the simulator (its dataset, its access truth), the run's organisations (whose org-level lists are read) and its scope:
the repositories the run collected (owner/name as the run asked for them), which every record
belongs to.
Field paths may be dotted ("files.readme") for a record's nested objects.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from simulator.dataset import Dataset, SimRepo
from simulator import traffic as traffic_data
from simulator.policy import policy_of, security_and_analysis

Expected = dict[str, dict[str, Any]]

# repository_stats: record field -> SimRepo attribute
REPOSITORY_FIELDS = {
    "name_with_owner": "name_with_owner", "database_id": "database_id", "visibility": "visibility",
    "is_archived": "is_archived", "is_template": "is_template", "is_fork": "is_fork", "is_empty": "is_empty",
    "primary_language": "primary_language", "license": "license_spdx_id", "default_branch": "default_branch",
    "stars": "stargazers", "forks": "forks", "watchers": "watchers", "open_issues": "open_issues",
    "closed_issues": "closed_issues", "open_pull_requests": "open_prs", "closed_pull_requests": "closed_prs",
    "merged_pull_requests": "merged_prs", "releases": "releases",
}

DEPENDABOT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "repository": lambda a: a.repository, "number": lambda a: a.number, "state": lambda a: a.state,
    "created_at": lambda a: a.created_at, "updated_at": lambda a: a.updated_at, "fixed_at": lambda a: a.fixed_at,
    "dismissed_at": lambda a: a.dismissed_at, "auto_dismissed_at": lambda a: a.auto_dismissed_at,
    "dismissed_reason": lambda a: a.dismissed_reason, "manifest_path": lambda a: a.manifest_path,
    "scope": lambda a: a.scope, "severity": lambda a: a.advisory.severity, "ecosystem": lambda a: a.advisory.ecosystem,
    "package": lambda a: a.advisory.package, "ghsa_id": lambda a: a.advisory.ghsa_id, "cve_id": lambda a: a.advisory.cve_id,
    "vulnerable_version_range": lambda a: a.advisory.vulnerable_version_range,
    "first_patched_version": lambda a: a.advisory.first_patched_version,
}
SECRET_SCANNING_FIELDS = ("repository", "number", "state", "resolution", "created_at", "updated_at", "resolved_at",
                          "secret_type", "secret_type_display_name", "validity", "push_protection_bypassed",
                          "push_protection_bypassed_at", "publicly_leaked", "multi_repo")
CODE_SCANNING_FIELDS: dict[str, Callable[[Any], Any]] = {
    "repository": lambda a: a.repository, "number": lambda a: a.number, "state": lambda a: a.state,
    "severity": lambda a: a.security_severity_level, "rule_severity": lambda a: a.rule_severity,
    "created_at": lambda a: a.created_at, "updated_at": lambda a: a.updated_at, "fixed_at": lambda a: a.fixed_at,
    "dismissed_at": lambda a: a.dismissed_at, "dismissed_reason": lambda a: a.dismissed_reason,
    "rule_id": lambda a: a.rule_id, "rule_name": lambda a: a.rule_name, "tool": lambda a: a.tool_name,
    "tool_version": lambda a: a.tool_version, "ref": lambda a: a.ref, "path": lambda a: a.path,
    "start_line": lambda a: a.start_line,
}


def _repos(dataset: Dataset, orgs: Iterable[str], scope: set[str]) -> list[tuple[str, SimRepo]]:
    """(key, repository) for each of the run's scope: a repository-level collector has a record for
    each, under the name the run asked for (GitHub follows a rename made after the listing)."""
    found = ((key, dataset.get(key)) for key in sorted(scope, key=str.lower))
    return [(key, r) for key, r in found if r is not None]


def repository_stats(sim: Any, orgs: Iterable[str], scope: set[str]) -> Expected:
    return {key: {**{f: getattr(r, a) for f, a in REPOSITORY_FIELDS.items()}, "topics": sorted(r.topics)}
            for key, r in _repos(sim.dataset, orgs, scope)}


def repository_policy(sim: Any, orgs: Iterable[str], scope: set[str]) -> Expected:
    """What a credential sees: protection and rulesets only where it is admin."""
    expected = {}
    for key, repo in _repos(sim.dataset, orgs, scope):
        truth = policy_of(repo)
        empty = repo.is_empty or repo.default_branch is None
        every = {*truth.root_files, *truth.github_files, *truth.docs_files}
        asked = truth.rulesets[:5]  # the fragment's rulesets(first: 5)
        rulesets = [r for r in asked if r.enforcement == "ACTIVE" and r.target == "BRANCH"
                    and set(r.include) & {"~ALL", "~DEFAULT_BRANCH", f"refs/heads/{repo.default_branch}"}]
        seen_rule = truth.protection if truth.is_admin else None
        seen_rulesets = rulesets if truth.is_admin and not empty else []
        expected[key] = {
            "viewer_permission": truth.viewer_permission, "default_branch": repo.default_branch,
            "protection_visible": truth.is_admin, "rulesets_complete": not truth.is_admin or len(truth.rulesets) <= 5,
            "is_archived": repo.is_archived, "pushed_at": repo.pushed_at, "license": repo.license_spdx_id,
            "delete_branch_on_merge": truth.delete_branch_on_merge,
            "vulnerability_alerts_enabled": truth.vulnerability_alerts and truth.is_admin,
            "security_policy_enabled": truth.security_policy,
            "files.readme": None if empty else any(f.lower().startswith("readme") for f in every),
            "files.license": None if empty else "LICENSE" in truth.root_files,
            "files.codeowners": None if empty else "CODEOWNERS" in every,
            "files.security_policy": None if empty else "SECURITY.md" in every,
            "files.contributing": None if empty else "CONTRIBUTING.md" in every,
            "branch_protection.protected": bool(seen_rule) or bool(seen_rulesets),
            "branch_protection.rulesets": [r.name for r in seen_rulesets],
        }
    return expected


def _alerts(kind: str, fields: Callable[[Any], dict[str, Any]]) -> Callable[[Any, Iterable[str], set[str]], Expected]:
    def expected(sim: Any, orgs: Iterable[str], scope: set[str]) -> Expected:
        lowered = {key.lower() for key in scope}
        return {f"{a.repository}#{a.number}": fields(a) for org in orgs for a in sim.dataset.alerts(org, kind)
                if a.repository.lower() in lowered}
    return expected


def _in_scope(sim: Any, org: str, scope: set[str]) -> dict[int, str]:
    lowered = {key.lower() for key in scope}
    return {r.database_id: r.name_with_owner for r in sim.dataset.repos(org) if r.name_with_owner.lower() in lowered}


def members(sim: Any, orgs: Iterable[str], scope: set[str]) -> Expected:
    """Every member once, with role and (the simulator's credential is an owner) 2FA."""
    found = {}
    for org in orgs:
        access = sim.access(org)
        for p in (*access.owners, *access.members):
            found[f"{org}#{p.login}"] = {"login": p.login, "id": p.id, "role": "admin" if p in access.owners else "member",
                                         "two_factor_disabled": p.login in access.two_factor_disabled}
    return found


def outside_collaborators(sim: Any, orgs: Iterable[str], scope: set[str]) -> Expected:
    """Every outside collaborator of the org, and every collaborator's permission per repository in scope."""
    found: Expected = {}
    for org in orgs:
        access, repos = sim.access(org), _in_scope(sim, org, scope)
        outside, people = {p.login for p in access.outside}, access.people()
        found.update({f"{org}#{p.login}": {"kind": "outside_collaborator", "login": p.login, "id": p.id}
                      for p in access.outside})
        for repo_id, granted in access.collaborators.items():
            if repo_id in repos:
                for login, permission in granted:
                    found[f"{repos[repo_id]}#{login}"] = {"kind": "repository_collaborator", "repository": repos[repo_id],
                                                          "login": login, "id": people[login].id,
                                                          "permission": permission, "outside": login in outside}
    return found


def teams(sim: Any, orgs: Iterable[str], scope: set[str]) -> Expected:
    """Every team, and its permission on each repository in scope."""
    found: Expected = {}
    for org in orgs:
        access, repos = sim.access(org), _in_scope(sim, org, scope)
        for team in access.teams:
            found[f"{org}#{team.slug}"] = {"kind": "team", "slug": team.slug, "name": team.name, "id": team.id,
                                           "privacy": team.privacy, "parent": team.parent, "members": list(team.members),
                                           "maintainers": list(team.maintainers), "member_count": len(team.members)}
            for repo_id, permission in team.repositories:
                if repo_id in repos:
                    found[f"{repos[repo_id]}#{team.slug}"] = {"kind": "team_repository", "repository": repos[repo_id],
                                                              "team": team.slug, "permission": permission}
    return found


def traffic(sim: Any, orgs: Iterable[str], scope: set[str]) -> Expected:
    """Each repository in scope the credential may push to (not archived): its 14 days, each day,
    and its top paths and referrers with their rank, as the simulator shows them now."""
    now = sim.traffic_now()
    found: Expected = {}
    for key, repo in _repos(sim.dataset, orgs, scope):
        if repo.is_archived or not sim.push_access(repo.name_with_owner):
            continue
        base = {"repository": key, "org": key.split("/", 1)[0]}
        views, views_uniques = traffic_data.totals(repo, now, "views")
        clones, clones_uniques = traffic_data.totals(repo, now, "clones")
        found[key] = {**base, "kind": "repository", "views": views, "views_uniques": views_uniques, "clones": clones,
                      "clones_uniques": clones_uniques}
        for day in traffic_data.figures(repo, now):
            found[f"{key}#{day.day}"] = {**base, "kind": "day", "day": day.day, "views": day.views,
                                        "views_uniques": day.views_uniques, "clones": day.clones,
                                        "clones_uniques": day.clones_uniques}
        for kind, name in (("paths", "path"), ("referrers", "referrer")):
            for rank, item in enumerate(traffic_data.popular(repo, now, kind), start=1):
                found[f"{key}#{name}#{item[name]}"] = {**base, "kind": name, name: item[name], "count": item["count"],
                                                       "uniques": item["uniques"], "rank": rank}
    return found


def security_settings(sim: Any, orgs: Iterable[str], scope: set[str]) -> Expected:
    """Each repository in scope: its security_and_analysis where the credential is admin, else unknown."""
    found: Expected = {}
    for key, repo in _repos(sim.dataset, orgs, scope):
        shown = security_and_analysis(repo) if policy_of(repo).is_admin else None
        status = lambda name: ((shown or {}).get(name) or {}).get("status")  # noqa: E731
        found[key] = {"repository": key, "visible": shown is not None, "secret_scanning": status("secret_scanning"),
                      "push_protection": status("secret_scanning_push_protection"),
                      "dependabot_security_updates": status("dependabot_security_updates"),
                      "advanced_security": status("advanced_security")}
    return found


TRUTH: dict[str, Callable[[Any, Iterable[str], set[str]], Expected]] = {
    "repository_stats": repository_stats,
    "repository_policy": repository_policy,
    "dependabot_alerts": _alerts("dependabot", lambda a: {f: get(a) for f, get in DEPENDABOT_FIELDS.items()}),
    "secret_scanning_alerts": _alerts("secret_scanning", lambda a: {f: getattr(a, f) for f in SECRET_SCANNING_FIELDS}),
    "code_scanning_alerts": _alerts("code_scanning", lambda a: {f: get(a) for f, get in CODE_SCANNING_FIELDS.items()}),
    "members": members,
    "outside_collaborators": outside_collaborators,
    "teams": teams,
    "traffic": traffic,
    "security_settings": security_settings,
}


def field(record: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        record = record[part]
    return record


def mismatches(collector: str, records: dict[str, dict[str, Any]], sim: Any, orgs: Iterable[str],
               scope: set[str]) -> list[str]:
    """Every record missing, extra or with a field unlike the truth. `sim`: the simulator (its
    dataset and access truth; an object with `.dataset` is enough for repository-level collectors)."""
    truth = TRUTH[collector](sim, list(orgs), set(scope))
    problems = [f"{collector} {key}: missing" for key in sorted(set(truth) - set(records))]
    problems += [f"{collector} {key}: not GitHub's" for key in sorted(set(records) - set(truth))]
    for key in sorted(set(truth) & set(records)):
        for path, value in truth[key].items():
            got = field(records[key], path)
            if got != value:
                problems.append(f"{collector} {key}.{path}: {got!r}, GitHub has {value!r}")
    return problems
