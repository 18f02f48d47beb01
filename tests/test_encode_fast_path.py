"""The direct encode of float-free models: same bytes as ``TypeAdapter.dump_json``, and
every type that could hide a NaN as ``null`` still goes through the NaN check."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, computed_field, field_serializer

from typed_cloudmap import CloudMapping, InvalidValueError, MemoryProvider
from typed_cloudmap._values import ValueCodec, _float_free
from typed_cloudmap.codecs import parse_stack


class Plain(BaseModel):
    id: int
    name: str
    email: str | None = None
    tags: list[str] = []


class Aliased(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)
    user_id: int = Field(alias="userId")


class Tree(BaseModel):
    label: str
    children: list[Tree] = []


class WithFloat(BaseModel):
    x: float


class Nested(BaseModel):
    inner: WithFloat | None = None


class Extra(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int


class Serialised(BaseModel):
    id: int

    @field_serializer("id")
    def _as_float(self, value: int) -> float:
        return math.nan if value < 0 else float(value)


class Computed(BaseModel):
    id: int

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented spelling
    @property
    def ratio(self) -> float:
        return math.inf if self.id == 0 else 1 / self.id


class Loose(BaseModel):
    data: Any = None
    scores: dict[str, float] = {}


@pytest.mark.parametrize(("tp", "free"), [(Plain, True), (Aliased, True), (Tree, True)])
def test_float_free_models_take_the_direct_path(tp: type[BaseModel], free: bool) -> None:
    codec: ValueCodec[Any] = ValueCodec(tp, parse_stack("orjson"))
    assert _float_free(codec._adapter.core_schema if codec._adapter else None) is free
    assert codec.direct[0] is tp


@pytest.mark.parametrize("tp", [WithFloat, Nested, Extra, Serialised, Computed, Loose])
def test_types_that_may_hold_a_float_are_checked(tp: type[BaseModel]) -> None:
    codec: ValueCodec[Any] = ValueCodec(tp, parse_stack("orjson"))
    assert codec.direct == (None, None)


@pytest.mark.parametrize(
    "value",
    [
        Plain(id=1, name="a", email=None, tags=["x", "null"]),
        Aliased(userId=3),
        Tree(label="r", children=[Tree(label="c")]),
    ],
)
def test_direct_bytes_are_dump_jsons(value: BaseModel) -> None:
    m: CloudMapping[str, Any] = CloudMapping(MemoryProvider(), value_type=type(value))
    m["k"] = value
    stored = m.provider.get("k")
    assert stored is not None  # an unconditional GET returns the object
    assert stored.data == TypeAdapter(type(value)).dump_json(value)
    assert m["k"] == value


@pytest.mark.parametrize(
    "value",
    [
        WithFloat(x=math.nan),
        Nested(inner=WithFloat(x=math.inf)),
        Extra(id=1, score=math.nan),  # type: ignore[call-arg]  # an extra field
        Serialised(id=-1),
        Computed(id=0),
        Loose(data=[math.nan]),
        Loose(scores={"a": -math.inf}),
    ],
)
def test_hidden_non_finite_is_still_refused(value: BaseModel) -> None:
    provider = MemoryProvider()
    m: CloudMapping[str, Any] = CloudMapping(provider, value_type=type(value))
    with pytest.raises(InvalidValueError, match="'k'"):
        m["k"] = value
    assert list(provider.list("")) == []


def test_encode_benchmark_runs() -> None:
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_encode.py"
    done = subprocess.run(
        [sys.executable, str(script), "--rounds", "1", "--calls", "200"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "MappingCore.encode" in done.stdout
