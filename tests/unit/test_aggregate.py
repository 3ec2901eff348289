"""Merging batch results: every repository exactly once, totals per owner."""

import json

import pytest

from ghstats import names
from ghstats.collect.aggregate import IncompleteRun, merge_results
from ghstats.collect.record_disk import RecordDisk
from ghstats.collectors.repository_stats.record import repository_record
from ghstats.collectors.repository_stats.summary import grand_total, owner_totals
from ghstats.collect.steps import aggregate


def record(key, **counts):
    """A repository_stats record of a repository GitHub said little about, with these fields."""
    return {**repository_record(key, {"nameWithOwner": key}), **counts}


def result(keys, records, errors=(), requests=1, points=1):
    stats = {k: record(k, **records.get(k, {})) for k in keys if k not in errors}
    return {"keys": keys, "answered": {k: r.get("name_with_owner") or k for k, r in stats.items()},
            "records": {"repository_stats": stats},
            "errors": {k: {"type": "NOT_FOUND", "message": "gone"} for k in errors}, "requests": requests, "points": points}


def batches_of(batch_keys, results):
    """merge_results' input: each batch's id, keys and result (None: it has none)."""
    return [(b, keys, results.get(b)) for b, keys in batch_keys.items()]


@pytest.fixture
def disk(tmp_path):
    with RecordDisk(str(tmp_path)) as opened:
        yield opened


def test_merge_sorts_and_sums(disk):
    batches = {"00000": ["b/z", "a/y"], "00001": ["a/x"]}
    results = {"00000": result(["b/z", "a/y"], {"b/z": {"stars": 5}}, errors=["a/y"]),
               "00001": result(["a/x"], {"a/x": {"stars": 2, "is_archived": True}}, requests=3, points=2)}
    merged = merge_results(batches_of(batches, results), disk)
    records, errors, requests, points = merged.records["repository_stats"], merged.errors, merged.requests, merged.points
    assert list(records) == ["a/x", "b/z"] and list(errors) == ["a/y"]
    assert errors["a/y"]["batch_id"] == "00000"
    assert (requests, points) == (4, 3)
    per_owner = owner_totals(records, errors)
    assert per_owner["a"]["repos"] == 1 and per_owner["a"]["errors"] == 1 and per_owner["a"]["archived"] == 1
    assert grand_total(per_owner)["stars"] == 7


def test_a_repository_renamed_while_listing_counts_once_under_its_new_name(disk):
    # Listed as acme/old before a pause and as acme/new after it; GitHub answers both with acme/new
    batches = {"00000": ["acme/old", "acme/x"], "00001": ["acme/new"]}
    renamed = {"name_with_owner": "acme/new", "stars": 7}
    results = {"00000": result(["acme/old", "acme/x"], {"acme/old": renamed, "acme/x": {"stars": 1}}),
               "00001": result(["acme/new"], {"acme/new": renamed})}
    merged = merge_results(batches_of(batches, results), disk)
    records, errors = merged.records["repository_stats"], merged.errors
    assert list(records) == ["acme/new", "acme/x"] and grand_total(owner_totals(records, errors))["stars"] == 8
    assert errors == {"acme/old": {"type": "RENAMED", "message": "acme/old was renamed to acme/new, counted under acme/new",
                                   "batch_id": "00000"}}


def test_missing_result_fails_loudly(disk):
    with pytest.raises(IncompleteRun, match="00001 has no result"):
        merge_results(batches_of({"00000": ["a/x"], "00001": ["a/y"]}, {"00000": result(["a/x"], {})}), disk)


def test_repo_in_two_batches_is_caught(disk):
    with pytest.raises(IncompleteRun, match="counted twice"):
        merge_results(batches_of({"0": ["a/x"], "1": ["a/x"]}, {"0": result(["a/x"], {}), "1": result(["a/x"], {})}), disk)


def test_result_for_other_repos_is_caught(disk):
    with pytest.raises(IncompleteRun, match="other repositories"):
        merge_results(batches_of({"0": ["a/x"]}, {"0": result(["a/y"], {})}), disk)


class DictStore:
    def __init__(self):
        self.objects = {}
        self.texts = {}
        self.reads = []

    def get_json(self, key):
        self.reads.append(key)
        return self.objects.get(key)

    def get_text(self, key):
        self.reads.append(key)
        return self.objects.get(key)

    def put_json(self, key, value, *, transient=False):
        self.objects[key] = value

    def put_text(self, key, text, content_type="text/plain", *, transient=False):
        self.objects[key] = text

    def put_lines(self, key, lines, content_type="application/json"):
        text = "".join(lines)
        self.objects[key] = json.loads(text) if content_type == "application/json" else text
        self.texts[key] = text  # as written: get_lines reads it back a line at a time

    def get_lines(self, key):
        if key in self.texts:
            return iter(line + "\n" for line in self.texts[key].split("\n") if line)
        value = self.objects.get(key)
        return None if value is None else iter([json.dumps(value)])

    def copy(self, source_key, key):
        self.objects[key] = self.objects[source_key]


