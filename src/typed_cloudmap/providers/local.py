"""A provider over a local directory: atomic renames, conditional writes safe across processes.

Each object is one file holding a small header (name, etag, metadata) and the bytes; a write
goes to a temp file in the same directory, is fsynced, and replaces the old file with one
``os.replace`` (then the directory is fsynced), so readers see either the old version or the
new one, whole, without taking a lock. Conditional writes and deletes check the stored etag
under a per-object ``flock`` shared by every process on the machine. POSIX only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from ..errors import KeySyncError, ProviderError
from ._base import CREATE, OVERWRITE, ObjectInfo, PutMode, PutOptions, StoredObject, put_request
from ._local_format import Header, HeaderError, encode_header, read_object, write_all
from ._local_lock import LOCKS_AVAILABLE, object_lock
from ._local_names import (
    TEMP_SUFFIX,
    ObjectPath,
    decode_dir,
    decode_file,
    object_path,
    prefix_dirs,
)
from ._registry import option_bool

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

__all__ = ["LocalProvider"]

_CREATE_ATTEMPTS = 100  # a concurrent delete may prune a directory between mkdir and open
_Entry = tuple[str, "ObjectInfo | tuple[tuple[str, ...], str] | list[ObjectInfo]"]


class LocalProvider:
    """Objects as files under ``root``; ``create=True`` makes the directory if it is missing.

    ``fsync=False`` skips the fsyncs (for caches and scratch data): writes stay atomic and
    conditional, but a power cut may lose the latest ones.
    """

    max_object_size: int = 5 * 1024**4
    max_name_length: int = 1024

    def __init__(
        self, root: str | os.PathLike[str], *, create: bool = True, fsync: bool = True
    ) -> None:
        self._root = os.path.abspath(os.path.expanduser(os.fspath(root)))
        self._fsync = fsync
        if not LOCKS_AVAILABLE:
            raise NotImplementedError("LocalProvider needs POSIX file locks (fcntl.flock)")
        if create:
            try:
                os.makedirs(self._root, exist_ok=True)
            except OSError as exc:
                raise ProviderError(self.name, f"cannot create the directory: {exc}") from exc
        elif not os.path.isdir(self._root):
            raise ProviderError(self.name, "directory does not exist (pass create=True)")

    @classmethod
    def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> tuple[Self, str]:
        """``file:///abs/dir`` (or ``file://localhost/abs/dir``) is absolute; ``file://./rel/dir``
        is relative to the working directory. Any other host is refused: a directory is never
        on another machine. The whole path is the root, so the prefix is ``""``.
        Options: ``create`` and ``fsync`` (``true``/``false``)."""
        if location in ("", "localhost"):
            root = "/" + path
        elif location in (".", "..", "~"):
            root = f"{location}/{path}" if path else location
        else:
            raise ValueError(
                f"file://{location}/...: a file URL cannot name host {location!r}; "
                f"use file:///abs/dir or file://./rel/dir"
            )
        create = option_bool(options, "create", default=True)
        fsync = option_bool(options, "fsync", default=True)
        return cls(root, create=create, fsync=fsync), ""

    @property
    def root(self) -> str:
        """The absolute path of the directory."""
        return self._root

    @property
    def name(self) -> str:
        return f"file://{self._root}"

    def __repr__(self) -> str:
        return f"LocalProvider({self._root!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"root": self._root, "fsync": self._fsync}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._root = state["root"]
        self._fsync = state["fsync"]

    # --- reads ---------------------------------------------------------------------------

    def get(
        self,
        name: str,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        path = self._file(object_path(name))
        try:
            header, _, data = read_object(path, with_data=True, unless_etag=if_none_match)
        except (FileNotFoundError, NotADirectoryError):
            if if_match is not None:
                raise KeySyncError(name, if_match) from None
            raise KeyError(name) from None
        except (OSError, HeaderError) as exc:
            raise self._error(name, exc) from exc
        self._check_name(header, name)
        if if_match is not None and header.etag != if_match:
            raise KeySyncError(name, if_match)
        if data is None:  # the stored etag is ``if_none_match``: not modified
            return None
        return StoredObject(
            data, header.etag, header.metadata, header.content_type, header.content_encoding
        )

    def head(self, name: str) -> ObjectInfo:
        path = self._file(object_path(name))
        try:
            header, size, _ = read_object(path, with_data=False)
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(name) from None
        except (OSError, HeaderError) as exc:
            raise self._error(name, exc) from exc
        self._check_name(header, name)
        return ObjectInfo(name, header.etag, size, header.metadata)

    # --- writes --------------------------------------------------------------------------

    def put(
        self, name: str, data: bytes, *, mode: PutMode = OVERWRITE, **options: Unpack[PutOptions]
    ) -> str:
        where = object_path(name)
        request = put_request(self, name, data, mode, options)
        if_match, create_only = request.expected, mode == CREATE
        metadata, content_type = request.metadata, request.content_type
        content_encoding = request.content_encoding
        etag = f'"{uuid.uuid4().hex}"'
        header = encode_header(name, etag, metadata, content_type, content_encoding)
        final = self._file(where)
        conditional = create_only or if_match is not None
        with self._errors(name):
            if conditional:  # fail fast, before paying for a temp file and an fsync
                self._check_put(name, final, if_match, create_only)
            temp = self._write_temp(where.dirs, header, data)
            try:
                with object_lock(self._root, name):
                    if conditional:
                        self._check_put(name, final, if_match, create_only)
                    os.replace(temp, final)
            except BaseException:
                _unlink_quietly(temp)
                raise
            if self._fsync:
                _fsync_dir(os.path.dirname(final))
        return etag

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        where = object_path(name)
        final = self._file(where)
        with self._errors(name):
            with object_lock(self._root, name):
                current = self._current_etag(final, name)
                if if_match is not None and current != if_match:
                    raise KeySyncError(name, if_match)
                if current is None:
                    raise KeyError(name)
                os.unlink(final)
            if self._fsync:
                _fsync_dir(os.path.dirname(final))
            self._prune(where.dirs)

    def close(self) -> None:
        """Nothing to release: every operation opens and closes its own files."""

    # --- listing -------------------------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects under ``prefix`` in name order, reading only each file's header.

        Temp files of interrupted writes, lock files and foreign files are skipped.
        """
        where = prefix_dirs(prefix)
        if where is None:
            return
        dirs, partial = where
        base = prefix[: len(prefix) - len(partial)]
        with self._errors(prefix):
            yield from self._walk(dirs, base, partial, prefix)

    def _walk(
        self, rel: tuple[str, ...], base: str, partial: str, prefix: str
    ) -> Iterator[ObjectInfo]:
        entries: list[_Entry] = []
        for entry in _scan(os.path.join(self._root, *rel)):
            if entry.is_file(follow_symlinks=False):
                segment = decode_file(entry.name)
                if segment is None or (segment and not segment.startswith(partial)):
                    continue
                info = self._info(entry.path, ObjectPath(rel, entry.name))
                if info is not None and info.name.startswith(prefix):
                    entries.append((info.name, info))
            elif entry.is_dir(follow_symlinks=False):
                segment = decode_dir(entry.name)
                if segment is None or (segment and not segment.startswith(partial)):
                    continue
                sub = (*rel, entry.name)
                if segment:
                    entries.append((f"{base}{segment}/", (sub, f"{base}{segment}/")))
                else:  # a hashed (very long) segment: its name is only known from the files
                    found = sorted(self._collect(sub, prefix), key=lambda i: i.name)
                    if found:
                        cut = len("/".join(found[0].name.split("/")[: len(sub)])) + 1
                        entries.append((found[0].name[:cut], found))
        entries.sort(key=lambda e: e[0])
        for _, item in entries:
            if isinstance(item, ObjectInfo):
                yield item
            elif isinstance(item, list):
                yield from item
            else:
                yield from self._walk(item[0], item[1], "", prefix)

    def _collect(self, rel: tuple[str, ...], prefix: str) -> Iterator[ObjectInfo]:
        """Every object under directory ``rel``, unordered."""
        for entry in _scan(os.path.join(self._root, *rel)):
            if entry.is_file(follow_symlinks=False):
                if decode_file(entry.name) is not None:
                    info = self._info(entry.path, ObjectPath(rel, entry.name))
                    if info is not None and info.name.startswith(prefix):
                        yield info
            elif entry.is_dir(follow_symlinks=False) and decode_dir(entry.name) is not None:
                yield from self._collect((*rel, entry.name), prefix)

    def _info(self, path: str, where: ObjectPath) -> ObjectInfo | None:
        """The listing entry of one data file; ``None`` if it vanished or is not ours."""
        try:
            header, size, _ = read_object(path, with_data=False)
            if object_path(header.name) != where:
                return None
        except (FileNotFoundError, HeaderError, ValueError):
            return None
        return ObjectInfo(header.name, header.etag, size, header.metadata)

    # --- helpers -------------------------------------------------------------------------

    def _file(self, where: ObjectPath) -> str:
        return os.path.join(self._root, *where.dirs, where.file)

    def _check_name(self, header: Header, name: str) -> None:
        if header.name != name:
            raise ProviderError(self.name, f"data file holds {header.name!r}", key=name)

    def _current_etag(self, path: str, name: str) -> str | None:
        try:
            header, _, _ = read_object(path, with_data=False)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except HeaderError as exc:
            raise self._error(name, exc) from exc
        self._check_name(header, name)
        return header.etag

    def _check_put(self, name: str, path: str, if_match: str | None, create_only: bool) -> None:
        current = self._current_etag(path, name)
        if create_only and current is not None:
            raise KeySyncError(name, None)
        if if_match is not None and current != if_match:
            raise KeySyncError(name, if_match)

    def _write_temp(self, dirs: tuple[str, ...], header: bytes, data: bytes) -> str:
        """A fully written (and fsynced) temp file in the object's directory."""
        directory = os.path.join(self._root, *dirs)
        for _ in range(_CREATE_ATTEMPTS):
            temp = os.path.join(directory, uuid.uuid4().hex + TEMP_SUFFIX)
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
                break
            except FileNotFoundError:
                self._make_dirs(dirs)
        else:
            raise ProviderError(self.name, f"cannot create directory {directory!r}")
        try:
            try:
                write_all(fd, header, data)
                if self._fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException:
            _unlink_quietly(temp)
            raise
        return temp

    def _make_dirs(self, dirs: tuple[str, ...]) -> None:
        """Create missing directories level by level, fsyncing each parent that changed."""
        path = self._root
        for component in dirs:
            parent, path = path, os.path.join(path, component)
            try:
                os.mkdir(path)
            except FileExistsError:
                continue
            except FileNotFoundError:
                return  # a concurrent prune removed ``parent``; the caller tries again
            if self._fsync:
                _fsync_dir(parent)

    def _prune(self, dirs: tuple[str, ...]) -> None:
        """Remove directories emptied by a delete, deepest first; stop at the first in use."""
        for depth in range(len(dirs), 0, -1):
            try:
                os.rmdir(os.path.join(self._root, *dirs[:depth]))
            except OSError:  # not empty (or gone): its ancestors are in use too
                return

    def _error(self, name: str, exc: Exception) -> ProviderError:
        what = "damaged data file" if isinstance(exc, HeaderError) else type(exc).__name__
        return ProviderError(self.name, f"{what}: {exc}", key=name)

    @contextmanager
    def _errors(self, name: str) -> Iterator[None]:
        """Translate file-system failures of a block into ``ProviderError``."""
        try:
            yield
        except (OSError, HeaderError) as exc:
            raise self._error(name, exc) from exc


def _scan(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            return list(it)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        return  # pruned after a concurrent delete emptied it: nothing of ours is left in it
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)
