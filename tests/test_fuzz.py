"""Hostile input, fuzzed with hypothesis on every backend.

Keys (any Unicode, control characters, very long), values (what the type admits and what it
doesn't) and stored bytes (random, and truncated valid payloads, under every codec stack):
the only outcomes are a correct round trip or the documented error, and a refused write
leaves nothing behind. One provider per backend serves every example; each example works
under its own fresh prefix.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from backends import ALL_BACKENDS, CLOUD_FIXTURES
from typed_cloudmap import (
    CloudMapping,
    CodecError,
    InvalidValueError,
    LocalProvider,
    MemoryProvider,
    Provider,
)
from typed_cloudmap.codecs import AesGcmTransform, CodecStack, Keyring, parse_stack
from typed_cloudmap.codecs._hmac import HmacTransform

_LOCAL_EXAMPLES, _CLOUD_EXAMPLES = 60, 25
_prefixes = itertools.count()


def _examples(backend: str) -> settings:
    cloud = backend in CLOUD_FIXTURES
    return settings(
        max_examples=_CLOUD_EXAMPLES if cloud else _LOCAL_EXAMPLES,
        deadline=None,  # emulators have latency spikes; a hang still fails pytest-timeout
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )


@pytest.fixture(scope="module", params=ALL_BACKENDS)
def provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Provider]]:
    """One provider per backend for the whole module (examples use fresh prefixes)."""
    backend: str = request.param
    made: Provider
    if backend == "memory":
        made = MemoryProvider()
    elif backend == "local":
        made = LocalProvider(Path(tmp_path_factory.mktemp("fuzz")) / "store")
    else:
        made = request.getfixturevalue(CLOUD_FIXTURES[backend])()
    yield backend, made
    made.close()


def _prefix() -> str:
    return f"fz{next(_prefixes)}/"


def _run(check: Any) -> None:
    """Run a ``@given`` check and make sure hypothesis really tried many examples."""
    before = next(_prefixes)
    check()
    tried = next(_prefixes) - before - 1
    assert tried >= 10, f"only {tried} examples ran"


def _stored_names(p: Provider, prefix: str) -> list[str]:
    return [info.name for info in p.list(prefix)]


# --- keys ---------------------------------------------------------------------------------

_KEYS = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec=None, categories=["Cc", "Cs", "Zs", "Zl", "Zp"]), max_size=20),
    st.text(alphabet="/.%~ \\?#", max_size=12),
    st.text(min_size=300, max_size=1100),
)


def test_hostile_keys(provider: tuple[str, Provider]) -> None:
    backend, p = provider

    @_examples(backend)
    @given(key=_KEYS)
    def check(key: str) -> None:
        prefix = _prefix()
        m = CloudMapping[str, int](p, prefix=prefix, sync_initially=False)
        try:
            m[key] = 7
        except (TypeError, ValueError):  # ValueSizeError is a ValueError
            assert _stored_names(p, prefix) == [], f"refused key {key!r} left an object"
            return
        assert m[key] == 7
        fresh = CloudMapping[str, int](p, prefix=prefix)
        assert dict(fresh.items()) == {key: 7}
        del m[key]
        assert _stored_names(p, prefix) == []

    _run(check)


# --- values -------------------------------------------------------------------------------


class Item(BaseModel):
    id: int
    name: str
    tags: list[str] = []


_ANYTHING = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)
_ITEMISH = st.one_of(
    st.fixed_dictionaries(
        {"id": st.integers() | _ANYTHING, "name": st.text() | _ANYTHING},
        optional={"tags": st.lists(st.text(max_size=8), max_size=3) | _ANYTHING},
    ),
    _ANYTHING,
)


def test_hostile_values(provider: tuple[str, Provider]) -> None:
    backend, p = provider

    @_examples(backend)
    @given(value=_ITEMISH)
    def check(value: Any) -> None:
        prefix = _prefix()
        m = CloudMapping[str, Item](p, prefix=prefix, sync_initially=False)
        try:
            expected = Item.model_validate(value)
        except Exception:  # any refusal by pydantic means "not an Item"
            expected = None
        try:
            m["k"] = value
        except InvalidValueError:
            assert expected is None, f"{value!r} is a valid Item but was refused"
            assert _stored_names(p, prefix) == []
            return
        assert expected is not None, f"{value!r} is not an Item but was stored"
        assert m["k"] == expected
        assert CloudMapping[str, Item](p, prefix=prefix)["k"] == expected

    _run(check)


def test_raw_mapping_refuses_non_bytes(provider: tuple[str, Provider]) -> None:
    backend, p = provider

    @_examples(backend)
    @given(value=_ANYTHING)
    def check(value: Any) -> None:
        prefix = _prefix()
        m = CloudMapping(p, prefix=prefix, sync_initially=False)
        try:
            m["k"] = value
        except InvalidValueError:
            assert not isinstance(value, bytes | bytearray | memoryview)
            assert _stored_names(p, prefix) == []
            return
        assert m["k"] == bytes(value)

    _run(check)


# --- stored bytes -------------------------------------------------------------------------

_HMAC_KEY = b"fuzz-hmac-key-not-a-real-secret"
_AES_KEYRING = Keyring({"fuzz": b"fuzz-aes-256-key-not-a-secret!!!"}, primary="fuzz")
_STACKS = [
    "raw",
    "str",
    "json",
    "orjson",
    "orjson|zstd",
    "json|zlib",
    "raw|zstd",
    "pickle|hmac",
    "orjson|zstd|aesgcm",
    "raw|aesgcm",
    "pickle|aesgcm",
]


def _stack(spec: str) -> CodecStack:
    if spec == "pickle|hmac":
        return parse_stack(["pickle", HmacTransform(key=_HMAC_KEY)])
    if spec.endswith("|aesgcm"):
        *rest, _ = spec.split("|")
        return parse_stack([*rest, AesGcmTransform(keyring=_AES_KEYRING)])
    return parse_stack(spec)


def _value_type(spec: str) -> Any:
    bytes_stacks = {"raw": bytes, "raw|zstd": bytes, "raw|aesgcm": bytes, "str": str}
    return bytes_stacks.get(spec, dict[str, list[int]])


def test_random_and_truncated_stored_bytes(provider: tuple[str, Provider]) -> None:
    """Whatever the store holds, a read returns a valid value or raises ``CodecError``."""
    backend, p = provider

    @_examples(backend)
    @given(
        spec=st.sampled_from(_STACKS),
        junk=st.binary(max_size=200),
        cut=st.floats(0.0, 1.0),
        truncate=st.booleans(),
    )
    def check(spec: str, junk: bytes, cut: float, truncate: bool) -> None:
        prefix = _prefix()
        stack = _stack(spec)
        vt = _value_type(spec)
        m = CloudMapping(
            p, prefix=prefix, codec=stack, key_type=str, value_type=vt, read_blindly=True
        )
        if truncate:
            good: Any = {"a": [1, 2, 3], "b": []} if vt is not bytes and vt is not str else None
            good = good if good is not None else (b"payload" * 9 if vt is bytes else "texte" * 9)
            m["k"] = good
            name = prefix + "k"
            data = p.get(name)
            assert data is not None
            payload = data.data[: int(len(data.data) * cut)]
        else:
            name, payload = prefix + "k", junk
        p.put(name, payload, metadata={"tcm_codec": stack.name})
        try:
            value = m["k"]
        except CodecError:
            return
        if vt is bytes:
            assert isinstance(value, bytes)
        elif vt is str:
            assert isinstance(value, str)
        else:
            assert isinstance(value, dict)
            assert all(isinstance(v, list) for v in value.values())

    _run(check)


def test_aesgcm_refuses_any_changed_byte(provider: tuple[str, Provider]) -> None:
    """A stored aesgcm object with any one byte changed never decodes to a value."""
    backend, p = provider

    @_examples(backend)
    @given(
        spec=st.sampled_from([s for s in _STACKS if s.endswith("|aesgcm")]),
        where=st.floats(0.0, 1.0, exclude_max=True),
        xor=st.integers(1, 255),
    )
    def check(spec: str, where: float, xor: int) -> None:
        prefix = _prefix()
        stack = _stack(spec)
        vt = _value_type(spec)
        m = CloudMapping(
            p, prefix=prefix, codec=stack, key_type=str, value_type=vt, read_blindly=True
        )
        m["k"] = b"payload" * 3 if vt is bytes else {"a": [1, 2, 3]}
        stored = p.get(prefix + "k")
        assert stored is not None
        data = bytearray(stored.data)
        data[int(len(data) * where)] ^= xor
        p.put(prefix + "k", bytes(data), metadata={"tcm_codec": stack.name})
        try:
            m["k"]
        except CodecError:
            return
        raise AssertionError("a changed byte was not detected")

    _run(check)
