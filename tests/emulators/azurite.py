"""Azurite (the Azure Storage emulator), blob service only, in memory, for the session.

``azurite`` yields the endpoint and the well-known development-account connection string;
``azurite_make_provider`` (alias ``azure_make_provider``) makes an
:class:`AzureBlobProvider` on a fresh container per call.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from emulators._process import find_tool, free_port, http_ready, running
from typed_cloudmap.providers.azure import AzureBlobProvider

__all__ = [
    "Azurite",
    "azure_make_provider",
    "azurite",
    "azurite_make_provider",
    "azurite_obstore_make_provider",
]

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


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    tool = find_tool("azurite-blob")
    port = free_port()
    workdir = tmp_path_factory.mktemp("azurite")
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
    with running(argv, ready, name="azurite", cwd=str(workdir)):
        yield Azurite(
            endpoint=endpoint,
            connection_string=(
                f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};"
                f"AccountKey={ACCOUNT_KEY};BlobEndpoint={endpoint};"
            ),
        )


@pytest.fixture(scope="session")
def azurite_make_provider(azurite: Azurite) -> Callable[[], AzureBlobProvider]:
    """A zero-argument factory: each call gives a provider on a new, empty container."""

    def make() -> AzureBlobProvider:
        return azurite.provider()

    return make


@pytest.fixture(scope="session")
def azure_make_provider(
    azurite_make_provider: Callable[[], AzureBlobProvider],
) -> Callable[[], AzureBlobProvider]:
    """The same factory under the provider's name."""
    return azurite_make_provider


@pytest.fixture(scope="session")
def azurite_obstore_make_provider(azurite: Azurite) -> Callable[[], AzureBlobProvider]:
    """The same on ``transport="obstore"`` (obstore's absence is a failure)."""
    import obstore  # noqa: F401  # its absence fails here, as a missing emulator does

    def make() -> AzureBlobProvider:
        return azurite.provider(transport="obstore")

    return make
