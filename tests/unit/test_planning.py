"""Planning a run: its owners, one owner's listing (page by page, resumable) and its batches; the
counting that PlanRun does before any listing, grouped by the credential each owner spends."""

from __future__ import annotations

import pytest

from ghstats import limits, names
from ghstats.collect.budget import count_repositories
from ghstats.collect.planning import (ListingPaused, ListingProgress, list_owner, owner_in, plan_owner, run_owners,
                                      split_into_batches)
from ghstats.collect.steps import owner_concurrency
from ghstats.config import parse_config
from ghstats.github.client import ListedRepo
from ghstats.github.errors import AppNotInstalled, GitHubAuthError, OrgNotFound

SIZES = {"acme": 250, "globex": 120, "hooli": 40}


def config_of(raw):
    return parse_config({"api_url": "https://api.github.com", "batch_size": 50, **raw})


class FakeClient:
    """One owner's client over SIZES (100 a page). It answers the counting query too."""

    def __init__(self, owner="acme", credential=None, missing=(), installed=True):
        self.owner, self.credential, self.missing, self.installed = owner, credential, missing, installed
        self.requests_made = self.points_used = 0
        self.classic_scopes = None
        self.asked: list[tuple[str, str | None]] = []

    def installation_id(self):  # None: a PAT
        if not self.installed:
            raise AppNotInstalled(self.owner, "123")
        return self.credential

    def preflight(self):
        self.asked.append(("preflight", None))
        self.requests_made += 1
        self.points_used += 1

    def graphql(self, query):
        from types import SimpleNamespace

        self.asked.append(("count", query))
        self.requests_made += 1
        self.points_used += 1
        data = {}
        for index, org in enumerate(org for org in SIZES if f'login: "{org}"' in query):
            data[f"o{index}"] = {"repositories": {"totalCount": SIZES[org]}, "archived": {"totalCount": 1}}
        return SimpleNamespace(data=data)

    def list_org_repos_page(self, org, after, **filters):
        self.asked.append((org, after))
        if org in self.missing or org not in SIZES:
            raise OrgNotFound(f"organisation '{org}' was not found", github_message="Could not resolve")
        page = int(after or 0)
        self.requests_made += 1
        self.points_used += 1
        keys = [f"{org}/r{i:03d}" for i in range(SIZES[org])][page * 100:(page + 1) * 100]
        more = (page + 1) * 100 < SIZES[org]
        return [ListedRepo(k, k.endswith("7"), False) for k in keys], (str(page + 1) if more else None)


def test_the_runs_owners_are_its_orgs_then_the_owners_of_its_named_repositories_each_once():
    config = config_of({"orgs": ["acme", "Globex"], "repos": ["globex/x", "octo/dotfiles", "Octo/other", "hooli/y"]})
    assert run_owners(config) == ["acme", "Globex", "octo", "hooli"]
    octo = owner_in(config, "OCTO")
    assert (octo.index, octo.name, octo.org, octo.named) == (2, "octo", None, ("octo/dotfiles", "Octo/other"))
    globex = owner_in(config, "globex")
    assert (globex.index, globex.org.name, globex.named) == (1, "Globex", ("globex/x",))
    with pytest.raises(ValueError, match="'initech' is none of the run's owners"):
        owner_in(config, "initech")


def test_an_owners_listing_goes_page_by_page_and_its_batches_carry_its_index():
    config = config_of({"orgs": ["hooli", "acme"]})
    client, progress = FakeClient(), ListingProgress.resume(None, config.api_url, owner_in(config, "acme").org)
    seen = []
    list_owner(client, owner_in(config, "acme").org, progress, on_page=lambda p: seen.append(len(p.listed)))
    assert seen == [100, 200, 250] and progress.finished and progress.pages == 3
    plan = plan_owner(owner_in(config, "acme"), progress, 50, progress.spent(client))
    assert list(plan.batches) == [names.batch_id(1, i) for i in range(5)]  # acme is the run's second owner
    assert [k for keys in plan.batches.values() for k in keys] == plan.repos == sorted(plan.repos, key=str.lower)
    assert (plan.requests, plan.points, plan.listed) == (3, 3, 250)
    assert plan.archived == [k for k in plan.repos if k.endswith("7")]


