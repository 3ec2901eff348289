"""The REST endpoints (GET, root paths as on api.github.com), in GitHub's JSON shapes.

Auth, rate limits, faults and recording happen in GitHubSimulator; this module turns a path
and query string into (status, JSON payload, extra headers such as `link`).
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable
from urllib.parse import urlencode

from simulator.dataset import LICENSE_NAMES, Dataset, SimRepo, node_id
from simulator.items import Item, items
from simulator.policy import policy_of, security_and_analysis
from simulator.responses import REST_DOCS, message_body

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
NOT_FOUND_DOCS = "https://docs.github.com/rest"

RestAnswer = tuple[int, Any, dict[str, str]]


def not_found() -> RestAnswer:
    return 404, message_body("Not Found", NOT_FOUND_DOCS, 404), {}


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(query.get(name, [str(default)])[0])
    except ValueError:
        return default


def per_page_param(query: dict[str, list[str]]) -> int:
    """`per_page` as GitHub reads it: default 30, at most 100."""
    per_page = _int_param(query, "per_page", DEFAULT_PER_PAGE)
    return DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)


def paginate(items_: list[Any], query: dict[str, list[str]], page_url: str) -> tuple[list[Any], dict[str, str]]:
    """One page of `items_` and the `link` header GitHub sends (none when one page holds all)."""
    per_page = per_page_param(query)
    page = max(1, _int_param(query, "page", 1))
    last = max(1, math.ceil(len(items_) / per_page))
    chosen = items_[(page - 1) * per_page: page * per_page]
    if last == 1 and page == 1:
        return chosen, {}
    kept = [(k, v) for k, values in query.items() if k not in ("page", "per_page") for v in values]

    def url(number: int) -> str:
        return f"{page_url}?{urlencode(kept + [('per_page', per_page), ('page', number)])}"

    links = []
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return chosen, {"link": ", ".join(links)}


def user_json(login: str, base: str, type_: str = "User", database_id: int = 1) -> dict[str, Any]:
    return {
        "login": login,
        "id": database_id,
        "node_id": node_id("O" if type_ == "Organization" else "U", database_id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{database_id}?v=4",
        "url": f"{base}/{'orgs' if type_ == 'Organization' else 'users'}/{login}",
        "html_url": f"https://github.com/{login}",
        "repos_url": f"{base}/{'orgs' if type_ == 'Organization' else 'users'}/{login}/repos",
        "type": type_,
        "site_admin": False,
    }


def license_json(spdx_id: str | None) -> dict[str, Any] | None:
    if spdx_id is None:
        return None
    name, key = LICENSE_NAMES.get(spdx_id, (spdx_id, spdx_id.lower()))
    return {"key": key, "name": name, "spdx_id": spdx_id,
            "url": None if key == "other" else f"https://api.github.com/licenses/{key}",
            "node_id": f"MDc6TGljZW5zZT{len(key)}"}


def repo_json(repo: SimRepo, base: str, owner_id: int, full: bool = False) -> dict[str, Any]:
    """GitHub's REST repository (note: watchers_count is the star count, as on GitHub)."""
    api = f"{base}/repos/{repo.name_with_owner}"
    body: dict[str, Any] = {
        "id": repo.database_id,
        "node_id": repo.id,
        "name": repo.name,
        "full_name": repo.name_with_owner,
        "private": repo.is_private,
        "owner": user_json(repo.owner, base, repo.owner_type, owner_id),
        "html_url": repo.url,
        "description": repo.description,
        "fork": repo.is_fork,
        "url": api,
        "issues_url": api + "/issues{/number}",
        "pulls_url": api + "/pulls{/number}",
        "created_at": repo.created_at,
        "updated_at": repo.updated_at,
        "pushed_at": repo.pushed_at,
        "git_url": f"git://github.com/{repo.name_with_owner}.git",
        "ssh_url": f"git@github.com:{repo.name_with_owner}.git",
        "clone_url": repo.url + ".git",
        "homepage": None,
        "size": repo.disk_usage,
        "stargazers_count": repo.stargazers,
        "watchers_count": repo.stargazers,
        "language": repo.primary_language,
        "has_issues": not repo.is_fork,
        "has_projects": True,
        "has_downloads": True,
        "has_wiki": True,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": repo.forks,
        "mirror_url": f"https://git.example.com/{repo.name}.git" if repo.is_mirror else None,
        "archived": repo.is_archived,
        "disabled": repo.is_disabled,
        "open_issues_count": repo.open_issues + repo.open_prs,
        "license": license_json(repo.license_spdx_id),
        "allow_forking": True,
        "is_template": repo.is_template,
        "web_commit_signoff_required": False,
        "topics": list(repo.topics),
        "visibility": repo.visibility.lower(),
        "forks": repo.forks,
        "open_issues": repo.open_issues + repo.open_prs,
        "watchers": repo.stargazers,
        "default_branch": repo.default_branch or "main",
        "permissions": {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
    }
    if full:
        body["subscribers_count"] = repo.watchers
        body["network_count"] = repo.forks
        if repo.owner_type == "Organization":
            body["organization"] = body["owner"]
    return body


def _item_json(repo: SimRepo, item: Item, base: str) -> dict[str, Any]:
    api = f"{base}/repos/{repo.name_with_owner}"
    kind = "pull" if item.is_pr else "issues"
    body: dict[str, Any] = {
        "url": f"{api}/issues/{item.number}",
        "repository_url": api,
        "html_url": f"{repo.url}/{kind}/{item.number}",
        "id": repo.database_id % 1_000_000 * 100_000 + item.number,
        "node_id": node_id("PR" if item.is_pr else "I", repo.database_id % 1_000_000 * 100_000 + item.number),
        "number": item.number,
        "title": item.title,
        "user": user_json(item.author, base, "User", 7 + len(item.author)),
        "labels": [],
        "state": "open" if item.state == "open" else "closed",
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": 0,
        "created_at": item.created_at,
        "updated_at": item.closed_at or item.created_at,
        "closed_at": item.closed_at,
        "author_association": "MEMBER",
        "body": None,
    }
    return body


def issue_json(repo: SimRepo, item: Item, base: str) -> dict[str, Any]:
    body = _item_json(repo, item, base)
    if item.is_pr:
        api = f"{base}/repos/{repo.name_with_owner}"
        body["draft"] = False
        body["pull_request"] = {
            "url": f"{api}/pulls/{item.number}",
            "html_url": f"{repo.url}/pull/{item.number}",
            "diff_url": f"{repo.url}/pull/{item.number}.diff",
            "patch_url": f"{repo.url}/pull/{item.number}.patch",
            "merged_at": item.closed_at if item.state == "merged" else None,
        }
    else:
        body["state_reason"] = None if item.state == "open" else "completed"
    return body


def pull_json(repo: SimRepo, item: Item, base: str) -> dict[str, Any]:
    body = _item_json(repo, item, base)
    api = f"{base}/repos/{repo.name_with_owner}"
    body.update({
        "url": f"{api}/pulls/{item.number}",
        "issue_url": f"{api}/issues/{item.number}",
        "draft": False,
        "merged_at": item.closed_at if item.state == "merged" else None,
        "merge_commit_sha": None,
        "head": {"label": f"{repo.owner}:change-{item.number}", "ref": f"change-{item.number}", "sha": "0" * 40},
        "base": {"label": f"{repo.owner}:{repo.default_branch or 'main'}", "ref": repo.default_branch or "main",
                 "sha": "0" * 40},
    })
    return body


_ORG_SORTS: dict[str, Callable[[SimRepo], Any]] = {
    "created": lambda r: (r.created_at, r.database_id),
    "updated": lambda r: (r.updated_at, r.database_id),
    "pushed": lambda r: (r.pushed_at or "", r.database_id),
    "full_name": lambda r: (r.name.lower(), r.name),
}
_ORG_TYPES: dict[str, Callable[[SimRepo], bool]] = {
    "all": lambda r: True,
    "member": lambda r: True,
    "public": lambda r: not r.is_private,
    "private": lambda r: r.is_private,
    "internal": lambda r: r.visibility == "INTERNAL",
    "forks": lambda r: r.is_fork,
    "sources": lambda r: not r.is_fork,
}

_REPO_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)(/.*)?$")
_ORG_PATH = re.compile(r"^/orgs/([^/]+)(/repos)?/?$")
_USER_PATH = re.compile(r"^/users/([^/]+)(/repos)?/?$")


