"""``watch`` on the wire, through the fault proxy in front of each emulator.

Requests are counted where the proxy sees them (each SDK's real HTTP traffic): with 3,000 keys
and one change per interval a poll costs 3 LISTs and 1 GET. Transient faults (scripted 503s
that outlast every SDK retry) on a listing or a GET do not end the stream.

Reproduce the counts: ``.venv/bin/python -m pytest tests/faults/test_watch_wire.py -q -k cost``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Any

import pytest
from pydantic import BaseModel

from faults._faulty import EXHAUST, FAULT_BACKENDS, Pair, proxied
from faults._proxy import FaultProxy
from typed_cloudmap import CloudMapping

pytestmark = pytest.mark.parametrize("backend", FAULT_BACKENDS)

KEYS = 3000
FAST = 0.01


class Item(BaseModel):
    n: int


def is_list(method: str, path: str) -> bool:
    """A listing request: S3 ListObjectsV2, Azure List Blobs, GCS objects.list."""
    return method == "GET" and bool(
        "list-type=2" in path or "comp=list" in path or re.search(r"/o(\?|$)", path)
    )


def count_requests(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """``LIST`` / ``GET`` / other methods, as the proxy forwards them."""
    seen: Counter[str] = Counter()
    choose = proxy.choose

    def counting(method: str, path: str) -> Any:
        seen["LIST" if is_list(method, path) else method] += 1
        return choose(method, path)

    monkeypatch.setattr(proxy, "choose", counting)
    return seen


def _mappings(pair: Pair) -> tuple[CloudMapping[int, Item], CloudMapping[int, Item]]:
    if hasattr(pair.faulty, "list_page_size"):
        pair.faulty.list_page_size = 1000  # Azure pages by 5,000: 1 LIST; S3 and GCS by 1,000
    watcher = CloudMapping[int, Item](pair.faulty, prefix="w/", sync_initially=False)
    writer = CloudMapping[int, Item](pair.direct, prefix="w/", sync_initially=False)
    return watcher, writer


def test_cost_per_interval_3000_keys_one_change(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    with proxied(backend, request, monkeypatch) as (proxy, pair):
        watcher, writer = _mappings(pair)
        writer.set_many({i: Item(n=i) for i in range(KEYS)})
        watcher.sync()
        seen = count_requests(proxy, monkeypatch)
        stream = watcher.watch(interval=FAST)
        for round_ in range(3):
            seen.clear()
            writer[7] = Item(n=-round_)
            change = next(stream)
            assert (change.kind, change.key, change.value) == ("modified", 7, Item(n=-round_))
            assert dict(seen) == {"LIST": 3, "GET": 1}, round_
        stream.close()


def test_transient_list_failure_does_not_end_the_stream(
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with proxied(backend, request, monkeypatch) as (proxy, pair):
        watcher, writer = _mappings(pair)
        stream = watcher.watch(interval=FAST)
        writer[1] = Item(n=1)
        assert next(stream).key == 1
        _fail_until_logged(proxy, monkeypatch, backend, when=is_list)
        writer[2] = Item(n=2)
        with caplog.at_level(logging.WARNING, logger="typed_cloudmap.watch"):
            change = next(stream)
        assert (change.kind, change.key, change.value) == ("added", 2, Item(n=2))
        assert any("listing" in r.getMessage() for r in caplog.records)
        stream.close()


def test_transient_get_failure_is_retried_at_the_next_poll(
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with proxied(backend, request, monkeypatch) as (proxy, pair):
        watcher, writer = _mappings(pair)
        stream = watcher.watch(interval=FAST)
        writer[1] = Item(n=1)
        assert next(stream).key == 1

        def object_get(method: str, path: str) -> bool:
            return method == "GET" and not is_list(method, path)

        _fail_until_logged(proxy, monkeypatch, backend, when=object_get)
        writer[1] = Item(n=2)
        with caplog.at_level(logging.WARNING, logger="typed_cloudmap.watch"):
            change = next(stream)
        assert (change.kind, change.key, change.value) == ("modified", 1, Item(n=2))
        assert any("reading" in r.getMessage() for r in caplog.records)
        stream.close()


def _fail_until_logged(
    proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch, backend: str, *, when: Any
) -> None:
    """503 every request ``when`` picks (past the SDK's retries) until watch logs a failure."""
    proxy.script(*["503"] * EXHAUST[backend], when=when)
    from typed_cloudmap import _watch

    warning = _watch.logger.warning

    def clear_then_log(*args: Any, **kwargs: Any) -> None:
        proxy.clear_script()
        warning(*args, **kwargs)

    monkeypatch.setattr(_watch.logger, "warning", clear_then_log)
