"""Where run data lives: an object store interface and its S3 implementation."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, Protocol

from ghstats import limits


# Objects written "transient" carry this tag; the bucket's lifecycle rule expires them
# (per-batch work objects: batches and results). Outputs are kept.
TRANSIENT_TAG = "ghstats-lifecycle=transient"


class ObjectStore(Protocol):
    def get_json(self, key: str) -> Any | None: ...

    def get_text(self, key: str) -> str | None: ...

    def put_json(self, key: str, value: Any, *, transient: bool = False) -> None: ...

    def put_text(self, key: str, text: str, content_type: str = "text/plain", *, transient: bool = False) -> None: ...

    def list_keys(self, prefix: str) -> list[str]: ...


def dumps(value: Any) -> str:
    """The one JSON encoding of ghstats' outputs (stable, UTF-8, keys as given)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def put_json_all(store: ObjectStore, objects: dict[str, Any], *, transient: bool = False) -> None:
    """Write many objects, limits.S3_PARALLEL_REQUESTS at a time: a run of 50,000 batches writes
    them in about a minute instead of a quarter of an hour. Raises the first failure, after
    every write has ended (a retry writes them all again: each PUT replaces its object)."""
    with ThreadPoolExecutor(limits.S3_PARALLEL_REQUESTS) as pool:
        for future in [pool.submit(store.put_json, key, value, transient=transient) for key, value in objects.items()]:
            future.result()


def get_json_all(store: ObjectStore, keys: Iterable[str]) -> dict[str, Any | None]:
    """Read many objects, limits.S3_PARALLEL_REQUESTS at a time: key -> value (None: not there),
    in the order given."""
    keys = list(keys)
    with ThreadPoolExecutor(limits.S3_PARALLEL_REQUESTS) as pool:
        return dict(zip(keys, pool.map(store.get_json, keys)))


class S3ObjectStore:
    def __init__(self, s3_client: Any, bucket: str):
        self._s3 = s3_client
        self._bucket = bucket

    def get_json(self, key: str) -> Any | None:
        text = self.get_text(key)
        return None if text is None else json.loads(text)

    def get_text(self, key: str) -> str | None:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return None
        return body.decode("utf-8")

    def put_json(self, key: str, value: Any, *, transient: bool = False) -> None:
        self.put_text(key, dumps(value), "application/json", transient=transient)

    def put_text(self, key: str, text: str, content_type: str = "text/plain", *, transient: bool = False) -> None:
        extra = {"Tagging": TRANSIENT_TAG} if transient else {}
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type, **extra
        )

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(keys)
