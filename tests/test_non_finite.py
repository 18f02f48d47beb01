"""NaN and Infinity are refused on write: JSON has no spelling for them."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import BaseModel

from typed_cloudmap import CloudMapping, InvalidValueError, MemoryProvider
from typed_cloudmap.codecs import OrjsonSerializer


class Point(BaseModel):
    x: float


CASES: list[tuple[Any, Any]] = [
    (float, math.nan),
    (float, math.inf),
    (dict[str, float], {"a": -math.inf}),
    (list[float], [1.0, math.nan]),
    (Point, Point(x=math.nan)),
    (Point, {"x": math.inf}),
    (Any, {"a": [math.nan]}),
    (dict, {"a": math.inf}),
]


@pytest.mark.parametrize("codec", ["json", "orjson", "orjson|zstd", "json|zlib"])
@pytest.mark.parametrize(("tp", "value"), CASES)
def test_non_finite_is_refused_and_nothing_written(codec: str, tp: Any, value: Any) -> None:
    provider = MemoryProvider()
    m: CloudMapping[str, Any] = CloudMapping(provider, codec=codec, value_type=tp)
    with pytest.raises(InvalidValueError, match="'n'") as info:
        m["n"] = value
    assert info.value.key == "n"
    assert list(provider.list("")) == []
    assert "n" not in m


@pytest.mark.parametrize("codec", ["json", "orjson"])
def test_null_and_finite_values_still_store(codec: str) -> None:
    m = CloudMapping[str, Any](MemoryProvider(), codec=codec)
    m["a"] = {"x": None, "y": 1.5, "z": "NaN null"}
    assert m["a"] == {"x": None, "y": 1.5, "z": "NaN null"}


def test_orjson_serializer_refuses_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        OrjsonSerializer().dumps({"a": [math.nan]})
