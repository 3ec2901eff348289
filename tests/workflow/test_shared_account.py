"""A stack in a shared account: the credential goes only to the deployment's GitHub, and one run
of a collection at a time. The real ASL in moto's engine, the real handlers, the credential in
moto's Secrets Manager."""

from __future__ import annotations

import json
import threading
import uuid

import boto3
import pytest

from ghstats import names
from ghstats.github import credentials
from ghstats.github.hosts import ApiUrlNotAllowed
from tests.conftest import TOKEN
from tests.workflow.helpers import assert_every_repo_once, org_keys, outputs

APP_ID = "31337"


@pytest.fixture
def secret_reads(monkeypatch):
    """Every read of the GitHub credential from Secrets Manager (through the real Powertools path)."""
    reads: list[str] = []
    real = credentials._powertools_secret

    def spy(name):
        reads.append(name)
        return real(name)

    monkeypatch.setattr(credentials, "_powertools_secret", spy)
    return reads


@pytest.fixture
def deployed(engine_delays, secret_reads):
    """LocalAws set up as the stack deploys it: the credential in a secret, one allowed GitHub host."""
    from ghstats_cli.local_aws import LocalAws
    from aws_lambda_powertools.utilities import parameters

    def make(allowed_url: str, secret: dict) -> LocalAws:
        name = f"ghstats/github-{uuid.uuid4().hex}"
        aws = LocalAws({names.ENV_SECRET_NAME: name, names.ENV_GITHUB_API_URLS: json.dumps([allowed_url])})
        aws.__enter__()
        opened.append(aws)
        boto3.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(secret))
        return aws

    opened: list = []
    yield make
    for aws in opened:
        aws.__exit__(None, None, None)
    parameters.clear_caches()


@pytest.mark.parametrize("credential", ["pat", "app"])
def test_a_foreign_api_url_gets_no_request_and_the_credential_is_never_read(make_sim, deployed, secret_reads,
                                                                             key_pair, credential):
    # Given a deployment for one GitHub, holding a PAT or App credentials, and an attacker's host
    github = make_sim({"acme": 30}, apps={APP_ID: key_pair[1]})
    attacker = make_sim({"acme": 30}, apps={APP_ID: key_pair[1]})
    secret = {"token": TOKEN} if credential == "pat" else {"app_id": APP_ID, "installation_id": "7", "private_key": key_pair[0]}
    aws = deployed(github.url, secret)
    # When an execution's input names the attacker's host
    outcome = aws.run({"orgs": ["acme"], "api_url": attacker.url})
    # Then it fails in its first step, naming the setting to change
    assert outcome.status == "FAILED" and outcome.error == "ApiUrlNotAllowed"
    assert "ghstats:githubApiUrls" in outcome.cause and attacker.url in outcome.cause
    assert aws.invocations.get("StartRun") == 1 and "ListRepos" not in aws.invocations
    # and neither host saw a request (no token, no App JWT, no installation-token exchange),
    assert attacker.count() == 0 and github.count() == 0
    # and the credential was never read
    assert secret_reads == []


@pytest.mark.parametrize("credential", ["pat", "app"])
def test_the_deployments_own_github_is_collected_with_the_secret(make_sim, deployed, secret_reads, key_pair, credential):
    # The control for the test above: the same set-up collects from the allowed host.
    github = make_sim({"acme": 30}, apps={APP_ID: key_pair[1]}, tokens=(TOKEN,))
    secret = {"token": TOKEN} if credential == "pat" else {"app_id": APP_ID, "installation_id": "7", "private_key": key_pair[0]}
    aws = deployed(github.url + "/", secret)  # spelled with a trailing slash in the setting
    outcome = aws.run({"orgs": ["acme"], "api_url": github.url, "batch_size": 50})  # one batch
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert_every_repo_once(outputs(aws, outcome.run_id), org_keys(github, "acme"))
    assert secret_reads and github.count(kind="graphql") == 4  # preflight, counting, one page, one batch


def attacker_spellings(github, attacker):
    """A foreign host as it is, and hidden behind the allowed one where a URL parser and an HTTP
    client read a URL differently (found in review: urlparse took the host after the backslash)."""
    github_netloc, attacker_netloc = github.url.split("://")[1], attacker.url.split("://")[1]
    return [attacker.url, f"http://{attacker_netloc}\\@{github_netloc}", f"http://{attacker_netloc}\\\\@{github_netloc}",
            f"http://{attacker_netloc}@{github_netloc}", f"http://{github_netloc}@{attacker_netloc}",
            f"{attacker.url}#{github_netloc}", f"{attacker.url}?{github_netloc}"]