def planned_run(store, run_id, key, started_at):
    """A run of one repository whose batch and whose org-level Dependabot walk are both done."""
    from ghstats.collect.budget import Counts, OrgCount, predict
    from ghstats.config import parse_config

    item = names.org_item_id("dependabot_alerts", "acme")
    config = parse_config({"orgs": ["acme"], "batch_size": 50})
    store.put_json(names.run_config_key(run_id), {  # as PlanRun stores it
        "owners": ["acme"], "config": {}, "started_at": started_at, "planning": {"requests": 1, "points": 1},
        "batch_collectors": ["repository_stats"], "batch_size": 50, "batch_size_auto": False,
        "prediction": predict(Counts({"acme": OrgCount(1, 0)}), config)})
    store.put_json(names.owner_plan_key(run_id, "acme"), {
        "owner": "acme", "batch_ids": ["0000-00000"], "org_item_ids": [item], "org_error": None, "warnings": [],
        "skipped_coverage": [], "repos_total": 1, "requests": 1, "points": 1})
    store.put_json(names.batch_key(run_id, "0000-00000"), {"keys": [key]})
    store.put_json(names.result_key(run_id, "0000-00000"), result([key], {}))
    alert = {"key": f"{key}#1", "repository": key, "number": 1, "state": "open", "severity": "high",
             "created_at": started_at}
    store.put_json(names.org_result_key(run_id, item), {
        "collector": "dependabot_alerts", "org": "acme", "records": {alert["key"]: alert},
        "coverage": {"org": "acme", "collector": "dependabot_alerts", "status": "ok"}, "requests": 1})


def test_the_dashboard_copy_only_moves_forward():
    store = DictStore()
    planned_run(store, "older", "acme/old", "2026-11-16T02:00:00Z")
    planned_run(store, "newer", "acme/new", "2026-11-23T02:00:00Z")
    aggregate("newer", store, now=lambda: 1_795_000_000)
    # Redriving (or re-running, later than the newer run) the older run writes its own outputs
    # but leaves the newer run's latest copy
    aggregate("older", store, now=lambda: 1_795_000_000)
    older = store.get_json(names.repositories_key("older"))
    assert (list(older["repositories"]), older["started_at"]) == (["acme/old"], "2026-11-16T02:00:00Z")
    latest = store.get_json(names.LATEST_REPOSITORIES_KEY)
    assert (latest["run_id"], list(latest["repositories"])) == ("newer", ["acme/new"])
    alerts = store.get_json(names.latest_collector_key("dependabot_alerts"))  # a collector's copy too
    assert (alerts["run_id"], list(alerts["records"])) == ("newer", ["acme/new#1"])
    # and a run that started later replaces it
    planned_run(store, "newest", "acme/newest", "2026-11-30T02:00:00Z")
    store.reads.clear()
    aggregate("newest", store, now=lambda: 1_795_000_000)
    assert names.LATEST_REPOSITORIES_KEY not in store.reads  # the (large) copies are never read back to decide
    assert names.latest_collector_key("dependabot_alerts") not in store.reads
    assert store.reads.count(names.latest_collector_run_key("dependabot_alerts")) == 1  # its pointer, once
    assert store.get_json(names.LATEST_REPOSITORIES_KEY)["run_id"] == "newest"
    assert store.get_json(names.latest_collector_key("dependabot_alerts"))["run_id"] == "newest"


def test_plan_run_refuses_a_stored_plan_made_for_another_config():
    from ghstats.collect import steps
    from ghstats.collect.budget import Counts, OrgCount, predict
    from ghstats.collect.start import RunConfigMismatch
    from ghstats.config import parse_config

    class Ledger:  # what the planning step tells the ledger (again, from the stored plan)
        def __init__(self):
            self.plans = []

        def record_run_plan(self, *args, **kwargs):
            self.plans.append((args, kwargs))

    store, ledger = DictStore(), Ledger()
    planned = parse_config({"orgs": ["acme"], "batch_size": 50})
    stored = {"config": planned.to_dict(), "config_hash": planned.fingerprint(), "owners": ["acme"], "owners_at_once": 1,
              "started_at": "2026-01-01T00:00:00Z", "planning": {"requests": 2, "points": 2},
              "prediction": predict(Counts({"acme": OrgCount(10, 0)}), planned)}
    store.put_json(names.run_config_key("r1"), stored)
    calls = []
    with pytest.raises(RunConfigMismatch, match="batch_size: 50 -> 40"):
        steps.plan_run("r1", {"orgs": ["acme"], "batch_size": 40}, "2026-01-01T00:00:00Z", store, ledger, calls.append)
    assert calls == [] and ledger.plans == []  # no GitHub client was even made, nothing recorded
    answer = steps.plan_run("r1", {"orgs": ["acme"], "batch_size": 50}, "2026-01-01T00:00:00Z", store, ledger, calls.append)
    assert answer["status"] == "done" and calls == [] and store.get_json(names.owner_manifest_key("r1")) == ["acme"]
    # the ledger from the stored plan (a crash between the plan and the ledger loses nothing)
    [(args, kwargs)] = ledger.plans
    assert args == ("r1", "2026-01-01T00:00:00Z", ["acme"]) and kwargs["planning_points"] == 2
    # and a plan an earlier ghstats made (no owners) is refused with the fix
    store.put_json(names.run_config_key("r2"), {k: v for k, v in stored.items() if k != "owners"})
    with pytest.raises(RunConfigMismatch, match="earlier version of ghstats .* start a new run"):
        steps.plan_run("r2", {"orgs": ["acme"], "batch_size": 50}, "2026-01-01T00:00:00Z", store, ledger, calls.append)


