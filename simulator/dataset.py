"""Seeded synthetic GitHub data: organisations and their repositories, with counts as truth.

An org's repositories are generated on first use, from a random generator seeded with
(seed, org): the same seed gives the same data in every process. Issues, pull requests and
releases are kept as counts; the APIs make up minimal items from them when asked for lists.
"""

from __future__ import annotations

import base64
import bisect
import dataclasses
import math
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

# "Now" of the synthetic world: dates are spread before it (fixed, so data is reproducible).
WORLD_NOW = int(datetime(2025, 6, 1, tzinfo=timezone.utc).timestamp())
YEAR = 365 * 24 * 3600
DAY = 24 * 3600

VISIBILITIES = ("PUBLIC", "PRIVATE", "INTERNAL")

LANGUAGES = (
    ("Python", 18), ("TypeScript", 14), ("JavaScript", 12), ("Go", 10), ("Java", 8), ("HCL", 5),
    ("Shell", 5), ("Ruby", 4), ("Rust", 4), ("C++", 3), ("C#", 3), ("Kotlin", 2), ("Swift", 2),
    ("PHP", 2), ("Dockerfile", 2), ("Jupyter Notebook", 2), ("C", 2), ("Scala", 1), ("Elixir", 1),
    (None, 6),
)
LICENSES = (
    ("MIT", 30), ("Apache-2.0", 20), (None, 30), ("GPL-3.0", 5), ("BSD-3-Clause", 5),
    ("MPL-2.0", 2), ("NOASSERTION", 3), ("ISC", 2), ("Unlicense", 1), ("BSD-2-Clause", 1),
    ("AGPL-3.0", 1),
)
LICENSE_NAMES = {
    "MIT": ("MIT License", "mit"),
    "Apache-2.0": ("Apache License 2.0", "apache-2.0"),
    "GPL-3.0": ("GNU General Public License v3.0", "gpl-3.0"),
    "BSD-3-Clause": ('BSD 3-Clause "New" or "Revised" License', "bsd-3-clause"),
    "BSD-2-Clause": ('BSD 2-Clause "Simplified" License', "bsd-2-clause"),
    "MPL-2.0": ("Mozilla Public License 2.0", "mpl-2.0"),
    "NOASSERTION": ("Other", "other"),
    "ISC": ("ISC License", "isc"),
    "Unlicense": ("The Unlicense", "unlicense"),
    "AGPL-3.0": ("GNU Affero General Public License v3.0", "agpl-3.0"),
}
LANGUAGE_COLORS = {
    "Python": "#3572A5", "TypeScript": "#3178c6", "JavaScript": "#f1e05a", "Go": "#00ADD8",
    "Java": "#b07219", "HCL": "#844FBA", "Shell": "#89e051", "Ruby": "#701516", "Rust": "#dea584",
}
TOPICS = (
    "api", "aws", "backend", "cli", "cloud", "data", "devops", "docker", "documentation", "frontend",
    "github-actions", "golang", "graphql", "infrastructure", "kubernetes", "library", "machine-learning",
    "microservices", "monitoring", "python", "react", "rust", "sdk", "security", "serverless",
    "terraform", "testing", "typescript", "web", "automation", "analytics", "mobile", "database",
    "observability", "ci", "hacktoberfest",
)
_WORDS_A = (
    "alpha", "amber", "apollo", "arctic", "atlas", "aurora", "beacon", "blue", "bold", "bright",
    "cedar", "cobalt", "comet", "coral", "cosmic", "crimson", "crystal", "delta", "echo", "ember",
    "falcon", "fast", "flux", "frost", "galaxy", "giant", "golden", "granite", "green", "harbor",
    "helix", "hidden", "indigo", "iron", "jade", "jolly", "kepler", "lunar", "magnet", "maple",
    "meteor", "misty", "neon", "nimble", "nova", "oak", "omega", "onyx", "orbit", "pacific",
    "pixel", "polar", "prism", "quantum", "quick", "rapid", "red", "river", "rocket", "ruby",
    "sage", "silent", "silver", "solar", "sonic", "spark", "stellar", "storm", "summit", "swift",
    "terra", "thunder", "tidal", "titan", "ultra", "vector", "velvet", "violet", "vivid", "zen",
)
_WORDS_B = (
    "api", "app", "agent", "analytics", "archive", "auth", "billing", "bot", "bridge", "broker",
    "cache", "catalog", "cluster", "collector", "compiler", "config", "console", "core", "crawler",
    "dashboard", "deploy", "engine", "events", "exporter", "feed", "forge", "gateway", "graph",
    "hub", "index", "ingest", "inventory", "kit", "lab", "lake", "ledger", "loader", "logger",
    "mailer", "manager", "mapper", "mesh", "metrics", "monitor", "notifier", "operator", "parser",
    "pipeline", "platform", "portal", "proxy", "queue", "registry", "relay", "renderer", "router",
    "runner", "scanner", "scheduler", "search", "server", "service", "shell", "signal", "sink",
    "sdk", "store", "stream", "studio", "sync", "toolkit", "tracker", "vault", "viewer", "worker",
)
_SUFFIXES = ("", "", "", "", "-api", "-service", "-web", "-cli", "-lib", "-infra", "-docs", "-ui",
             "-sdk", "-terraform", "-helm", "-tests", "-v2", "-legacy", "-poc", "-tools")
