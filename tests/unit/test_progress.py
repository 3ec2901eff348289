"""A local run's progress: listing per org, a bar per collector, waits shown as waits; a view
for a terminal, for a pipe, or none."""

from __future__ import annotations

import io
import time

from ghstats import names
from ghstats_cli import progress
from tests.unit.test_aggregate import DictStore

NOW = 1_800_000_000.0


class ListingStore(DictStore):
    def list_keys(self, prefix):
        return sorted(k for k in self.objects if k.startswith(prefix))


def iso(at):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def test_listing_then_collectors_then_a_wait():
    store = ListingStore()
    listing = {"run_id": "r1", "listing": {"acme": 300, "globex": 100}, "listing_pages": 4}
    assert progress.line(progress.snapshot(listing, store, NOW)) == "  listing: page 4, acme 300, globex 100 repositories so far"
    store.put_json(names.run_config_key("r1"), {"batch_collectors": ["repository_stats"], "owners": ["acme", "globex"]})
    # acme is listed: its batches run while globex still lists
    store.put_json(names.org_item_key("r1", "dependabot_alerts.acme"), {})
    store.put_json(names.org_item_key("r1", "teams.acme"), {})
    one_listed = {**listing, "owners_total": 2, "owners_listed": 1, "batches_total": 3, "batches_done": 1}
    assert progress.line(progress.snapshot(one_listed, store, NOW)) == (
        "  listing: page 4, acme 300, globex 100 repositories so far  batches 1/3 so far  dependabot_alerts 0/1  teams 0/1")
    store.put_json(names.org_item_key("r1", "dependabot_alerts.globex"), {})
    store.put_json(names.org_result_key("r1", "dependabot_alerts.acme"), {})
    planned = {**listing, "owners_total": 2, "owners_listed": 2, "batches_total": 8, "batches_done": 3,
               "points_remaining": 4900, "waiting_until": iso(NOW + 120), "waiting_for": "batch 0000-00004"}
    shown = progress.snapshot(planned, store, NOW)
    assert shown.org_items == {"dependabot_alerts": (1, 2), "teams": (0, 1)}
    text = progress.line(shown)
    assert text.startswith("  batches 3/8  dependabot_alerts 1/2  teams 0/1  4900 points left  -- rate limited, resuming at ")
    assert text.endswith("(batch 0000-00004)")
    assert progress.snapshot({**planned, "waiting_until": iso(NOW - 1)}, store, NOW).waiting is None  # over


def test_the_view_for_a_terminal_a_pipe_or_quiet():
    assert progress.choose("quiet") is None
    assert isinstance(progress.choose("auto", io.StringIO()), progress.LineProgress)  # not a TTY
    stream = io.StringIO()
    view = progress.choose("rich", stream)
    view.show(progress.Snapshot("r1", {"acme": 300}, 3, (2, 6), ("repository_stats",), {"teams": (1, 1)}, 4900,
                                "rate limited, resuming at 14:02:00 (listing)", owners=(1, 1)))
    view.close()
    drawn = stream.getvalue()
    assert "listing acme: 300 repositories" in drawn and "batches (repository_stats) · 4,900 points left" in drawn
    assert "2/6" in drawn and "teams (organisations)" in drawn and "rate limited, resuming at 14:02:00" in drawn


def test_lines_are_printed_only_when_something_changed():
    stream = io.StringIO()
    clock = iter([0.0, 0.1, 0.2, 5.0])
    follow = progress.follower(progress.LineProgress(stream), ListingStore(), clock=lambda: next(clock))
    item = {"run_id": "r1", "listing_pages": 1, "listing": {"acme": 100}}
    follow(item)
    follow(item)  # the same, soon after: not read again
    follow({**item, "listing_pages": 2, "listing": {"acme": 200}})
    follow({**item, "listing_pages": 2, "listing": {"acme": 200}})  # the same line: printed once
    assert stream.getvalue().splitlines() == ["  listing: page 1, acme 100 repositories so far",
                                              "  listing: page 2, acme 200 repositories so far"]
