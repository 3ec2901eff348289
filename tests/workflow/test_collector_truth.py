"""Every registered collector, through the real workflow, against the simulator's truth: every
record of the run's repositories once, every field GitHub's. Driven by the registry: a collector
added without its truth in simulator/truth.py fails here."""

from __future__ import annotations

import pytest

from ghstats.collectors import INVENTORY_COLLECTOR, REGISTRY
from ghstats_cli.verify import collector_records
from simulator import truth
from tests.workflow.helpers import only_collectors


def excluded_repo(sim) -> str:
    """A repository of acme with alerts of every kind: excluding it must leave all of them out."""
    kinds = [{a.repository for a in sim.dataset.alerts("acme", kind)}
             for kind in ("dependabot", "secret_scanning", "code_scanning")]
    return sorted(set.intersection(*kinds))[0]


def test_every_registered_collector_has_its_truth():
    assert set(truth.TRUTH) == set(REGISTRY)


@pytest.mark.parametrize("collector", list(REGISTRY))
def test_every_record_once_every_field_the_truth(collector, make_sim, local_aws):
    # Given two orgs, one repository excluded, and the collector (with repository_stats, the inventory)
    sim = make_sim({"acme": 120, "globex": 40})
    excluded = excluded_repo(sim)
    outcome = local_aws.run({"orgs": [{"name": "acme", "exclude": [excluded]}, "globex"], "api_url": sim.url,
                             "collectors": only_collectors(INVENTORY_COLLECTOR.name, collector)})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    # Then its records are the truth's over the run's repositories: none missing, none extra, none twice
    records = collector_records(local_aws.get_json, outcome.run_id, collector)
    scope = {r.name_with_owner for org in ("acme", "globex") for r in sim.dataset.repos(org)} - {excluded}
    expected = truth.TRUTH[collector](sim, ["acme", "globex"], scope)
    assert expected, f"the simulator's truth for {collector} is empty: nothing is tested"
    assert truth.mismatches(collector, records, sim, ["acme", "globex"], scope) == []
    assert len(records) == len(expected)
