"""The conformance checks that look past the provider: raw bypass hooks (see ``testing``).

A provider's test gives the suite a second, independent path to the same storage (the raw
SDK, the file system) through the ``raw`` fixture; these checks then compare what the
provider stored with what that path sees, and the other way round. zarr's store test
suite does the same with its ``get``/``set`` hooks.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

import pytest

from .errors import KeySyncError
from .providers._base import Provider

__all__ = ["DirectoryRaw", "RawAccess", "RawStorageConformance"]

_ALL_BYTES = bytes(range(256)) * 4
_ODD_NAMES = ["a/b/c", "%2F%5C%25", "sp%20ace", "x~y_z-.1", "d/%2E%2E/e", "caf%C3%A9"]


@runtime_checkable
class RawAccess(Protocol):
    """A second path to a provider's storage that does not go through the provider."""

    def read(self, name: str) -> bytes:
        """The stored bytes of object ``name``; ``KeyError`` if there is none."""
        ...

    def write(self, name: str, data: bytes) -> None:
        """Store ``data`` as object ``name``, as another tool would (no metadata)."""
        ...

    def metadata(self, name: str) -> Mapping[str, str] | None:
        """The object's user metadata as the service keeps it, or ``None`` where this path
        cannot see it."""
        ...


class DirectoryRaw:
    """Raw access for a provider that stores object ``a/b/c`` as the file ``root/a/b/c``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, name: str) -> bytes:
        path = self.root / name
        if not path.is_file():
            raise KeyError(name)
        return path.read_bytes()

    def write(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def metadata(self, name: str) -> Mapping[str, str] | None:
        return None  # where it lives (extended attributes, a sidecar) is the provider's choice


class RawStorageConformance:
    """What was stored, checked through the ``raw`` fixture (skipped where it is ``None``)."""

    metadata_prefix: ClassVar[str] = ""
    """How the service names user metadata keys seen raw (``tcm_x`` -> prefix + ``tcm_x``)."""

    @pytest.fixture
    def raw(self, provider: Provider) -> RawAccess | None:
        """Override with a second path to ``provider``'s storage (``None``: no such path)."""
        return None

    @pytest.fixture
    def raw_prefix(self) -> str:
        return f"conformance-raw-{uuid.uuid4().hex[:12]}/"

    @staticmethod
    def _need(raw: RawAccess | None) -> RawAccess:
        if raw is None:
            pytest.skip("this provider's test gives no raw access hook")
        return raw

    def test_raw_stored_bytes_are_the_value(
        self, provider: Provider, raw: RawAccess | None, raw_prefix: str
    ) -> None:
        access = self._need(raw)
        provider.put(raw_prefix + "bin", _ALL_BYTES)
        provider.put(raw_prefix + "empty", b"")
        assert access.read(raw_prefix + "bin") == _ALL_BYTES
        assert access.read(raw_prefix + "empty") == b""

    def test_raw_names_are_stored_verbatim(
        self, provider: Provider, raw: RawAccess | None, raw_prefix: str
    ) -> None:
        access = self._need(raw)
        for n in _ODD_NAMES:
            provider.put(raw_prefix + n, n.encode())
        for n in _ODD_NAMES:
            assert access.read(raw_prefix + n) == n.encode(), n

    def test_raw_metadata_is_user_metadata(
        self, provider: Provider, raw: RawAccess | None, raw_prefix: str
    ) -> None:
        access = self._need(raw)
        meta = {"tcm_codec": "orjson|zstd:level=9", "tcm_token": "t-1"}
        provider.put(raw_prefix + "m", b"{}", metadata=meta)
        seen = access.metadata(raw_prefix + "m")
        if seen is None:
            pytest.skip("this raw path cannot see user metadata")
        want = {self.metadata_prefix + k: v for k, v in meta.items()}
        assert {k: v for k, v in seen.items() if k in want} == want

    def test_raw_object_written_outside_is_read(
        self, provider: Provider, raw: RawAccess | None, raw_prefix: str
    ) -> None:
        access = self._need(raw)
        access.write(raw_prefix + "outside", b'{"from": "another tool"}')
        got = provider.get(raw_prefix + "outside")
        assert got is not None
        assert got.data == b'{"from": "another tool"}'
        assert provider.head(raw_prefix + "outside").size == len(got.data)
        (listed,) = list(provider.list(raw_prefix))
        assert (listed.name, listed.etag) == (raw_prefix + "outside", got.etag)

    def test_raw_change_outside_is_a_new_version(
        self, provider: Provider, raw: RawAccess | None, raw_prefix: str
    ) -> None:
        access = self._need(raw)
        name = raw_prefix + "changed"
        first = provider.put(name, b"v1")
        access.write(name, b"v2 from another tool")
        got = provider.get(name, if_none_match=first)
        assert got is not None
        assert got.data == b"v2 from another tool"
        assert got.etag != first
        with pytest.raises(KeySyncError):
            provider.get(name, if_match=first)

    def test_raw_delete_removes_the_object(
        self, provider: Provider, raw: RawAccess | None, raw_prefix: str
    ) -> None:
        access = self._need(raw)
        provider.put(raw_prefix + "gone", b"x")
        provider.delete(raw_prefix + "gone")
        with pytest.raises(KeyError):
            access.read(raw_prefix + "gone")
