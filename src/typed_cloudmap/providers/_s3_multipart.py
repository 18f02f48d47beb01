"""Large S3 writes: a multipart upload whose completion carries the write's condition.

boto3's transfer manager (s3transfer) cannot send ``If-None-Match``/``If-Match``, so large
values go through the multipart API directly: parts upload in parallel, and the condition
rides on ``CompleteMultipartUpload``, which S3 evaluates atomically. A failed or refused
upload is aborted, so nothing of it is stored.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import IO, TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

__all__ = ["MAX_PARTS", "MIN_PART_SIZE", "part_size_for", "put_multipart"]

MIN_PART_SIZE = 8 * 1024**2  # S3 needs >= 5 MiB; 8 MiB bounds the memory a part copy costs
MAX_PARTS = 10_000
MAX_CONCURRENCY = 4  # parts in flight: enough to fill a link, few enough to bound memory


class _PartReader(io.RawIOBase):
    """A seekable file over one slice of the value, so a part is sent without a copy.

    botocore reads a body twice (checksum, then the send) and seeks back between; a
    ``bytes`` copy per part in flight would cost ``workers x part size`` of memory that the
    allocator keeps long after.
    """

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view
        self._pos = 0

    def __len__(self) -> int:
        return len(self._view)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._view[self._pos : self._pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = min(max(base + offset, 0), len(self._view))
        return self._pos

    def tell(self) -> int:
        return self._pos


def part_size_for(size: int) -> int:
    """The part size that fits ``size`` bytes into S3's 10,000 parts."""
    return max(MIN_PART_SIZE, math.ceil(size / MAX_PARTS))


def put_multipart(
    client: S3Client,
    bucket: str,
    name: str,
    data: bytes,
    *,
    extra: Mapping[str, Any],
    condition: Mapping[str, Any],
    complete: Callable[[Callable[[], Any]], Any],
    workers: int,
) -> str:
    """Upload ``data`` in parts and complete under ``condition``; return the new ETag.

    ``extra`` holds the object's settings (metadata, content type and encoding);
    ``complete`` runs the completion call (the provider retries S3's 409 conflicts there).
    """
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=name, **extra)["UploadId"]
    view = memoryview(data)
    size = part_size_for(len(data))
    offsets = range(0, len(data), size)

    def send(numbered: tuple[int, int]) -> CompletedPartTypeDef:
        number, offset = numbered
        body = cast(IO[Any], _PartReader(view[offset : offset + size]))
        response = client.upload_part(
            Bucket=bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": response["ETag"]}

    try:
        with ThreadPoolExecutor(max(1, min(workers, MAX_CONCURRENCY, len(offsets)))) as pool:
            parts = list(pool.map(send, enumerate(offsets, start=1)))
        response = complete(
            lambda: client.complete_multipart_upload(
                Bucket=bucket,
                Key=name,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                **condition,
            )
        )
    except BaseException:
        with contextlib.suppress(Exception):
            client.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=upload_id)
        raise
    etag: str = response["ETag"]
    return etag
