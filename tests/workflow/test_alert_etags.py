"""The alert lists asked with the last run's ETags, through the real workflow: a second run's
alert pages all answered 304 (free), its records and summary the first run's; an alert changed
on GitHub comes back on its page in the third; a walk that fails keeps no ETag of its own."""

from __future__ import annotations

import pytest

from ghstats import names
from simulator import Fault
from tests.conftest import TOKEN
from tests.workflow.helpers import only_collectors

LISTS = {"dependabot_alerts": ("dependabot", "/orgs/acme/dependabot/alerts"),
         "code_scanning_alerts": ("code_scanning", "/orgs/acme/code-scanning/alerts"),
         "secret_scanning_alerts": ("secret_scanning", "/orgs/acme/secret-scanning/alerts")}
ORG_SIZE = {"dependabot_alerts": 300, "code_scanning_alerts": 300, "secret_scanning_alerts": 900}


def alert_answers(sim, path):
    """The statuses of the run's requests of the alert list, in order."""
    return [r.status for r in sorted(sim.requests, key=lambda r: r.seq) if r.path == path]


def pop_ages(section, place=()):
    """Take the open alerts' ages out of a summary section: where -> days. They grow by the
    seconds between two runs, which the rounding to 0.1 day can show."""
    ages = {}
    for name, value in list(section.items()):
        if name == "oldest_open_days":
            ages[place] = section.pop(name)
        elif isinstance(value, dict):
            ages.update(pop_ages(value, (*place, name)))
    return ages


def outputs(aws, run_id, collector):
    records = aws.get_json(names.collector_output_key(run_id, collector))["records"]
    summary = aws.get_json(names.summary_key(run_id))
    return records, summary


@pytest.mark.parametrize("collector", list(LISTS))
def test_a_second_run_is_answered_304_and_a_changed_alert_comes_back_in_the_third(make_sim, local_aws, collector):
    kind, path = LISTS[collector]
    sim = make_sim({"acme": ORG_SIZE[collector]})
    config = {"orgs": ["acme"], "api_url": sim.url, "collectors": only_collectors("repository_stats", collector)}
    first = local_aws.run(config)
    assert first.status == "SUCCEEDED" and first.output["status"] == "SUCCEEDED", first.cause
    pages = alert_answers(sim, path)
    assert len(pages) >= 2 and set(pages) == {200}  # a list of several pages
    records, summary = outputs(local_aws, first.run_id, collector)
    assert len(records) == len(sim.dataset.alerts("acme", kind))

    # When the same collection runs again, nothing having changed on GitHub
    sim.reset_records()
    used = sim.rate_limit(TOKEN, "core").used
    second = local_aws.run(config)
    assert second.status == "SUCCEEDED" and second.output["status"] == "SUCCEEDED", second.cause
    # Then every alert page is a 304 (following the cached links), which costs nothing
    assert alert_answers(sim, path) == [304] * len(pages)
    assert sim.rate_limit(TOKEN, "core").used == used
    again, summary_again = outputs(local_aws, second.run_id, collector)
    api = summary_again["api"]
    assert api["rest_not_modified"] == api["rest_requests"] == len(pages)
    # and each was sent with its ETag of the first run (what the next plan's share of 304s is taken from)
    assert api["rest_by_collector"] == {collector: {"requests": len(pages), "with_etag": len(pages),
                                                    "not_modified": len(pages)}}
    # and the records and their summary are the first run's
    assert again == records
    section, section_again = summary["collectors"][collector], summary_again["collectors"][collector]
    since = section_again.pop("since_previous_run")
    assert section.pop("since_previous_run") is None and since["previous_run_id"] == first.run_id
    assert (since["opened"], since["fixed"], since["dismissed"]) == (0, 0, 0)
    ages, ages_again = pop_ages(section), pop_ages(section_again)  # days since opened, at aggregation
    assert section_again == section
    assert ages.keys() == ages_again.keys()
    assert all(ages[k] == ages_again[k] or abs(ages[k] - ages_again[k]) < 0.15 for k in ages)  # 0.1 day, as floats

    # When an alert on the second page changes (an alert of the first page is what a new one shifts)
    target = next(a for a in sim.dataset.alerts("acme", kind)[100:200] if a.state == "open")
    key = f"{target.repository}#{target.number}"
    sim.dataset.change_alert(kind, target.repository, target.number, updated_at="2026-03-01T00:00:00Z",
                             state="resolved" if kind == "secret_scanning" else "fixed")
    sim.reset_records()
    third = local_aws.run(config)
    assert third.status == "SUCCEEDED" and third.output["status"] == "SUCCEEDED", third.cause
    # Then its page comes back 200, the others 304, and the record shows the change, the others as they were
    assert alert_answers(sim, path) == [304, 200] + [304] * (len(pages) - 2)
    changed, summary_changed = outputs(local_aws, third.run_id, collector)
    assert changed[key]["updated_at"] == "2026-03-01T00:00:00Z" and changed[key]["state"] != records[key]["state"]
    assert {k: r for k, r in changed.items() if k != key} == {k: r for k, r in records.items() if k != key}
    assert summary_changed["api"]["rest_not_modified"] == len(pages) - 1
    assert summary_changed["api"]["rest_by_collector"][collector] == {
        "requests": len(pages), "with_etag": len(pages), "not_modified": len(pages) - 1}


def test_a_walk_that_fails_keeps_the_etags_of_the_last_walk_that_succeeded(make_sim, local_aws, engine_delays):
    kind, path = LISTS["dependabot_alerts"]
    sim = make_sim({"acme": 300})
    config = {"orgs": ["acme"], "api_url": sim.url, "collectors": only_collectors("repository_stats", "dependabot_alerts")}
    first = local_aws.run(config)
    assert first.output["status"] == "SUCCEEDED", first.cause
    cache_key = names.etag_cache_key("dependabot_alerts", "acme")
    kept = local_aws.get_json(cache_key)
    assert kept["api_url"] == sim.url
    assert len(kept["pages"]) >= 2 and all(entry["etag"] and entry["items"] for entry in kept["pages"].values())
    assert [e["next_url"] is None for e in kept["pages"].values()].count(True) == 1  # one chain, one last page
    # Given the first page changed (a new ETag), and GitHub refusing the second page this time
    newest = sim.dataset.alerts("acme", kind)[0]
    sim.dataset.change_alert(kind, newest.repository, newest.number, updated_at="2026-03-01T00:00:00Z")
    rest_before = sim.count(kind="rest")
    sim.add_fault(Fault("forbidden", api="rest", on_request=rest_before + 2))
    second = local_aws.run(config)
    # Then the run says what it could not read, and the cache is still the first run's
    assert second.output["status"] == "PARTIAL", second.cause
    assert alert_answers(sim, path)[-2:] == [200, 403]
    assert local_aws.get_json(cache_key) == kept
