"""Faults on demand: GitHub's failure shapes, injected on chosen requests."""

from __future__ import annotations

import random
import threading
from dataclasses import KW_ONLY, dataclass, field

KINDS = frozenset({
    "rate_limited", "rate_limit_new", "primary_rest", "secondary_403", "secondary_429",
    "secondary_graphql", "bad_gateway_json", "bad_gateway_html", "slow", "malformed_json",
    "drop_connection", "not_found", "forbidden", "forbidden_field", "unauthorized",
})
GRAPHQL_ONLY = frozenset({"rate_limited", "rate_limit_new", "secondary_graphql"})
REST_DEFAULT = frozenset({"primary_rest"})
# one alias fails (forbidden_field: only its licenseInfo, a nullable field deep in the alias, as
# GitHub answers a field the credential may not read), the rest of the data is kept
ALIAS_KINDS = frozenset({"not_found", "forbidden", "forbidden_field"})
FORBIDDEN_FIELD = "licenseInfo"
APIS = ("graphql", "rest", "any")


@dataclass
class Fault:
    """A failure to inject.

    Matches (all given conditions must hold):
    - on_request=N: the Nth request of the fault's API and later ones (1-based, counted since
      start or reset_records; GraphQL and REST are counted apart, "any" counts both);
    - repo="owner/name": a GraphQL request whose query has repository(owner, name) for it, or
      a REST request under /repos/owner/name (org-wide REST paths such as
      /orgs/{org}/dependabot/alerts name no repository: leave repo out to hit them);
    - org="login": a REST request under /orgs/login/ or /repos/login/, or a GraphQL request
      with a repository of that owner (owners' work runs side by side: this picks one owner's);
    - probability=p: each otherwise matching request with probability p (seeded RNG).
    `times` = how many requests it fires on (None = forever). `api` = "graphql" (default for
    every kind but primary_rest), "rest" or "any".
    not_found / forbidden fail the alias of `repo` (every alias naming it), or without `repo`
    the first repository() alias; they only match GraphQL requests that have such a field.
    On REST they answer 404 / 403.
    """

    kind: str
    _: KW_ONLY
    on_request: int | None = None
    times: int | None = 1
    repo: str | None = None
    org: str | None = None
    probability: float | None = None
    seed: int | None = None
    retry_after: int | None = None
    delay_s: float | None = None
    api: str | None = None
    fired: int = field(default=0, init=False)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(KINDS)}")
        if self.api is None:
            self.api = "rest" if self.kind in REST_DEFAULT else "graphql"
        if self.api not in APIS:
            raise ValueError(f"api must be one of {APIS}")
        if self.api == "rest" and self.kind in GRAPHQL_ONLY:
            raise ValueError(f"{self.kind} is a GraphQL fault")
        self._rng = random.Random(self.seed)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def _matches(self, api: str, number: int, overall: int, repo_keys: set[str],
                 alias_possible: bool, owners: set[str]) -> bool:
        if self.exhausted or (self.api != "any" and self.api != api):
            return False
        if self.on_request is not None and (overall if self.api == "any" else number) < self.on_request:
            return False
        if self.repo is not None and self.repo.lower() not in repo_keys:
            return False
        if self.org is not None and self.org.lower() not in owners | {key.split("/", 1)[0] for key in repo_keys}:
            return False
        if self.kind in ALIAS_KINDS and api == "graphql" and not alias_possible:
            return False
        if self.probability is not None and self._rng.random() >= self.probability:
            return False
        return True


class FaultSet:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pick(self, api: str, number: int, overall: int, repo_keys: set[str],
             alias_possible: bool = False, owners: set[str] = frozenset()) -> Fault | None:
        """The first fault that matches this request (and count it as fired); `owners`: the
        (lower-case) owner a REST path is under."""
        with self._lock:
            for fault in self._faults:
                if fault._matches(api, number, overall, repo_keys, alias_possible, owners):
                    fault.fired += 1
                    return fault
        return None

    @property
    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)
