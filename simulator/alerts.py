"""Seeded security alerts (Dependabot, secret scanning, code scanning) per repository.

A repository's alerts are a function of the dataset's seed and the repository's own stable
facts (database id, name, creation date, language, visibility): the same seed gives the same
alerts in every process, renames keep them, deletes drop them. Most repositories have few or
none, a handful have many. Numbers run 1..N per repository and kind, oldest first; an org's
list is newest first (GitHub's default `sort=created&direction=desc`), which is the order the
REST endpoints page them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable

from simulator import alert_catalog as catalog
from simulator.connections import Desc
from simulator.dataset import DAY, WORLD_NOW, YEAR, SimRepo, iso, parse_iso

FIRST_ALERT = int(datetime(2019, 6, 1, tzinfo=timezone.utc).timestamp())  # no alerts before this


@dataclass(frozen=True)
class Advisory:
    """A GitHub Security Advisory for one package (shared by every alert it causes)."""

    ghsa_id: str
    cve_id: str | None
    summary: str
    description: str
    severity: str
    cvss_score: float
    cvss_vector: str
    cwe_id: str
    cwe_name: str
    ecosystem: str
    package: str
    vulnerable_version_range: str
    first_patched_version: str | None
    epss_percentage: float
    epss_percentile: float
    published_at: str
    updated_at: str


@dataclass(frozen=True)
class DependabotAlert:
    repository: str  # "owner/name" as the repository is named now
    repository_id: int
    number: int
    state: str  # auto_dismissed | dismissed | fixed | open
    created_at: str
    updated_at: str
    manifest_path: str
    scope: str  # development | runtime
    relationship: str  # direct | transitive
    advisory: Advisory
    dismissed_at: str | None
    dismissed_by: str | None  # login
    dismissed_reason: str | None
    dismissed_comment: str | None
    fixed_at: str | None
    auto_dismissed_at: str | None

    @property
    def sort_key(self) -> tuple[str, int, int]:
        return (self.created_at, self.repository_id, self.number)


@dataclass(frozen=True)
class SecretScanningAlert:
    repository: str
    repository_id: int
    number: int
    state: str  # open | resolved
    created_at: str
    updated_at: str
    secret_type: str
    secret_type_display_name: str
    provider: str
    provider_slug: str
    secret: str  # the leaked value: fake, unique, contains catalog.SECRET_MARKER
    validity: str  # active | inactive | unknown
    resolution: str | None
    resolved_at: str | None
    resolved_by: str | None
    resolution_comment: str | None
    push_protection_bypassed: bool
    push_protection_bypassed_by: str | None
    push_protection_bypassed_at: str | None
    publicly_leaked: bool
    multi_repo: bool
    path: str
    start_line: int
    end_line: int
    start_column: int
    end_column: int
    blob_sha: str
    commit_sha: str
    has_more_locations: bool

    @property
    def sort_key(self) -> tuple[str, int, int]:
        return (self.created_at, self.repository_id, self.number)


@dataclass(frozen=True)
class CodeScanningAlert:
    repository: str
    repository_id: int
    number: int
    state: str  # open | dismissed | fixed
    created_at: str
    updated_at: str
    rule_id: str
    rule_name: str
    rule_severity: str  # none | note | warning | error
    security_severity_level: str | None  # low | medium | high | critical (None: not a security rule)
    rule_description: str
    tags: tuple[str, ...]
    tool_name: str
    tool_guid: str | None
    tool_version: str
    language: str
    ref: str
    commit_sha: str
    message: str
    path: str
    start_line: int
    end_line: int
    start_column: int
    end_column: int
    classifications: tuple[str, ...]
    fixed_at: str | None
    dismissed_at: str | None
    dismissed_by: str | None
    dismissed_reason: str | None
    dismissed_comment: str | None

    @property
    def sort_key(self) -> tuple[str, int, int]:
        return (self.created_at, self.repository_id, self.number)


def check_kind(kind: str) -> str:
    if kind not in catalog.ALERT_KINDS:
        raise ValueError(f"unknown alert kind {kind!r}; one of {list(catalog.ALERT_KINDS)}")
    return kind


# -- helpers -----------------------------------------------------------------------------------

def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in options], [weight for _, weight in options])[0]


def _count(rng: random.Random, chance: float, cap: int, tail: float) -> int:
    """0 most of the time; otherwise 1.. with a heavy tail (a few repositories have many)."""
    if rng.random() >= chance:
        return 0
    return min(cap, int((1.0 - rng.random()) ** (-1 / tail)))


def _sha(*parts: Any) -> str:
    return hashlib.sha1(":".join(str(p) for p in parts).encode()).hexdigest()


def _version(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randint(0, 6), rng.randint(0, 25), rng.randint(0, 30))


def _later(rng: random.Random, start: int, days: int) -> int:
    """A moment after `start`, within `days`, never after the synthetic world's now."""
    return min(WORLD_NOW - 3600, start + 3600 + int(rng.random() * days * DAY))


