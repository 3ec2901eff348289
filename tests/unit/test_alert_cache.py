"""What the ETag cache keeps of an alert (RestList.cache_fields): the records built from it are
the records built from GitHub's item, the leaked secret is never in it, and its size per alert."""

from __future__ import annotations

import json

import pytest
import requests

from ghstats.collect.org_walk import _cache_entry
from ghstats.collectors import REGISTRY
from ghstats.collectors.unit import kept_fields
from ghstats.github.auth import StaticTokenProvider
from ghstats.github.client import GitHubClient
from ghstats.github.endpoints import Endpoints
from simulator import GitHubSimulator
from tests.conftest import TOKEN

ALERTS = ("dependabot_alerts", "code_scanning_alerts", "secret_scanning_alerts")
# bytes of the cache's JSON per alert (one org's pages of 100): the cost in the bucket
# (state/<collector>/etags/<org>.json), README "ETags"
MAX_BYTES_PER_ALERT = {"dependabot_alerts": 750, "code_scanning_alerts": 700, "secret_scanning_alerts": 650}


@pytest.fixture(scope="module")
def served():
    with GitHubSimulator(orgs={"acme": 600}, seed=3, tokens=(TOKEN,)) as sim:
        yield sim, _pages(sim)


def _pages(sim):
    client = GitHubClient(Endpoints.from_api_url(sim.url), StaticTokenProvider(TOKEN), session=requests.Session())
    pages = {}
    for name in ALERTS:
        (rest_list,) = REGISTRY[name].walk()
        found, url = [], None
        while True:
            page = client.rest_page(rest_list.path.format(org="acme"), dict(rest_list.params), url=url)
            found.append(page.items)
            if not page.next_url:
                break
            url = page.next_url
        pages[name] = found
    return pages


@pytest.mark.parametrize("name", ALERTS)
def test_the_records_built_from_the_kept_fields_are_the_records_built_from_githubs_item(served, name):
    pages = served[1][name]
    (rest_list,) = REGISTRY[name].walk()
    assert rest_list.conditional and rest_list.cache_fields
    items = [item for page in pages for item in page]
    assert len(items) > 50
    for item in items:
        kept = kept_fields(item, rest_list.cache_fields)
        assert rest_list.records(kept, {"org": "acme"}) == rest_list.records(item, {"org": "acme"})
        assert kept != item  # far less is kept


@pytest.mark.parametrize("name", ALERTS)
def test_a_kept_alert_costs_few_bytes_in_the_bucket(served, name):
    pages = served[1][name]
    (rest_list,) = REGISTRY[name].walk()
    entries = [_cache_entry(rest_list, 'W/"' + "0" * 40 + '"', page, "https://api.github.com/x?after=abc")
               for page in pages]
    alerts = sum(len(page) for page in pages)
    size = len(json.dumps(entries, separators=(",", ":")).encode())
    full = len(json.dumps(pages, separators=(",", ":")).encode())
    print(f"{name}: {size / alerts:.0f} bytes per alert kept, {full / alerts:.0f} served")
    assert size / alerts <= MAX_BYTES_PER_ALERT[name]


def test_no_leaked_secret_nor_comment_is_kept(served):
    sim, pages = served[0], served[1]["secret_scanning_alerts"]
    (rest_list,) = REGISTRY["secret_scanning_alerts"].walk()
    items = [item for page in pages for item in page]
    assert all(item.get("secret") for item in items)  # GitHub's items carry it
    kept = json.dumps([kept_fields(item, rest_list.cache_fields) for item in items])
    secrets = sim.dataset.leaked_secrets()
    assert secrets and [s for s in secrets if s in kept] == []
    assert not [f for f in rest_list.cache_fields if f.split(".")[-1] == "secret" or "comment" in f]