def test_short_of_time_a_listing_pauses_after_a_page_and_goes_on_from_its_cursor():
    config = config_of({"orgs": ["acme"]})
    org = owner_in(config, "acme").org
    first, progress = FakeClient(), ListingProgress.resume(None, config.api_url, org)
    with pytest.raises(ListingPaused):
        list_owner(first, org, progress, out_of_time=lambda: True)  # one page, however short of time
    assert first.asked == [("acme", None)] and not progress.finished
    stored = progress.to_dict(first)
    resumed = ListingProgress.resume(stored, config.api_url, org)
    second = FakeClient()
    list_owner(second, org, resumed)
    assert second.asked == [("acme", "1"), ("acme", "2")]  # no page fetched twice
    assert len(resumed.listed) == 250 and resumed.spent(second) == (3, 3)


def test_stored_listing_progress_is_reused_only_for_the_same_listing():
    config = config_of({"orgs": [{"name": "acme", "exclude": ["acme/x"]}]})
    stored = ListingProgress(ListingProgress.resume(None, config.api_url, config.orgs[0]).scope, listed=["acme/a"],
                             cursor="Y3Vyc29y", pages=1, requests=2, points=2).to_dict(None)
    assert ListingProgress.resume(stored, config.api_url, config.orgs[0]).cursor == "Y3Vyc29y"
    # excludes and batch size are applied after listing: the pages still hold
    same_pages = config_of({"orgs": ["acme"], "batch_size": 10})
    assert ListingProgress.resume(stored, same_pages.api_url, same_pages.orgs[0]).pages == 1
    # another filter, org or API lists other pages: start again
    for other in ({"orgs": [{"name": "acme", "include_forks": False}]}, {"orgs": ["globex"]},
                  {"orgs": ["acme"], "api_url": "https://ghe.example.com/api/v3"}):
        changed = config_of(other)
        fresh = ListingProgress.resume(stored, changed.api_url, changed.orgs[0])
        assert (fresh.listed, fresh.cursor, fresh.pages) == ([], None, 0)


def test_excludes_named_repositories_and_a_case_only_rename_across_a_pause_count_once():
    config = config_of({"orgs": [{"name": "acme", "exclude": ["acme/C", "acme/not-there"]}], "repos": ["acme/b", "acme/z"]})
    progress = ListingProgress(ListingProgress.resume(None, config.api_url, config.orgs[0]).scope, finished=True,
                               listed=["acme/a", "acme/b", "acme/B", "acme/c"], pages=2)
    plan = plan_owner(owner_in(config, "acme"), progress, 50, (3, 3))
    assert plan.repos == ["acme/a", "acme/b", "acme/z"] and plan.listed == 2
    assert plan.warnings == ["orgs.acme.exclude: 'acme/not-there' is not a repository of acme (or was filtered out); "
                             "nothing to exclude"]


def test_an_org_github_does_not_find_is_the_owners_error_and_its_named_repositories_stay():
    config = config_of({"orgs": ["gone"], "repos": ["gone/kept"]})
    org = owner_in(config, "gone").org
    progress = ListingProgress.resume(None, config.api_url, org)
    list_owner(FakeClient(), org, progress)
    assert progress.finished and progress.missing["type"] == "ORG_NOT_FOUND"
    plan = plan_owner(owner_in(config, "gone"), progress, 50)
    assert plan.org_error == progress.missing and plan.repos == ["gone/kept"] and plan.listed is None


def test_a_million_repositories_of_one_owner_split_into_batches_without_a_cap():
    keys = [f"o/r{i}" for i in range(1_000_000)]
    batches = split_into_batches(keys, 18, owner_index=3)
    assert len(batches) == 55_556 and sum(len(b) for b in batches.values()) == 1_000_000
    assert len(set(batches)) == len(batches) and next(iter(batches)) == "0003-00000"
    assert [k for b in batches.values() for k in b] == keys


def test_owners_sharing_a_credential_share_the_configs_concurrency_per_org_installations_have_their_own():
    # one org: the config's settings
    assert owner_concurrency(4, 2, owners=1, shared_credential=True) == (4, 2, 1)
    # one PAT over 9 orgs, 4 at a time: the config's totals split between them, at least 1 each
    assert owner_concurrency(8, 2, owners=9, shared_credential=True) == (2, 1, limits.OWNERS_AT_ONCE)
    assert owner_concurrency(40, 6, owners=2, shared_credential=True) == (20, 3, 2)
    # an installation per org: each its own budget and secondary limits, the settings each
    assert owner_concurrency(8, 2, owners=9, shared_credential=False) == (8, 2, limits.OWNERS_AT_ONCE)


