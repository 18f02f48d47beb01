"""``CodecStack``: parsing, canonical names, headers, round trips, equality and pickling."""

from __future__ import annotations

import pickle

import pytest

from typed_cloudmap.codecs import (
    CodecStack,
    JsonSerializer,
    OrjsonSerializer,
    ZlibTransform,
    ZstdTransform,
    parse_stack,
)
from typed_cloudmap.errors import CodecError


def test_parse_from_string_list_and_objects() -> None:
    expected = "orjson|zstd:level=9"
    assert CodecStack("orjson|zstd:level=9").name == expected
    assert CodecStack(" orjson | zstd:level=9 ").name == expected
    assert CodecStack(["orjson", "zstd:level=9"]).name == expected
    assert CodecStack([OrjsonSerializer(), ZstdTransform(level=9)]).name == expected
    assert CodecStack([OrjsonSerializer(), "zstd:level=9"]).name == expected
    assert CodecStack(OrjsonSerializer()).name == "orjson"
    assert CodecStack(CodecStack(expected)).name == expected


def test_attributes() -> None:
    stack = CodecStack("json|zlib:level=9|zstd")
    assert isinstance(stack.serializer, JsonSerializer)
    assert [type(t) for t in stack.transforms] == [ZlibTransform, ZstdTransform]
    assert stack.codecs == (stack.serializer, *stack.transforms)
    assert stack.media_type == "application/json"
    assert stack.format == "json"
    assert stack.content_encoding is None  # the stack lives in metadata, not in HTTP headers
    assert str(stack) == stack.name
    assert repr(stack) == "CodecStack('json|zlib:level=9|zstd')"


@pytest.mark.parametrize(
    ("spec", "encoding"),
    [
        ("orjson", None),
        ("orjson|zstd", None),
        ("raw|zlib", None),
        ("orjson|zstd|hmac:key=k-0123456789abcdef", None),
        ("str|zlib|zstd", None),
    ],
)
def test_content_encoding(spec: str, encoding: str | None) -> None:
    assert CodecStack(spec).content_encoding == encoding


@pytest.mark.parametrize(
    "spec",
    [
        "orjson",
        "orjson|zstd:level=9",
        "json:sort_keys=true,indent=2|zlib:level=1",
        "pickle:protocol=4|zstd:level=-3,checksum=false|hmac:key=k-0123456789abcdef",
        "raw|hmac:env=X",
        "str|zstd|zlib",
    ],
)
def test_name_round_trips(spec: str) -> None:
    stack = CodecStack(spec)
    assert CodecStack(stack.name) == stack
    assert CodecStack(stack.name).name == stack.name


def test_defaults_are_not_spelled_out() -> None:
    assert CodecStack("orjson|zstd:level=3|zlib:level=6").name == "orjson|zstd|zlib"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("zstd", "start with a serializer"),
        ("zstd|orjson", "start with a serializer"),
        ("orjson|json", "second serializer"),
        ("orjson|zstd|pickle", "second serializer"),
        ("", "empty"),
        ("orjson||zstd", "empty"),
        ("orjson|nope", "unknown codec"),
    ],
)
def test_bad_stacks(spec: str, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        CodecStack(spec)


def test_bad_stack_items() -> None:
    with pytest.raises(CodecError):
        CodecStack([])
    with pytest.raises(CodecError):
        CodecStack(["orjson|zstd"])
    with pytest.raises(TypeError):
        CodecStack([OrjsonSerializer(), 3])  # type: ignore[list-item]  # on purpose
    with pytest.raises(TypeError):
        CodecStack(3)  # type: ignore[arg-type]  # on purpose
    with pytest.raises(CodecError, match="start with a serializer"):
        CodecStack([ZstdTransform()])


VALUE = {"users": [{"id": i, "name": f"user{i}"} for i in range(50)]}


@pytest.mark.parametrize(
    "spec",
    [
        "orjson",
        "json|zlib",
        "orjson|zstd",
        "pickle|zstd|hmac:key=k-0123456789abcdef",
        "orjson|zlib|zstd",
    ],
)
def test_dumps_loads_round_trip(spec: str) -> None:
    stack = CodecStack(spec)
    data = stack.dumps(VALUE)
    assert stack.loads(data) == VALUE
    assert stack.loads(data, limit=10_000) == VALUE
    assert stack.decode_bytes(stack.encode_bytes(b"abc")) == b"abc"


def test_decode_limit_applies() -> None:
    stack = CodecStack("orjson|zstd")
    data = stack.dumps(VALUE)
    with pytest.raises(CodecError, match="limit"):
        stack.loads(data, limit=100)


def test_raw_and_str_stacks() -> None:
    assert (
        CodecStack("raw|zstd").loads(CodecStack("raw|zstd").dumps(b"\x00" * 100)) == b"\x00" * 100
    )
    assert CodecStack("str|zlib").loads(CodecStack("str|zlib").dumps("héllo")) == "héllo"


def test_equality_and_hashing() -> None:
    a = CodecStack("orjson|zstd")
    b = CodecStack(["orjson", "zstd:level=3"])
    c = CodecStack("orjson|zstd:level=9")
    assert a == b
    assert hash(a) == hash(b)
    assert a != c
    assert len({a, b, c}) == 2
    assert a != "orjson|zstd"  # stacks compare with stacks only


@pytest.mark.parametrize(
    "spec",
    ["orjson|zstd:level=9", "json:sort_keys=true|zlib", "pickle|hmac:key=k-0123456789abcdef|zstd"],
)
def test_pickle(spec: str) -> None:
    stack = CodecStack(spec)
    stack.dumps(VALUE)  # per-thread zstd objects exist now; they must not be pickled
    again = pickle.loads(pickle.dumps(stack))
    assert again == stack
    assert again.loads(stack.dumps(VALUE)) == VALUE


def test_parse_stack() -> None:
    stack = CodecStack("orjson")
    assert parse_stack(stack) is stack
    assert parse_stack("orjson|zstd") == CodecStack("orjson|zstd")
    assert parse_stack(["raw"]).name == "raw"


@pytest.mark.parametrize(
    ("reader", "writer", "expected"),
    [
        ("orjson|zstd", "orjson|zstd:level=19", True),
        ("orjson|zstd", "json|zstd", True),
        ("json", "orjson:sort_keys=true", True),
        ("orjson|zstd", "orjson|zlib", False),
        ("orjson|zstd", "orjson", False),
        ("orjson", "pickle", False),
        ("orjson", "nonexistent", False),
        ("pickle|zlib", "pickle:protocol=4|zlib:level=1", True),
    ],
)
def test_can_decode(reader: str, writer: str, expected: bool) -> None:
    assert CodecStack(reader).can_decode(writer) is expected
    if expected and writer != "nonexistent":
        assert CodecStack(reader).can_decode(CodecStack(writer))
