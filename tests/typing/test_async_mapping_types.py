"""Typing tests of ``AsyncCloudMapping``: under mypy --strict and pyright the awaited results
have the mapping's types (``assert_type`` fails the check otherwise); pytest runs the same
code on memory."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from pydantic import BaseModel
from typing_extensions import assert_type

from typed_cloudmap import AsyncCloudMapping, Change
from typed_cloudmap.providers import AsyncMemoryProvider


class User(BaseModel):
    id: int
    name: str


async def _bump(user: User) -> User:
    return User(id=user.id + 1, name=user.name)


def test_awaited_results_are_typed() -> None:
    async def main() -> None:
        async with AsyncCloudMapping[str, User](AsyncMemoryProvider()) as users:
            await users.setitem("alice", User(id=1, name="Alice"))
            assert_type(await users.getitem("alice"), User)
            assert_type(await users.get("alice"), User | None)
            assert_type(await users.get_many(["alice"]), dict[str, User])
            assert_type(await users.setdefault("bob", User(id=2, name="Bob")), User)
            assert_type(await users.modify("alice", _bump), User)
            assert_type(await users.modify("alice", lambda u: u), User)
            assert_type(await users.contains("alice"), bool)
            assert_type(users.etags, Mapping[str, str])
            assert_type(list(users), list[str])
            async for key, user in users.items():
                assert_type(key, str)
                assert_type(user, User)
            async for value in users.values():
                assert_type(value, User)
            assert (await users.getitem("alice")).id == 2
        raw = AsyncCloudMapping(AsyncMemoryProvider())
        assert_type(raw, AsyncCloudMapping[str, bytes])

    asyncio.run(main())


async def first_change(users: AsyncCloudMapping[str, User]) -> Change[str, User]:
    """``watch()`` yields typed changes (checked by the return type)."""
    async for change in users.watch():
        return change
    raise AssertionError("watch() never ends")
