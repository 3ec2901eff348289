"""The access endpoints, in GitHub's shapes, paged by `page` with link headers:

- GET /orgs/{org}/members (`role` all|admin|member; `filter` all|2fa_disabled: 2fa_disabled is
  owners only, anyone else gets 422 "Only owners can use this filter.")
- GET /orgs/{org}/outside_collaborators
- GET /orgs/{org}/teams, /orgs/{org}/teams/{slug}/members (`role` all|member|maintainer),
  /orgs/{org}/teams/{slug}/repos (with `permissions` and `role_name`)
- GET /repos/{owner}/{repo}/collaborators (`affiliation` outside|direct|all): push access needed,
  else 403 "Must have push access to view repository collaborators."

Without Members read on an org (AccessSettings.set_readable) the org's lists answer 403 with
X-Accepted-GitHub-Permissions: members=read.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from simulator.access import FLAGS, AccessIndex, OrgAccess, Person, SimTeam
from simulator.dataset import Dataset, SimRepo
from simulator.responses import message_body
from simulator.rest_api import RestAnswer, not_found, paginate, repo_json, user_json

ORG_ACCESS_PATH = re.compile(r"^/orgs/([^/]+)/(members|outside_collaborators|teams)(?:/([^/]+)/(members|repos))?/?$")
COLLABORATORS_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)/collaborators/?$")
NO_ACCESS_TOKEN = "Resource not accessible by personal access token"
NO_ACCESS_INTEGRATION = "Resource not accessible by integration"
OWNERS_ONLY = "Only owners can use this filter."
NO_PUSH = "Must have push access to view repository collaborators."
_REST = "https://docs.github.com/rest"
DOCS = {
    "members": f"{_REST}/orgs/members#list-organization-members",
    "outside_collaborators": f"{_REST}/orgs/outside-collaborators#list-outside-collaborators-for-an-organization",
    "teams": f"{_REST}/teams/teams#list-teams",
    "team_members": f"{_REST}/teams/members#list-team-members",
    "team_repos": f"{_REST}/teams/teams#list-team-repositories",
    "collaborators": f"{_REST}/collaborators/collaborators#list-repository-collaborators",
}


class AccessSettings:
    """Per org: whether the credential may read members and teams (Members read), whether it is
    an owner's (2FA filter); per repository: whether it has push access (collaborators)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._unreadable: set[str] = set()
        self._not_owner: set[str] = set()
        self._no_push: set[str] = set()

    def set_readable(self, org: str, readable: bool) -> None:
        with self._lock:
            (self._unreadable.discard if readable else self._unreadable.add)(org.lower())

    def set_owner(self, org: str, owner: bool) -> None:
        with self._lock:
            (self._not_owner.discard if owner else self._not_owner.add)(org.lower())

    def set_push(self, repo: str, push: bool) -> None:
        with self._lock:
            (self._no_push.discard if push else self._no_push.add)(repo.lower())

    def readable(self, org: str) -> bool:
        with self._lock:
            return org.lower() not in self._unreadable

    def owner(self, org: str) -> bool:
        with self._lock:
            return org.lower() not in self._not_owner

    def push(self, repo: str) -> bool:
        with self._lock:
            return repo.lower() not in self._no_push


def _users(people: list[Person], base: str) -> list[dict[str, Any]]:
    return [user_json(p.login, base, "User", p.id) for p in people]


