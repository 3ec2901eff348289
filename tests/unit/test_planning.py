"""Splitting a run into batches."""

from __future__ import annotations


from ghstats import names
from ghstats.collect.planning import split_into_batches


def test_batches_keep_order_and_cover_every_repo_once():
    keys = [f"o/r{i}" for i in range(7)]
    batches = split_into_batches(keys, 3)
    assert list(batches) == [names.batch_id(0), names.batch_id(1), names.batch_id(2)]
    assert [len(b) for b in batches.values()] == [3, 3, 1]
    assert [k for b in batches.values() for k in b] == keys


def test_a_million_repositories_split_into_batches_without_a_cap():
    # (the inline Map's 1,800-batch cap is gone: each batch is a Distributed Map child execution)
    keys = [f"o/r{i}" for i in range(1_000_000)]
    batches = split_into_batches(keys, 18)
    assert len(batches) == 55_556 and sum(len(b) for b in batches.values()) == 1_000_000
    assert len(set(batches)) == len(batches)  # every batch id once



def config_of(raw):
    from ghstats.config import parse_config

    return parse_config({"api_url": "https://api.github.com", **raw})


def test_stored_listing_progress_is_reused_only_for_the_same_listing():
    from ghstats.collect.planning import ListingProgress, listing_scope

    config = config_of({"orgs": [{"name": "acme", "exclude": ["acme/x"]}]})
    stored = {"scope": listing_scope(config), "token_checked": True, "listed": {"acme": ["acme/a"]},
              "cursors": {"acme": "Y3Vyc29y"}, "finished": [], "pages": 1, "requests": 2, "points": 2}
    assert ListingProgress.resume(stored, config).cursors == {"acme": "Y3Vyc29y"}
    # excludes and batch size are applied after listing: the pages still hold
    same_pages = config_of({"orgs": ["acme"], "batch_size": 10})
    assert ListingProgress.resume(stored, same_pages).pages == 1
    # another filter, org or API lists other pages: start again
    for other in ({"orgs": [{"name": "acme", "include_forks": False}]}, {"orgs": ["globex"]},
                  {"orgs": ["acme"], "api_url": "https://ghe.example.com/api/v3"}):
        fresh = ListingProgress.resume(stored, config_of(other))
        assert (fresh.token_checked, fresh.listed, fresh.cursors, fresh.pages) == (False, {}, {}, 0)


def test_a_repository_listed_twice_across_a_pause_counts_once():
    from ghstats.collect.planning import ListingProgress, listing_scope, plan_collection

    class NoGitHub:  # everything is listed already: planning must not call GitHub
        requests_made = points_used = 0

        def __getattr__(self, name):
            raise AssertionError(f"GitHub called: {name}")

    config = config_of({"orgs": ["acme"], "repos": ["acme/b"]})
    progress = ListingProgress(listing_scope(config), token_checked=True, finished=["acme"], pages=2,
                               listed={"acme": ["acme/a", "acme/b", "acme/B"]}, requests=3, points=3)
    plan = plan_collection(NoGitHub(), config, progress)
    assert plan.repos == ["acme/a", "acme/b"] and plan.orgs == {"acme": 2}
    assert (plan.requests, plan.points) == (3, 3)
