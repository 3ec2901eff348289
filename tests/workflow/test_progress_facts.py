"""What the progress view reads, written by the real workflow: the listing's repositories per
org after every page, and a rate-limit wait with when it ends, cleared once the run goes on."""

from __future__ import annotations

from ghstats import names
from ghstats.ledger import Ledger
from tests.workflow.helpers import only_collectors


def test_listing_pages_and_a_wait_reach_the_ledger(make_sim, local_aws, engine_delays, monkeypatch):
    from simulator import Fault

    listings, waits = [], []
    note_listing, note_wait = Ledger.note_listing, Ledger.note_wait
    monkeypatch.setattr(Ledger, "note_listing", lambda self, run_id, org, listed: (
        listings.append((org, listed)), note_listing(self, run_id, org, listed))[1])
    monkeypatch.setattr(Ledger, "note_wait", lambda self, run_id, seconds, what: (
        waits.append((seconds, what)), note_wait(self, run_id, seconds, what))[1])
    sim = make_sim({"acme": 250, "globex": 40})
    sim.add_fault(Fault("rate_limited", org="globex"))  # globex's batch (a query naming its repositories)
    outcome = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url,
                             "collectors": only_collectors("repository_stats")})
    assert outcome.status == "SUCCEEDED", outcome.cause
    # a note a page, however the two orgs' pages (each org in its own pipeline) interleave: each
    # org's count grows a page at a time, and the run's listing holds both
    assert [listed for org, listed in listings if org == "acme"] == [100, 200, 250]
    assert [listed for org, listed in listings if org == "globex"] == [40]
    [(seconds, what)] = waits
    assert seconds > 0 and what.startswith("batch 0001-")
    run = local_aws.dependencies().ledger.get_run(outcome.run_id)
    assert "waiting_until" not in run and run["listing"] == {"acme": 250, "globex": 40}  # the wait ended: not shown
    assert (run["listing_pages"], run["owners_listed"], run["owners_total"]) == (4, 2, 2)
    assert local_aws.get_json(names.summary_key(outcome.run_id))["repos_ok"] == 290
