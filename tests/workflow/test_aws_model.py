"""The AWS side of the prediction (collect/budget.py: AWS_FIXED, AWS_PER_OWNER, AWS_PER_PAGE,
AWS_PER_ITEM) is what a run does: a real local run's transitions, S3 and DynamoDB calls, counted
the way `make bench` counts them, equal `predicted_aws` for its shape."""

from __future__ import annotations

import boto3

from bench.worker import AwsCalls, ChildHistories, analyse_history
from ghstats.collect.budget import predicted_aws
from tests.workflow.helpers import only_collectors


def test_a_runs_transitions_and_requests_are_the_models(make_sim, local_aws):
    # Given two orgs of different sizes (4 owners' worth of nothing else: repository statistics only)
    sim = make_sim({"acme": 230, "globex": 40})
    calls = AwsCalls()
    boto3._get_default_session().events.register("before-call", calls.on_call)
    children = ChildHistories().install()
    calls.active = True
    try:
        outcome = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url, "batch_size": 20,
                                 "collectors": only_collectors("repository_stats")})
    finally:
        children.uninstall()
        calls.active = False
    assert outcome.status == "SUCCEEDED", outcome.cause
    history = analyse_history(local_aws.history(outcome.execution_arn), children.runs)
    # When its shape is priced: 2 owners, 3 + 1 listing pages, 12 + 2 batches
    predicted = predicted_aws(14, 0, 2 + 4, 270, 20, 0, owners=2, pages=4)
    # Then every counted figure is the run's
    measured = {**calls.calls, **calls.dynamodb_items}
    assert predicted["transitions"] == history["billable_transitions"]
    assert predicted["s3_put"] == sum(n for k, n in measured.items()
                                      if k in ("s3.PutObject", "s3.CopyObject", "s3.CreateMultipartUpload"))
    assert predicted["s3_get"] == sum(n for k, n in measured.items() if k.startswith("s3.")) - predicted["s3_put"]
    assert predicted["dynamodb_rru"] == 0.5 * sum(measured.get(k, 0) for k in ("dynamodb.GetItem", "dynamodb.Query"))