_SPECIAL_NAMES = (".github", "dotfiles", "docs", "handbook", "homebrew-tap", "infra", "terraform-modules",
                  "design-system", "style_guide", "Website", "README-templates", "security.txt")
_DESCRIPTIONS = (
    "Internal {b} for the {a} team", "The {a} {b}", "{A} {b} written for production use",
    "Experimental {b} (proof of concept)", "Shared {b} and tooling", "Deprecated: use {a}-{b}-v2",
    "{A} {b}: configuration, deployment and docs", "A fast {b} for {a} workloads",
)


@dataclass(slots=True)
class SimRepo:
    """The truth about one repository, in the simulator's own (snake_case) names.

    Treat it as read-only: change the truth through GitHubSimulator.update_repo / rename_repo
    / delete_repo, which keep the indexes and listing caches right.
    """

    owner: str
    name: str
    name_with_owner: str
    id: str
    database_id: int
    url: str
    description: str | None
    visibility: str
    is_private: bool
    is_archived: bool
    is_template: bool
    is_fork: bool
    is_disabled: bool
    is_empty: bool
    is_locked: bool
    is_mirror: bool
    created_at: str
    updated_at: str
    pushed_at: str | None
    primary_language: str | None
    license_spdx_id: str | None
    default_branch: str | None
    disk_usage: int
    stargazers: int
    forks: int
    watchers: int
    open_issues: int
    closed_issues: int
    open_prs: int
    closed_prs: int  # closed without merging (GraphQL state CLOSED)
    merged_prs: int
    releases: int
    topics: list[str] = field(default_factory=list)
    owner_type: str = "Organization"  # or "User"

    @property
    def key(self) -> str:
        """Lower-case owner/name: GitHub's names are case-insensitive."""
        return self.name_with_owner.lower()

    @property
    def issue_total(self) -> int:
        return self.open_issues + self.closed_issues

    @property
    def pr_total(self) -> int:
        return self.open_prs + self.closed_prs + self.merged_prs


_DAY_STRINGS: dict[int, str] = {}


