"""Property tests: any bytes through every transform, any JSON value through json/orjson."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typed_cloudmap.codecs import CodecStack, Serializer, Transform, get_codec

TRANSFORMS = [
    "zlib",
    "zlib:level=0",
    "zlib:level=9",
    "zstd",
    "zstd:level=1",
    "zstd:level=12",
    "zstd:level=-3,checksum=false",
    "hmac:key=property-key-0123456789",
]

# What both JSON codecs hold and read back equal: finite floats, 64-bit ints (orjson's
# range), text without lone surrogates (not UTF-8), and str-keyed objects.
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(text, children, max_size=5),
    max_leaves=25,
)

common = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(data=st.binary(max_size=4096), spec=st.sampled_from(TRANSFORMS))
def test_any_bytes_round_trip_through_every_transform(data: bytes, spec: str) -> None:
    codec = get_codec(spec)
    assert isinstance(codec, Transform)
    encoded = codec.encode(data)
    assert codec.decode(encoded) == data
    assert codec.decode(encoded, limit=len(data)) == data


@common
@given(
    data=st.binary(max_size=2048),
    specs=st.lists(st.sampled_from(TRANSFORMS), min_size=1, max_size=3),
)
def test_any_bytes_round_trip_through_transform_chains(data: bytes, specs: list[str]) -> None:
    stack = CodecStack(["raw", *specs])
    assert stack.loads(stack.dumps(data), limit=len(data)) == data


@common
@given(value=json_values, spec=st.sampled_from(["json", "orjson", "json:sort_keys=true"]))
def test_any_json_value_round_trips(value: Any, spec: str) -> None:
    codec = get_codec(spec)
    assert isinstance(codec, Serializer)
    assert codec.loads(codec.dumps(value)) == value


@common
@given(value=json_values)
def test_json_and_orjson_read_each_other(value: Any) -> None:
    stdlib, fast = CodecStack("json|zstd"), CodecStack("orjson|zstd")
    assert stdlib.loads(fast.dumps(value)) == value
    assert fast.loads(stdlib.dumps(value)) == value


@common
@given(data=st.binary(max_size=512), spec=st.sampled_from(TRANSFORMS))
def test_random_bytes_never_escape_as_other_errors(data: bytes, spec: str) -> None:
    codec = get_codec(spec)
    assert isinstance(codec, Transform)
    with contextlib.suppress(ValueError):  # CodecError is a ValueError; nothing else may escape
        codec.decode(data, limit=1 << 20)