def _alert_times(rng: random.Random, repo: SimRepo, count: int, not_before: int = FIRST_ALERT) -> list[int]:
    start = max(parse_iso(repo.created_at), not_before)
    end = WORLD_NOW - DAY
    if start >= end:
        start = end - 30 * DAY
    return sorted(start + int((rng.random() ** 0.7) * (end - start)) for _ in range(count))


# -- advisories --------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def advisories(seed: int) -> dict[str, tuple[Advisory, ...]]:
    """The advisory catalogue of a dataset: ecosystem -> advisories (1-3 per package)."""
    rng = random.Random(f"ghstats-simulator:{seed}:advisories")
    result: dict[str, tuple[Advisory, ...]] = {}
    for ecosystem, (_, packages) in catalog.ECOSYSTEMS.items():
        found = []
        for package in packages:
            for _ in range(rng.randint(1, 3)):
                found.append(_advisory(rng, ecosystem, package))
        result[ecosystem] = tuple(found)
    return result


def _advisory(rng: random.Random, ecosystem: str, package: str) -> Advisory:
    ghsa = "GHSA-" + "-".join("".join(rng.choice(catalog.GHSA_ALPHABET) for _ in range(4)) for _ in range(3))
    published = FIRST_ALERT - 180 * DAY + int(rng.random() * (WORLD_NOW - FIRST_ALERT))
    severity = _weighted(rng, catalog.SEVERITIES)
    low, high = catalog.CVSS_RANGES[severity]
    summary, cwe_id, cwe_name = rng.choice(catalog.WEAKNESSES)
    major, minor, patch = _version(rng)
    patched = None if rng.random() < 0.08 else f"{major}.{minor}.{patch + 1}"
    vulnerable = (f"< {major}.{minor}.{patch + 1}" if rng.random() < 0.6
                  else f">= {major}.0.0, < {major}.{minor}.{patch + 1}")
    return Advisory(
        ghsa_id=ghsa,
        cve_id=None if rng.random() < 0.2 else f"CVE-{iso(published)[:4]}-{rng.randint(1000, 49999)}",
        summary=summary.format(package=package),
        description=f"Versions of `{package}` before {major}.{minor}.{patch + 1} are affected. "
                    f"Upgrade to a patched version.",
        severity=severity,
        cvss_score=round(low + rng.random() * (high - low), 1),
        cvss_vector=catalog.CVSS_VECTORS[severity],
        cwe_id=cwe_id,
        cwe_name=cwe_name,
        ecosystem=ecosystem,
        package=package,
        vulnerable_version_range=vulnerable,
        first_patched_version=patched,
        epss_percentage=round(rng.random() ** 3 * 0.9, 5),
        epss_percentile=round(rng.random(), 5),
        published_at=iso(published),  # type: ignore[arg-type]
        updated_at=iso(min(WORLD_NOW - DAY, published + int(rng.random() * YEAR))),  # type: ignore[arg-type]
    )


