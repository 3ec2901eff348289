"""ListRepos lists several orgs side by side, each with its owner's client, each resumable; the
plan is the same whatever the timing; batches never mix owners."""

from __future__ import annotations

import random
import threading
import time

import pytest

from ghstats import limits
from ghstats.collect.planning import (ListingClients, ListingPaused, ListingProgress, listing_scope, plan_collection,
                                      split_into_batches)
from ghstats.config import parse_config
from ghstats.github.client import ListedRepo
from ghstats.github.errors import AppNotInstalled, GitHubRateLimited

SIZES = {"acme": 250, "globex": 120, "hooli": 40, "initech": 5}


def config_of(orgs, **raw):
    return parse_config({"api_url": "https://api.github.com", "orgs": orgs, "batch_size": 50, **raw})


class FakeClient:
    """One owner's client over SIZES (100 a page); `on_page(org, page)` runs before a page is answered."""

    def __init__(self, owner, on_page=lambda org, page: None, failing=(), credential=None):
        self.owner, self.on_page, self.failing = owner, on_page, failing
        self.credential = credential or f"installation of {owner}"
        self.requests_made = self.points_used = 0
        self.classic_scopes = None
        self.orgs_asked: list[str] = []

    def credential_id(self):
        return self.credential

    def preflight(self):
        self.requests_made += 1

    def list_org_repos_page(self, org, after, **filters):
        page = int(after or 0)
        self.orgs_asked.append(org)
        self.on_page(org, page)
        if org in self.failing:
            raise self.failing[org]
        self.requests_made += 1
        self.points_used += 1
        keys = [f"{org}/r{i:03d}" for i in range(SIZES[org])][page * 100:(page + 1) * 100]
        more = (page + 1) * 100 < SIZES[org]
        return [ListedRepo(k, k.endswith("7"), False) for k in keys], (str(page + 1) if more else None)


def factory(**kwargs):
    made: dict[str, FakeClient] = {}

    def make(owner):
        made[owner] = FakeClient(owner, **kwargs)
        return made[owner]

    return make, made


def test_orgs_are_listed_at_the_same_time_each_with_its_own_client():
    # Given three orgs whose first pages only come back once all three are being asked for
    barrier = threading.Barrier(3, timeout=10)
    make, made = factory(on_page=lambda org, page: barrier.wait() if page == 0 else None)
    config = config_of(["acme", "globex", "hooli"])
    # When the run is planned (one after another, the first page would wait forever: Broken barrier)
    plan = plan_collection(ListingClients(make), config)
    # Then every org was listed, each by the client of its owner only
    assert plan.orgs == {"acme": 250, "globex": 120, "hooli": 40}
    assert {owner: set(c.orgs_asked) for owner, c in made.items()} == {"acme": {"acme"}, "globex": {"globex"},
                                                                     "hooli": {"hooli"}}
    # and the listing's requests are every client's: the token check + 3 + 2 + 1 pages
    assert (plan.requests, plan.points) == (1 + 6, 6)


def test_the_plan_is_the_same_whatever_the_timing():
    config = config_of(["acme", "globex", "hooli", "initech", "nope"], repos=["octo/x", "acme/r003"])
    seen = set()
    for seed in range(6):
        jitter = random.Random(seed)
        make, _ = factory(on_page=lambda org, page: time.sleep(jitter.random() / 200),
                          failing={"nope": AppNotInstalled("nope", "1")})
        progress = ListingProgress(listing_scope(config))
        plan = plan_collection(ListingClients(make), config, progress)
        stored = {k: v for k, v in progress.to_dict(ListingClients(make)).items()}
        seen.add(repr((plan.to_dict(), plan.batches, plan.archived, stored)))
    assert len(seen) == 1
    # and the org without the App's installation is an org error naming the fix
    assert plan.org_errors["nope"]["type"] == "APP_NOT_INSTALLED"
    assert "install the GitHub App on nope" in plan.org_errors["nope"]["fix"]