@pytest.mark.parametrize("credential", ["pat", "app"])
def test_a_stored_batch_naming_another_host_is_refused_before_any_request(make_sim, deployed, secret_reads, key_pair,
                                                                          credential):
    # Given a run whose batch object in S3 was rewritten to point at another host, however spelled
    github = make_sim({"acme": 30}, apps={APP_ID: key_pair[1]})
    attacker = make_sim({"acme": 30}, apps={APP_ID: key_pair[1]})
    secret = {"token": TOKEN} if credential == "pat" else {"app_id": APP_ID, "installation_id": "7", "private_key": key_pair[0]}
    aws = deployed(github.url, secret)
    run_id = "tampered"
    for index, api_url in enumerate(attacker_spellings(github, attacker)):
        batch_id = names.batch_id(0, index)
        aws.dependencies().store.put_json(names.batch_key(run_id, batch_id), {
            "run_id": run_id, "batch_id": batch_id, "api_url": api_url, "keys": sorted(org_keys(attacker, "acme"))})
        # When QueryBatch runs it, the host is not trusted from S3
        with pytest.raises(ApiUrlNotAllowed):
            aws.invoke("QueryBatch", {"run_id": run_id, "batch_id": batch_id, "rate_limit_waits": 0, "retry_count": 0})
    assert attacker.count() == 0 and github.count() == 0 and secret_reads == []


# -- one run of a collection at a time -------------------------------------------------------


def test_a_second_start_while_a_run_is_in_progress_is_refused_and_changes_nothing(make_sim, local_aws):
    # Given a run of the default collection in its Map
    sim = make_sim({"acme": 120})
    config = {"orgs": ["acme"], "batch_size": 50, "max_concurrency": 1, "api_url": sim.url}
    second: dict = {}
    first_batch = threading.Event()

    def start_another_during_the_first_batch(handler):
        def wrapped(event, context, **kwargs):
            if not first_batch.is_set():
                first_batch.set()
                requests_before = sim.count()
                second["outcome"] = local_aws.run(config, name="manual-start")
                second["requests"] = sim.count() - requests_before
                second["ledger"] = local_aws.ledger().get_run("manual-start")
            return handler(event, context, **kwargs)
        return wrapped

    local_aws.wrappers["QueryBatch"] = start_another_during_the_first_batch
    outcome = local_aws.run(config, name="scheduled-run")
    # Then the second start failed at once, naming the run in progress
    refused = second["outcome"]
    assert refused.status == "FAILED" and refused.error == "RunInProgress"
    assert "run scheduled-run is in progress since" in refused.cause
    assert second["requests"] == 0  # no GitHub request for the refused start
    # (TrackRun records the refused execution under its own run id, as a failure)
    assert second["ledger"]["status"] == "FAILED" and second["ledger"]["error"] == "RunInProgress"
    # and the first run went on untouched, counted once
    assert outcome.status == "SUCCEEDED", outcome.cause
    run = local_aws.ledger().get_run("scheduled-run")
    assert (run["batches_done"], run["batches_total"], run["repos_ok"]) == (3, 3, 120)
    assert_every_repo_once(outputs(local_aws, "scheduled-run"), org_keys(sim, "acme"))
    # and it released the lock when it finished: the next start runs
    assert local_aws.ledger().get_lock("default")["expires_at"] == 0
    assert local_aws.run(config, name="next-week").status == "SUCCEEDED"


def test_collections_of_other_names_run_side_by_side(make_sim, local_aws):
    sim = make_sim({"acme": 40})
    outcomes = {}

    def start_other_collection(handler):
        def wrapped(event, context, **kwargs):
            if "traffic" not in outcomes:
                outcomes["traffic"] = local_aws.run({"name": "traffic", "orgs": ["acme"], "api_url": sim.url})
            return handler(event, context, **kwargs)
        return wrapped

    local_aws.wrappers["QueryBatch"] = start_other_collection
    weekly = local_aws.run({"orgs": ["acme"], "api_url": sim.url})
    assert weekly.status == "SUCCEEDED" and outcomes["traffic"].status == "SUCCEEDED", outcomes["traffic"].cause


