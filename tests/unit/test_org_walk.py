"""The org walk's queue of lists: a list per item and per repository, records merged by key,
optional lists GitHub will not show as notes, resumable from a stored progress."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ghstats.collect.org_walk import WalkProgress, etag_cache_of, stored_etag_cache, walk_org
from ghstats.collectors.unit import Collector, Permissions, RestList
from ghstats.github.errors import GitHubNoAccess, GitHubRateLimited


class FakeClient:
    """rest_page over a dict of path -> pages; each page's next_url is the next page's key."""

    def __init__(self, pages, fail_on=None):
        self.pages, self.fail_on, self.asked = pages, fail_on or {}, []
        self.requests_made = 0

    def rest_page(self, path, params, *, url=None, single_object=False, etag=None):
        target = url or path
        self.asked.append(target)
        self.requests_made += 1
        if target in self.fail_on:
            raise self.fail_on.pop(target)
        items, next_url, *tag = self.pages[target]
        answer_etag = tag[0] if tag else None
        if etag is not None and etag == answer_etag:
            return SimpleNamespace(items=[], next_url=None, etag=etag, not_modified=True)
        if single_object:
            assert isinstance(items, dict), target
            items = [items]
        return SimpleNamespace(items=items, next_url=next_url, etag=answer_etag, not_modified=False)


def collector(*lists):
    return Collector("fake", "org", "rest_paged", 1, Permissions((), (), ()), lambda r, c: {}, rest_lists=lists)


TEAMS = collector(
    RestList("teams", "orgs/{org}/teams", lambda item, v: [{"key": item["slug"], "members": []}],
             then=(RestList("members", "orgs/{org}/teams/{team}/members",
                            lambda item, v: [{"key": v["team"], "members": [item["login"]]}]),),
             then_vars=lambda item: {"team": item["slug"]}),
    RestList("collaborators", "repos/{repository}/collaborators",
             lambda item, v: [{"key": f"{v['repository']}#{item['login']}"}], per_repository=True, optional=True),
)
PAGES = {
    "orgs/acme/teams": ([{"slug": "a"}], "teams-2"), "teams-2": ([{"slug": "b"}], None),
    "orgs/acme/teams/a/members": ([{"login": "zed"}], "a-2"), "a-2": ([{"login": "amy"}], None),
    "orgs/acme/teams/b/members": ([], None),
    "repos/acme/x/collaborators": ([{"login": "amy"}], None),
}


def test_every_list_once_records_merged_and_a_hidden_optional_list_noted():
    hidden = GitHubNoAccess("no", status="forbidden", github_message="Must have push access", grant=None)
    client = FakeClient(PAGES, {"repos/acme/y/collaborators": hidden})
    progress = WalkProgress()
    walk_org(client, TEAMS, "acme", progress, repositories=["acme/x", "acme/y"])
    assert progress.done and progress.pages == 7
    assert progress.records == {"a": {"key": "a", "members": ["amy", "zed"]}, "b": {"key": "b", "members": []},
                                "acme/x#amy": {"key": "acme/x#amy"}}
    assert progress.notes == [{"org": "acme", "collector": "fake", "status": "forbidden", "list": "collaborators",
                               "message": "Must have push access", "grant": None, "repo": "acme/y"}]
    assert sorted(client.asked) == sorted([*PAGES, "repos/acme/y/collaborators"])


def test_a_walk_stopped_by_a_rate_limit_goes_on_from_its_stored_progress_without_asking_twice():
    limited = GitHubRateLimited("limited", 60)
    client = FakeClient(PAGES, {"a-2": limited})
    progress = WalkProgress()
    with pytest.raises(GitHubRateLimited):
        walk_org(client, TEAMS, "acme", progress, repositories=["acme/x"])
    stored = progress.to_dict(client)
    again = FakeClient(PAGES)
    resumed = WalkProgress.from_dict(stored)
    walk_org(again, TEAMS, "acme", resumed, repositories=["acme/x"])
    assert resumed.done and resumed.records["a"]["members"] == ["amy", "zed"]
    assert len(client.asked) + len(again.asked) == len(PAGES) + 1  # only the limited page twice
    assert set(client.asked) & set(again.asked) == {"a-2"}


def test_a_required_list_github_will_not_show_stops_the_walk():
    hidden = GitHubNoAccess("no", status="forbidden", github_message="no", grant="members=read")
    with pytest.raises(GitHubNoAccess):
        walk_org(FakeClient(PAGES, {"orgs/acme/teams": hidden}), TEAMS, "acme", WalkProgress())


def test_a_progress_stored_by_a_single_list_walk_goes_on_from_its_page():
    single = Collector("one", "org", "rest_paged", 1, Permissions((), (), ()), lambda r, c: {},
                       rest_path="orgs/{org}/alerts", item_record=lambda item: {"key": item["n"]})
    progress = WalkProgress.from_dict({"records": {"1": {"key": "1"}}, "next_url": "page-2", "pages": 1, "requests": 1})
    client = FakeClient({"page-2": ([{"n": "2"}], None)})
    walk_org(client, single, "acme", progress)
    assert client.asked == ["page-2"] and set(progress.records) == {"1", "2"} and progress.done
    assert WalkProgress.from_dict({"records": {}, "next_url": None, "pages": 0, "requests": 0}).pending is None


OBJECTS = collector(
    RestList("views", "repos/{repository}/views", lambda item, v: [{"key": v["repository"], "views": item["count"]}],
             per_repository=True, optional=True, single_object=True, conditional=True,
             then=(RestList("paths", "repos/{repository}/paths",
                            lambda item, v: [{"key": f"{v['repository']}#{item['path']}"}], conditional=True),)),
)
OBJECT_PAGES = {
    "repos/acme/x/views": ({"count": 3}, None, '"v-x"'), "repos/acme/x/paths": ([{"path": "/a"}], None, '"p-x"'),
    "repos/acme/y/views": ({"count": 5}, None, '"v-y"'), "repos/acme/y/paths": ([], None, '"p-y"'),
}


def test_an_object_answer_is_one_item_and_its_then_lists_follow_once():
    hidden = GitHubNoAccess("no", status="forbidden", github_message="Must have push access", grant=None)
    client = FakeClient(OBJECT_PAGES, {"repos/acme/z/views": hidden})
    progress = WalkProgress()
    walk_org(client, OBJECTS, "acme", progress, repositories=["acme/x", "acme/y", "acme/z"])
    assert progress.records == {"acme/x": {"key": "acme/x", "views": 3}, "acme/x#/a": {"key": "acme/x#/a"},
                                "acme/y": {"key": "acme/y", "views": 5}}
    # a repository whose first list GitHub would not show costs that one request: its then lists are not asked
    assert sorted(client.asked) == sorted([*OBJECT_PAGES, "repos/acme/z/views"])
    assert [n["repo"] for n in progress.notes] == ["acme/z"]
    assert progress.etags == {path: {"etag": tag, "items": [items] if isinstance(items, dict) else items,
                                     "next_url": None} for path, (items, _, tag) in OBJECT_PAGES.items()}


def test_a_conditional_list_asked_with_last_runs_etag_keeps_the_cached_answer_on_304():
    first = WalkProgress()
    walk_org(FakeClient(OBJECT_PAGES), OBJECTS, "acme", first, repositories=["acme/x", "acme/y"])
    # the next run: x's views changed (a new ETag), everything else answers 304
    changed = {**OBJECT_PAGES, "repos/acme/x/views": ({"count": 4}, None, '"v-x2"')}
    client = FakeClient(changed)
    again = WalkProgress()
    walk_org(client, OBJECTS, "acme", again, repositories=["acme/x", "acme/y"], etag_cache=first.etags)
    assert again.not_modified == 3
    assert again.records == {**first.records, "acme/x": {"key": "acme/x", "views": 4}}
    assert again.etags["repos/acme/x/views"] == {"etag": '"v-x2"', "items": [{"count": 4}], "next_url": None}
    assert again.etags["repos/acme/y/paths"] == first.etags["repos/acme/y/paths"]


# -- a conditional list of many pages ------------------------------------------------------------

def alert(number, state="open"):
    return {"number": number, "state": state, "secret": f"ghp_leak{number}", "repository": {"full_name": "acme/x"}}


ALERTS = collector(
    RestList("alerts", "orgs/{org}/alerts", lambda item, v: [{"key": item["number"], "state": item["state"],
                                                            "repository": item["repository"]["full_name"]}],
             {"per_page": 2}, conditional=True, cache_fields=("number", "state", "repository.full_name")),
)


def alert_pages(*pages, tag=""):
    """Page-number pages of `ALERTS` (2 a page): {url: (items, next url, ETag)}."""
    urls = ["orgs/acme/alerts"] + [f"alerts?page={n}" for n in range(2, len(pages) + 1)]
    return {url: (items, urls[i + 1] if i + 1 < len(urls) else None, f'"{tag}{url}:{[a["number"] for a in items]}:'
                  f'{[a["state"] for a in items]}"') for i, (url, items) in enumerate(zip(urls, pages))}


FIRST = alert_pages([alert(5), alert(4)], [alert(3), alert(2)], [alert(1)])


def first_walk(pages=FIRST):
    progress = WalkProgress()
    walk_org(FakeClient(pages), ALERTS, "acme", progress)
    return progress


def records(progress):
    return sorted(progress.records)


def test_every_page_of_an_unchanged_list_answers_304_and_the_cached_links_walk_it_all():
    first = first_walk()
    client = FakeClient(FIRST)  # a 304 carries no link: only the cached next_url goes on
    again = WalkProgress()
    walk_org(client, ALERTS, "acme", again, etag_cache=first.etags)
    assert client.asked == list(FIRST) and again.not_modified == 3 and again.done
    assert again.records == first.records and records(again) == [1, 2, 3, 4, 5]
    assert again.etags == first.etags
    # the cache keeps the named fields only (never the secret) and each page's link
    assert first.etags["orgs/acme/alerts"]["items"] == [{"number": 5, "state": "open", "repository": {"full_name": "acme/x"}},
                                                       {"number": 4, "state": "open", "repository": {"full_name": "acme/x"}}]
    assert [e["next_url"] for e in first.etags.values()] == ["alerts?page=2", "alerts?page=3", None]
    assert "ghp_leak" not in str(first.etags)


def test_a_304_first_page_then_a_changed_second_page_comes_back_200_and_the_walk_goes_on():
    first = first_walk()
    changed = alert_pages([alert(5), alert(4)], [alert(3, "fixed"), alert(2)], [alert(1)])
    client = FakeClient(changed)
    again = WalkProgress()
    walk_org(client, ALERTS, "acme", again, etag_cache=first.etags)
    assert client.asked == list(FIRST) and again.not_modified == 2  # pages 1 and 3
    assert again.records[3]["state"] == "fixed" and records(again) == [1, 2, 3, 4, 5]
    assert again.etags["alerts?page=2"]["etag"] == changed["alerts?page=2"][2]


def test_a_new_alert_on_the_first_page_shifts_every_page_and_none_is_lost_or_doubled():
    first = first_walk()
    shifted = alert_pages([alert(6), alert(5)], [alert(4), alert(3)], [alert(2), alert(1)])
    client = FakeClient(shifted)
    again = WalkProgress()
    walk_org(client, ALERTS, "acme", again, etag_cache=first.etags)
    assert again.not_modified == 0 and records(again) == [1, 2, 3, 4, 5, 6] and client.asked == list(shifted)


def test_a_full_last_page_is_asked_without_its_etag_so_a_page_added_after_it_is_seen():
    # Given a list that ends on a full page: no rel="next", and its body would stay the same if an
    # alert joined after it (GitHub adds the link, the ETag does not change)
    full = alert_pages([alert(5), alert(4)], [alert(3), alert(2)])
    first = first_walk(full)
    assert set(first.etags) == {"orgs/acme/alerts"}  # the full last page is not kept
    longer = alert_pages([alert(5), alert(4)], [alert(3), alert(2)], [alert(1)])
    client = FakeClient(longer)
    again = WalkProgress()
    walk_org(client, ALERTS, "acme", again, etag_cache=first.etags)
    assert again.not_modified == 1 and records(again) == [1, 2, 3, 4, 5] and client.asked == list(longer)


def test_a_cache_kept_with_other_fields_is_not_used():
    first = first_walk()
    wider = collector(RestList("alerts", "orgs/{org}/alerts", ALERTS.rest_lists[0].records, {"per_page": 2},
                               conditional=True, cache_fields=("number", "state", "repository.full_name", "x")))
    again = WalkProgress()
    walk_org(FakeClient(FIRST), wider, "acme", again, etag_cache=first.etags)
    assert again.not_modified == 0 and again.records == first.records


def test_a_walk_paused_between_cached_pages_goes_on_from_the_cached_link():
    first = first_walk()
    limited = GitHubRateLimited("limited", 60)
    client = FakeClient(FIRST, {"alerts?page=3": limited})
    progress = WalkProgress()
    with pytest.raises(GitHubRateLimited):
        walk_org(client, ALERTS, "acme", progress, etag_cache=first.etags)
    resumed = WalkProgress.from_dict(progress.to_dict(client))
    again = FakeClient(FIRST)
    walk_org(again, ALERTS, "acme", resumed, etag_cache=first.etags)
    assert again.asked == ["alerts?page=3"] and resumed.not_modified == 3 and records(resumed) == [1, 2, 3, 4, 5]
    assert resumed.etags == first.etags


def test_a_kept_cache_is_used_only_against_the_api_it_came_from():
    first = first_walk()
    kept = stored_etag_cache(first.etags, "https://api.github.com")
    assert etag_cache_of(kept, "https://api.github.com") == first.etags
    assert etag_cache_of(kept, "https://ghe.example.com/api/v3") == {}  # its links lead elsewhere
    assert etag_cache_of(first.etags, "https://api.github.com") == first.etags  # kept before it named its API
    assert etag_cache_of(None, "https://api.github.com") == {}
