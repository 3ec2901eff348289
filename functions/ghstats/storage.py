"""Where run data lives: an object store interface and its S3 implementation."""

from __future__ import annotations

import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, Iterator, Protocol

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

    # An object written from its lines, one at a time: a document of a million records is never
    # one string in memory.
    def put_lines(self, key: str, lines: Iterable[str], content_type: str = "application/json") -> None: ...

    # An object's lines, each with its "\n", read a piece at a time (None: no such object).
    def get_lines(self, key: str) -> Iterator[str] | None: ...

    # The object at `source_key` copied to `key` inside the store (latest/ copies): not read back
    # and not sent again.
    def copy(self, source_key: str, key: str) -> None: ...


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


def _parts(lines: Iterable[str], size: int) -> Iterator[bytes]:
    """The lines' UTF-8 bytes in pieces of at least `size` bytes (the last one may be smaller)."""
    pending: list[bytes] = []
    held = 0
    for line in lines:
        data = line.encode("utf-8")
        pending.append(data)
        held += len(data)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text of `chunks` a line at a time, each with its "\n" (the last as it ends); a line is
    decoded whole, so a character split between chunks is read right."""
    pending: list[bytes] = []  # the current line's pieces (joined once: a long line is not copied per chunk)
    for chunk in chunks:
        *complete, rest = chunk.split(b"\n")
        for line in complete:
            yield (b"".join(pending) + line).decode("utf-8") + "\n"
            pending = []
        pending.append(rest)
    if any(pending):
        yield b"".join(pending).decode("utf-8")


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

    def get_lines(self, key: str) -> Iterator[str] | None:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"]
        except self._s3.exceptions.NoSuchKey:
            return None
        return _lines(body.iter_chunks(limits.S3_PART_BYTES))

    def put_json(self, key: str, value: Any, *, transient: bool = False) -> None:
        self.put_text(key, dumps(value), "application/json", transient=transient)

    def put_text(self, key: str, text: str, content_type: str = "text/plain", *, transient: bool = False) -> None:
        extra = {"Tagging": TRANSIENT_TAG} if transient else {}
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type, **extra
        )

    def put_lines(self, key: str, lines: Iterable[str], content_type: str = "application/json") -> None:
        """Up to limits.S3_PART_BYTES in one PUT; a larger object as a multipart upload of parts of
        that size (aborted if a part fails, so no half object is left), so memory holds one part."""
        parts = _parts(lines, limits.S3_PART_BYTES)
        first = next(parts, b"")
        second = next(parts, None)
        if second is None:
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=first, ContentType=content_type)
            return
        upload = self._s3.create_multipart_upload(Bucket=self._bucket, Key=key, ContentType=content_type)["UploadId"]
        try:
            done = []
            for number, body in enumerate(itertools.chain((first, second), parts), start=1):
                etag = self._s3.upload_part(Bucket=self._bucket, Key=key, UploadId=upload, PartNumber=number,
                                            Body=body)["ETag"]
                done.append({"PartNumber": number, "ETag": etag})
            self._s3.complete_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload,
                                               MultipartUpload={"Parts": done})
        except BaseException:
            self._s3.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload)
            raise

    def copy(self, source_key: str, key: str) -> None:
        """One CopyObject (atomic; the content type and metadata copied with it) up to S3's 5 GB
        limit for it, the managed multipart copy above; no byte passes through the function."""
        source = {"Bucket": self._bucket, "Key": source_key}
        head = self._s3.head_object(Bucket=self._bucket, Key=source_key)
        if head["ContentLength"] <= limits.S3_COPY_OBJECT_MAX_BYTES:
            self._s3.copy_object(Bucket=self._bucket, Key=key, CopySource=source)
        else:
            self._s3.copy(source, self._bucket, key, ExtraArgs={"ContentType": head.get("ContentType", "")})

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(keys)
