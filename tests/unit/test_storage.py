"""The S3 store's streamed writes (one PUT, or a multipart upload a part at a time) and copies."""

import json

import boto3
import pytest
from moto import mock_aws

from ghstats import limits
from ghstats.collect.aggregate import document_header, document_lines
from ghstats.storage import S3ObjectStore, _parts

BUCKET = "ghstats-test"
MIB = 1024 * 1024


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def lines(count, width=1000):
    return (f"{i:08d}" + "x" * (width - 9) + "\n" for i in range(count))


def test_parts_are_at_least_the_part_size_but_the_last():
    pieces = list(_parts(["ab", "cd", "e", "fgh", "i"], 4))
    assert pieces == [b"abcd", b"efgh", b"i"]


def test_a_small_object_is_one_put(s3):
    store = S3ObjectStore(s3, BUCKET)
    store.put_lines("runs/r/small.jsonl", lines(10), "application/x-ndjson")
    body = s3.get_object(Bucket=BUCKET, Key="runs/r/small.jsonl")
    assert body["Body"].read().decode() == "".join(lines(10))
    assert body["ContentType"] == "application/x-ndjson"


def test_a_large_object_is_a_multipart_upload_of_whole_lines(s3, monkeypatch):
    monkeypatch.setattr(limits, "S3_PART_BYTES", 5 * MIB)  # S3's smallest part
    store = S3ObjectStore(s3, BUCKET)
    count = 12 * MIB // 1000  # 12 MiB: three parts
    store.put_lines("runs/r/big.jsonl", lines(count))
    head = s3.head_object(Bucket=BUCKET, Key="runs/r/big.jsonl")
    assert head["ContentLength"] == count * 1000
    assert head["ETag"].strip('"').endswith("-3")  # a multipart object's ETag counts its parts
    text = s3.get_object(Bucket=BUCKET, Key="runs/r/big.jsonl")["Body"].read().decode()
    assert text == "".join(lines(count))


def test_a_failure_mid_stream_leaves_no_object_and_no_open_upload(s3, monkeypatch):
    monkeypatch.setattr(limits, "S3_PART_BYTES", 5 * MIB)

    def failing():
        yield from lines(11 * MIB // 1000)
        raise RuntimeError("the records ran out")

    store = S3ObjectStore(s3, BUCKET)
    with pytest.raises(RuntimeError, match="ran out"):
        store.put_lines("runs/r/broken.json", failing())
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="runs/r/")
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_copy_inside_the_bucket_keeps_the_content_type(s3, monkeypatch):
    store = S3ObjectStore(s3, BUCKET)
    store.put_json("runs/r/doc.json", {"a": 1})
    store.copy("runs/r/doc.json", "latest/doc.json")
    assert store.get_json("latest/doc.json") == {"a": 1}
    monkeypatch.setattr(limits, "S3_PART_BYTES", 5 * MIB)
    store.put_lines("runs/r/big.jsonl", lines(9 * MIB // 1000), "application/x-ndjson")  # a multipart object
    for copy_object_max in (limits.S3_COPY_OBJECT_MAX_BYTES, 1):  # one CopyObject; the copy in parts above its limit
        monkeypatch.setattr(limits, "S3_COPY_OBJECT_MAX_BYTES", copy_object_max)
        store.copy("runs/r/big.jsonl", f"latest/big-{copy_object_max}.jsonl")
        copied = s3.get_object(Bucket=BUCKET, Key=f"latest/big-{copy_object_max}.jsonl")
        assert copied["ContentType"] == "application/x-ndjson"
        assert copied["Body"].read().decode() == "".join(lines(9 * MIB // 1000))


@pytest.mark.parametrize("records", [{}, {"a/x": {"stars": 1}}, {"a/x": {"n": "é\n"}, "b/y": {"list": [1, 2]}}])
def test_a_streamed_document_is_the_json_document_a_record_per_line(records):
    header = document_header("r1", len(records), "2026-12-04T00:00:00Z", 3)
    text = "".join(document_lines(header, "records", records))
    assert json.loads(text) == {**header, "records": records}
    assert list(json.loads(text)["records"]) == list(records)  # in the order given
    assert len(text.splitlines()) == (len(records) + 2 if records else 1)  # the header, a line a record, the end


def test_lines_are_read_whole_across_chunks_and_characters():
    from ghstats.storage import _lines

    text = "ab\n" + "é" * 5 + "\n\nlast"
    data = text.encode()
    for size in (1, 2, 3, 7, len(data)):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert list(_lines(chunks)) == ["ab\n", "é" * 5 + "\n", "\n", "last"]
    assert list(_lines([b"one\n"])) == ["one\n"]


def test_get_lines_reads_an_object_a_line_at_a_time(s3):
    store = S3ObjectStore(s3, BUCKET)
    assert store.get_lines("runs/r/none.jsonl") is None
    store.put_lines("runs/r/doc.json", document_lines({"run_id": "r"}, "records", {"a": {"x": 1}, "b": {"y": "z"}}))
    assert list(store.get_lines("runs/r/doc.json")) == ['{"run_id":"r","records":{\n', '"a":{"x":1},\n', '"b":{"y":"z"}\n',
                                                       "}}\n"]
