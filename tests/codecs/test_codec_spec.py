"""Parsing codec spec strings: names, ``k=v`` parameters and value typing."""

from __future__ import annotations

import pytest

from typed_cloudmap.codecs._spec import (
    format_codec_spec,
    parse_codec_spec,
    parse_value,
    split_stack,
)
from typed_cloudmap.errors import CodecError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", 9),
        ("-5", -5),
        ("0", 0),
        ("0.5", 0.5),
        ("-1.25", -1.25),
        ("true", True),
        ("false", False),
        ("True", True),
        ("abc", "abc"),
        ("007", "007"),  # would not round-trip as an int
        ("+1", "+1"),
        ("-0", "-0"),
        ("1e3", "1e3"),  # float('1e3') prints as 1000.0
        ("inf", "inf"),
        ("nan", "nan"),
        ("TRUE", "TRUE"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_parse_value_types_values_only_when_they_round_trip(text: str, expected: object) -> None:
    value = parse_value(text)
    assert value == expected
    assert type(value) is type(expected)


def test_parse_codec_spec_name_and_params() -> None:
    assert parse_codec_spec("zstd") == ("zstd", {})
    assert parse_codec_spec(" zstd : level = 9 , checksum=false ") == (
        "zstd",
        {"level": 9, "checksum": False},
    )
    assert parse_codec_spec("hmac:key=abc==") == ("hmac", {"key": "abc=="})


@pytest.mark.parametrize(
    "spec",
    ["", "zs td", "zstd:level", "zstd:=3", "zstd:level=1,level=2", "zstd:1x=2", "a|b", ":x=1"],
)
def test_parse_codec_spec_rejects_malformed(spec: str) -> None:
    with pytest.raises(CodecError):
        parse_codec_spec(spec)


def test_malformed_parameter_is_not_echoed() -> None:
    with pytest.raises(CodecError) as info:
        parse_codec_spec("hmac:supersecretvalue")
    assert "supersecretvalue" not in str(info.value)


def test_split_stack() -> None:
    assert split_stack("orjson | zstd:level=9") == ["orjson", "zstd:level=9"]
    with pytest.raises(CodecError):
        split_stack("orjson||zstd")
    with pytest.raises(CodecError):
        split_stack("orjson|")


def test_format_round_trips() -> None:
    params = {"level": 9, "checksum": False, "ratio": 0.5, "tag": "007"}
    spec = format_codec_spec("zstd", params)
    assert spec == "zstd:level=9,checksum=false,ratio=0.5,tag=007"
    assert parse_codec_spec(spec) == ("zstd", params)
    assert format_codec_spec("zstd", {}) == "zstd"
