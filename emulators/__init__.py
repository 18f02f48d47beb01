"""The emulators the tests and the benchmarks run against, as plain context managers.

Neither pytest nor ``tests/`` is imported here: ``tests/conftest.py`` wraps each context
manager in a session fixture, and ``python -m benchmarks`` enters them directly::

    with run_moto() as endpoint:          # an S3Endpoint on a free loopback port
        provider = endpoint.provider("bucket")

Every emulator binds to 127.0.0.1 on a free port, keeps its data in memory or in a
temporary directory, and is killed with its whole process group when the block ends. One
that is not installed raises :class:`EmulatorUnavailableError` before anything starts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ._process import EmulatorUnavailableError
from ._s3 import MakeS3Provider, S3Endpoint, fresh_bucket
from .azurite import Azurite, run_azurite
from .fake_gcs import FakeGCS, run_fake_gcs
from .s3_moto import run_moto
from .s3_seaweedfs import run_seaweedfs

__all__ = [
    "EMULATORS",
    "Azurite",
    "EmulatorUnavailableError",
    "FakeGCS",
    "MakeS3Provider",
    "S3Endpoint",
    "fresh_bucket",
    "run",
    "run_azurite",
    "run_fake_gcs",
    "run_moto",
    "run_seaweedfs",
]

EMULATORS: dict[str, Callable[[], contextlib.AbstractContextManager[Any]]] = {
    "moto": run_moto,
    "seaweedfs": run_seaweedfs,
    "azurite": run_azurite,
    "fake-gcs": run_fake_gcs,
}
"""Name -> context manager: what ``run(name)`` starts."""


@contextlib.contextmanager
def run(name: str) -> Iterator[Any]:
    """Run the named emulator (``moto``, ``seaweedfs``, ``azurite``, ``fake-gcs``)."""
    with EMULATORS[name]() as endpoint:
        yield endpoint