# -- per repository ----------------------------------------------------------------------------

def _person(rng: random.Random) -> str:
    return rng.choice(catalog.SECURITY_PEOPLE)[0]


def dependabot_alerts(seed: int, repo: SimRepo) -> tuple[DependabotAlert, ...]:
    rng = random.Random(f"ghstats-simulator:{seed}:dependabot:{repo.database_id}")
    if repo.is_empty:
        return ()
    count = _count(rng, 0.12 if repo.is_fork else 0.35, 90, 0.9)
    ecosystem = catalog.LANGUAGE_ECOSYSTEMS.get(repo.primary_language or "") \
        or rng.choice(catalog.FALLBACK_ECOSYSTEMS)
    manifests = catalog.ECOSYSTEMS[ecosystem][0]
    pool = advisories(seed)[ecosystem]
    alerts: list[DependabotAlert] = []
    seen: set[tuple[str, str]] = set()
    for created in _alert_times(rng, repo, count):
        advisory, manifest = rng.choice(pool), rng.choice(manifests)
        if (advisory.ghsa_id, manifest) in seen:  # one alert per advisory and manifest
            continue
        seen.add((advisory.ghsa_id, manifest))
        created = max(created, parse_iso(advisory.published_at))
        roll = rng.random()
        state = "open" if roll < 0.45 else "fixed" if roll < 0.80 else "dismissed" if roll < 0.95 else "auto_dismissed"
        changed = _later(rng, created, 200) if state != "open" else None
        dismissed = state == "dismissed"
        alerts.append(DependabotAlert(
            repository=repo.name_with_owner, repository_id=repo.database_id, number=0, state=state,
            created_at=iso(created), updated_at=iso(changed or created),  # type: ignore[arg-type]
            manifest_path=manifest, scope="development" if rng.random() < 0.3 else "runtime",
            relationship="direct" if rng.random() < 0.55 else "transitive", advisory=advisory,
            dismissed_at=iso(changed) if dismissed else None,
            dismissed_by=_person(rng) if dismissed else None,
            dismissed_reason=rng.choice(catalog.DEPENDABOT_DISMISSED_REASONS) if dismissed else None,
            dismissed_comment=("Not reachable from our code." if rng.random() < 0.5 else None) if dismissed else None,
            fixed_at=iso(changed) if state == "fixed" else None,
            auto_dismissed_at=iso(changed) if state == "auto_dismissed" else None,
        ))
    alerts.sort(key=lambda alert: alert.created_at)  # numbered in the order they were opened
    return tuple(dataclasses.replace(alert, number=index + 1) for index, alert in enumerate(alerts))


def fake_secret(seed: int, repository_id: int, number: int, prefix: str, length: int) -> str:
    """A recognisable fake secret: `prefix` + SIMLEAK + repository id and alert number (unique)
    + seeded filler up to `length` characters after the prefix."""
    body = f"{catalog.SECRET_MARKER}{repository_id}x{number}x"
    filler = _sha("secret", seed, repository_id, number) + _sha("secret2", seed, repository_id, number)
    return prefix + (body + filler)[:max(length, len(body) + 8)]