class AccessApi:
    def __init__(self, dataset: Dataset, index: AccessIndex, settings: AccessSettings):
        self.dataset = dataset
        self.index = index
        self.settings = settings

    def get(self, path: str, query: dict[str, list[str]], base: str, installation: bool) -> RestAnswer | None:
        """The answer to an access path, None for any other path."""
        match = ORG_ACCESS_PATH.match(path)
        if match:
            return self._org(match[1], match[2], match[3], match[4], query, base + path, base, installation)
        match = COLLABORATORS_PATH.match(path)
        if match:
            return self._collaborators(f"{match[1]}/{match[2]}", query, base + path, base)
        return None

    def _org(self, login: str, kind: str, slug: str | None, sub: str | None, query: dict[str, list[str]],
             page_url: str, base: str, installation: bool) -> RestAnswer:
        org = self.dataset.org_login(login)
        if org is None or (slug is not None and kind != "teams"):
            return not_found()
        docs = DOCS[kind if slug is None else f"team_{sub}"]
        if not self.settings.readable(org):
            message = NO_ACCESS_INTEGRATION if installation else NO_ACCESS_TOKEN
            return 403, message_body(message, docs, 403), {"x-accepted-github-permissions": "members=read"}
        access = self.index.of(org)
        if kind == "members":
            return self._members(org, access, query, page_url, base, docs)
        if kind == "outside_collaborators":
            return self._paged(_users(sorted(access.outside, key=lambda p: p.id), base), query, page_url)
        if slug is None:
            return self._paged([self._team_json(org, t, access, base) for t in access.teams], query, page_url)
        team = access.team(slug)
        if team is None:
            return not_found()
        if sub == "members":
            role = query.get("role", ["all"])[0]
            if role not in ("all", "member", "maintainer"):
                return 422, message_body("Validation Failed", docs, 422), {}
            people = access.people()
            chosen = [people[login] for login in team.members if role == "all" or (login in team.maintainers) == (role == "maintainer")]
            return self._paged(_users(chosen, base), query, page_url)
        return self._paged([self._team_repo_json(repo, permission, base) for repo, permission in self._team_repos(org, team)],
                           query, page_url)

    def _members(self, org: str, access: OrgAccess, query: dict[str, list[str]], page_url: str, base: str,
                 docs: str) -> RestAnswer:
        role, filter_ = query.get("role", ["all"])[0], query.get("filter", ["all"])[0]
        if role not in ("all", "admin", "member") or filter_ not in ("all", "2fa_disabled"):
            return 422, message_body("Validation Failed", docs, 422), {}
        if filter_ == "2fa_disabled" and not self.settings.owner(org):
            return 422, message_body(OWNERS_ONLY, docs, 422), {}
        chosen = [p for p in (*access.owners, *access.members)
                  if (role == "all" or (p in access.owners) == (role == "admin"))
                  and (filter_ == "all" or p.login in access.two_factor_disabled)]
        return self._paged(_users(sorted(chosen, key=lambda p: p.id), base), query, page_url)

    @staticmethod
    def _paged(items: list[Any], query: dict[str, list[str]], page_url: str) -> RestAnswer:
        page, headers = paginate(items, query, page_url)
        return 200, page, headers

    def _team_repos(self, org: str, team: SimTeam) -> list[tuple[SimRepo, str]]:
        by_id = {r.database_id: r for r in self.dataset.repos(org)}
        return [(by_id[repo_id], permission) for repo_id, permission in team.repositories if repo_id in by_id]

    def _team_json(self, org: str, team: SimTeam, access: OrgAccess, base: str) -> dict[str, Any]:
        parent = access.team(team.parent) if team.parent else None
        return {**self._team_simple(org, team, base),
                "parent": self._team_simple(org, parent, base) if parent else None}

    @staticmethod
    def _team_simple(org: str, team: SimTeam, base: str) -> dict[str, Any]:
        api = f"{base}/organizations/1/team/{team.id}"
        return {"id": team.id, "node_id": f"T_kwDO{team.id:08d}", "url": api, "html_url": f"https://github.com/orgs/{org}/teams/{team.slug}",
                "name": team.name, "slug": team.slug, "description": None, "privacy": team.privacy,
                "notification_setting": "notifications_enabled", "permission": "pull",
                "members_url": api + "/members{/member}", "repositories_url": api + "/repos"}

    def _team_repo_json(self, repo: SimRepo, permission: str, base: str) -> dict[str, Any]:
        return {**repo_json(repo, base, self.dataset.owner(repo.owner).database_id),
                "permissions": _flags(permission), "role_name": permission}

    def _collaborators(self, key: str, query: dict[str, list[str]], page_url: str, base: str) -> RestAnswer:
        repo = self.dataset.get(key)
        if repo is None or self.dataset.org_login(repo.owner) is None:
            return not_found()
        docs = DOCS["collaborators"]
        if not self.settings.push(repo.name_with_owner):
            return 403, message_body(NO_PUSH, docs, 403), {}
        affiliation = query.get("affiliation", ["all"])[0]
        if affiliation not in ("outside", "direct", "all"):
            return 422, message_body("Validation Failed", docs, 422), {}
        access = self.index.of(repo.owner)
        people = access.people()
        outside = {p.login for p in access.outside}
        found = dict(access.collaborators.get(repo.database_id, ()))
        if affiliation == "outside":
            found = {login: p for login, p in found.items() if login in outside}
        elif affiliation == "all":  # plus owners (admin) and what teams give
            for team in access.teams:
                for repo_id, permission in team.repositories:
                    if repo_id == repo.database_id:
                        for login in team.members:
                            found[login] = max(found.get(login, "read"), permission, key=_rank)
            found.update({p.login: "admin" for p in access.owners})
        chosen = sorted(found.items(), key=lambda lp: people[lp[0]].id)
        return self._paged([{**user_json(login, base, "User", people[login].id), "permissions": _flags(permission),
                             "role_name": permission} for login, permission in chosen], query, page_url)


def _rank(permission: str) -> int:
    return list(FLAGS).index(permission)


def _flags(permission: str) -> dict[str, bool]:
    rank = _rank(permission)
    return {flag: rank >= _rank(name) for name, flag in FLAGS.items()}
