"""DynamoDedupe in the ledger table (moto) follows the same rules as MemoryDedupe."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from ghstats.webhooks import limits
from ghstats.webhooks.dedupe import CLAIMED, DUPLICATE, IN_PROGRESS, DynamoDedupe, MemoryDedupe
from ghstats_cli.local_aws import TABLE, create_table

NOW = 1_715_039_970


@pytest.fixture(params=["dynamo", "memory"])
def dedupe(request, monkeypatch):
    if request.param == "memory":
        yield MemoryDedupe(), None
        return
    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        dynamodb = boto3.resource("dynamodb")
        create_table(dynamodb)
        table = dynamodb.Table(TABLE)
        yield DynamoDedupe(table), table


def test_claim_complete_duplicate(dedupe):
    marks, table = dedupe
    claim = marks.claim("1", "d-1", "key-a", NOW)
    assert (claim.outcome, claim.key, claim.token) == (CLAIMED, "key-a", 1)
    assert marks.claim("1", "d-1", "key-b", NOW + 1).outcome == IN_PROGRESS
    assert marks.claim("2", "d-1", "key-c", NOW).outcome == CLAIMED  # another hook, same delivery GUID
    marks.complete("1", "d-1", NOW + 2)
    assert marks.claim("1", "d-1", "key-b", NOW + 86_400).outcome == DUPLICATE
    if table is not None:
        item = table.get_item(Key={"pk": "DELIVERY#1#d-1", "sk": "DELIVERY"})["Item"]
        assert item["state"] == "DONE" and item["object_key"] == "key-a"
        assert int(item["expires_at"]) == NOW + 2 + limits.DELIVERY_TTL_DAYS * 86_400


def test_release_keeps_the_key_and_lets_a_redelivery_in(dedupe):
    marks, _ = dedupe
    first = marks.claim("1", "d-1", "key-day-1", NOW)
    marks.release("1", "d-1", first.token)
    again = marks.claim("1", "d-1", "key-day-2", NOW + 86_400)
    assert (again.outcome, again.key, again.token) == (CLAIMED, "key-day-1", 2)


def test_an_expired_lease_is_taken_over_and_the_old_attempt_cannot_release_it(dedupe):
    marks, _ = dedupe
    old = marks.claim("1", "d-1", "k", NOW)
    assert marks.claim("1", "d-1", "k", NOW + limits.CLAIM_LEASE_S).outcome == IN_PROGRESS
    new = marks.claim("1", "d-1", "k", NOW + limits.CLAIM_LEASE_S + 1)
    assert new.outcome == CLAIMED
    marks.release("1", "d-1", old.token)  # the old attempt fails late: the new claim stands
    assert marks.claim("1", "d-1", "k", NOW + limits.CLAIM_LEASE_S + 2).outcome == IN_PROGRESS
    marks.complete("1", "d-1", NOW + 70)
    marks.release("1", "d-1", new.token)  # after completion: no effect
    assert marks.claim("1", "d-1", "k", NOW + 10_000).outcome == DUPLICATE