def secret_scanning_alerts(seed: int, repo: SimRepo) -> tuple[SecretScanningAlert, ...]:
    rng = random.Random(f"ghstats-simulator:{seed}:secret_scanning:{repo.database_id}")
    if repo.is_empty:
        return ()
    count = _count(rng, 0.04 if repo.is_fork else 0.14, 25, 1.6)
    result = []
    for index, created in enumerate(_alert_times(rng, repo, count, FIRST_ALERT + YEAR)):
        number = index + 1
        secret_type, display, provider, slug, prefix, length = rng.choice(catalog.SECRET_TYPES)
        resolved = rng.random() < 0.45
        resolved_at = _later(rng, created, 90) if resolved else None
        resolution = rng.choice(catalog.SECRET_RESOLUTIONS) if resolved else None
        bypassed = rng.random() < 0.08
        line = rng.randint(1, 400)
        column = rng.randint(1, 40)
        secret = fake_secret(seed, repo.database_id, number, prefix, length)
        result.append(SecretScanningAlert(
            repository=repo.name_with_owner, repository_id=repo.database_id, number=number,
            state="resolved" if resolved else "open", created_at=iso(created),  # type: ignore[arg-type]
            updated_at=iso(resolved_at or created),  # type: ignore[arg-type]
            secret_type=secret_type, secret_type_display_name=display, provider=provider, provider_slug=slug,
            secret=secret,
            validity="inactive" if resolution == "revoked" else rng.choice(("active", "inactive", "unknown")),
            resolution=resolution, resolved_at=iso(resolved_at), resolved_by=_person(rng) if resolved else None,
            resolution_comment=("Rotated the credential." if resolution == "revoked" else None),
            push_protection_bypassed=bypassed,
            push_protection_bypassed_by=_person(rng) if bypassed else None,
            push_protection_bypassed_at=iso(created) if bypassed else None,
            publicly_leaked=(not repo.is_private) and rng.random() < 0.1,
            multi_repo=rng.random() < 0.05,
            path=rng.choice(catalog.SECRET_PATHS), start_line=line, end_line=line, start_column=column,
            end_column=column + len(secret),
            blob_sha=_sha("blob", seed, repo.database_id, number),
            commit_sha=_sha("commit", seed, repo.database_id, number),
            has_more_locations=rng.random() < 0.15,
        ))
    return tuple(result)


