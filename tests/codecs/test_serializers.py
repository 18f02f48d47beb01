"""Serializers: round trips, what each refuses, and bad stored bytes."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import uuid

import pytest

from typed_cloudmap.codecs import Serializer, get_codec
from typed_cloudmap.errors import CodecError


def serializer(spec: str) -> Serializer:
    codec = get_codec(spec)
    assert isinstance(codec, Serializer)
    return codec


@pytest.mark.parametrize(
    ("spec", "fmt", "media_type"),
    [
        ("raw", "bytes", "application/octet-stream"),
        ("str", "text", "text/plain; charset=utf-8"),
        ("json", "json", "application/json"),
        ("orjson", "json", "application/json"),
        ("pickle", "pickle", "application/python-pickle"),
    ],
)
def test_format_and_media_type(spec: str, fmt: str, media_type: str) -> None:
    codec = serializer(spec)
    assert codec.format == fmt
    assert codec.media_type == media_type
    assert codec.name == spec


@pytest.mark.parametrize("value", [b"", b"\x00\xff", bytearray(b"ab"), memoryview(b"xyz")])
def test_raw_round_trip(value: bytes | bytearray | memoryview) -> None:
    codec = serializer("raw")
    data = codec.dumps(value)
    assert type(data) is bytes
    assert data == bytes(value)
    assert codec.loads(data) == bytes(value)


@pytest.mark.parametrize("value", ["text", 1, None, [b"x"], {"a": 1}])
def test_raw_refuses_non_bytes(value: object) -> None:
    with pytest.raises(TypeError):
        serializer("raw").dumps(value)


def test_str_round_trip_and_refusals() -> None:
    codec = serializer("str")
    assert codec.dumps("héllo ✓") == "héllo ✓".encode()
    assert codec.loads("héllo ✓".encode()) == "héllo ✓"
    with pytest.raises(TypeError):
        codec.dumps(b"bytes")
    with pytest.raises(CodecError):
        codec.loads(b"\xff\xfe\xfa")


VALUE = {"id": 1, "name": "Zoë", "tags": ["a", "b"], "score": 1.5, "ok": True, "none": None}


@pytest.mark.parametrize("spec", ["json", "orjson"])
def test_json_round_trip_is_plain_compact_json(spec: str) -> None:
    codec = serializer(spec)
    data = codec.dumps(VALUE)
    assert json.loads(data) == VALUE
    assert codec.loads(data) == VALUE
    assert b" " not in data.replace(b"Zo\xc3\xab", b"")  # compact separators
    assert "Zoë".encode() in data  # UTF-8, not \u escapes


@pytest.mark.parametrize("spec", ["json", "orjson"])
@pytest.mark.parametrize("bad", [b"{", b"\xff", b"", b"[1,]", b"nope"])
def test_json_bad_bytes_raise_codec_error(spec: str, bad: bytes) -> None:
    with pytest.raises(CodecError):
        serializer(spec).loads(bad)


@pytest.mark.parametrize("spec", ["json", "orjson"])
def test_json_refuses_what_it_cannot_hold(spec: str) -> None:
    with pytest.raises(TypeError):
        serializer(spec).dumps({"x": object()})


def test_stdlib_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        serializer("json").dumps(float("nan"))


def test_sort_keys_and_indent_options() -> None:
    assert serializer("json:sort_keys=true").dumps({"b": 1, "a": 2}) == b'{"a":2,"b":1}'
    assert serializer("orjson:sort_keys=true").dumps({"b": 1, "a": 2}) == b'{"a":2,"b":1}'
    assert serializer("orjson:sort_keys=true").name == "orjson:sort_keys=true"
    assert serializer("orjson:sort_keys=false").name == "orjson"
    assert b"\n" in serializer("json:indent=2").dumps({"a": 1})
    assert b"\n" in serializer("orjson:indent=true").dumps({"a": 1})


def test_orjson_native_types() -> None:
    codec = serializer("orjson")
    stamp = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    ident = uuid.UUID(int=7)
    assert codec.loads(codec.dumps({"t": stamp, "u": ident})) == {
        "t": "2024-01-02T03:04:05+00:00",
        "u": str(ident),
    }


def test_pickle_round_trip_and_protocol() -> None:
    value = {"when": dt.date(2024, 1, 1), "set": {1, 2}, "bytes": b"\x00"}
    codec = serializer("pickle")
    assert codec.loads(codec.dumps(value)) == value
    assert codec.dumps(value)[1] == 5  # protocol byte after PROTO opcode
    four = serializer("pickle:protocol=4")
    assert four.name == "pickle:protocol=4"
    assert four.dumps(value)[1] == 4
    assert "code" in (type(codec).__doc__ or "")  # the docstring warns that unpickling runs code


def test_pickle_failures() -> None:
    codec = serializer("pickle")
    with pytest.raises(TypeError):
        codec.dumps(lambda: None)
    with pytest.raises(CodecError):
        codec.loads(b"not a pickle")
    with pytest.raises(CodecError):
        codec.loads(pickle.dumps([1, 2, 3])[:-3])


@pytest.mark.parametrize("spec", ["raw", "str", "json:sort_keys=true", "orjson:sort_keys=true"])
def test_serializers_pickle(spec: str) -> None:
    codec = serializer(spec)
    again = pickle.loads(pickle.dumps(codec))
    assert again.name == codec.name
    assert repr(again) == repr(codec)


@pytest.mark.parametrize("option", ["naive_utc", "utc_z", "omit_microseconds"])
def test_orjson_datetime_options_are_gone(option: str) -> None:
    # pydantic turns datetimes into strings before orjson sees them: these had no effect.
    with pytest.raises(CodecError, match="unknown option"):
        get_codec(f"orjson:{option}=true")
