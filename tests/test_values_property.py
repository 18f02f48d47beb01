"""Property tests over values: whatever the type admits round-trips under every codec stack."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from typed_cloudmap import CloudMapping, InvalidValueError, MemoryProvider

STACKS = ["orjson", "json", "orjson|zstd", "json|zlib", "pickle", "orjson|zstd:level=9|zlib"]


class Record(BaseModel):
    name: str
    count: int
    ratio: float | None
    tags: list[str]
    meta: dict[str, int]
    when: datetime.date


records = st.builds(
    Record,
    name=st.text(),
    count=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    ratio=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    tags=st.lists(st.text(), max_size=5),
    meta=st.dictionaries(st.text(), st.integers(-1000, 1000), max_size=5),
    when=st.dates(),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("stack", STACKS)
@FAST
@given(value=records)
def test_models_round_trip(stack: str, value: Record) -> None:
    m = CloudMapping[str, Record](MemoryProvider(), codec=stack)
    m["k"] = value
    assert m["k"] == value


@pytest.mark.parametrize("stack", ["orjson", "json|zstd"])
@FAST
@given(value=json_values)
def test_any_json_value_round_trips(stack: str, value: Any) -> None:
    m = CloudMapping[str, Any](MemoryProvider(), codec=stack)
    m["k"] = value
    assert m["k"] == value


@FAST
@given(value=st.binary())
def test_bytes_round_trip_raw(value: bytes) -> None:
    m = CloudMapping(MemoryProvider(), codec="raw|zstd")
    m["k"] = value
    assert m["k"] == value


@FAST
@given(
    value=st.one_of(
        st.integers(), st.text(), st.lists(st.integers()), st.dictionaries(st.text(), st.text())
    )
)
def test_values_the_type_refuses_write_nothing(value: Any) -> None:
    provider = MemoryProvider()
    m = CloudMapping[str, Record](provider)
    with pytest.raises(InvalidValueError):
        m["k"] = value
    assert list(provider.list()) == []
