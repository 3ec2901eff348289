"""Security alerts as GitHub's REST API writes them (the org-level list endpoints' items:
`dependabot-alert-with-repository`, `organization-secret-scanning-alert` and
`code-scanning-organization-alert-items` in GitHub's OpenAPI description)."""

from __future__ import annotations

from typing import Any

from simulator import alert_catalog as catalog
from simulator.alerts import CodeScanningAlert, DependabotAlert, SecretScanningAlert
from simulator.dataset import SimRepo
from simulator.rest_api import user_json

_PEOPLE_IDS = dict(catalog.SECURITY_PEOPLE)
_REPO_URL_TEMPLATES = (
    ("archive_url", "/{archive_format}{/ref}"), ("assignees_url", "/assignees{/user}"),
    ("blobs_url", "/git/blobs{/sha}"), ("branches_url", "/branches{/branch}"),
    ("collaborators_url", "/collaborators{/collaborator}"), ("comments_url", "/comments{/number}"),
    ("commits_url", "/commits{/sha}"), ("compare_url", "/compare/{base}...{head}"),
    ("contents_url", "/contents/{+path}"), ("contributors_url", "/contributors"),
    ("deployments_url", "/deployments"), ("downloads_url", "/downloads"), ("events_url", "/events"),
    ("forks_url", "/forks"), ("git_commits_url", "/git/commits{/sha}"), ("git_refs_url", "/git/refs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"), ("issue_comment_url", "/issues/comments{/number}"),
    ("issue_events_url", "/issues/events{/number}"), ("issues_url", "/issues{/number}"),
    ("keys_url", "/keys{/key_id}"), ("labels_url", "/labels{/name}"), ("languages_url", "/languages"),
    ("merges_url", "/merges"), ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"), ("pulls_url", "/pulls{/number}"),
    ("releases_url", "/releases{/id}"), ("stargazers_url", "/stargazers"), ("statuses_url", "/statuses/{sha}"),
    ("subscribers_url", "/subscribers"), ("subscription_url", "/subscription"), ("tags_url", "/tags"),
    ("teams_url", "/teams"), ("trees_url", "/git/trees{/sha}"), ("hooks_url", "/hooks"),
)


def simple_user_json(login: str, base: str, type_: str = "User", database_id: int = 1) -> dict[str, Any]:
    """GitHub's `simple-user` (every required field)."""
    body = user_json(login, base, type_, database_id)
    user = f"{base}/users/{login}"
    body.update({
        "name": None, "email": None, "gravatar_id": "",
        "followers_url": f"{user}/followers", "following_url": f"{user}/following{{/other_user}}",
        "gists_url": f"{user}/gists{{/gist_id}}", "starred_url": f"{user}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{user}/subscriptions", "organizations_url": f"{user}/orgs",
        "events_url": f"{user}/events{{/privacy}}", "received_events_url": f"{user}/received_events",
        "user_view_type": "public",
    })
    return body


def _person(login: str | None, base: str) -> dict[str, Any] | None:
    return None if login is None else simple_user_json(login, base, "User", _PEOPLE_IDS.get(login, 1))


def simple_repository_json(repo: SimRepo, base: str, owner_id: int) -> dict[str, Any]:
    """GitHub's `simple-repository`, the `repository` of every alert."""
    api = f"{base}/repos/{repo.name_with_owner}"
    body: dict[str, Any] = {
        "id": repo.database_id,
        "node_id": repo.id,
        "name": repo.name,
        "full_name": repo.name_with_owner,
        "owner": simple_user_json(repo.owner, base, repo.owner_type, owner_id),
        "private": repo.is_private,
        "html_url": repo.url,
        "description": repo.description,
        "fork": repo.is_fork,
        "url": api,
    }
    body.update({name: api + suffix for name, suffix in _REPO_URL_TEMPLATES})
    return body


def _alert_urls(repo: SimRepo, base: str, api_kind: str, html_kind: str, number: int) -> dict[str, str]:
    return {"url": f"{base}/repos/{repo.name_with_owner}/{api_kind}/alerts/{number}",
            "html_url": f"{repo.url}/security/{html_kind}/{number}"}


def dependabot_json(repo: SimRepo, alert: DependabotAlert, base: str, owner_id: int) -> dict[str, Any]:
    advisory = alert.advisory
    package = {"ecosystem": advisory.ecosystem, "name": advisory.package}
    vulnerability = {
        "package": package,
        "severity": advisory.severity,
        "vulnerable_version_range": advisory.vulnerable_version_range,
        "first_patched_version": (None if advisory.first_patched_version is None
                                  else {"identifier": advisory.first_patched_version}),
    }
    identifiers = [{"value": advisory.ghsa_id, "type": "GHSA"}]
    if advisory.cve_id is not None:
        identifiers.append({"value": advisory.cve_id, "type": "CVE"})
    cvss = {"vector_string": advisory.cvss_vector, "score": advisory.cvss_score}
    return {
        "number": alert.number,
        "state": alert.state,
        "dependency": {"package": package, "manifest_path": alert.manifest_path, "scope": alert.scope,
                       "relationship": alert.relationship},
        "security_advisory": {
            "ghsa_id": advisory.ghsa_id,
            "cve_id": advisory.cve_id,
            "summary": advisory.summary,
            "description": advisory.description,
            "vulnerabilities": [vulnerability],
            "severity": advisory.severity,
            "classification": "general",
            "cvss": cvss,
            "cvss_severities": {"cvss_v3": cvss, "cvss_v4": None},
            "epss": {"percentage": advisory.epss_percentage, "percentile": advisory.epss_percentile},
            "cwes": [{"cwe_id": advisory.cwe_id, "name": advisory.cwe_name}],
            "identifiers": identifiers,
            "references": [{"url": f"https://github.com/advisories/{advisory.ghsa_id}"}],
            "published_at": advisory.published_at,
            "updated_at": advisory.updated_at,
            "withdrawn_at": None,
        },
        "security_vulnerability": vulnerability,
        **_alert_urls(repo, base, "dependabot", "dependabot", alert.number),
        "created_at": alert.created_at,
        "updated_at": alert.updated_at,
        "dismissed_at": alert.dismissed_at,
        "dismissed_by": _person(alert.dismissed_by, base),
        "dismissed_reason": alert.dismissed_reason,
        "dismissed_comment": alert.dismissed_comment,
        "fixed_at": alert.fixed_at,
        "auto_dismissed_at": alert.auto_dismissed_at,
        "dismissal_request": None,
        "assignees": [],
        "repository": simple_repository_json(repo, base, owner_id),
    }