def test_one_credential_counts_every_org_in_one_query_after_one_token_check():
    clients = {}

    def client_for(owner):
        return clients.setdefault(owner, FakeClient(owner))

    config = config_of({"orgs": ["acme", "globex", "nope"], "repos": ["octo/x"]})
    counts = count_repositories(client_for, config)
    assert counts.shared_credential and counts.installations == {}
    assert {org: c.repositories for org, c in counts.orgs.items()} == {"acme": 250, "globex": 120}
    assert counts.missing == ["nope"] and (counts.requests, counts.points) == (2, 2)
    asked = [what for client in clients.values() for what, _ in client.asked]
    assert asked == ["preflight", "count"]  # the first org's client: one check, one counting query


def test_per_org_installations_count_each_org_on_its_own_credential_and_an_org_without_the_app_is_missing():
    clients = {}

    def client_for(owner):
        return clients.setdefault(owner, FakeClient(owner, credential=f"inst-{owner}", installed=owner != "hooli"))

    config = config_of({"orgs": ["acme", "hooli", "globex"]})
    counts = count_repositories(client_for, config)
    assert not counts.shared_credential and counts.installations == {"inst-acme": ["acme"], "inst-globex": ["globex"]}
    assert list(counts.orgs) == ["acme", "globex"] and counts.missing == ["hooli"]
    # the first installation's token checked; the other's count proves its token
    assert [what for what, _ in clients["acme"].asked] == ["preflight", "count"]
    assert [what for what, _ in clients["globex"].asked] == ["count"]
    assert clients["hooli"].asked == [] and counts.requests == 3


def test_an_installation_out_of_points_leaves_its_orgs_uncounted_unless_it_is_the_only_one():
    from ghstats.github.errors import GitHubRateLimited

    class OutOfPoints(FakeClient):
        def graphql(self, query):
            self.requests_made += 1
            raise GitHubRateLimited("GitHub GraphQL rate limit", wait_seconds=60)

    def client_for(owner):
        return (OutOfPoints if owner == "globex" else FakeClient)(owner, credential=f"inst-{owner}")

    config = config_of({"orgs": ["acme", "globex"]})
    counts = count_repositories(client_for, config)
    assert list(counts.orgs) == ["acme"] and counts.uncounted == ["globex"]
    assert counts.requests == 3  # the refused query is a request sent too
    with pytest.raises(GitHubRateLimited):
        count_repositories(client_for, config_of({"orgs": ["globex"]}))


def test_the_first_installation_out_of_points_leaves_the_token_check_to_the_next_one():
    from ghstats.collect.budget import predict
    from ghstats.github.errors import GitHubRateLimited

    class OutOfPoints(FakeClient):
        def preflight(self):
            self.requests_made += 1
            raise GitHubRateLimited("GitHub GraphQL rate limit", wait_seconds=60)

    clients = {}

    def client_for(owner):
        kind = OutOfPoints if owner == "acme" else FakeClient
        return clients.setdefault(owner, kind(owner, credential=f"inst-{owner}"))

    config = config_of({"orgs": ["acme", "globex", "hooli"]})
    counts = count_repositories(client_for, config)
    # acme's installation refused the token check: acme waits alone, globex checks and counts
    assert counts.uncounted == ["acme"] and list(counts.orgs) == ["globex", "hooli"]
    assert [what for what, _ in clients["globex"].asked] == ["preflight", "count"]
    assert [what for what, _ in clients["hooli"].asked] == ["count"]
    assert (counts.requests, counts.points) == (1 + 2 + 1, 2 + 1)  # the refused check is a request, no point
    # and the prediction charges what planning sent: acme's refused check, globex's check and count, hooli's count
    listing = predict(counts, config)["buckets"]["graphql_listing"]
    assert listing["planning_requests"] == counts.requests == 4


def test_named_repositories_only_still_check_the_token_first():
    client = FakeClient("octo")
    counts = count_repositories(lambda owner: client, config_of({"repos": ["octo/x"]}))
    assert [what for what, _ in client.asked] == ["preflight"] and counts.orgs == {}


def test_a_bad_token_fails_the_count():
    class Refused(FakeClient):
        def preflight(self):
            raise GitHubAuthError("Bad credentials")

    with pytest.raises(GitHubAuthError):
        count_repositories(lambda owner: Refused(owner), config_of({"orgs": ["acme"]}))
