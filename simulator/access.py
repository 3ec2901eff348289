"""Who may do what in each simulated organisation: members (owners and members, some without
2FA), outside collaborators, teams (nested, closed or secret, with members, maintainers and
repository permissions) and each repository's direct collaborators. Seeded per org, generated on
first use from the org's repositories then; the truth tests compare with."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, replace
from typing import Callable

from simulator.dataset import SimRepo

PERMISSIONS = ("read", "triage", "write", "maintain", "admin")  # GitHub's role names, weakest first
FLAGS = {"read": "pull", "triage": "triage", "write": "push", "maintain": "maintain", "admin": "admin"}


@dataclass(frozen=True)
class Person:
    login: str
    id: int


@dataclass(frozen=True)
class SimTeam:
    slug: str
    name: str
    id: int
    privacy: str  # closed | secret (a secret team is never nested)
    parent: str | None  # the parent team's slug
    members: tuple[str, ...]  # logins, maintainers included
    maintainers: tuple[str, ...]
    repositories: tuple[tuple[int, str], ...]  # (repository database id, permission)


@dataclass(frozen=True)
class OrgAccess:
    owners: tuple[Person, ...]
    members: tuple[Person, ...]  # not owners
    two_factor_disabled: frozenset[str]  # logins
    outside: tuple[Person, ...]
    teams: tuple[SimTeam, ...]
    collaborators: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # repo id -> (login, permission)

    def people(self) -> dict[str, Person]:
        return {p.login: p for p in (*self.owners, *self.members, *self.outside)}

    def team(self, slug: str) -> SimTeam | None:
        return next((t for t in self.teams if t.slug.lower() == slug.lower()), None)


def _permission(rng: random.Random, weights: tuple[int, ...]) -> str:
    return rng.choices(PERMISSIONS, weights)[0]


def generate_access(seed: int, org: str, repos: list[SimRepo], base_id: int) -> OrgAccess:
    rng = random.Random(f"{seed}:{org.lower()}:access")
    size = len(repos)
    ids = iter(range(base_id, base_id + 100_000))
    people = [Person(f"{org.lower()}-user-{i:03d}", next(ids)) for i in range(max(4, min(400, size // 3)))]
    owners, members = tuple(people[:2 if size >= 10 else 1]), tuple(people[2 if size >= 10 else 1:])
    two_factor = frozenset(p.login for p in people if rng.random() < 0.15)
    outside = tuple(Person(f"{org.lower()}-guest-{i:02d}", next(ids)) for i in range(max(2, size // 15)))
    collaborators: dict[int, list[tuple[str, str]]] = {}
    for repo in repos:
        roll = rng.random()
        direct = []
        if roll < 0.35:
            direct.append((rng.choice(members).login, "admin"))
        if roll < 0.12:
            direct.append((rng.choice(members).login, "admin"))
        if rng.random() < 0.2:
            direct.append((rng.choice(members).login, _permission(rng, (3, 1, 5, 1, 0))))
        collaborators[repo.database_id] = direct
    for guest in outside:
        for repo in rng.sample(repos, min(len(repos), rng.randint(1, 3))):
            collaborators[repo.database_id].append((guest.login, _permission(rng, (4, 1, 3, 1, 1))))
    teams: list[SimTeam] = []
    for i in range(max(2, min(40, size // 10))):
        closed = [t for t in teams if t.privacy == "closed"]
        parent = rng.choice(closed).slug if closed and rng.random() < 0.3 else None
        privacy = "closed" if parent or rng.random() < 0.8 else "secret"
        team_members = rng.sample(people, min(len(people), rng.randint(1, 6)))
        maintainers = [] if rng.random() < 0.25 else team_members[:rng.randint(1, 2)]
        granted = rng.sample(repos, min(len(repos), rng.randint(0, 8)))
        teams.append(SimTeam(f"team-{i:02d}", f"Team {i:02d}", next(ids), privacy, parent,
                             tuple(sorted(p.login for p in team_members)), tuple(sorted(p.login for p in maintainers)),
                             tuple((r.database_id, _permission(rng, (4, 1, 4, 1, 1))) for r in granted)))
    return OrgAccess(owners, members, two_factor, outside, tuple(teams),
                     {repo_id: tuple(_unique(found)) for repo_id, found in collaborators.items()})


def _unique(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One permission per login on a repository (the first given)."""
    seen: dict[str, str] = {}
    for login, permission in found:
        seen.setdefault(login, permission)
    return list(seen.items())


class AccessIndex:
    """Each org's access truth, generated once; tests change it through `replace`."""

    def __init__(self, seed: int, repos_of: Callable[[str], list[SimRepo]], owner_id: Callable[[str], int]):
        self._seed = seed
        self._repos_of = repos_of
        self._owner_id = owner_id
        self._lock = threading.Lock()
        self._orgs: dict[str, OrgAccess] = {}

    def of(self, org: str) -> OrgAccess:
        with self._lock:
            found = self._orgs.get(org.lower())
            if found is None:
                found = self._orgs[org.lower()] = generate_access(self._seed, org, self._repos_of(org),
                                                                   10_000_000 + 100_000 * self._owner_id(org))
            return found

    def replace(self, org: str, **changes: object) -> OrgAccess:
        changed = replace(self.of(org), **changes)
        with self._lock:
            self._orgs[org.lower()] = changed
        return changed