def iso(epoch: float | None) -> str | None:
    """ISO-8601 UTC with a Z, as GitHub writes dates (cached per day: generation is hot)."""
    if epoch is None:
        return None
    day, second = divmod(int(epoch), DAY)
    date = _DAY_STRINGS.get(day)
    if date is None:
        date = _DAY_STRINGS[day] = "%04d-%02d-%02dT" % time.gmtime(day * DAY)[:3]
    hour, rest = divmod(second, 3600)
    return "%s%02d:%02d:%02dZ" % (date, hour, rest // 60, rest % 60)


def parse_iso(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def node_id(prefix: str, number: int) -> str:
    """GitHub-style global node ID (e.g. R_kgDOG8aB7w): a type prefix plus packed bytes."""
    packed = base64.urlsafe_b64encode(number.to_bytes(6, "big")).decode().rstrip("=")
    return f"{prefix}_kgDO{packed}"


def random_created(rng: random.Random) -> int:
    return WORLD_NOW - 30 * DAY - int((rng.random() ** 1.4) * 11 * YEAR)


def _weighted(options: tuple[tuple[Any, int], ...]) -> Callable[[random.Random], Any]:
    values = [value for value, _ in options]
    cumulative: list[int] = []
    total = 0
    for _, weight in options:
        total += weight
        cumulative.append(total)

    def pick(rng: random.Random) -> Any:
        return values[bisect.bisect_right(cumulative, rng.random() * total)]

    return pick


_pick_language = _weighted(LANGUAGES)
_pick_license = _weighted(LICENSES)


def _unique_name(rng: random.Random, taken: set[str]) -> str:
    roll = rng.random()
    if roll < 0.01:
        base = rng.choice(_SPECIAL_NAMES)
    elif roll < 0.12:
        base = rng.choice(_WORDS_A + _WORDS_B)
    else:
        base = f"{rng.choice(_WORDS_A)}-{rng.choice(_WORDS_B)}{rng.choice(_SUFFIXES)}"
        if roll > 0.985:
            base = base.replace("-", "_", 1)
        elif roll > 0.97:
            base = base.capitalize()
    name = base
    counter = 2
    while name.lower() in taken:
        name = f"{base}-{counter}"
        counter += 1
    taken.add(name.lower())
    return name


_STRIDES = (1, 5, 7, 11, 13, 17, 19, 23, 25, 29, 31, 35)  # coprime with len(TOPICS) == 36


def _pick_topics(rand: Callable[[], float], count: int) -> list[str]:
    """`count` distinct topics (a random start and stride over TOPICS: cheaper than sample)."""
    size = len(TOPICS)
    start = int(rand() * size)
    stride = _STRIDES[int(rand() * len(_STRIDES))]
    return [TOPICS[(start + i * stride) % size] for i in range(count)]


def generate_repo(rng: random.Random, owner: str, name: str, database_id: int,
                  owner_type: str = "Organization", created: int | None = None) -> SimRepo:
    """One repository with realistic spreads (most small and quiet, a few big and busy).

    Written for speed (an org of 50,000 is generated at once): few random calls, no
    random.choice/sample/expovariate.
    """
    rand = rng.random
    log = math.log
    if created is None:
        created = random_created(rng)
    is_empty = rand() < 0.02
    is_fork = (not is_empty) and rand() < 0.15
    roll = rand()
    visibility = "PRIVATE" if roll < 0.25 else "INTERNAL" if roll < 0.30 else "PUBLIC"
    private = visibility != "PUBLIC"
    is_archived = rand() < 0.10
    roll = rand()
    is_template = roll < 0.03
    is_disabled = 0.03 <= roll < 0.032
    is_locked = 0.04 <= roll < 0.043
    is_mirror = (not is_empty) and 0.05 <= roll < 0.055

    roll = rand()
    if roll < 0.35:
        stars = 0
    else:
        # Pareto with alpha 0.85 (heavy tail: a few repositories have thousands of stars)
        stars = min(int((1.0 - rand()) ** (-1 / 0.85)), 250_000)
    if private:
        stars = min(stars, 40)
    roll = rand()
    forks = int(stars * roll * 0.35) + (1 if roll < 0.2 else 0)
    watchers = (1 if roll > 0.1 else 0) + int(-log(1.0 - rand()) * 3) + stars // 40

    if is_empty:
        pushed = None
        updated = created + int(rand() * DAY)
        language = license_id = branch = None
        disk = 0
        open_issues = closed_issues = open_prs = closed_prs = merged_prs = releases = 0
        forks = min(forks, 1)
        topics: list[str] = []
    else:
        pushed = created + int(rand() * (WORLD_NOW - created))
        updated = min(WORLD_NOW, pushed + int(rand() * 30 * DAY))
        language = _pick_language(rng)
        license_id = _pick_license(rng)
        roll = rand()
        if private and license_id is not None and roll < 0.6:
            license_id = None
        if created > WORLD_NOW - 5 * YEAR:
            branch = "main" if roll < 0.9 else ("master", "develop", "trunk")[int(rand() * 3)]
        else:
            branch = "master" if roll < 0.7 else ("main", "main", "develop", "gh-pages")[int(rand() * 4)]
        disk = min(int(40 * (1.0 - rand()) ** (-1 / 0.9)), 8_000_000)
        busy = 1 + stars ** 0.5
        if is_fork:
            open_issues = closed_issues = 0  # issues are off on forks by default
        else:
            open_issues = int(-log(1.0 - rand()) * (1 + busy))
            closed_issues = int(open_issues * (0.3 + 5.7 * rand())) + int(-log(1.0 - rand()) * 4)
        open_prs = int(-log(1.0 - rand()) * (0.5 + busy ** 0.6))
        merged_prs = int(-log(1.0 - rand()) * (3 + 4 * busy))
        closed_prs = int(merged_prs * 0.25 * rand())
        roll = rand()
        releases = 0 if roll < 0.6 else int(-log(1.0 - rand()) * 12)
        if roll < 0.45 or 0.6 < roll < 0.7:
            topics = []
        elif roll > 0.995:
            topics = _pick_topics(rand, 20)
        else:
            topics = _pick_topics(rand, 1 + int(rand() * 6))
        if is_archived:
            open_prs = min(open_prs, 2)
    roll = rand()
    if roll < 0.25:
        description = None
    else:
        a = _WORDS_A[int(rand() * len(_WORDS_A))]
        b = _WORDS_B[int(rand() * len(_WORDS_B))]
        description = _DESCRIPTIONS[int(roll * 1000) % len(_DESCRIPTIONS)].format(a=a, b=b, A=a.capitalize())
    name_with_owner = f"{owner}/{name}"
    return SimRepo(
        owner, name, name_with_owner, node_id("R", database_id), database_id,
        "https://github.com/" + name_with_owner, description, visibility, private, is_archived,
        is_template, is_fork, is_disabled, is_empty, is_locked, is_mirror,
        iso(created), iso(updated), iso(pushed),  # type: ignore[arg-type]
        language, license_id, branch, disk, stars, forks, watchers,
        open_issues, closed_issues, open_prs, closed_prs, merged_prs, releases, topics, owner_type,
    )


def generate_org(seed: int, org: str, count: int, org_index: int) -> list[SimRepo]:
    """`count` repositories of one org, the same for the same (seed, org, count, index)."""
    rng = random.Random(f"ghstats-simulator:{seed}:{org.lower()}")
    taken: set[str] = set()
    names = [_unique_name(rng, taken) for _ in range(count)]
    created = [random_created(rng) for _ in range(count)]
    # Database ids grow with creation time, as on GitHub; each org has its own id range.
    base = 100_000_000 + org_index * 10_000_000
    ids = [0] * count
    for rank, index in enumerate(sorted(range(count), key=lambda i: (created[i], names[i].lower()))):
        ids[index] = base + 7 * rank + 1
    repos = [generate_repo(rng, org, names[i], ids[i], created=created[i]) for i in range(count)]
    repos.sort(key=name_order)
    return repos


def name_order(repo: SimRepo) -> tuple[str, str]:
    return (repo.name.lower(), repo.name)


@dataclass
class Owner:
    login: str
    type: str  # "Organization" | "User"
    database_id: int
    repos: dict[str, SimRepo] = field(default_factory=dict)  # lower-case name -> repo
    _sorted: list[SimRepo] | None = None

    @property
    def node_id(self) -> str:
        return node_id("O" if self.type == "Organization" else "U", self.database_id)

    def sorted_repos(self) -> list[SimRepo]:
        if self._sorted is None:
            self._sorted = sorted(self.repos.values(), key=name_order)
        return self._sorted

    def changed(self) -> None:
        self._sorted = None


class Dataset:
    """Every owner and repository the simulator knows, plus renames (which GitHub follows).

    Thread-safe. Lookups are case-insensitive like GitHub's. `version` grows on every change
    (caches of listings key on it).
    """

    def __init__(self, orgs: Mapping[str, int], seed: int = 1):
        self.seed = seed
        self._lock = threading.RLock()
        self._org_sizes = {login: int(count) for login, count in orgs.items()}
        self._org_index = {login.lower(): i for i, login in enumerate(orgs)}
        self._org_login = {login.lower(): login for login in orgs}
        self._owners: dict[str, Owner] = {}
        self._redirects: dict[str, str] = {}  # old lower key -> new lower key
        self._next_added_id = 900_000_000
        self.version = 0
        self._listing_cache: dict[tuple[Any, ...], tuple[list[SimRepo], list[Any]]] = {}
        self._alert_index: Any = None

    # -- owners ------------------------------------------------------------------------------

    @property
    def org_logins(self) -> list[str]:
        return list(self._org_sizes)

    def org_login(self, login: str) -> str | None:
        """The org's login as configured (GitHub's spelling), or None if not an org."""
        return self._org_login.get(login.lower())

    def owner(self, login: str) -> Owner | None:
        lower = login.lower()
        with self._lock:
            existing = self._owners.get(lower)
            if existing is not None:
                return existing
            if lower in self._org_login:
                return self._generate(lower)
            return None

    def _generate(self, lower: str) -> Owner:
        login = self._org_login[lower]
        index = self._org_index[lower]
        repos = generate_org(self.seed, login, self._org_sizes[login], index)
        owner = Owner(login, "Organization", 1000 + index,
                      {r.name.lower(): r for r in repos}, repos)
        self._owners[lower] = owner
        return owner

    # -- reading -----------------------------------------------------------------------------

    def repos(self, owner: str) -> list[SimRepo]:
        """The owner's repositories sorted by name (case-insensitive); [] for unknown owners."""
        with self._lock:
            found = self.owner(owner)
            return list(found.sorted_repos()) if found else []

    def all_repos(self) -> Iterable[SimRepo]:
        with self._lock:
            for login in self._org_sizes:
                self.owner(login)
            return [r for o in self._owners.values() for r in o.sorted_repos()]

    def get(self, key: str, follow_renames: bool = True) -> SimRepo | None:
        """The repository "owner/name" (any case); a renamed repo is found by its old name too."""
        owner_login, _, name = key.partition("/")
        if not name:
            return None
        with self._lock:
            owner = self.owner(owner_login)
            if owner is not None:
                found = owner.repos.get(name.lower())
                if found is not None:
                    return found
            if follow_renames:
                target = self._redirects.get(key.lower())
                if target is not None:
                    return self.get(target, follow_renames=False)
            return None

    def listing(self, owner_login: str, predicate_key: tuple[Any, ...],
                predicate: Callable[[SimRepo], bool], sort_key: Callable[[SimRepo], Any]
                ) -> tuple[list[SimRepo], list[Any]]:
        """An owner's repositories filtered and sorted ascending, with their sort keys (cached)."""
        with self._lock:
            cache_key = (owner_login.lower(), predicate_key, self.version)
            cached = self._listing_cache.get(cache_key)
            if cached is not None:
                return cached
            owner = self.owner(owner_login)
            items = [r for r in (owner.sorted_repos() if owner else []) if predicate(r)]
            items.sort(key=sort_key)
            result = (items, [sort_key(r) for r in items])
            if len(self._listing_cache) > 64:
                self._listing_cache.clear()
            self._listing_cache[cache_key] = result
            return result

    # -- security alerts (generated in simulator/alerts.py) -----------------------------------

    @property
    def alert_index(self) -> Any:
        """The seeded security alerts of every owner (simulator.alerts.AlertIndex)."""
        with self._lock:
            if self._alert_index is None:
                from simulator.alerts import AlertIndex  # alerts.py builds on this module

                self._alert_index = AlertIndex(self.seed, self.repos, lambda: self.version)
            return self._alert_index

    def alerts(self, owner: str, kind: str) -> list[Any]:
        """The truth behind GET /orgs/{owner}/{kind}/alerts: every alert of `kind`
        ("dependabot", "secret_scanning", "code_scanning") in the order the API pages them."""
        return [alert for _, alert in self.alert_index.listing(owner, kind)[0]]

    def leaked_secrets(self) -> list[str]:
        """Every secret value the secret scanning alerts hold or held (a superset of what was
        served): scan any output for these to prove no secret leaked."""
        return self.alert_index.leaked_secrets(self.org_logins)

    # -- changes -----------------------------------------------------------------------------

    def change_alert(self, kind: str, repository: str, number: int, **fields: Any) -> Any:
        """Change one alert of `repository` (owner/name) of `kind` ("dependabot",
        "secret_scanning", "code_scanning"): its fields given (e.g. state, fixed_at, updated_at).
        Its org's list (and that page's ETag) change with it. Returns the changed alert."""
        with self._lock:
            repo = self.get(repository)
            if repo is None:
                raise KeyError(f"no repository {repository}")
            changed = self.alert_index.change(kind, repo, number, **fields)
            self.version += 1
            return changed

    def _changed(self, owner: Owner) -> None:
        owner.changed()
        self.version += 1

    def add(self, owner_login: str, name: str, **fields: Any) -> SimRepo:
        """Add a repository; an owner that is not a configured org becomes a user."""
        with self._lock:
            owner = self.owner(owner_login)
            if owner is None:
                owner = Owner(owner_login, "User", 5000 + len(self._owners))
                self._owners[owner_login.lower()] = owner
            if name.lower() in owner.repos:
                raise ValueError(f"{owner.login}/{name} already exists")
            self._next_added_id += 1
            rng = random.Random(f"ghstats-simulator:{self.seed}:{owner.login.lower()}/{name.lower()}")
            repo = generate_repo(rng, owner.login, name, self._next_added_id, owner.type)
            repo = dataclasses.replace(repo, id=node_id("R", self._next_added_id))
            if fields:
                repo = _with_fields(repo, fields)
            owner.repos[name.lower()] = repo
            self._redirects.pop(repo.key, None)  # a new repo with an old name breaks the redirect
            self._changed(owner)
            return repo

    def delete(self, key: str) -> SimRepo:
        with self._lock:
            repo = self.get(key, follow_renames=False)
            if repo is None:
                raise KeyError(f"no repository {key}")
            owner = self.owner(repo.owner)
            assert owner is not None
            del owner.repos[repo.name.lower()]
            self._redirects = {old: new for old, new in self._redirects.items() if new != repo.key}
            self._changed(owner)
            return repo

    def rename(self, key: str, new_name: str) -> SimRepo:
        """Rename within the owner; the old name keeps resolving (GitHub's redirect)."""
        with self._lock:
            repo = self.get(key, follow_renames=False)
            if repo is None:
                raise KeyError(f"no repository {key}")
            owner = self.owner(repo.owner)
            assert owner is not None
            if new_name.lower() in owner.repos and new_name.lower() != repo.name.lower():
                raise ValueError(f"{repo.owner}/{new_name} already exists")
            renamed = dataclasses.replace(
                repo, name=new_name, name_with_owner=f"{repo.owner}/{new_name}",
                url=f"https://github.com/{repo.owner}/{new_name}",
            )
            del owner.repos[repo.name.lower()]
            owner.repos[new_name.lower()] = renamed
            self._redirects = {old: (renamed.key if new == repo.key else new)
                               for old, new in self._redirects.items()}
            if repo.key != renamed.key:
                self._redirects[repo.key] = renamed.key
            self._redirects.pop(renamed.key, None)
            self._changed(owner)
            return renamed

    def update(self, key: str, **fields: Any) -> SimRepo:
        """Change the truth of one repository (not its name: use rename)."""
        with self._lock:
            repo = self.get(key, follow_renames=False)
            if repo is None:
                raise KeyError(f"no repository {key}")
            if {"owner", "name", "name_with_owner"} & set(fields):
                raise ValueError("use rename() to change a name")
            updated = _with_fields(repo, fields)
            owner = self.owner(repo.owner)
            assert owner is not None
            owner.repos[repo.name.lower()] = updated
            self._changed(owner)
            return updated


def _with_fields(repo: SimRepo, fields: dict[str, Any]) -> SimRepo:
    unknown = set(fields) - {f.name for f in dataclasses.fields(SimRepo)}
    if unknown:
        raise TypeError(f"SimRepo has no field(s) {sorted(unknown)}")
    if "visibility" in fields and "is_private" not in fields:
        fields = {**fields, "is_private": fields["visibility"] != "PUBLIC"}
    if fields.get("is_empty") and "default_branch" not in fields:
        fields = {**fields, "default_branch": None, "pushed_at": None}
    return dataclasses.replace(repo, **fields)
