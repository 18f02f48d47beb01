"""Peak RSS of one large-value round trip (put, then get), in a fresh process per system.

Run by ``bench_cloud`` as ``python _rss.py SYSTEM ENDPOINT_URL ACCESS_KEY SECRET_KEY MB``;
prints one JSON line. ``ru_maxrss`` is the process's high-water mark (KiB on Linux), so
each system gets its own interpreter and peaks do not mix.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import uuid
from typing import Any

import boto3

from typed_cloudmap import CloudMapping
from typed_cloudmap.providers.s3 import S3Provider

SYSTEMS = ("raw boto3", "typed-cloudmap raw")


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(system: str, url: str, access_key: str, secret_key: str, megabytes: int) -> dict[str, Any]:
    creds = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key}
    bucket = f"bench-rss-{uuid.uuid4().hex[:8]}"
    client = boto3.session.Session().client(
        "s3", endpoint_url=url, region_name="us-east-1", **creds
    )
    client.create_bucket(Bucket=bucket)
    mapping = CloudMapping(
        S3Provider(bucket, endpoint_url=url, region_name="us-east-1", client_kwargs=creds),
        sync_initially=False,
    )
    value = os.urandom(megabytes * 1024**2)
    before = _peak_kib()
    start = time.perf_counter()
    if system == "raw boto3":
        client.put_object(Bucket=bucket, Key="big", Body=value)
        back = client.get_object(Bucket=bucket, Key="big")["Body"].read()
    elif system == "typed-cloudmap raw":
        mapping["big"] = value
        back = mapping["big"]
    else:
        raise SystemExit(f"unknown system {system!r}; one of {SYSTEMS}")
    seconds = time.perf_counter() - start
    if back != value:
        raise SystemExit("round trip returned different bytes")
    return {"system": system, "seconds": seconds, "before_kib": before, "peak_kib": _peak_kib()}


if __name__ == "__main__":
    system, url, key, secret, mb = sys.argv[1:6]
    print(json.dumps(main(system, url, key, secret, int(mb))))