def test_a_run_id_started_again_with_another_config_is_refused_naming_the_difference(make_sim, local_aws):
    sim = make_sim({"acme": 60})
    config = {"orgs": ["acme"], "batch_size": 50, "api_url": sim.url, "run_id": "weekly-48"}
    assert local_aws.run(config, name="first").status == "SUCCEEDED"
    before = local_aws.ledger().get_run("weekly-48")
    requests_before = sim.count()
    refused = local_aws.run({**config, "batch_size": 40}, name="second")
    assert refused.status == "FAILED" and refused.error == "RunConfigMismatch"
    assert "batch_size: 50 -> 40" in refused.cause
    assert sim.count() == requests_before
    after = local_aws.ledger().get_run("weekly-48")
    assert after == before  # not even TrackRun's failure touched the run started by another execution
    # the same config may take the run up again (a re-run: nothing left to fetch)
    assert local_aws.run(config, name="third").status == "SUCCEEDED"
    assert sim.count() == requests_before


def test_a_stale_lock_expires_with_the_execution_timeout(make_sim, local_aws):
    # Given a lock left by an execution whose end nobody heard, older than the execution timeout
    sim = make_sim({"acme": 10})
    local_aws.ledger()._table.put_item(Item={
        "pk": names.lock_pk("default"), "sk": names.LOCK_SK, "run_id": "lost", "since": "2026-01-01T00:00:00Z",
        "execution_arn": "arn:aws:states:us-east-1:123456789012:execution:ghstats-collect:lost", "expires_at": 1})
    assert local_aws.run({"orgs": ["acme"], "api_url": sim.url}).status == "SUCCEEDED"


def test_a_run_that_lost_its_lock_finishes_and_leaves_the_new_holders_lock(make_sim, local_aws):
    # Given a run whose lock was taken over (it expired, or a redrive came late) before it finished
    sim = make_sim({"acme": 10})
    other = "arn:aws:states:us-east-1:123456789012:execution:ghstats-collect:newer"

    def take_over_the_lock(handler):
        def wrapped(event, context, **kwargs):
            local_aws.ledger()._table.update_item(
                Key={"pk": names.lock_pk("default"), "sk": names.LOCK_SK},
                UpdateExpression="SET execution_arn = :arn, run_id = :run", ExpressionAttributeValues={":arn": other, ":run": "newer"})
            return handler(event, context, **kwargs)
        return wrapped

    local_aws.wrappers["Aggregate"] = take_over_the_lock
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url})
    # Then ReleaseLock's condition fails, the run still succeeds, and the newer holder keeps its lock
    assert outcome.status == "SUCCEEDED", outcome.cause
    lock = local_aws.ledger().get_lock("default")
    assert lock["execution_arn"] == other and lock["expires_at"] > 0


def test_a_redriven_batch_does_not_run_while_another_run_of_its_collection_holds_the_lock(make_sim, local_aws):
    from simulator import Fault

    # Given a run that failed in its Map (its lock freed by TrackRun) ...
    sim = make_sim({"acme": 60})
    sim.add_fault(Fault("unauthorized", on_request=5))  # preflight, counting, listing, batch 0000-00000 ok, 0000-00001 refused
    config = {"orgs": ["acme"], "batch_size": 30, "max_concurrency": 1, "api_url": sim.url}
    failed = local_aws.run(config, name="first")
    assert failed.status == "FAILED" and local_aws.ledger().get_lock("default")["expires_at"] == 0
    # ... and a new run of the collection that holds the lock now
    other = "arn:aws:states:us-east-1:123456789012:execution:ghstats-collect:second"
    local_aws.ledger().take_lock("default", "second", other, "2026-12-01T00:00:00Z")
    requests_before = sim.count()
    # When the failed run's batch runs again (what a console redrive does)
    redrive = {"run_id": "first", "batch_id": "0000-00001", "rate_limit_waits": 0, "retry_count": 0,
               "execution_arn": failed.execution_arn}
    from ghstats.collect.start import RunInProgress

    with pytest.raises(RunInProgress, match="run second is in progress"):
        local_aws.invoke("QueryBatch", redrive)
    # Then it sent nothing; once the other run ended, the redrive takes the lock back and goes on
    assert sim.count() == requests_before
    local_aws.ledger().release_lock("default", other)
    assert local_aws.invoke("QueryBatch", redrive)["status"] == "done"
    assert local_aws.ledger().get_lock("default")["execution_arn"] == failed.execution_arn
