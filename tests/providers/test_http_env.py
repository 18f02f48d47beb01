"""The GCS and Azure providers read requests' environment settings once, when a client opens.

``requests`` re-reads the proxy variables on every request when a session trusts the
environment; the providers read them when their client opens instead (``_http_env``), as
botocore does. A proxy named in the environment then still carries every request, and a
host in ``NO_PROXY`` still bypasses it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from _wire import on_the_wire
from emulators.azurite import Azurite
from emulators.fake_gcs import FakeGCS
from typed_cloudmap.providers._base import Provider


def _emulator(request: pytest.FixtureRequest, backend: str) -> FakeGCS | Azurite:
    fixture = {"gcs": "fake_gcs", "azure": "azurite"}[backend]
    emulator: FakeGCS | Azurite = request.getfixturevalue(fixture)
    return emulator


def _clear_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.mark.parametrize("backend", ["gcs", "azure"])
def test_a_proxy_from_the_environment_carries_every_request(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = _emulator(request, backend)
    _clear_proxies(monkeypatch)
    with on_the_wire(emulator) as (_, wire):
        monkeypatch.setenv("HTTP_PROXY", wire.url)
        make: Callable[[], Provider] = emulator.provider
        provider = make()  # the emulator's own URL: only the environment names the proxy
        wire.take()  # the bucket's or container's creation went through it too
        etag = provider.put("k", b"v", mode="create")
        got = provider.get("k")
        assert got is not None
        assert (got.data, got.etag) == (b"v", etag)
        assert [method for method, _ in wire.take()] == [
            "POST" if backend == "gcs" else "PUT",
            "GET",
        ]
        provider.close()

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = make()
        direct.put("k2", b"v", mode="create")
        assert wire.take() == []
        direct.close()
