"""Session fixtures over the emulators of the top-level ``emulators`` package.

Each emulator is a plain context manager there (the benchmarks use them too); here each
one becomes a session fixture, plus ``<backend>_make_provider``: a zero-argument factory
that makes a provider on a fresh bucket or container per call (``tests/backends.py``). An
emulator that is not installed fails the run in CI and skips the test elsewhere.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from emulators import (
    Azurite,
    EmulatorUnavailableError,
    FakeGCS,
    MakeS3Provider,
    S3Endpoint,
    run_azurite,
    run_fake_gcs,
    run_moto,
    run_seaweedfs,
)
from typed_cloudmap.providers.azure import AzureBlobProvider
from typed_cloudmap.providers.gcs import GCSProvider

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
T = TypeVar("T")


def _serve(started: contextlib.AbstractContextManager[T]) -> Iterator[T]:
    """Yield what the emulator's context manager yields; a missing emulator fails in CI."""
    try:
        endpoint = started.__enter__()
    except EmulatorUnavailableError as exc:
        if IN_CI:
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    try:
        yield endpoint
    finally:
        started.__exit__(None, None, None)


@pytest.fixture(scope="session")
def s3_moto_server() -> Iterator[S3Endpoint]:
    yield from _serve(run_moto())


@pytest.fixture(scope="session")
def s3_moto_make_provider(s3_moto_server: S3Endpoint) -> MakeS3Provider:
    return MakeS3Provider(s3_moto_server)


@pytest.fixture(scope="session")
def s3_moto_obstore_make_provider(s3_moto_server: S3Endpoint) -> MakeS3Provider:
    """Providers on ``transport="obstore"`` (obstore's absence is a failure, as an emulator's)."""
    import obstore  # noqa: F401  # its absence fails here, as a missing emulator does

    return MakeS3Provider(s3_moto_server, transport="obstore")


@pytest.fixture(scope="session")
def s3_seaweedfs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    yield from _serve(run_seaweedfs(tmp_path_factory.mktemp("seaweedfs")))


@pytest.fixture(scope="session")
def s3_seaweedfs_make_provider(s3_seaweedfs_server: S3Endpoint) -> MakeS3Provider:
    return MakeS3Provider(s3_seaweedfs_server)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    yield from _serve(run_azurite(tmp_path_factory.mktemp("azurite")))


@pytest.fixture(scope="session")
def azurite_make_provider(azurite: Azurite) -> Callable[[], AzureBlobProvider]:
    return azurite.provider


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

    return functools.partial(azurite.provider, transport="obstore")


@pytest.fixture(scope="session")
def fake_gcs() -> Iterator[FakeGCS]:
    yield from _serve(run_fake_gcs())


@pytest.fixture(scope="session")
def fake_gcs_make_provider(fake_gcs: FakeGCS) -> Callable[[], GCSProvider]:
    return fake_gcs.provider


@pytest.fixture(scope="session")
def gcs_make_provider(
    fake_gcs_make_provider: Callable[[], GCSProvider],
) -> Callable[[], GCSProvider]:
    """The same factory under the backend's name (``<backend>_make_provider``)."""
    return fake_gcs_make_provider