def code_scanning_alerts(seed: int, repo: SimRepo) -> tuple[CodeScanningAlert, ...]:
    rng = random.Random(f"ghstats-simulator:{seed}:code_scanning:{repo.database_id}")
    language = catalog.CODEQL_LANGUAGES.get(repo.primary_language or "")
    if repo.is_empty or language is None:
        return ()
    count = _count(rng, 0.08 if repo.is_fork else 0.25, 120, 1.1)
    extension, rules = catalog.CODE_RULES[language]
    tool_name, tool_guid, tool_version = catalog.CODEQL_TOOL
    branch = repo.default_branch or "main"
    result = []
    for index, created in enumerate(_alert_times(rng, repo, count, FIRST_ALERT + YEAR // 2)):
        number = index + 1
        rule_id, rule_name, severity, security, description, tags = rng.choice(rules)
        roll = rng.random()
        state = "open" if roll < 0.55 else "fixed" if roll < 0.85 else "dismissed"
        changed = _later(rng, created, 120) if state != "open" else None
        directory = rng.choice(catalog.CODE_DIRECTORIES)
        line = rng.randint(1, 900)
        column = rng.randint(1, 60)
        result.append(CodeScanningAlert(
            repository=repo.name_with_owner, repository_id=repo.database_id, number=number, state=state,
            created_at=iso(created), updated_at=iso(changed or created),  # type: ignore[arg-type]
            rule_id=rule_id, rule_name=rule_name, rule_severity=severity, security_severity_level=security,
            rule_description=description, tags=tags, tool_name=tool_name, tool_guid=tool_guid,
            tool_version=tool_version, language=language, ref=f"refs/heads/{branch}",
            commit_sha=_sha("analysis", seed, repo.database_id, number), message=f"{description}.",
            path=f"{directory}/module_{rng.randint(1, 60)}{extension}", start_line=line,
            end_line=line + rng.randint(0, 4), start_column=column, end_column=column + rng.randint(5, 40),
            classifications=("test",) if directory == "tests" else (),
            fixed_at=iso(changed) if state == "fixed" else None,
            dismissed_at=iso(changed) if state == "dismissed" else None,
            dismissed_by=_person(rng) if state == "dismissed" else None,
            dismissed_reason=rng.choice(catalog.CODE_DISMISSED_REASONS) if state == "dismissed" else None,
            dismissed_comment=("Input is validated upstream." if rng.random() < 0.4 else None)
            if state == "dismissed" else None,
        ))
    return tuple(result)


GENERATORS: dict[str, Callable[[int, SimRepo], tuple[Any, ...]]] = {
    "dependabot": dependabot_alerts,
    "secret_scanning": secret_scanning_alerts,
    "code_scanning": code_scanning_alerts,
}


def repo_facts(repo: SimRepo) -> tuple[Any, ...]:
    """What a repository's alerts depend on (a change to anything else keeps them)."""
    return (repo.database_id, repo.name_with_owner, repo.created_at, repo.primary_language, repo.is_empty,
            repo.is_fork, repo.is_private, repo.default_branch)


# -- per organisation --------------------------------------------------------------------------

class AlertIndex:
    """An owner's alerts of one kind in API order, with their cursor keys; every secret value
    that was ever part of the data (for tests that scan outputs for leaks)."""

    def __init__(self, seed: int, repos_of: Callable[[str], list[SimRepo]], version: Callable[[], int]):
        self._seed = seed
        self._repos_of = repos_of
        self._version = version
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, int], tuple[list[tuple[SimRepo, Any]], list[Desc]]] = {}
        self._per_repo: dict[tuple[str, tuple[Any, ...]], tuple[Any, ...]] = {}
        self._secrets: set[str] = set()
        self._changes: dict[tuple[str, int, int], dict[str, Any]] = {}  # (kind, repository id, number) -> fields

    def repo_alerts(self, kind: str, repo: SimRepo) -> tuple[Any, ...]:
        """The alerts of `kind` of one repository, oldest first (with the changes made to them)."""
        key = (check_kind(kind), repo_facts(repo))
        with self._lock:
            found = self._per_repo.get(key)
            changes = {number: fields for (k, rid, number), fields in self._changes.items()
                       if k == kind and rid == repo.database_id}
        if found is None:
            found = GENERATORS[kind](self._seed, repo)
            with self._lock:
                self._per_repo[key] = found
        if changes:
            found = tuple(dataclasses.replace(alert, **changes[alert.number]) if alert.number in changes else alert
                          for alert in found)
        return found

    def change(self, kind: str, repo: SimRepo, number: int, **fields: Any) -> Any:
        """Change one alert's fields (e.g. state="fixed", fixed_at=..., updated_at=...), as a
        developer or GitHub would; the caller bumps the dataset's version. Returns the alert."""
        check_kind(kind)
        alert = next((a for a in self.repo_alerts(kind, repo) if a.number == number), None)
        if alert is None:
            raise KeyError(f"{repo.name_with_owner} has no {kind} alert {number}")
        dataclasses.replace(alert, **fields)  # an unknown field fails here, before anything changes
        with self._lock:
            self._changes[(kind, repo.database_id, number)] = {
                **self._changes.get((kind, repo.database_id, number), {}), **fields}
        return next(a for a in self.repo_alerts(kind, repo) if a.number == number)

    def listing(self, owner: str, kind: str) -> tuple[list[tuple[SimRepo, Any]], list[Desc]]:
        """[(repository, alert)] newest first, and the parallel sort keys (Desc) for cursors."""
        check_kind(kind)
        key = (owner.lower(), kind, self._version())
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        pairs = [(repo, alert) for repo in self._repos_of(owner) for alert in self.repo_alerts(kind, repo)]
        pairs.sort(key=lambda pair: pair[1].sort_key, reverse=True)
        result = (pairs, [Desc(alert.sort_key) for _, alert in pairs])
        with self._lock:
            if kind == "secret_scanning":
                self._secrets.update(alert.secret for _, alert in pairs)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = result
        return result

    def leaked_secrets(self, owners: list[str]) -> list[str]:
        for owner in owners:
            self.listing(owner, "secret_scanning")
        with self._lock:
            return sorted(self._secrets)
