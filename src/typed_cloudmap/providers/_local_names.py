"""Object names <-> paths under a LocalProvider root, injective and unable to leave the root.

An object name ``a/b/c`` becomes directories for ``a`` and ``b`` and a data file for ``c``.
Object stores let ``a`` and ``a/b`` coexist, so files and directories must never share a name:
every data file ends in ``.tcm`` (``.tcmh`` when hashed), and a directory whose segment ends
in a reserved suffix gets ``.dir`` appended. Temp files (``.tmp``) and locks (``.lock``) end
in suffixes no object or directory can have, so a listing tells them apart by name alone.
A segment too long for the file system (255 bytes) is stored under its SHA-256; the full
object name is kept inside every data file's header, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

__all__ = [
    "DATA_SUFFIX",
    "HASHED_DATA_SUFFIX",
    "LOCK_DIR",
    "ObjectPath",
    "decode_dir",
    "decode_file",
    "object_path",
    "prefix_dirs",
]

DATA_SUFFIX = ".tcm"
HASHED_DATA_SUFFIX = ".tcmh"
DIR_ESCAPE = ".dir"
HASHED_DIR_SUFFIX = ".dirh"
TEMP_SUFFIX = ".tmp"
LOCK_SUFFIX = ".lock"
LOCK_DIR = "_locks" + LOCK_SUFFIX

_RESERVED = (
    DATA_SUFFIX,
    HASHED_DATA_SUFFIX,
    DIR_ESCAPE,
    HASHED_DIR_SUFFIX,
    TEMP_SUFFIX,
    LOCK_SUFFIX,
)
_MAX_COMPONENT = 255  # bytes per path component on every common Linux/macOS file system


@dataclass(frozen=True, slots=True)
class ObjectPath:
    """Where one object lives: its directory components (relative to root) and file name."""

    dirs: tuple[str, ...]
    file: str


def _hashed(segment: str, suffix: str) -> str:
    return hashlib.sha256(segment.encode()).hexdigest() + suffix


def _fits(component: str) -> bool:
    return len(os.fsencode(component)) <= _MAX_COMPONENT


def _dir_component(segment: str) -> str:
    component = segment + DIR_ESCAPE if segment.endswith(_RESERVED) else segment
    return component if _fits(component) else _hashed(segment, HASHED_DIR_SUFFIX)


def _file_component(segment: str) -> str:
    component = segment + DATA_SUFFIX
    return component if _fits(component) else _hashed(segment, HASHED_DATA_SUFFIX)


def _check_segment(name: str, segment: str) -> None:
    if segment in ("", ".", ".."):
        raise ValueError(
            f"object name {name!r} has an empty, '.' or '..' segment; "
            "LocalProvider refuses it so no name can leave the root directory"
        )


def validate(name: str) -> list[str]:
    """The segments of ``name``, or ``ValueError`` naming it if it could escape the root."""
    if not name or name.startswith("/"):
        raise ValueError(f"object name {name!r} is empty or absolute; LocalProvider refuses it")
    if "\x00" in name or "\\" in name:
        raise ValueError(
            f"object name {name!r} contains NUL or a backslash; LocalProvider refuses it"
        )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"object name {name!r} is not valid Unicode text") from exc
    segments = name.split("/")
    for segment in segments:
        _check_segment(name, segment)
    return segments


def object_path(name: str) -> ObjectPath:
    """The path of object ``name``; ``ValueError`` for names LocalProvider refuses."""
    segments = validate(name)
    return ObjectPath(
        tuple(_dir_component(s) for s in segments[:-1]), _file_component(segments[-1])
    )


def prefix_dirs(prefix: str) -> tuple[tuple[str, ...], str] | None:
    """The directory holding every name under ``prefix`` and the partial last segment.

    ``None`` when no valid object name can start with ``prefix``.
    """
    *complete, partial = prefix.split("/")
    for segment in complete:
        if segment in ("", ".", "..") or "\x00" in segment or "\\" in segment:
            return None
    return tuple(_dir_component(s) for s in complete), partial


def decode_dir(component: str) -> str | None:
    """The segment a directory stands for; ``""`` if hashed (unknown); ``None`` if not ours."""
    if component.endswith(HASHED_DIR_SUFFIX):
        return ""
    if component.endswith(DIR_ESCAPE):
        return component[: -len(DIR_ESCAPE)]
    if component.endswith(_RESERVED):
        return None
    return component


def decode_file(component: str) -> str | None:
    """The segment a data file stands for; ``""`` if hashed (unknown); ``None`` if not data."""
    if component.endswith(DATA_SUFFIX):
        return component[: -len(DATA_SUFFIX)]
    if component.endswith(HASHED_DATA_SUFFIX):
        return ""
    return None
