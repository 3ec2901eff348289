"""Fixtures shared by the webhook tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ghstats.storage import S3ObjectStore
from ghstats_cli.local_aws import TABLE, create_table

BUCKET = "bucket"


@dataclass
class MotoAws:
    dynamodb: Any  # the DynamoDB resource
    s3: Any  # the S3 client
    table: Any  # the ledger table (TABLE)
    objects: S3ObjectStore  # the bucket (BUCKET)


@pytest.fixture
def aws(monkeypatch):
    """The ledger table and the bucket in moto."""
    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        dynamodb = boto3.resource("dynamodb")
        create_table(dynamodb)
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        yield MotoAws(dynamodb=dynamodb, s3=s3, table=dynamodb.Table(TABLE), objects=S3ObjectStore(s3, BUCKET))
