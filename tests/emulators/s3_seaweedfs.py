"""SeaweedFS (``weed mini``: master, volume, filer and S3 gateway in one process) for the session.

Every port it opens is a fresh loopback port, its data lives in a pytest tmp dir, telemetry
is off, and the optional web UIs and side servers (admin UI, WebDAV, Iceberg, Lance) are
disabled. The S3 gateway checks signatures against one identity with dummy keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ._process import find_tool, free_port, running
from ._s3 import MakeS3Provider, S3Endpoint

__all__ = ["s3_seaweedfs_make_provider", "s3_seaweedfs_server"]

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


@pytest.fixture(scope="session")
def s3_seaweedfs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    binary = find_tool("weed")
    root = tmp_path_factory.mktemp("seaweedfs")
    data = root / "data"
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
    endpoint = S3Endpoint(f"http://127.0.0.1:{s3_port}", _ACCESS_KEY, _SECRET_KEY)
    with running(argv, _s3_answers(endpoint), name="seaweedfs", timeout=60, cwd=str(root)):
        yield endpoint


@pytest.fixture(scope="session")
def s3_seaweedfs_make_provider(s3_seaweedfs_server: S3Endpoint) -> MakeS3Provider:
    return MakeS3Provider(s3_seaweedfs_server)