def test_aggregate_refuses_a_run_one_of_whose_owners_was_never_listed():
    store = DictStore()
    planned_run(store, "r1", "acme/a", "2026-11-16T02:00:00Z")
    store.put_json(names.run_config_key("r1"), {**store.get_json(names.run_config_key("r1")), "owners": ["acme", "globex"]})
    with pytest.raises(FileNotFoundError, match="globex never listed"):
        aggregate("r1", store, now=lambda: 1_795_000_000)


def test_alert_summary_counts_open_by_severity_slo_breaches_and_days_to_fix():
    from ghstats.collectors.alert_summary import summarise_alerts
    from ghstats.collectors.unit import SummaryContext

    day = 86_400
    now = 1_800_000_000
    iso = lambda t: __import__("datetime").datetime.fromtimestamp(t, __import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    records = {
        "a/x#1": {"repository": "a/x", "state": "open", "severity": "critical", "created_at": iso(now - 10 * day)},
        "a/x#2": {"repository": "a/x", "state": "open", "severity": "critical", "created_at": iso(now - 2 * day)},
        "a/y#1": {"repository": "a/y", "state": "fixed", "severity": "high", "created_at": iso(now - 30 * day),
                  "fixed_at": iso(now - 20 * day)},
        "b/z#1": {"repository": "b/z", "state": "open", "severity": None, "created_at": iso(now - 400 * day)},
    }
    summary = summarise_alerts(records, SummaryContext(errors={}, slo_days={"critical": 7, "high": 30, "medium": 90, "low": 180}, now=now))
    assert (summary["alerts"], summary["open"]) == (4, 3)
    assert summary["open_by_severity"] == {"critical": 2, "high": 0, "medium": 0, "low": 0, "unrated": 1}
    assert summary["slo_breaches"] == {"critical": 1, "high": 0, "medium": 0, "low": 0}  # unrated: no SLO
    assert summary["oldest_open_days"] == 400.0 and summary["median_days_to_fix"] == 10.0
    assert summary["orgs"]["a"]["open"] == 2 and summary["orgs"]["b"]["open_by_severity"]["unrated"] == 1
    assert set(summary["repositories"]) == {"a/x", "b/z"}  # the repositories with open alerts


class WatchedStore(DictStore):
    """A DictStore that notes the record disk's folders while Aggregate writes, and can fail a write."""

    def __init__(self, parent, fail_on=None):
        super().__init__()
        self.parent, self.fail_on, self.seen = parent, fail_on, set()

    def put_lines(self, key, lines, content_type="application/json"):
        self.seen.update(p.name for p in self.parent.iterdir())
        if self.fail_on and self.fail_on in key:
            raise OSError(f"S3 refused {key}")
        super().put_lines(key, lines, content_type)


def test_aggregate_holds_the_records_in_a_temporary_folder_it_removes_when_it_succeeds(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    store = WatchedStore(tmp_path)
    planned_run(store, "r1", "acme/x", "2026-11-16T02:00:00Z")
    assert aggregate("r1", store, now=lambda: 1_795_000_000)["status"] == "SUCCEEDED"
    assert [name for name in store.seen if name.startswith("ghstats-records-")]  # the records were on disk
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failure", ["a batch without its result", "a write refused"])
def test_aggregate_removes_its_temporary_folder_when_it_fails(tmp_path, monkeypatch, failure):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    store = WatchedStore(tmp_path, fail_on="dependabot_alerts" if failure == "a write refused" else None)
    planned_run(store, "r1", "acme/x", "2026-11-16T02:00:00Z")
    if failure == "a batch without its result":
        del store.objects[names.result_key("r1", "0000-00000")]
    with pytest.raises((IncompleteRun, OSError)):
        aggregate("r1", store, now=lambda: 1_795_000_000)
    assert list(tmp_path.iterdir()) == []
