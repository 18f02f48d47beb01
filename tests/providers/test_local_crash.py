"""A LocalProvider writer killed with SIGKILL at random moments never leaves a torn object.

Each run forks a writer that overwrites one large object in a loop (every version is one
byte repeated, so a torn or mixed file is easy to see), kills it after a random delay, and
checks the store: the object holds one whole version, the listing shows only it, and any
temp file the dead writer left stays in ``.typed-cloudmap/tmp`` where no listing looks.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from typed_cloudmap.providers.local import LocalProvider

_SIZE = 2 * 1024 * 1024
_RUNS = 100

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and fork")


def _writer(root: str, ready: multiprocessing.synchronize.Event) -> None:  # pragma: no cover
    provider = LocalProvider(root, create=False)
    version = 1
    ready.set()
    while True:
        byte = bytes([version % 251 + 1])
        provider.put("big", byte * _SIZE, metadata={"tcm_token": str(version % 251 + 1)})
        provider.put(f"dir{version % 3}/small", byte)
        version += 1


def _check(provider: LocalProvider) -> None:
    got = provider.get("big")
    assert got is not None
    assert len(got.data) == _SIZE, "torn or empty file"
    first = got.data[:1]
    assert got.data.count(first) == _SIZE, "bytes of two versions in one file"
    assert got.metadata["tcm_token"] == str(first[0]), "data and metadata of two versions"
    names = {o.name for o in provider.list()}
    assert names <= {"big", "dir0/small", "dir1/small", "dir2/small"}
    assert "big" in names
    for name in names - {"big"}:
        small = provider.get(name)
        assert small is not None
        assert len(small.data) == 1


def test_sigkill_mid_write_leaves_old_or_new(tmp_path: Path) -> None:
    root = tmp_path / "store"
    provider = LocalProvider(root)
    provider.put("big", b"\x01" * _SIZE, metadata={"tcm_token": "1"})
    context = multiprocessing.get_context("fork")
    rng = random.Random(0)
    for _ in range(_RUNS):
        ready = context.Event()
        child = context.Process(target=_writer, args=(str(root), ready))
        child.start()
        assert ready.wait(10)
        time.sleep(rng.uniform(0, 0.04))
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        assert child.exitcode == -signal.SIGKILL
        _check(provider)
    data_files = {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and ".typed-cloudmap" not in p.parts
    }
    assert data_files <= {"big", "dir0/small", "dir1/small", "dir2/small"}
    leftovers = list((root / ".typed-cloudmap" / "tmp").iterdir())
    assert leftovers, "no kill landed inside a write: the test proved nothing"
    # A later write by a fresh provider still works after every crash.
    provider.put("big", b"\x02" * _SIZE, metadata={"tcm_token": "2"})
    _check(LocalProvider(root))
