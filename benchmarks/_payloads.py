"""The typed values the cloud benchmarks store: a ~1 KB order and a ~1 MB catalogue."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, TypeAdapter


class Line(BaseModel):
    sku: str
    quantity: int
    unit_price: float


class Order(BaseModel):
    """About 1 KB as JSON: the "1 KB typed value" of the issue."""

    id: int
    customer: str
    email: str
    created: dt.datetime
    status: str
    lines: list[Line]
    note: str


class Catalogue(BaseModel):
    """About 1 MB as JSON: the "repeated read of an unchanged 1 MB value" case."""

    name: str
    orders: list[Order]


ORDER = TypeAdapter(Order)
CATALOGUE = TypeAdapter(Catalogue)


def order(i: int = 0) -> Order:
    return Order(
        id=i,
        customer=f"customer-{i}",
        email=f"customer-{i}@example.org",
        created=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=i),
        status="paid",
        lines=[
            Line(sku=f"SKU-{i}-{n:04d}", quantity=n + 1, unit_price=n * 1.25) for n in range(14)
        ],
        note="leave at the door; ring twice. " * 4,
    )


def catalogue(size: int = 1_000_000) -> Catalogue:
    """A catalogue of orders whose JSON is at least ``size`` bytes."""
    one = len(ORDER.dump_json(order()))
    return Catalogue(name="catalogue", orders=[order(i) for i in range(size // one + 1)])
