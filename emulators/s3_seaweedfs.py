"""SeaweedFS (``weed mini``: master, volume, filer and S3 gateway in one process) for the session.

Every port it opens is a fresh loopback port, its data lives in a work directory, telemetry
is off, and the optional web UIs and side servers (admin UI, WebDAV, Iceberg, Lance) are
disabled. The S3 gateway checks signatures against one identity with dummy keys.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from ._process import PortTakenError, find_tool, free_port, running, workdir
from ._s3 import S3Endpoint

__all__ = ["run_seaweedfs"]

_ACCESS_KEY = "tcm-seaweed-key"
_SECRET_KEY = "tcm-seaweed-secret"


def _identities(path: Path) -> Path:
    config = {
        "identities": [
            {
                "name": "tcm-tests",
                "credentials": [{"accessKey": _ACCESS_KEY, "secretKey": _SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    path.write_text(json.dumps(config))
    return path


def _s3_answers(endpoint: S3Endpoint) -> Callable[[], bool]:
    """Ready once a signed ListBuckets succeeds (the gateway answers before its filer does)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2),
        **endpoint.client_kwargs(),
    )

    def check() -> bool:
        try:
            client.list_buckets()
        except (BotoCoreError, ClientError):
            return False
        return True

    return check


@contextlib.contextmanager
def run_seaweedfs(work: Path | None = None) -> Iterator[S3Endpoint]:
    """``weed mini`` with its data under ``work`` (default: a temporary directory)."""
    binary = find_tool("weed")
    with workdir("seaweedfs", work) as root:
        yield from _serve(binary, root)


_START_ATTEMPTS = 3
"""``weed mini`` binds ten picked ports; its own connections can take one first."""


def _serve(binary: str, root: Path) -> Iterator[S3Endpoint]:
    for attempt in range(_START_ATTEMPTS):
        argv, endpoint = _command(binary, root, root / f"data-{attempt}")
        with contextlib.ExitStack() as stack:
            try:
                ready = _s3_answers(endpoint)
                stack.enter_context(
                    running(argv, ready, name="seaweedfs", timeout=60, cwd=str(root))
                )
            except PortTakenError:
                if attempt == _START_ATTEMPTS - 1:
                    raise
                continue
            yield endpoint
            return


def _command(binary: str, root: Path, data: Path) -> tuple[list[str], S3Endpoint]:
    """``weed mini``'s arguments on fresh loopback ports, and the S3 endpoint they give."""
    data.mkdir()
    s3_port = free_port()
    ports = {
        "master.port": free_port(),
        "master.port.grpc": free_port(),
        "volume.port": free_port(),
        "volume.port.grpc": free_port(),
        "filer.port": free_port(),
        "filer.port.grpc": free_port(),
        "s3.port": s3_port,
        "s3.port.grpc": free_port(),
        "admin.port": free_port(),
        "admin.port.grpc": free_port(),
    }
    argv = [
        binary,
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        "-master.telemetry=false",
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-s3.autoCreateBucket=false",
        f"-s3.config={_identities(root / 's3.json')}",
    ]
    return argv, S3Endpoint(f"http://127.0.0.1:{s3_port}", _ACCESS_KEY, _SECRET_KEY)
