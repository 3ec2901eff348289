"""Seeded security alerts, the truth behind the org alert endpoints: deterministic by seed,
realistic mixes, numbered per repository, newest first, and every leaked secret listed."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from simulator import Dataset
from simulator.alert_catalog import ALERT_KINDS, SECRET_MARKER
from simulator.alerts import GENERATORS

KINDS = ALERT_KINDS


@pytest.fixture(scope="module")
def dataset():
    return Dataset({"acme": 300, "globex": 40}, seed=5)


def _fields(alerts):
    return [dataclasses.asdict(alert) for alert in alerts]


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_seed_gives_the_same_alerts(dataset, kind):
    again = Dataset({"acme": 300, "globex": 40}, seed=5)
    assert _fields(again.alerts("acme", kind)) == _fields(dataset.alerts("acme", kind))
    # the seed, not only the repositories it makes, decides the alerts
    repos = dataset.repos("acme")
    mixes = {seed: [(a.number, a.state, a.created_at) for r in repos for a in GENERATORS[kind](seed, r)]
             for seed in (5, 6)}
    assert mixes[5] != mixes[6]


@pytest.mark.parametrize("kind", KINDS)
def test_most_repositories_have_few_or_none_and_some_have_many(dataset, kind):
    repos = dataset.repos("acme")
    per_repo = Counter(alert.repository for alert in dataset.alerts("acme", kind))
    assert 0 < len(per_repo) < len(repos) / 2  # most have none
    assert max(per_repo.values()) >= 10  # a few have many
    assert sorted(per_repo.values())[len(per_repo) // 2] <= 5  # the typical one has few
    archived = {r.name_with_owner for r in repos if r.is_archived}
    assert archived & set(per_repo)  # archived repositories keep their alerts
    empty = {r.name_with_owner for r in repos if r.is_empty}
    assert not empty & set(per_repo)


@pytest.mark.parametrize("kind, states", [
    ("dependabot", {"open", "fixed", "dismissed", "auto_dismissed"}),
    ("secret_scanning", {"open", "resolved"}),
    ("code_scanning", {"open", "fixed", "dismissed"}),
])
def test_state_mix_and_the_fields_each_state_sets(dataset, kind, states):
    alerts = dataset.alerts("acme", kind)
    assert {alert.state for alert in alerts} == states
    for alert in alerts:
        assert alert.updated_at >= alert.created_at
        if kind == "dependabot":
            assert (alert.fixed_at is not None) == (alert.state == "fixed")
            assert (alert.dismissed_at is not None) == (alert.dismissed_by is not None) == (alert.state == "dismissed")
            assert (alert.dismissed_reason is not None) == (alert.state == "dismissed")
            assert (alert.auto_dismissed_at is not None) == (alert.state == "auto_dismissed")
        elif kind == "secret_scanning":
            resolved = alert.state == "resolved"
            assert (alert.resolved_at is not None) == (alert.resolved_by is not None) == resolved
            assert (alert.resolution is not None) == resolved
            assert (alert.push_protection_bypassed_by is not None) == alert.push_protection_bypassed
        else:
            assert (alert.fixed_at is not None) == (alert.state == "fixed")
            assert (alert.dismissed_reason is not None) == (alert.dismissed_by is not None) == (alert.state == "dismissed")


def test_severities_and_ages_are_mixed(dataset):
    dependabot = dataset.alerts("acme", "dependabot")
    assert {a.advisory.severity for a in dependabot} == {"low", "medium", "high", "critical"}
    assert len({a.advisory.ecosystem for a in dependabot}) >= 4
    code = dataset.alerts("acme", "code_scanning")
    assert {a.security_severity_level for a in code} >= {"medium", "high", "critical", None}
    assert len({a.secret_type for a in dataset.alerts("acme", "secret_scanning")}) >= 4
    for kind in KINDS:
        years = {alert.created_at[:4] for alert in dataset.alerts("acme", kind)}
        assert len(years) >= 3, kind


@pytest.mark.parametrize("kind", KINDS)
def test_numbered_per_repository_oldest_first_and_listed_newest_first(dataset, kind):
    alerts = dataset.alerts("acme", kind)
    keys = [(a.created_at, a.repository_id, a.number) for a in alerts]
    assert keys == sorted(keys, reverse=True)
    by_repo: dict[str, list] = {}
    for alert in reversed(alerts):
        by_repo.setdefault(alert.repository, []).append(alert)
    for repo_alerts in by_repo.values():
        assert [a.number for a in repo_alerts] == list(range(1, len(repo_alerts) + 1))
    ids = {r.name_with_owner: r.database_id for r in dataset.repos("acme")}
    assert all(ids[a.repository] == a.repository_id for a in alerts)


def test_orgs_have_their_own_alerts(dataset):
    acme = {a.repository.split("/")[0] for a in dataset.alerts("acme", "dependabot")}
    globex = {a.repository.split("/")[0] for a in dataset.alerts("globex", "dependabot")}
    assert acme == {"acme"} and globex == {"globex"}
    assert dataset.alerts("nobody", "dependabot") == []


def test_unknown_kind_is_refused(dataset):
    with pytest.raises(ValueError):
        dataset.alerts("acme", "secret-scanning")
    with pytest.raises(ValueError):
        dataset.alerts("nobody", "secret-scanning")


def test_leaked_secrets_are_unique_recognisable_and_complete():
    dataset = Dataset({"acme": 300, "globex": 40}, seed=5)
    leaked = dataset.leaked_secrets()
    secrets = [a.secret for org in ("acme", "globex") for a in dataset.alerts(org, "secret_scanning")]
    assert sorted(secrets) == leaked and len(set(leaked)) == len(leaked)
    assert all(SECRET_MARKER in secret for secret in leaked)
    assert any(s.startswith("ghp_") for s in leaked) and any(s.startswith("AKIA") for s in leaked)
    for alert in dataset.alerts("acme", "secret_scanning"):  # the location spans the value
        assert (alert.end_line, alert.end_column - alert.start_column) == (alert.start_line, len(alert.secret))


def test_renames_keep_alerts_deletes_drop_them_but_their_secrets_stay_listed():
    dataset = Dataset({"acme": 300}, seed=5)
    alerts = dataset.alerts("acme", "secret_scanning")
    victim = alerts[0].repository
    kept = [a for a in alerts if a.repository == victim]
    renamed = dataset.rename(victim, "renamed-repo").name_with_owner
    after = [a for a in dataset.alerts("acme", "secret_scanning") if a.repository_id == kept[0].repository_id]
    assert [dataclasses.replace(a, repository=victim) for a in after] == kept
    assert {a.repository for a in after} == {renamed}
    dataset.delete(renamed)
    assert all(a.repository_id != kept[0].repository_id for a in dataset.alerts("acme", "secret_scanning"))
    assert {a.secret for a in kept} <= set(dataset.leaked_secrets())


def test_a_changed_alert_keeps_its_place_and_an_unknown_field_changes_nothing():
    dataset = Dataset({"acme": 120}, seed=5)
    before = dataset.alerts("acme", "dependabot")
    target = next(a for a in before if a.state == "open")
    version = dataset.version
    changed = dataset.change_alert("dependabot", target.repository, target.number, state="fixed",
                                   fixed_at="2026-03-01T00:00:00Z", updated_at="2026-03-01T00:00:00Z")
    assert changed == dataclasses.replace(target, state="fixed", fixed_at="2026-03-01T00:00:00Z",
                                          updated_at="2026-03-01T00:00:00Z")
    after = dataset.alerts("acme", "dependabot")
    assert dataset.version == version + 1
    assert after == [changed if a is target or a == target else a for a in before]
    with pytest.raises(TypeError):
        dataset.change_alert("dependabot", target.repository, target.number, colour="red")
    with pytest.raises(KeyError):
        dataset.change_alert("dependabot", target.repository, 10_000, state="fixed")
    assert dataset.alerts("acme", "dependabot") == after
