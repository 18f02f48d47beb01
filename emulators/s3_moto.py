"""moto_server (S3 and KMS), each request applied atomically, on a free loopback port."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from ._process import find_tool, free_port, http_ready, running
from ._s3 import S3Endpoint

__all__ = ["run_moto"]


@contextlib.contextmanager
def run_moto() -> Iterator[S3Endpoint]:
    """A moto_server bound to 127.0.0.1; it accepts any keys, these are dummies."""
    find_tool("moto_server")  # installed with moto[server]; raises if it is not
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    launcher = Path(__file__).with_name("_moto_atomic.py")
    argv = [sys.executable, str(launcher), "-H", "127.0.0.1", "-p", str(port)]
    with running(argv, http_ready(f"{url}/moto-api/"), name="moto", timeout=30):
        yield S3Endpoint(url, access_key="tcm-moto-key", secret_key="tcm-moto-secret")
