"""The tests' one way to count HTTP requests: a pass-through proxy that logs each one.

``on_the_wire(emulator)`` starts a :class:`~faults._proxy.FaultProxy` with no faults in front
of an emulator (an ``S3Endpoint``, ``Azurite`` or ``FakeGCS``) and yields that emulator as
reached through the proxy, plus the proxy's log. Providers made from it send every request
through the proxy, so the log holds each HTTP request the SDK sent (retries included), the
same way for boto3, azure-storage-blob and google-cloud-storage: what a claim such as "one
request per operation, no HEAD before a GET" is about. Where a claim is about provider
calls instead, ``typed_cloudmap.testing.RecordingProvider`` counts those.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

from faults._proxy import FaultProxy, running_proxy

__all__ = ["Wire", "on_the_wire", "wired_provider"]


class Emulator(Protocol):
    @property
    def origin(self) -> str: ...

    def via(self: E, origin: str) -> E: ...


class Closable(Protocol):
    def close(self) -> None: ...


E = TypeVar("E", bound=Emulator)
P = TypeVar("P", bound=Closable)


class Wire:
    """The requests a proxy forwarded: ``take()`` them as ``(method, path)`` in order."""

    def __init__(self, proxy: FaultProxy) -> None:
        self._proxy = proxy
        self.url = proxy.url
        """The proxy's own URL (``http://127.0.0.1:PORT``)."""

    def take(self) -> list[tuple[str, str]]:
        """The requests since the last ``take`` (the path carries the query string)."""
        return self._proxy.take_log()

    def methods(self) -> Counter[str]:
        """How many requests of each HTTP method since the last ``take``."""
        return Counter(method for method, _ in self.take())


@contextmanager
def on_the_wire(emulator: E) -> Iterator[tuple[E, Wire]]:
    """``emulator`` reached through a logging proxy, and the proxy's log (empty at first)."""
    with running_proxy(emulator.origin) as proxy:
        yield emulator.via(proxy.url), Wire(proxy)


@contextmanager
def wired_provider(emulator: E, make: Callable[[E], P]) -> Iterator[tuple[P, Wire]]:
    """A provider ``make`` builds on ``emulator`` through a logging proxy, and the log, which
    starts empty (the requests that created the bucket or container are taken)."""
    with on_the_wire(emulator) as (proxied, wire):
        provider = make(proxied)
        wire.take()
        try:
            yield provider, wire
        finally:
            provider.close()
