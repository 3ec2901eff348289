"""A scheduled run after webhook deliveries: its summary has the period's webhook totals (whole
UTC days before the run's own), and its report a "Webhook events" section with the same numbers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from ghstats import names
from ghstats.storage import S3ObjectStore
from ghstats.webhooks.rollup import roll_up
from ghstats.webhooks.store import StateStore
from ghstats_cli.local_aws import BUCKET, TABLE
from handlers.webhook_processor import ProcessorDependencies, process_records
from simulator.webhook_story import story
from tests.report_html import as_number, read_report
from tests.unit.webhooks.helpers import deliver_to_moto, sqs_records
from tests.workflow.helpers import only_collectors


def test_the_runs_summary_and_report_give_the_periods_webhook_figures(make_sim, local_aws):
    sim = make_sim({"acme": 5})
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    told = story(seed=8, start=today - timedelta(days=4), span_hours=36, pull_requests=8, workflow_runs=4,
                 check_suites=2, deployments=3)
    objects, table = S3ObjectStore(local_aws.s3, BUCKET), local_aws.dynamodb.Table(TABLE)
    queue: list[dict] = []
    for delivery in told.deliveries:
        assert deliver_to_moto(objects, table, delivery, queue).status == 202
    deps = ProcessorDependencies(read_raw=objects.get_json, store=StateStore(table))
    assert process_records(sqs_records(queue), deps)[0] == []
    roll_up(deps.store, objects)

    run = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": only_collectors("repository_stats")})
    assert run.status == "SUCCEEDED", run.cause
    webhooks = local_aws.get_json(names.summary_key(run.run_id))["webhooks"]
    period = {(today - timedelta(days=n)).strftime("%Y-%m-%d") for n in range(1, 8)}  # a first run: 7 days back
    assert (webhooks["from"], webhooks["to"], webhooks["days"]) == (min(period), max(period), 7)
    received = Counter(d.event for d in told.deliveries if d.at.strftime("%Y-%m-%d") in period)
    assert webhooks["by_event"] == dict(sorted(received.items())) and webhooks["deliveries"] == sum(received.values())
    merged = [p for p in told.truth.pull_requests if p.merged_at and p.merged_at.strftime("%Y-%m-%d") in period]
    assert webhooks["pull_requests"]["merged"] == len(merged) > 0

    report = read_report(local_aws.s3.get_object(Bucket=BUCKET, Key=f"runs/{run.run_id}/report.html")["Body"].read().decode())
    assert "webhooks" in report.sections
    assert as_number(report.figures[("webhooks", "deliveries")]) == webhooks["deliveries"]
    assert as_number(report.figures[("webhooks", "merged")]) == len(merged)


def test_a_run_without_webhooks_says_none_and_has_no_webhook_section(make_sim, local_aws):
    sim = make_sim({"acme": 3})
    run = local_aws.run({"orgs": ["acme"], "api_url": sim.url, "collectors": only_collectors("repository_stats")})
    assert local_aws.get_json(names.summary_key(run.run_id))["webhooks"] is None
    report = read_report(local_aws.s3.get_object(Bucket=BUCKET, Key=f"runs/{run.run_id}/report.html")["Body"].read().decode())
    assert "webhooks" not in report.sections
