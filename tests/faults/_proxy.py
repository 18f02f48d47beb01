"""A test-only HTTP proxy that sits between an SDK and its emulator and injects faults.

Each request either passes through or suffers one fault: an invented ``503`` or ``500``
(nothing forwarded), ``drop-before`` (the connection closes, nothing forwarded),
``drop-after`` (the request is forwarded and applied, then the connection closes without a
reply: the lost-reply case), or ``delay`` (forwarded late). Faults come from a scripted
queue first, then from a seeded RNG at ``rate``. Every request is logged as ``(method,
path)`` (the path with its query), so with no faults the proxy is also the tests' one way to
count HTTP requests on the wire (``tests/_wire.py``). Standard library only, on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

__all__ = ["MODES", "FaultProxy", "running_proxy"]

MODES = ("503", "500", "drop-before", "drop-after", "delay")
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
    }
)

Matcher = Callable[[str, str], bool]
"""``(method, path) -> bool``: which requests a scripted fault may hit."""
Hook = Callable[[], None]
"""Run by a scripted fault after forwarding and before the reply (or its loss)."""


def _any(method: str, path: str) -> bool:
    return True


def _nothing() -> None:
    pass


class FaultProxy:
    """Forward to ``upstream`` (``http://host:port``), faulting a share of the requests."""

    def __init__(
        self,
        upstream: str,
        *,
        rate: float = 0.0,
        modes: Iterable[str] = MODES,
        seed: int = 0,
        delay: float = 0.05,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"upstream must be http://host:port, not {upstream!r}")
        self.upstream = (parts.hostname, parts.port)
        self.rate = rate
        self.modes = tuple(modes)
        unknown = set(self.modes) - set(MODES)
        if unknown:
            raise ValueError(f"unknown fault modes: {sorted(unknown)}")
        self.delay = delay
        self.stats: Counter[str] = Counter()
        self.log: list[tuple[str, str]] = []
        """``(method, path)`` of every request received, in order (see :meth:`take_log`)."""
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._script: list[tuple[str, Matcher, Hook]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def script(self, *modes: str, when: Matcher = _any, then: Hook = _nothing) -> None:
        """Queue faults for the next requests ``when`` accepts (before any random ones).

        ``then`` runs once the request has been forwarded (so it can make another writer
        act between a write landing and its lost reply being retried).
        """
        unknown = set(modes) - set(MODES)
        if unknown:
            raise ValueError(f"unknown fault modes: {sorted(unknown)}")
        with self._lock:
            self._script.extend((mode, when, then) for mode in modes)

    def clear_script(self) -> None:
        """Drop the scripted faults no request has consumed."""
        with self._lock:
            self._script.clear()

    def take_log(self) -> list[tuple[str, str]]:
        """The requests logged since the last call, and a fresh log (thread-safe)."""
        with self._lock:
            taken, self.log = self.log, []
        return taken

    def set_rate(self, rate: float) -> None:
        with self._lock:
            self.rate = rate

    def choose(self, method: str, path: str) -> tuple[str | None, Hook]:
        """The fault for one request (``None``: pass it through) and its hook (thread-safe)."""
        with self._lock:
            self.stats["requests"] += 1
            self.log.append((method, path))
            for i, (mode, when, then) in enumerate(self._script):
                if when(method, path):
                    del self._script[i]
                    self.stats[mode] += 1
                    return mode, then
            if self.rate and self._rng.random() < self.rate:
                chosen = self._rng.choice(self.modes)
                self.stats[chosen] += 1
                return chosen, _nothing
            return None, _nothing

    def forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """One request to the emulator on a fresh connection; the whole reply, read."""
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    conn.putheader(name, value)
            if body or method in ("PUT", "POST", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            data = response.read()
            return response.status, response.reason, response.getheaders(), data
        finally:
            conn.close()


def _make_handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # stdlib name
            pass

        def _body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _reply(
            self, status: int, reason: str, headers: list[tuple[str, str]], data: bytes
        ) -> None:
            self.send_response_only(status, reason)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            length = next((v for n, v in headers if n.lower() == "content-length"), None)
            if self.command == "HEAD" and length is not None:
                self.send_header("Content-Length", length)
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _handle(self) -> None:
            body = self._body()
            fault, then = proxy.choose(self.command, self.path)
            if fault == "drop-before":
                self._drop()
                return
            if fault in ("503", "500"):
                status = int(fault)
                self._reply(status, "Injected fault", [("Content-Type", "text/plain")], b"")
                return
            if fault == "delay":
                time.sleep(proxy.delay)
            try:
                reply = proxy.forward(self.command, self.path, self.headers.items(), body)
            except OSError:
                self._drop()
                return
            then()
            if fault == "drop-after":
                self._drop()
                return
            self._reply(*reply)

        # http.server dispatches on these exact names
        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle  # noqa: N815  # stdlib API names

    return Handler


@contextlib.contextmanager
def running_proxy(upstream: str, **kwargs: object) -> Iterator[FaultProxy]:
    """A started :class:`FaultProxy`, stopped on exit."""
    proxy = FaultProxy(upstream, **kwargs)  # type: ignore[arg-type]  # keyword pass-through
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
