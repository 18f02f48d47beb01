"""The file operations behind LocalProvider: read, write and remove one object safely.

Every path is opened relative to the root with ``O_NOFOLLOW`` (see ``_local_fs``). A write:
temp file in ``.typed-cloudmap/tmp`` -> data -> metadata (xattr) -> fsync -> under the
object's lock: condition check, sidecar (if that is the metadata store), ``renameat`` into
place -> fsync of the folder. A reader never locks: it opens the file, takes the etag from
``fstat``, reads, and checks ``fstat`` again, so an in-place edit by another tool during the
read is retried instead of returned under a stale etag.
"""

from __future__ import annotations

import errno
import itertools
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Literal

from ..errors import KeySyncError, ValueSizeError
from ._local_fds import DirCache
from ._local_format import NO_META, Meta, MetaError, encode_meta, get_xattr, meta_of, set_xattr
from ._local_fs import (
    CollisionError,
    UnsafeEntryError,
    close_quietly,
    etag_of,
    open_data,
    open_dirs,
    read_exact,
    write_all,
)
from ._local_home import find_home
from ._local_lock import object_lock
from ._local_sidecar import read_sidecar, remove_sidecar, write_sidecar

__all__ = ["CollisionError", "LocalFiles", "MetaError", "UnsafeEntryError"]

_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_ATTEMPTS = 100  # a concurrent delete may prune a folder between opening it and the rename
_READ_ATTEMPTS = 5  # an in-place edit by another tool during a read: read again
_MAX_SIZE = 5 * 1024**4
_META_CACHE = 1024  # versions whose parsed metadata a store remembers
_STALE_AFTER = 24 * 3600  # seconds: a temp file this old belongs to a dead writer

Found = tuple[str, int, Meta, "bytes | None"]


