"""The EMF metrics ListRepos and QueryBatch publish: the low-points alarm and the dashboard read them.

The local runner switches Powertools metrics off; these tests switch them on and read the EMF
documents Powertools prints to stdout.
"""

from __future__ import annotations

import json
import logging
import warnings

import pytest

from ghstats import names
from ghstats_cli.local_aws import LocalAws
from tests.conftest import TOKEN

BATCH_METRICS = {names.METRIC_REPOS_COLLECTED, names.METRIC_REPOS_FAILED, names.METRIC_POINTS_USED,
                 names.METRIC_POINTS_REMAINING}


@pytest.fixture
def metered_aws(engine_delays):
    """local_aws with Powertools metrics on (an environment the runner restores on exit)."""
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with LocalAws({"GITHUB_TOKEN": TOKEN, "POWERTOOLS_METRICS_DISABLED": "false"}) as aws:
        yield aws


def emf_documents(text: str) -> list[dict]:
    """The CloudWatch EMF documents among the lines printed (logs are JSON lines too)."""
    documents = []
    for line in text.splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict) and "_aws" in parsed:
            documents.append(parsed)
    return documents


def metric_values(document: dict) -> dict[str, float]:
    """{metric name: value} of one EMF document, after checking its namespace, unit and dimensions."""
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == names.METRICS_NAMESPACE
    assert all("service" in dimensions for dimensions in directive["Dimensions"])  # other dimensions may follow
    assert document["service"] == names.SERVICE
    assert {m["Unit"] for m in directive["Metrics"]} == {"Count"}
    values = {m["Name"]: document[m["Name"]] for m in directive["Metrics"]}
    assert all(len(v) == 1 for v in values.values()), values  # Powertools writes [value]: one each
    return {name: v[0] for name, v in values.items()}


def test_list_repos_and_query_batch_publish_their_counts(make_sim, metered_aws, capsys):
    # Given an org of 25 repositories, one named repository that does not exist, batches of 10
    sim = make_sim({"acme": 25})
    capsys.readouterr()
    # When the workflow runs one batch at a time
    outcome = metered_aws.run({"orgs": ["acme"], "repos": ["acme/does-not-exist"], "batch_size": 10,
                               "max_concurrency": 1, "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    published = [metric_values(d) for d in emf_documents(capsys.readouterr().out)]
    # Then ListRepos published how many repositories it planned, once
    listed = [m for m in published if names.METRIC_REPOS_LISTED in m]
    assert listed == [{names.METRIC_REPOS_LISTED: 26}]
    # and each of the three QueryBatch invocations its counts and the points left
    batches = [m for m in published if names.METRIC_REPOS_LISTED not in m]
    assert len(batches) == 3 and all(set(m) == BATCH_METRICS for m in batches)
    assert sum(m[names.METRIC_REPOS_COLLECTED] for m in batches) == 25
    assert sum(m[names.METRIC_REPOS_FAILED] for m in batches) == 1
    # which are the points GitHub charged for the batches, and the budget left after each
    charged = [r.cost for r in sim.requests if r.kind == "graphql" and r.repos]
    assert len(charged) == 3
    assert [m[names.METRIC_POINTS_USED] for m in batches] == charged
    left = sim.rate_limit(TOKEN).remaining
    assert [m[names.METRIC_POINTS_REMAINING] for m in batches] == [left + charged[1] + charged[2],
                                                                  left + charged[2], left]


def test_a_batch_done_before_publishes_nothing_again(make_sim, metered_aws, capsys):
    # Given a finished run
    sim = make_sim({"acme": 5})
    outcome = metered_aws.run({"orgs": ["acme"], "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    capsys.readouterr()
    # When its batch is invoked again (a retry after a crash, a redrive)
    answer = metered_aws.invoke("QueryBatch", {"run_id": outcome.run_id, "batch_id": names.batch_id(0, 0)})
    # Then it reuses the stored result and publishes no counts twice
    assert answer["status"] == names.ANSWER_DONE
    assert emf_documents(capsys.readouterr().out) == []
