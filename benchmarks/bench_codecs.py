"""Typed encode/decode through the library's codec path vs bare pydantic.

The library's path is ``ValueCodec.encode``/``decode`` (validate + serialize + transforms);
the baseline is ``TypeAdapter.dump_json``/``validate_json`` alone. The ``loads+validate``
row shows why the typed path decodes straight from bytes (no intermediate dict).
Run: ``python -m benchmarks.bench_codecs``.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from pydantic import BaseModel, TypeAdapter
from rich.console import Console

from typed_cloudmap._values import ValueCodec
from typed_cloudmap.codecs import parse_stack

from ._timing import print_table, race


class Address(BaseModel):
    street: str
    city: str
    zip: str


class Small(BaseModel):
    id: int
    name: str
    email: str | None = None
    active: bool = True


class Record(BaseModel):
    id: int
    name: str
    tags: list[str]
    score: float
    address: Address


class Big(BaseModel):
    records: list[Record]


def _big() -> Big:
    records = [
        Record(
            id=i,
            name=f"user-{i}",
            tags=["a", "b", f"t{i % 7}"],
            score=i / 3,
            address=Address(street=f"{i} Main St", city="Springfield", zip=f"{i:05d}"),
        )
        for i in range(700)
    ]
    return Big(records=records)


Calls = dict[str, Callable[[], object]]


def _calls(
    adapter: TypeAdapter[BaseModel], codec: ValueCodec[BaseModel], value: BaseModel, data: bytes
) -> tuple[Calls, Calls]:
    """(encoders, decoders): each a zero-argument lambda, so every system pays one frame."""
    encoders: Calls = {
        "bare": lambda: adapter.dump_json(value),
        "lib": lambda: codec.encode("k", value),
    }
    decoders: Calls = {
        "bare": lambda: adapter.validate_json(data),
        "lib": lambda: codec.decode("k", data),
        "loads": lambda: adapter.validate_python(orjson.loads(data)),
    }
    return encoders, decoders


def main(console: Console | None = None) -> list[tuple[str, str, float, float]]:
    console = console or Console()
    rows: list[tuple[str, str, float, float]] = []
    for label, model, value in (
        ("small model", Small, Small(id=1, name="Alice", email="a@example.org")),
        ("~100 KB model", Big, _big()),
    ):
        adapter: TypeAdapter[BaseModel] = TypeAdapter(model)
        codec: ValueCodec[BaseModel] = ValueCodec(model, parse_stack("orjson"))
        data = adapter.dump_json(value)
        size = f"{label} ({len(data):,} B)"
        encoders, decoders = _calls(adapter, codec, value, data)
        enc, dec = race(encoders), race(decoders)
        rows += [
            (f"encode {size}", "TypeAdapter.dump_json (baseline)", enc["bare"], enc["bare"]),
            (f"encode {size}", "typed-cloudmap orjson", enc["lib"], enc["bare"]),
            (f"decode {size}", "TypeAdapter.validate_json (baseline)", dec["bare"], dec["bare"]),
            (f"decode {size}", "typed-cloudmap orjson", dec["lib"], dec["bare"]),
            (f"decode {size}", "orjson.loads + validate_python", dec["loads"], dec["bare"]),
        ]
    print_table("Typed codec path vs bare pydantic (higher is faster)", rows, console)
    return rows


if __name__ == "__main__":
    main()
