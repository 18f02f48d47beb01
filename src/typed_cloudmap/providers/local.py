"""A provider over a plain local directory: object ``a/b/c`` is the file ``root/a/b/c``.

Each file holds exactly the stored bytes, so ``cat``, ``jq``, ``git``, ``rsync`` and ``aws s3
sync`` see the values themselves. Metadata lives in an extended attribute (or a sidecar, see
``_local_format``). A write goes to a temp file under ``.typed-cloudmap/tmp``, is fsynced,
gets its metadata, and replaces the old file with one rename (then the folder is fsynced), so
readers see the old version or the new one, whole, without a lock. Conditional writes and
deletes check the etag (inode, size, timestamps) under a per-object ``flock`` shared by every
process on the machine. Paths are walked without following links. POSIX only.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from ..errors import CodecError, KeySyncError, ProviderError, ValueSizeError
from ._base import CREATE, OVERWRITE, ObjectInfo, PutMode, PutOptions, StoredObject, put_request
from ._local_files import CollisionError, LocalFiles, MetaError, UnsafeEntryError
from ._local_lock import LOCKS_AVAILABLE
from ._local_names import prefix_segments, split_name
from ._local_walk import walk
from ._options import declare, take_options

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

__all__ = ["LocalProvider"]

MetadataStore = Literal["auto", "xattr", "sidecar"]


class LocalProvider:
    """Objects as plain files under ``root``; ``create=True`` makes the directory if missing.

    ``fsync=False`` skips the fsyncs (for caches and scratch data): writes stay atomic and
    conditional, but a power cut may lose the latest ones. ``private=True`` makes new files
    0600 and new folders 0700 (otherwise they follow the umask, usually world-readable).
    ``metadata`` picks where metadata goes: ``"auto"`` (extended attributes where the file
    system takes them, else a sidecar, detected once per root), ``"xattr"`` or ``"sidecar"``.
    ``lock_timeout`` bounds a wait for another writer's lock (then ``ProviderError``).
    """

    url_options = declare(create=bool, fsync=bool, private=bool)
    max_object_size: int = 5 * 1024**4
    max_name_length: int = 1024
    _root: str
    _options: dict[str, Any]
    _files: LocalFiles

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        create: bool = True,
        fsync: bool = True,
        private: bool = False,
        metadata: MetadataStore = "auto",
        lock_timeout: float = 30.0,
    ) -> None:
        self._root = os.path.abspath(os.path.expanduser(os.fspath(root)))
        if not LOCKS_AVAILABLE:
            raise NotImplementedError("LocalProvider needs POSIX file locks (fcntl.flock)")
        if metadata not in ("auto", "xattr", "sidecar"):
            raise ValueError(f"metadata must be 'auto', 'xattr' or 'sidecar', not {metadata!r}")
        self._options = {
            "fsync": fsync,
            "private": private,
            "metadata": metadata,
            "lock_timeout": lock_timeout,
        }
        if create:
            try:
                os.makedirs(self._root, mode=0o700 if private else 0o777, exist_ok=True)
            except OSError as exc:
                raise ProviderError(self.name, f"cannot create the directory: {exc}") from exc
        elif not os.path.isdir(self._root):
            raise ProviderError(self.name, "directory does not exist (pass create=True)")
        self._files = LocalFiles(self._root, fsync, private, metadata, lock_timeout)

    @classmethod
    def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> tuple[Self, str]:
        """``file:///abs/dir`` (or ``file://localhost/abs/dir``) is absolute; ``file://./rel/dir``
        is relative to the working directory. Any other host is refused: a directory is never
        on another machine. The whole path is the root, so the prefix is ``""``: a
        sub-directory of a store is the store of that sub-prefix.
        Options: ``create``, ``fsync`` and ``private`` (``true``/``false``)."""
        if location in ("", "localhost"):
            root = "/" + path
        elif location in (".", "..", "~"):
            root = f"{location}/{path}" if path else location
        else:
            raise ValueError(
                f"file://{location}/...: a file URL cannot name host {location!r}; "
                f"use file:///abs/dir or file://./rel/dir"
            )
        return cls(root, **take_options(cls.url_options, options)), ""

    @property
    def root(self) -> str:
        """The absolute path of the directory."""
        return self._root

    @property
    def home(self) -> str:
        """The directory whose ``.typed-cloudmap/`` folder holds this store's locks."""
        return self._files.home

    @property
    def metadata_store(self) -> Literal["xattr", "sidecar"]:
        """Where this store's metadata goes (detected on the first write in ``"auto"``)."""
        return self._files.metadata_store()

    @property
    def name(self) -> str:
        return f"file://{self._root}"

    def __repr__(self) -> str:
        return f"LocalProvider({self._root!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"root": self._root, **self._options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        options = dict(state)
        root: str = options.pop("root")
        self._root = root
        self._options = options
        self._files = LocalFiles(
            root,
            bool(options["fsync"]),
            bool(options["private"]),
            options["metadata"],
            float(options["lock_timeout"]),
        )

    # --- reads ---------------------------------------------------------------------------

    def get(
        self,
        name: str,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        segments = split_name(name)
        with self._errors(name):
            found = self._files.read(segments, with_data=True, unless_etag=if_none_match)
        if found is None:
            if if_match is not None:
                raise KeySyncError(name, if_match)
            raise KeyError(name)
        etag, _, meta, data = found
        if if_match is not None and etag != if_match:
            raise KeySyncError(name, if_match)
        if data is None:  # the stored etag is ``if_none_match``: not modified
            return None
        # A copy: the parsed metadata is shared by a cache, and a plain dict pickles.
        metadata = dict(meta.metadata)
        return StoredObject(data, etag, metadata, meta.content_type, meta.content_encoding)

    def head(self, name: str) -> ObjectInfo:
        segments = split_name(name)
        with self._errors(name):
            found = self._files.read(segments, with_data=False)
        if found is None:
            raise KeyError(name)
        etag, size, meta, _ = found
        return ObjectInfo(name, etag, size, dict(meta.metadata))

    # --- writes --------------------------------------------------------------------------

    def put(
        self, name: str, data: bytes, *, mode: PutMode = OVERWRITE, **options: Unpack[PutOptions]
    ) -> str:
        request = put_request(self, name, data, mode, options)
        segments = split_name(name)
        with self._errors(name):
            return self._files.write(
                name,
                segments,
                request.data,
                if_match=request.expected,
                create_only=mode == CREATE,
                metadata=request.metadata,
                content_type=request.content_type,
                content_encoding=request.content_encoding,
            )

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        segments = split_name(name)
        with self._errors(name):
            self._files.remove(name, segments, if_match=if_match)

    def close(self) -> None:
        """Close the directory descriptors kept open; the provider reopens them if used again."""
        self._files.close()

    # --- listing -------------------------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects under ``prefix`` in name order, from one walk reading only ``lstat``.

        Files of other tools are objects too; links, special files and the store's own
        ``.typed-cloudmap`` folders are not.
        """
        where = prefix_segments(prefix)
        if where is None:
            return
        complete, partial = where
        rel = "".join(s + "/" for s in complete)
        if complete and not self._files.is_plain_dir(complete):
            return
        yield from walk(self._root, rel, partial, self.max_name_length)

    # --- helpers -------------------------------------------------------------------------

    def _errors(self, name: str) -> _Translate:
        return _Translate(self.name, name)


class _Translate:
    """Translate file-system failures of a block into the provider's errors for ``name``."""

    def __init__(self, provider: str, name: str) -> None:
        self._provider = provider
        self._name = name

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if exc is None or isinstance(exc, (KeyError, KeySyncError, ValueSizeError)):
            return
        name = self._name
        if isinstance(exc, CollisionError):
            raise ValueError(
                f"object name {name!r} cannot be a file under LocalProvider: {exc.strerror}"
            ) from None
        if isinstance(exc, MetaError):
            raise CodecError(f"damaged metadata in {self._provider}: {exc}", key=name) from exc
        if isinstance(exc, UnsafeEntryError):
            raise ProviderError(self._provider, exc.strerror or str(exc), key=name) from exc
        if isinstance(exc, TimeoutError):
            raise ProviderError(self._provider, str(exc), key=name) from exc
        if isinstance(exc, OSError):
            what = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
            raise ProviderError(self._provider, f"{what}: {exc.strerror or exc}", key=name) from exc
