"""A loopback TCP proxy that adds a fixed latency to every request, for the bulk benchmarks.

``with latency_proxy("http://127.0.0.1:PORT", 0.02) as url:`` starts the proxy in a child
process (its CPU is not the client's) and yields its ``http://127.0.0.1:PORT``. Bytes from
the client reach the server ``delay`` seconds after they arrived, in order; replies pass at
once. Every request, whatever its size or however many TCP segments it takes, therefore
waits one ``delay`` more: a cloud round trip on a loopback emulator.

Why not the tests' fault proxy (``tests/faults/_proxy.py``, which has a ``delay`` mode): it
is a thread per connection that parses HTTP and opens a new upstream connection per
request, written to inject faults exactly, not to carry hundreds of requests in flight. In
front of 256 concurrent requests it became the bottleneck (raw aiobotocore measured 9 ops/s
through it). This one copies bytes on one event loop (uvloop's, when the bench extra installed it)
and holds no request state, so it costs the machine little of the CPU the client and the
emulator need.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

__all__ = ["latency_proxy"]

_CHUNK = 1 << 16


async def _delayed_copy(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
) -> None:
    """Copy ``reader`` to ``writer``, each chunk released ``delay`` after it arrived."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def release() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    releaser = asyncio.create_task(release())
    try:
        while True:
            data = await reader.read(_CHUNK)
            queue.put_nowait((time.monotonic() + delay, data))
            if not data:
                break
        await releaser
    finally:
        releaser.cancel()
        with contextlib.suppress(Exception):
            writer.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _serve(host: str, port: int, delay: float, ready: Any, stop: Any) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(host, port)
        except OSError:
            client_w.close()
            return
        with contextlib.suppress(OSError, asyncio.CancelledError):
            await asyncio.gather(
                _delayed_copy(client_r, server_w, delay), _copy(server_r, client_w)
            )

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    ready.put(server.sockets[0].getsockname()[1])
    async with server:
        while not stop.is_set():
            await asyncio.sleep(0.1)


def _main(upstream: str, delay: float, ready: Any, stop: Any) -> None:
    parts = urlsplit(upstream)
    assert parts.hostname is not None
    assert parts.port is not None
    serve = _serve(parts.hostname, parts.port, delay, ready, stop)
    try:
        import uvloop  # the bench extra's: the same pump at a fraction of the CPU
    except ImportError:
        asyncio.run(serve)
    else:
        uvloop.run(serve)


@contextlib.contextmanager
def latency_proxy(upstream: str, delay: float) -> Iterator[str]:
    """The URL of a proxy to ``upstream`` (``http://host:port``) adding ``delay`` seconds to
    every request; the child process stops when the block ends."""
    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Queue(), ctx.Event()
    process = ctx.Process(target=_main, args=(upstream, delay, ready, stop), daemon=True)
    process.start()
    try:
        port = ready.get(timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.kill()
