"""moto_server (S3 and KMS), each request applied atomically, on a free loopback port."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._process import find_tool, free_port, http_ready, running
from ._s3 import MakeS3Provider, S3Endpoint

__all__ = ["s3_moto_make_provider", "s3_moto_obstore_make_provider", "s3_moto_server"]


@pytest.fixture(scope="session")
def s3_moto_server() -> Iterator[S3Endpoint]:
    """A moto_server bound to 127.0.0.1; it accepts any keys, these are dummies."""
    find_tool("moto_server")  # installed with moto[server]; its absence is a failure
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    launcher = Path(__file__).with_name("_moto_atomic.py")
    argv = [sys.executable, str(launcher), "-H", "127.0.0.1", "-p", str(port)]
    with running(argv, http_ready(f"{url}/moto-api/"), name="moto", timeout=30):
        yield S3Endpoint(url, access_key="tcm-moto-key", secret_key="tcm-moto-secret")


@pytest.fixture(scope="session")
def s3_moto_make_provider(s3_moto_server: S3Endpoint) -> MakeS3Provider:
    return MakeS3Provider(s3_moto_server)


@pytest.fixture(scope="session")
def s3_moto_obstore_make_provider(s3_moto_server: S3Endpoint) -> MakeS3Provider:
    """Providers on ``transport="obstore"`` (obstore's absence is a failure, as an emulator's)."""
    import obstore  # noqa: F401  # its absence fails here, as a missing emulator does

    return MakeS3Provider(s3_moto_server, transport="obstore")