def test_short_of_time_the_first_orgs_each_list_a_page_then_the_listing_goes_on_from_each_cursor(monkeypatch):
    monkeypatch.setattr(limits, "LIST_REPOS_PARALLEL_ORGS", 2)
    config = config_of(["acme", "globex", "hooli"])
    progress = ListingProgress(listing_scope(config))
    make, _ = factory()
    invocations = 0
    while True:
        invocations += 1
        try:
            plan = plan_collection(ListingClients(make), config, progress, out_of_time=lambda: True)
            break
        except ListingPaused:
            pass
    # acme 3 pages, globex 2, hooli 1: the first two orgs still to list a page each per
    # invocation (acme+globex, acme+globex, acme+hooli), no page twice
    assert invocations == 3 and progress.pages == 6
    assert plan.orgs == {"acme": 250, "globex": 120, "hooli": 40}


def test_one_org_failing_stops_only_itself_and_the_first_failure_in_config_order_is_raised():
    limited = GitHubRateLimited("GitHub primary rate limit", 60)
    make, _ = factory(failing={"globex": limited})
    config = config_of(["acme", "globex", "hooli"])
    progress = ListingProgress(listing_scope(config))
    with pytest.raises(GitHubRateLimited):
        plan_collection(ListingClients(make), config, progress)
    # the others were listed to the end (kept in the progress: not listed again after the wait)
    assert progress.finished == ["acme", "hooli"] and "globex" not in progress.listed
    make, made = factory()
    plan = plan_collection(ListingClients(make), config, progress)
    assert plan.orgs == {"acme": 250, "globex": 120, "hooli": 40} and set(made) == {"globex"}


def test_the_token_check_skips_an_owner_without_the_apps_installation():
    config = config_of(["initech", "acme"])

    def make(owner):
        client = FakeClient(owner)
        if owner == "initech":
            client.preflight = lambda: (_ for _ in ()).throw(AppNotInstalled("initech", "1"))
        return client

    progress = ListingProgress(listing_scope(config))
    plan = plan_collection(ListingClients(make), config, progress)
    assert progress.token_checked and plan.orgs == {"acme": 250}
    assert plan.org_errors["initech"]["type"] == "APP_NOT_INSTALLED"


def test_batches_never_mix_owners_and_keep_their_order():
    keys = sorted([f"acme/r{i}" for i in range(7)] + ["acme-x/a", "b/1", "b/2", "B/3"], key=str.lower)
    batches = split_into_batches(keys, 3)
    assert [k for b in batches.values() for k in b] == keys
    assert all(len({k.split("/")[0].lower() for k in b}) == 1 for b in batches.values())
    assert [len(b) for b in batches.values()] == [1, 3, 3, 1, 3]  # acme-x sorts before acme/


def test_the_token_check_goes_to_the_first_owner_of_the_config():
    from ghstats.collect.planning import _run_owners

    config = config_of(["acme", "globex"], repos=["octo/x", "ACME/y", "beta/z"])
    assert _run_owners(config) == ["acme", "globex", "octo", "beta"]


def test_one_client_for_every_owner_is_counted_once():
    client = FakeClient("any")
    plan = plan_collection(client, config_of(["acme", "globex"]))
    assert (plan.requests, plan.points) == (client.requests_made, client.points_used) == (1 + 3 + 2, 5)


@pytest.mark.parametrize("shared", [True, False])
def test_a_rate_limit_stops_the_orgs_on_the_same_credential_only(shared):
    # Given three orgs asking for their first pages at once: acme refused (its credential's
    # budget is spent) at once, the others answered a little later
    limited = GitHubRateLimited("GitHub primary rate limit", 60)
    together = threading.Barrier(3, timeout=10)

    def slow(org, page):
        if page == 0:
            together.wait()
        if org != "acme":
            time.sleep(0.3)

    make, made = factory(on_page=slow, failing={"acme": limited}, credential="one PAT" if shared else None)
    config = config_of(["acme", "globex", "hooli"])
    with pytest.raises(GitHubRateLimited):
        plan_collection(ListingClients(make), config, ListingProgress(listing_scope(config)))
    pages = {owner: len(client.orgs_asked) for owner, client in made.items()}
    if shared:  # one budget: the page already asked for, then nothing more until the wait is over
        assert pages == {"acme": 1, "globex": 1, "hooli": 1}
    else:  # their own budgets: listed to the end
        assert pages == {"acme": 1, "globex": 2, "hooli": 1}
