"""Azurite (the Azure Storage emulator), blob service only, in memory.

``run_azurite`` yields an :class:`Azurite`: the endpoint and the well-known
development-account connection string; its ``provider()`` makes an
:class:`AzureBlobProvider` on a fresh container per call.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from typed_cloudmap.providers.azure import AzureBlobProvider

from ._process import find_tool, free_port, http_ready, running, workdir
from ._raw import RawAzure

__all__ = ["ACCOUNT", "ACCOUNT_KEY", "Azurite", "run_azurite"]

ACCOUNT = "devstoreaccount1"
# Azurite's published development key (the same in every installation; not a secret).
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


@dataclass(frozen=True)
class Azurite:
    """Where the emulator listens and how to sign requests to it."""

    endpoint: str
    """``http://127.0.0.1:PORT/devstoreaccount1``: the account URL."""
    connection_string: str

    @property
    def origin(self) -> str:
        """``http://host:port``: where the emulator's requests go (the endpoint's origin)."""
        return self.endpoint.rsplit("/", 1)[0]

    def via(self, origin: str) -> Azurite:
        """The same emulator reached through ``origin`` (a proxy in front of it)."""
        endpoint = f"{origin}/{ACCOUNT}"
        connection_string = self.connection_string.replace(
            f"BlobEndpoint={self.endpoint};", f"BlobEndpoint={endpoint};"
        )
        return replace(self, endpoint=endpoint, connection_string=connection_string)

    def raw(self, container: str) -> RawAzure:
        """Raw access to ``container`` through a ``ContainerClient`` of its own."""
        from azure.storage.blob import ContainerClient

        return RawAzure(ContainerClient.from_connection_string(self.connection_string, container))

    def provider(self, container: str | None = None, **kwargs: Any) -> AzureBlobProvider:
        """A provider on ``container`` (default: a fresh one, created)."""
        if container is None:
            container = f"tcm-{uuid.uuid4().hex[:20]}"
            kwargs.setdefault("create", True)
        return AzureBlobProvider(
            container,
            connection_string=self.connection_string,
            **kwargs,
        )


@contextlib.contextmanager
def run_azurite(work: Path | None = None) -> Iterator[Azurite]:
    """Azurite's blob service in memory; ``work`` is its working directory (default: temporary)."""
    tool = find_tool("azurite-blob")
    port = free_port()
    argv = [
        tool,
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--extentMemoryLimit",
        "1024",
        # The SDK may speak a newer REST API version than this Azurite release knows.
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--silent",
    ]
    endpoint = f"http://127.0.0.1:{port}/{ACCOUNT}"
    ready = http_ready(f"{endpoint}?comp=list")
    with workdir("azurite", work) as cwd, running(argv, ready, name="azurite", cwd=str(cwd)):
        yield Azurite(
            endpoint=endpoint,
            connection_string=(
                f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};"
                f"AccountKey={ACCOUNT_KEY};BlobEndpoint={endpoint};"
            ),
        )