def repo_of_path(path: str) -> str | None:
    """"owner/name" of a /repos/{owner}/{name}/... path (for faults by repository)."""
    match = _REPO_PATH.match(path)
    return f"{match[1]}/{match[2]}" if match else None


class RestApi:
    def __init__(self, dataset: Dataset, viewer_login: str):
        self.dataset = dataset
        self.viewer_login = viewer_login

    def get(self, path: str, query: dict[str, list[str]], installation: bool = False, *,
            base: str = "https://api.github.com") -> RestAnswer:
        """(status, payload, headers) of GET `path`; `base` is the REST root for URLs and links."""
        if path in ("/user", "/user/"):
            if installation:
                return 403, message_body("Resource not accessible by integration", REST_DOCS, 403), {}
            return 200, {**user_json(self.viewer_login, base), "name": "Simulated User"}, {}
        match = _ORG_PATH.match(path)
        if match:
            return self._org(match[1], bool(match[2]), query, path, base)
        match = _USER_PATH.match(path)
        if match:
            return self._user(match[1], bool(match[2]), query, path, base)
        match = _REPO_PATH.match(path)
        if match:
            return self._repo(match[1], match[2], (match[3] or "").rstrip("/"), query, path, base)
        return not_found()

    def _owner_id(self, login: str) -> int:
        owner = self.dataset.owner(login)
        return owner.database_id if owner else 1

    def _org(self, login: str, repos: bool, query: dict[str, list[str]], path: str, base: str) -> RestAnswer:
        canonical = self.dataset.org_login(login)
        if canonical is None:
            return not_found()
        owner_id = self._owner_id(canonical)
        if not repos:
            count = len(self.dataset.repos(canonical))
            return 200, {**user_json(canonical, base, "Organization", owner_id), "name": canonical.capitalize(),
                         "public_repos": count, "total_private_repos": 0}, {}
        return self._repo_list(canonical, owner_id, query, path, base)

    def _user(self, login: str, repos: bool, query: dict[str, list[str]], path: str, base: str) -> RestAnswer:
        owner = self.dataset.owner(login)
        if owner is None:
            if login.lower() != self.viewer_login.lower():
                return not_found()
            return 200, ([] if repos else user_json(self.viewer_login, base)), {}
        if not repos:
            return 200, user_json(owner.login, base, owner.type, owner.database_id), {}
        return self._repo_list(owner.login, owner.database_id, query, path, base)

    def _repo_list(self, login: str, owner_id: int, query: dict[str, list[str]], path: str,
                   base: str) -> RestAnswer:
        type_ = query.get("type", ["all"])[0]
        sort = query.get("sort", ["created"])[0]
        if type_ not in _ORG_TYPES or sort not in _ORG_SORTS:
            return 422, message_body("Validation Failed", REST_DOCS, 422), {}
        direction = query.get("direction", ["asc" if sort == "full_name" else "desc"])[0]
        keep, key = _ORG_TYPES[type_], _ORG_SORTS[sort]
        chosen = sorted((r for r in self.dataset.repos(login) if keep(r)), key=key, reverse=direction == "desc")
        page, headers = paginate(chosen, query, base + path)
        return 200, [repo_json(r, base, owner_id) for r in page], headers

    def _repo(self, owner: str, name: str, rest: str, query: dict[str, list[str]], path: str,
              base: str) -> RestAnswer:
        repo = self.dataset.get(f"{owner}/{name}")
        if repo is None:
            return not_found()
        owner_id = self._owner_id(repo.owner)
        if rest == "":
            body = repo_json(repo, base, owner_id, full=True)
            if policy_of(repo).is_admin:  # GitHub shows security_and_analysis to admins only
                body["security_and_analysis"] = security_and_analysis(repo)
            return 200, body, {}
        if rest in ("/issues", "/pulls"):
            state = query.get("state", ["open"])[0]
            if state not in ("open", "closed", "all"):
                return 422, message_body("Validation Failed", REST_DOCS, 422), {}
            pulls = rest == "/pulls"
            chosen = [i for i in items(repo)
                      if (i.is_pr or not pulls) and (state == "all" or (state == "open") == (i.state == "open"))]
            direction = query.get("direction", ["desc"])[0]
            if direction != "asc":
                chosen.reverse()
            page, headers = paginate(chosen, query, base + path)
            render = pull_json if pulls else issue_json
            return 200, [render(repo, i, base) for i in page], headers
        if rest == "/topics":
            return 200, {"names": list(repo.topics)}, {}
        return not_found()
