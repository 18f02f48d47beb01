"""The test suite's emulators, started outside pytest for the benchmarks.

The start code lives in ``tests/emulators/`` as pytest session fixtures; this module runs
those same fixture generators as context managers (no second copy of argv or readiness
checks). An emulator that is not installed raises :class:`EmulatorUnavailableError`.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1] / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from emulators import azurite, fake_gcs, s3_moto, s3_seaweedfs  # noqa: E402  # needs tests/ on sys.path
from emulators._s3 import S3Endpoint  # noqa: E402  # same

__all__ = ["EmulatorUnavailableError", "S3Endpoint", "emulator"]


class EmulatorUnavailableError(RuntimeError):
    """The emulator's binary is missing here (the test suite would skip)."""


class _TmpFactory:
    """Enough of pytest's ``tmp_path_factory`` for the fixtures that want a work directory."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))


_FIXTURES: dict[str, tuple[Any, bool]] = {
    "moto": (s3_moto.s3_moto_server, False),
    "seaweedfs": (s3_seaweedfs.s3_seaweedfs_server, True),
    "azurite": (azurite.azurite, True),
    "fake-gcs": (fake_gcs.fake_gcs, False),
}


@contextlib.contextmanager
def emulator(name: str) -> Iterator[Any]:
    """Run the named emulator (moto, seaweedfs, azurite, fake-gcs) for the ``with`` block.

    Yields what the fixture yields: an ``S3Endpoint``, ``Azurite`` or ``FakeGCS``.
    """
    fixture, wants_tmp = _FIXTURES[name]
    with tempfile.TemporaryDirectory(prefix=f"tcm-bench-{name}-") as tmp:
        args = (_TmpFactory(tmp),) if wants_tmp else ()
        try:
            gen = fixture.__wrapped__(*args)
            value = next(gen)
        except pytest.skip.Exception as exc:
            raise EmulatorUnavailableError(f"{name}: {exc.msg}") from None
        try:
            yield value
        finally:
            gen.close()  # runs the fixture's teardown: kills the emulator's process group
