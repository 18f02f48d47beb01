"""The ``transport=`` switch of the cloud providers: ``"sdk"`` (default) or ``"obstore"``.

A provider keeps its identity, options, size limits and error contract whichever transport it
uses; with ``"obstore"`` it holds an :class:`~._obstore.ObstoreTransport` for the requests
that transport can express (see that module). obstore is an optional extra: the transport
module is loaded through the lazy registry's loader, so a missing obstore raises
``MissingDependencyError`` naming the ``obstore`` extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from .._lazy import Builtin, load_object

if TYPE_CHECKING:
    from ._obstore import ObstoreTransport

__all__ = ["TRANSPORTS", "Transport", "check_transport", "obstore_transport"]

Transport: TypeAlias = Literal["sdk", "obstore"]
TRANSPORTS: tuple[Transport, ...] = ("sdk", "obstore")

_OBSTORE = Builtin(
    "typed_cloudmap.providers._obstore:ObstoreTransport", ("obstore",), "obstore", "obstore"
)


def check_transport(transport: object, provider: str, supported: tuple[str, ...]) -> Transport:
    """``transport`` if it is one ``provider`` supports (``ValueError`` otherwise)."""
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {list(TRANSPORTS)}, not {transport!r}")
    if transport not in supported:
        raise ValueError(f"{provider} does not support transport={transport!r}")
    return transport


def obstore_transport(*args: Any, **kwargs: Any) -> ObstoreTransport:
    """A new :class:`~._obstore.ObstoreTransport` (obstore imported now, with an install hint)."""
    cls: type[ObstoreTransport] = load_object(_OBSTORE.target, _OBSTORE)
    return cls(*args, **kwargs)
