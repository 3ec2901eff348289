"""The synthetic truth: seeded, realistic spreads, cheap at 50,000 repositories, mutable."""

from __future__ import annotations

import dataclasses
import re

import pytest

from simulator.dataset import Dataset, SimRepo

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_same_seed_same_data_other_seed_other_data():
    first = Dataset({"acme": 300, "globex": 40}, seed=7)
    again = Dataset({"acme": 300, "globex": 40}, seed=7)
    other = Dataset({"acme": 300, "globex": 40}, seed=8)
    assert again.repos("globex")  # generated in a different order than `first`: still equal
    assert [dataclasses.asdict(r) for r in first.repos("acme")] == [dataclasses.asdict(r) for r in again.repos("acme")]
    assert first.repos("globex") == again.repos("globex")
    assert [r.name for r in first.repos("acme")] != [r.name for r in other.repos("acme")]


def test_repos_sorted_by_name_unique_and_well_formed():
    repos = Dataset({"acme": 500}, seed=1).repos("acme")
    assert len(repos) == 500
    assert [r.name.lower() for r in repos] == sorted(r.name.lower() for r in repos)
    assert len({r.name.lower() for r in repos}) == 500
    assert len({r.database_id for r in repos}) == 500 and len({r.id for r in repos}) == 500
    for repo in repos:
        assert repo.name_with_owner == f"acme/{repo.name}" and repo.url == f"https://github.com/acme/{repo.name}"
        assert re.fullmatch(r"[A-Za-z0-9._-]{1,100}", repo.name)
        assert repo.visibility in ("PUBLIC", "PRIVATE", "INTERNAL")
        assert repo.is_private == (repo.visibility != "PUBLIC")
        assert ISO.match(repo.created_at) and ISO.match(repo.updated_at)
        assert repo.created_at <= repo.updated_at
        assert len(repo.topics) <= 20 and len(set(repo.topics)) == len(repo.topics)
        assert min(repo.stargazers, repo.forks, repo.watchers, repo.open_issues, repo.closed_issues,
                   repo.open_prs, repo.closed_prs, repo.merged_prs, repo.releases, repo.disk_usage) >= 0
        if repo.is_empty:
            assert repo.pushed_at is None and repo.default_branch is None and repo.primary_language is None
        else:
            assert ISO.match(repo.pushed_at) and repo.default_branch


def test_spreads_look_like_a_real_org():
    repos = Dataset({"big": 5000}, seed=3).repos("big")
    share = lambda predicate: sum(1 for r in repos if predicate(r)) / len(repos)  # noqa: E731
    assert 0.07 < share(lambda r: r.is_archived) < 0.13
    assert 0.11 < share(lambda r: r.is_fork) < 0.19
    assert 0.015 < share(lambda r: r.is_template) < 0.05
    assert 0.25 < share(lambda r: r.is_private) < 0.35
    assert 0.01 < share(lambda r: r.is_empty) < 0.035
    assert share(lambda r: r.stargazers <= 10) > 0.75  # most repositories are quiet...
    assert max(r.stargazers for r in repos) >= 1000  # ...a few are popular
    assert {"MIT", "Apache-2.0", None} <= {r.license_spdx_id for r in repos}
    assert len({r.primary_language for r in repos}) > 10
    assert any(len(r.topics) == 20 for r in repos)


def test_fifty_thousand_repositories_generate():
    dataset = Dataset({"huge": 50_000}, seed=1)
    repos = dataset.repos("huge")
    assert len(repos) == 50_000 and len({r.name.lower() for r in repos}) == 50_000
    assert dataset.get(repos[-1].name_with_owner.upper()) is repos[-1]


def test_lookups_are_case_insensitive_and_unknown_is_none():
    dataset = Dataset({"Acme": 20}, seed=1)
    repo = dataset.repos("acme")[4]
    assert repo.owner == "Acme"
    assert dataset.get(repo.name_with_owner.swapcase()) == repo
    assert dataset.get("acme/does-not-exist") is None and dataset.get("nobody/x") is None
    assert dataset.repos("nobody") == [] and dataset.org_login("ACME") == "Acme"


def test_rename_follows_the_old_name_and_delete_removes():
    dataset = Dataset({"acme": 20}, seed=1)
    old = dataset.repos("acme")[3]
    renamed = dataset.rename(old.name_with_owner, "zz-new-name")
    assert renamed.name_with_owner == "acme/zz-new-name" and renamed.database_id == old.database_id
    assert dataset.get(old.name_with_owner) == renamed  # GitHub follows renames
    assert dataset.get(old.name_with_owner, follow_renames=False) is None
    assert dataset.repos("acme")[-1] == renamed
    dataset.delete("acme/zz-new-name")
    assert dataset.get("acme/zz-new-name") is None and dataset.get(old.name_with_owner) is None
    assert len(dataset.repos("acme")) == 19
    with pytest.raises(KeyError):
        dataset.delete("acme/zz-new-name")


def test_add_repo_for_a_user_and_for_an_org():
    dataset = Dataset({"acme": 5}, seed=1)
    mine = dataset.add("octo-user", "dotfiles", stargazers=12, topics=["dotfiles"])
    assert isinstance(mine, SimRepo) and mine.owner_type == "User"
    assert (mine.stargazers, mine.topics) == (12, ["dotfiles"])
    assert dataset.get("octo-user/dotfiles") == mine and dataset.repos("octo-user") == [mine]
    extra = dataset.add("acme", "aaa-first", visibility="PRIVATE")
    assert extra.is_private and dataset.repos("acme")[0] == extra and len(dataset.repos("acme")) == 6
    with pytest.raises(ValueError):
        dataset.add("acme", "AAA-first")
    with pytest.raises(TypeError):
        dataset.add("acme", "other", stars=3)


def test_update_changes_the_truth():
    dataset = Dataset({"acme": 5}, seed=1)
    key = dataset.repos("acme")[0].name_with_owner
    assert dataset.update(key, merged_prs=99).merged_prs == 99
    assert dataset.get(key).merged_prs == 99
