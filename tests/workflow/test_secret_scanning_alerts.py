"""secret_scanning_alerts through the real workflow: every alert once with its fields, and the
leaked secret itself nowhere a run writes (outputs, the ETag cache, ledger, logs, dead letters)."""

from __future__ import annotations

import json

from ghstats import names
from ghstats_cli.local_aws import BUCKET, TABLE
from tests.workflow.helpers import only_collectors

ONLY = only_collectors("repository_stats", "secret_scanning_alerts")


def everything_written(aws) -> str:
    """Every S3 object and every ledger item of the local AWS, as one text."""
    parts = []
    for key in aws.dependencies().store.list_keys(""):
        parts.append(aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode())
    parts.append(json.dumps(aws.dynamodb.Table(TABLE).scan()["Items"], default=str))
    return "\n".join(parts)


def test_every_alert_once_and_no_secret_anywhere(make_sim, local_aws, capfd, caplog, handler_logs):
    sim = make_sim({"acme": 120, "globex": 30})
    outcome = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url, "collectors": ONLY})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    truth = {f"{a.repository}#{a.number}": a for org in ("acme", "globex") for a in sim.dataset.alerts(org, "secret_scanning")}
    records = local_aws.get_json(names.collector_output_key(outcome.run_id, "secret_scanning_alerts"))["records"]
    assert truth and set(records) == set(truth)
    for key, record in records.items():
        assert "secret" not in record
    # a second run is answered from the ETag cache the first one kept in the bucket (scanned below)
    again = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url, "collectors": ONLY})
    api = local_aws.get_json(names.summary_key(again.run_id))["api"]
    assert api["rest_not_modified"] == api["rest_requests"] == 2  # one page of each org
    assert local_aws.get_json(names.collector_output_key(again.run_id, "secret_scanning_alerts"))["records"] == records
    assert local_aws.get_json(names.etag_cache_key("secret_scanning_alerts", "acme"))
    # the leaked secrets GitHub served are nowhere: outputs, work objects, ETag caches, ledger, logs
    secrets = sim.dataset.leaked_secrets()
    assert secrets
    captured = capfd.readouterr()  # read once: a second read would see nothing
    written = everything_written(local_aws) + captured.out + captured.err + caplog.text + handler_logs.getvalue()
    assert "organisation collected" in handler_logs.getvalue()  # CollectOrg's logs, at DEBUG, are scanned too
    assert 'data-section="secret_scanning_alerts"' in written  # the run's report is scanned too
    assert [s for s in secrets if s in written] == []


def test_a_page_that_keeps_failing_leaves_a_dead_letter_without_the_secrets(make_sim, local_aws, engine_delays):
    from simulator import Fault

    # Given a walk whose page comes back as broken JSON every time (it starts like the real answer)
    sim = make_sim({"acme": 120})
    sim.add_fault(Fault("malformed_json", api="rest", on_request=1, times=None))
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY})
    # Then the run fails after its retries, with a dead letter that names the request, not the data
    # (the work items' Distributed Map fails; an org item has no batch record to name the error)
    assert outcome.status == "FAILED" and outcome.error == "States.ExceedToleratedFailureThreshold"
    run = local_aws.ledger().get_run(outcome.run_id)
    letters = [k for k in local_aws.dependencies().store.list_keys(names.failures_prefix(outcome.run_id))]
    assert letters and all("org-secret_scanning_alerts.acme" in k for k in letters)
    letter = local_aws.get_json(letters[0])
    assert letter["request"]["url"].endswith("/orgs/acme/secret-scanning/alerts") and letter["request"]["body"] == ""
    written = everything_written(local_aws)
    assert [s for s in sim.dataset.leaked_secrets() if s in written] == []
    assert run["status"] == "FAILED"
