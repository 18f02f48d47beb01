"""LocalProvider fixtures shared by its test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from typed_cloudmap.providers.local import LocalProvider


@pytest.fixture
def local(tmp_path: Path) -> LocalProvider:
    return LocalProvider(tmp_path / "store")


@pytest.fixture
def fast(tmp_path: Path) -> LocalProvider:
    """No fsyncs: for tests of atomicity and locking with many writes (fsync adds only time)."""
    return LocalProvider(tmp_path / "store", fsync=False)