def secret_scanning_json(repo: SimRepo, alert: SecretScanningAlert, base: str, owner_id: int) -> dict[str, Any]:
    urls = _alert_urls(repo, base, "secret-scanning", "secret-scanning", alert.number)
    api = f"{base}/repos/{repo.name_with_owner}"
    return {
        "number": alert.number,
        "created_at": alert.created_at,
        "updated_at": alert.updated_at,
        **urls,
        "locations_url": urls["url"] + "/locations",
        "state": alert.state,
        "resolution": alert.resolution,
        "resolved_at": alert.resolved_at,
        "resolved_by": _person(alert.resolved_by, base),
        "secret_type": alert.secret_type,
        "secret_type_display_name": alert.secret_type_display_name,
        "provider": alert.provider,
        "provider_slug": alert.provider_slug,
        "secret": alert.secret,
        "repository": simple_repository_json(repo, base, owner_id),
        "push_protection_bypassed": alert.push_protection_bypassed,
        "push_protection_bypassed_by": _person(alert.push_protection_bypassed_by, base),
        "push_protection_bypassed_at": alert.push_protection_bypassed_at,
        "push_protection_bypass_request_reviewer": None,
        "push_protection_bypass_request_reviewer_comment": None,
        "push_protection_bypass_request_comment": None,
        "push_protection_bypass_request_html_url": None,
        "resolution_comment": alert.resolution_comment,
        "validity": alert.validity,
        "publicly_leaked": alert.publicly_leaked,
        "multi_repo": alert.multi_repo,
        "is_base64_encoded": False,
        "first_location_detected": {
            "path": alert.path, "start_line": alert.start_line, "end_line": alert.end_line,
            "start_column": alert.start_column, "end_column": alert.end_column,
            "blob_sha": alert.blob_sha, "blob_url": f"{api}/git/blobs/{alert.blob_sha}",
            "commit_sha": alert.commit_sha, "commit_url": f"{api}/git/commits/{alert.commit_sha}",
        },
        "has_more_locations": alert.has_more_locations,
        "assigned_to": None,
        "closure_request_comment": None,
        "closure_request_reviewer_comment": None,
        "closure_request_reviewer": None,
    }


def code_scanning_json(repo: SimRepo, alert: CodeScanningAlert, base: str, owner_id: int) -> dict[str, Any]:
    urls = _alert_urls(repo, base, "code-scanning", "code-scanning", alert.number)
    workflow = ".github/workflows/codeql.yml:analyze"
    return {
        "number": alert.number,
        "created_at": alert.created_at,
        "updated_at": alert.updated_at,
        **urls,
        "instances_url": urls["url"] + "/instances",
        "state": alert.state,
        "fixed_at": alert.fixed_at,
        "dismissed_by": _person(alert.dismissed_by, base),
        "dismissed_at": alert.dismissed_at,
        "dismissed_reason": alert.dismissed_reason,
        "dismissed_comment": alert.dismissed_comment,
        "rule": {
            "id": alert.rule_id,
            "name": alert.rule_name,
            "severity": alert.rule_severity,
            "security_severity_level": alert.security_severity_level,
            "description": alert.rule_description,
            "full_description": alert.rule_description + ".",
            "tags": list(alert.tags),
            "help": None,
            "help_uri": None,
        },
        "tool": {"name": alert.tool_name, "guid": alert.tool_guid, "version": alert.tool_version},
        "most_recent_instance": {
            "ref": alert.ref,
            "analysis_key": workflow,
            "environment": f'{{"language":"{alert.language}"}}',
            "category": f"{workflow}/language:{alert.language}",
            "state": alert.state,
            "commit_sha": alert.commit_sha,
            "message": {"text": alert.message},
            "location": {"path": alert.path, "start_line": alert.start_line, "end_line": alert.end_line,
                         "start_column": alert.start_column, "end_column": alert.end_column},
            "html_url": urls["html_url"],
            "classifications": list(alert.classifications),
        },
        "repository": simple_repository_json(repo, base, owner_id),
        "dismissal_approved_by": None,
        "assignees": [],
    }


RENDERERS = {
    "dependabot": dependabot_json,
    "secret_scanning": secret_scanning_json,
    "code_scanning": code_scanning_json,
}
