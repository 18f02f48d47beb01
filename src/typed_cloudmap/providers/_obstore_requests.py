"""How a checked put becomes obstore's arguments, and which names obstore stores as they are.

Pure functions, one place for every obstore path (sync and async): no I/O, no store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ._base import CREATE, IfMatch, PutRequest

if TYPE_CHECKING:
    from obstore import Attributes
    from obstore import PutMode as ObstorePutMode

__all__ = ["expressible", "put_arguments"]


def expressible(name: str) -> bool:
    """Whether ``object_store`` stores ``name`` as it is (it normalises other paths: empty,
    ``.`` or ``..`` segments, which a leading, trailing or doubled ``/`` makes)."""
    if "." not in name:  # the common name: only empty segments to rule out
        return bool(name) and name[0] != "/" and name[-1] != "/" and "//" not in name
    return all(segment not in ("", ".", "..") for segment in name.split("/"))


def put_arguments(put: PutRequest, etag: Callable[[str], str]) -> tuple[Attributes, ObstorePutMode]:
    """``obstore.put``'s ``attributes`` (user metadata, content type and encoding) and
    ``mode`` for ``put``; ``etag`` turns the etag an ``IfMatch`` names into the service's
    form."""
    attributes: Attributes = dict(put.metadata)
    if put.content_type is not None:
        attributes["Content-Type"] = put.content_type
    if put.content_encoding is not None:
        attributes["Content-Encoding"] = put.content_encoding
    mode = put.mode
    if isinstance(mode, IfMatch):
        return attributes, {"e_tag": etag(mode.etag)}
    return attributes, "create" if mode == CREATE else "overwrite"
