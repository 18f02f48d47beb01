"""Scripted faults, one at a time, on each emulator: what a lost reply does to each operation."""

from __future__ import annotations

import pytest

from faults._faulty import EXHAUST, FAULT_BACKENDS, is_delete, is_write, proxied
from typed_cloudmap import CloudMapping, KeySyncError, ProviderError

pytestmark = pytest.mark.parametrize("backend", FAULT_BACKENDS)


def _mappings(pair: object) -> tuple[CloudMapping[str, int], CloudMapping[str, int]]:
    faulty = CloudMapping[str, int](pair.faulty, prefix="s/")  # type: ignore[attr-defined]  # a Pair
    direct = CloudMapping[str, int](pair.direct, prefix="s/")  # type: ignore[attr-defined]  # a Pair
    return faulty, direct


def test_lost_reply_on_create_is_reconciled(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The create landed, its reply was lost, the SDK's retry failed create-only: success."""
    with proxied(backend, request, monkeypatch) as (proxy, pair):
        faulty, direct = _mappings(pair)
        proxy.script("drop-after", when=is_write)
        faulty["a"] = 1
        assert proxy.stats["drop-after"] == 1
        direct.sync()
        assert direct["a"] == 1
        assert faulty.etags["a"] == direct.etags["a"]


def test_lost_reply_on_overwrite_is_reconciled(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    with proxied(backend, request, monkeypatch) as (proxy, pair):
        faulty, direct = _mappings(pair)
        faulty["a"] = 1
        proxy.script("drop-after", when=is_write)
        faulty["a"] = 2
        faulty["a"] = 3  # the view holds the real etag, so the next write is not a conflict
        direct.sync()
        assert direct["a"] == 3
        assert faulty.etags["a"] == direct.etags["a"]


def test_lost_reply_on_delete_is_success(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    with proxied(backend, request, monkeypatch) as (proxy, pair):
        faulty, direct = _mappings(pair)
        faulty["a"] = 1
        proxy.script("drop-after", when=is_delete)
        del faulty["a"]
        assert "a" not in faulty
        direct.sync()
        assert "a" not in direct


def test_refused_writes_store_nothing(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """503 on every attempt: ``ProviderError`` after the SDK's retries, and nothing stored."""
    with proxied(backend, request, monkeypatch) as (proxy, pair):
        faulty, direct = _mappings(pair)
        proxy.script(*["503"] * EXHAUST[backend], when=is_write)
        with pytest.raises(ProviderError):
            faulty.modify("n", lambda n: n + 1, default=0)
        proxy.clear_script()
        direct.sync()
        assert "n" not in direct


def test_landed_write_with_every_reply_lost_is_not_reported_failed(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every attempt is applied (or refused as a conflict) and its reply dropped."""
    with proxied(backend, request, monkeypatch) as (proxy, pair):
        faulty, direct = _mappings(pair)
        proxy.script(*["drop-after"] * EXHAUST[backend], when=is_write)
        raised = False
        try:
            faulty.modify("n", lambda n: n + 1, default=0)
        except ProviderError:
            raised = True
        proxy.clear_script()
        direct.sync()
        stored = "n" in direct
        assert raised != stored, f"modify raised={raised} but stored={stored}"


def test_lost_reply_then_another_writer_builds_on_it(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our increment lands, its reply is lost, another writer increments, our SDK retries."""
    with proxied(backend, request, monkeypatch) as (proxy, pair):
        faulty, direct = _mappings(pair)
        faulty["n"] = 0
        other = CloudMapping[str, int](pair.direct, prefix="s/", sync_initially=False)

        def other_writer() -> None:
            other.modify("n", lambda n: n + 1)

        proxy.script("drop-after", when=is_write, then=other_writer)
        try:
            faulty.modify("n", lambda n: n + 1)
        except KeySyncError:  # pragma: no cover - modify retries conflicts itself
            pytest.fail("modify leaked a KeySyncError")
        direct.sync()
        assert direct["n"] == 2  # observed: 3 (our increment applied twice)
