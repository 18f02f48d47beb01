"""Peak RSS of one large-value round trip (put, then get), in a fresh process per system.

Run by ``bench_cloud`` as ``python -m benchmarks._rss SYSTEM URL ACCESS_KEY SECRET_KEY MB``;
prints one JSON line. ``ru_maxrss`` is the process's high-water mark (KiB on Linux), so
each system gets its own interpreter and peaks do not mix. On Linux the figure is ``VmHWM``
from ``/proc/self/status``: ``ru_maxrss`` survives ``fork``/``exec``, so a child started by a
big parent would report the parent's peak; ``VmHWM`` belongs to the new address space.
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
    """This process's peak resident set size in KiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def main(system: str, url: str, access_key: str, secret_key: str, megabytes: int) -> dict[str, Any]:
    creds = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key}
    bucket = f"bench-rss-{uuid.uuid4().hex[:8]}"
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
    )
    client.create_bucket(Bucket=bucket)
    mapping = CloudMapping(
        S3Provider(bucket, endpoint_url=url, region_name="us-east-1", client_kwargs=creds),
        sync_initially=False,
    )
    baseline = _peak_kib()
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
    return {
        "system": system,
        "seconds": seconds,
        "baseline_kib": baseline,
        "before_kib": before,
        "peak_kib": _peak_kib(),
    }


if __name__ == "__main__":
    system, url, key, secret, mb = sys.argv[1:6]
    print(json.dumps(main(system, url, key, secret, int(mb))))