class LocalFiles:
    """The I/O of one store; ``LocalProvider`` validates names and translates errors."""

    def __init__(
        self,
        root: str,
        fsync: bool,
        private: bool,
        metadata: Literal["auto", "xattr", "sidecar"],
        lock_timeout: float,
    ) -> None:
        self.root = root
        self.home, self._base = find_home(root)
        self._fsync = fsync
        self._file_mode = 0o600 if private else 0o666
        self._dir_mode = 0o700 if private else 0o777
        self._lock_timeout = lock_timeout
        self._store: Literal["xattr", "sidecar"] | None = None if metadata == "auto" else metadata
        self._dirs = DirCache(root, self.home)
        self._metas: dict[tuple[int, int, int], Meta] = {}  # see _read_meta

    def close(self) -> None:
        """Close the cached directory descriptors; they reopen on next use."""
        self._dirs.close()

    # --- where metadata goes -------------------------------------------------------------

    def metadata_store(self) -> Literal["xattr", "sidecar"]:
        """The metadata store, probing the file system once (``auto``) on first use."""
        if self._store is None:
            tmp = self._dirs.get("tmp")
            probe = f"probe-{uuid.uuid4().hex}"
            fd = os.open(probe, _TEMP_FLAGS, 0o600, dir_fd=tmp)
            try:
                self._store = "xattr" if set_xattr(fd, b"{}") else "sidecar"
            finally:
                os.close(fd)
                os.unlink(probe, dir_fd=tmp)
            _remove_stale(tmp)
        return self._store

    def _key(self, segments: Sequence[str]) -> str:
        return "/".join((*self._base, *segments))

    # --- reads ---------------------------------------------------------------------------

    def is_plain_dir(self, segments: Sequence[str]) -> bool:
        try:
            close_quietly(open_dirs(self._dirs.get("root"), segments))
        except OSError:
            return False
        return True

    def read(
        self, segments: Sequence[str], *, with_data: bool, unless_etag: str | None = None
    ) -> Found | None:
        """Etag, size, metadata and (if asked) data; ``None`` if there is no such object."""
        root = self._dirs.get("root")
        if len(segments) == 1:
            folder = root
        else:
            try:
                folder = open_dirs(root, segments[:-1])
            except (FileNotFoundError, CollisionError):
                return None
        try:
            for _ in range(_READ_ATTEMPTS):
                found = self._read_once(folder, segments, with_data, unless_etag)
                if found is not False:
                    return found
            raise OSError(errno.EAGAIN, "the file kept changing while it was read")
        finally:
            if folder != root:
                os.close(folder)

    def _read_once(
        self, folder: int, segments: Sequence[str], with_data: bool, unless_etag: str | None
    ) -> Found | Literal[False] | None:
        opened = open_data(folder, segments[-1])
        if opened is None:
            return None
        fd, st = opened
        try:
            if st.st_size > _MAX_SIZE:
                raise OSError(errno.EFBIG, f"file of {st.st_size} bytes is over the limit")
            etag = etag_of(st)
            meta = self._read_meta(fd, st, segments)
            if not with_data or etag == unless_etag:
                return etag, st.st_size, meta, None
            data = read_exact(fd, st.st_size)
            after = os.fstat(fd)
            # Edited in place while we read: read again. (Not ctime: a writer's rename over
            # this file unlinks it, which changes its ctime but not its bytes.)
            if len(data) != st.st_size or (after.st_size, after.st_mtime_ns) != (
                st.st_size,
                st.st_mtime_ns,
            ):
                return False
            return etag, st.st_size, meta, data
        finally:
            os.close(fd)

    def _read_meta(self, fd: int, st: os.stat_result, segments: Sequence[str]) -> Meta:
        if self._store == "xattr":
            # Setting an xattr changes the file's ctime, so a version with the same device,
            # inode and ctime (the etag's own test of "unchanged") has the same metadata.
            version = (st.st_dev, st.st_ino, st.st_ctime_ns)
            meta = self._metas.get(version)
            if meta is None:
                blob = get_xattr(fd)
                meta = NO_META if blob is None else meta_of(blob)
                if len(self._metas) >= _META_CACHE:
                    self._metas.clear()  # atomic, so safe beside other threads' reads
                self._metas[version] = meta
            return meta
        blob = None if self._store == "sidecar" else get_xattr(fd)  # else not yet probed
        if blob is None:
            blob = read_sidecar(self._dirs.get("home"), self._key(segments), st)
        if blob is None:
            return NO_META
        return meta_of(blob)

    def _current(self, folder: int, last: str) -> str | None:
        opened = open_data(folder, last)
        if opened is None:
            return None
        fd, st = opened
        os.close(fd)
        return etag_of(st)

    # --- writes --------------------------------------------------------------------------

    def write(
        self,
        name: str,
        segments: Sequence[str],
        data: bytes,
        *,
        if_match: str | None,
        create_only: bool,
        metadata: Mapping[str, str] | None,
        content_type: str | None,
        content_encoding: str | None,
    ) -> str:
        try:
            blob = encode_meta(metadata, content_type, content_encoding)
        except MetaError as exc:
            raise ValueSizeError(str(exc), key=name) from None
        store = self.metadata_store()
        key = self._key(segments)
        conditional = create_only or if_match is not None
        root = self._dirs.get("root")
        if conditional:  # fail fast, before paying for a temp file and an fsync
            _check(name, self._peek(root, segments), if_match, create_only)
        home, tmp, locks = self._dirs.get("home"), self._dirs.get("tmp"), self._dirs.get("locks")
        temp = temp_name()
        fd = os.open(temp, _TEMP_FLAGS, self._file_mode, dir_fd=tmp)
        placed = False
        try:
            try:
                write_all(fd, data)
                try:
                    if blob is not None and store == "xattr" and not set_xattr(fd, blob):
                        raise OSError(errno.ENOTSUP, "the file system refuses user xattrs")
                except MetaError as exc:
                    raise ValueSizeError(str(exc), key=name) from None
                if self._fsync:
                    os.fsync(fd)
                where = (root, home, tmp, locks)
                condition = (if_match, create_only) if conditional else None
                etag = self._place(name, key, segments, where, fd, temp, blob, condition)
                placed = True  # renamed into place: no temp file left to remove
                return etag
            finally:
                if not placed:
                    with suppress(FileNotFoundError):
                        os.unlink(temp, dir_fd=tmp)
        finally:
            os.close(fd)

    def _place(
        self,
        name: str,
        key: str,
        segments: Sequence[str],
        where: tuple[int, int, int, int],
        fd: int,
        temp: str,
        blob: bytes | None,
        condition: tuple[str | None, bool] | None,
    ) -> str:
        root, home, tmp, locks = where
        store = self._store
        for _ in range(_ATTEMPTS):
            if len(segments) == 1:
                folder = root  # the cached root descriptor: no walk, no dup
            else:
                try:
                    folder = open_dirs(root, segments[:-1], create=True, mode=self._dir_mode)
                except FileNotFoundError:
                    continue  # a concurrent delete pruned a folder between mkdir and open
            try:
                with object_lock(locks, key, self._lock_timeout):
                    if condition is not None:
                        _check(name, self._current(folder, segments[-1]), *condition)
                    if store == "sidecar":
                        write_sidecar(home, tmp, key, fd, blob, self._fsync)
                    try:
                        os.replace(temp, segments[-1], src_dir_fd=tmp, dst_dir_fd=folder)
                    except FileNotFoundError:
                        continue  # the folder was pruned by a concurrent delete: make it again
                    except OSError as exc:
                        if exc.errno in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
                            raise CollisionError(
                                exc.errno, f"{name!r} is a folder holding other objects"
                            ) from None
                        raise
                    etag = etag_of(os.fstat(fd))
                if self._fsync:
                    os.fsync(folder)
                return etag
            finally:
                if folder != root:
                    os.close(folder)
        raise OSError(errno.EAGAIN, "the folder kept disappearing under concurrent deletes")

    def _peek(self, root: int, segments: Sequence[str]) -> str | None:
        try:
            folder = open_dirs(root, segments[:-1])
        except (FileNotFoundError, CollisionError):
            return None
        try:
            return self._current(folder, segments[-1])
        finally:
            os.close(folder)

    # --- deletes -------------------------------------------------------------------------

    def remove(self, name: str, segments: Sequence[str], *, if_match: str | None) -> None:
        root = self._dirs.get("root")
        try:
            folder = open_dirs(root, segments[:-1])
        except (FileNotFoundError, CollisionError):
            _check(name, None, if_match, False, deleting=True)
            return  # not reached: _check raises for a missing object
        try:
            self._remove_in(name, segments, folder, if_match)
        finally:
            os.close(folder)
        self._prune(root, segments[:-1])

    def _remove_in(
        self, name: str, segments: Sequence[str], folder: int, if_match: str | None
    ) -> None:
        key = self._key(segments)
        with object_lock(self._dirs.get("locks"), key, self._lock_timeout):
            _check(name, self._current(folder, segments[-1]), if_match, False, True)
            os.unlink(segments[-1], dir_fd=folder)
            if self._store != "xattr":
                remove_sidecar(self._dirs.get("home"), key)
        if self._fsync:
            os.fsync(folder)

    def _prune(self, root: int, dirs: Sequence[str]) -> None:
        """Remove folders emptied by a delete, deepest first; stop at the first in use."""
        for depth in range(len(dirs), 0, -1):
            try:
                parent = open_dirs(root, dirs[: depth - 1])
            except OSError:
                return
            try:
                os.rmdir(dirs[depth - 1], dir_fd=parent)
            except OSError:  # not empty (or gone): its ancestors are in use too
                return
            finally:
                os.close(parent)


# Temp names: a random tag drawn once per process (again in a forked child) and a counter, so
# a put costs no random draw; ``O_EXCL`` would refuse a clash rather than share a file.
_temp_tag = uuid.uuid4().hex
_temp_count = itertools.count()


def _new_temp_tag() -> None:
    global _temp_tag, _temp_count
    _temp_tag, _temp_count = uuid.uuid4().hex, itertools.count()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_temp_tag)


def temp_name() -> str:
    return f"{_temp_tag}-{next(_temp_count):x}"


def _remove_stale(tmp: int) -> None:
    """Remove temp files that writers killed long ago left behind (never a live write's)."""
    cutoff = time.time() - _STALE_AFTER
    with os.scandir(tmp) as entries:
        for entry in entries:
            with suppress(OSError):
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.name, dir_fd=tmp)


def _check(
    name: str,
    current: str | None,
    if_match: str | None,
    create_only: bool,
    deleting: bool = False,
) -> None:
    if create_only and current is not None:
        raise KeySyncError(name, None)
    if if_match is not None and current != if_match:
        raise KeySyncError(name, if_match)
    if deleting and current is None:
        raise KeyError(name)
