"""The sidecar metadata store: ``.typed-cloudmap/meta/<sha256 of the name>.json``.

Used only where the file system refuses user extended attributes. A sidecar names the inode
(and device) of the data file it describes; a data file replaced by another tool no longer
matches, so its stale sidecar is ignored rather than applied to foreign bytes. Data and
sidecar are two renames: a reader between them sees one version's data without metadata.
"""

from __future__ import annotations

import os
import uuid
from contextlib import suppress

from ._local_format import MAX_METADATA, MetaError, decode_meta, encode_meta, sidecar_name
from ._local_fs import open_data, open_dirs, read_exact, write_all
from ._local_home import open_home_dir
from ._local_names import HOME_DIR

__all__ = ["read_sidecar", "remove_sidecar", "write_sidecar"]

_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _meta_dir(home: int) -> int | None:
    try:
        return open_dirs(home, [HOME_DIR, "meta"])
    except FileNotFoundError:
        return None


def read_sidecar(home: int, key: str, st: os.stat_result) -> bytes | None:
    """The sidecar document of ``key`` if it belongs to the file ``st`` describes."""
    meta_dir = _meta_dir(home)
    if meta_dir is None:
        return None
    try:
        opened = open_data(meta_dir, sidecar_name(key))
    finally:
        os.close(meta_dir)
    if opened is None:
        return None
    fd, side = opened
    try:
        if side.st_size > MAX_METADATA:
            raise MetaError(f"sidecar of {side.st_size} bytes is over {MAX_METADATA}")
        blob = read_exact(fd, side.st_size)
    finally:
        os.close(fd)
    _, doc = decode_meta(blob)
    if doc.get("i") != st.st_ino or doc.get("d") != st.st_dev:
        return None  # the data file was replaced by another tool: the sidecar is stale
    return blob


def write_sidecar(
    home: int, tmp: int, key: str, data_fd: int, blob: bytes | None, fsync: bool
) -> None:
    """Store (or, for ``None``, remove) the sidecar of ``key`` for the open data file."""
    if blob is None:
        remove_sidecar(home, key)
        return
    meta, _ = decode_meta(blob)
    st = os.fstat(data_fd)
    side = encode_meta(
        meta.metadata, meta.content_type, meta.content_encoding, i=st.st_ino, d=st.st_dev
    )
    assert side is not None
    temp = "meta-" + uuid.uuid4().hex
    fd = os.open(temp, _TEMP_FLAGS, 0o600, dir_fd=tmp)
    try:
        write_all(fd, side)
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
    meta_dir = open_home_dir(home, "meta")
    try:
        os.replace(temp, sidecar_name(key), src_dir_fd=tmp, dst_dir_fd=meta_dir)
    finally:
        os.close(meta_dir)


def remove_sidecar(home: int, key: str) -> None:
    meta_dir = _meta_dir(home)
    if meta_dir is not None:
        try:
            with suppress(FileNotFoundError):
                os.unlink(sidecar_name(key), dir_fd=meta_dir)
        finally:
            os.close(meta_dir)
