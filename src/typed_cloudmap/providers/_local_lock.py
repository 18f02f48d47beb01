"""Cross-process locks for LocalProvider: a fixed set of ``flock``-ed stripe files.

Each object name hashes to one of 256 lock files under ``<root>/_locks.lock/``. The set is
fixed, so lock files never pile up, are never unlinked (unlinking a lock file races with a
process about to lock it), and never appear in listings (``.lock`` is a reserved suffix).
``flock`` locks belong to an open file description, so every acquisition opens its own
descriptor: that excludes other threads of this process as well as other processes, and
needs no care after ``fork``.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from ._local_names import LOCK_DIR, LOCK_SUFFIX

if sys.platform != "win32":
    import fcntl

__all__ = ["LOCKS_AVAILABLE", "object_lock"]

LOCKS_AVAILABLE = sys.platform != "win32"

_STRIPES = 256


@contextmanager
def object_lock(root: str, name: str) -> Iterator[None]:
    """Hold the exclusive lock guarding object ``name`` under ``root``."""
    stripe = zlib.crc32(name.encode()) % _STRIPES
    lock_dir = os.path.join(root, LOCK_DIR)
    path = os.path.join(lock_dir, f"{stripe:02x}{LOCK_SUFFIX}")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except FileNotFoundError:
        os.makedirs(lock_dir, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor of the description releases the flock
