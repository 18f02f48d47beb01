"""Typing tests for the config-store API: ``watch`` yields ``Change[K, V]``, live settings
hold the settings class (mypy --strict and pyright check the ``assert_type`` calls)."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic_settings import BaseSettings
from typing_extensions import assert_type

from typed_cloudmap import Change, CloudMapping, CodecError, MemoryProvider
from typed_cloudmap.settings import AsyncLiveSettings, LiveSettings


class Flag(BaseModel):
    on: bool


class App(BaseSettings):
    name: str = "app"


def test_watch_yields_typed_changes() -> None:
    provider = MemoryProvider()
    flags = CloudMapping[int, Flag](provider)
    writer = CloudMapping[int, Flag](provider)
    stream = flags.watch(interval=0.01)
    writer[1] = Flag(on=True)
    change = next(stream)
    assert_type(change, Change[int, Flag])
    assert_type(change.key, int)
    assert_type(change.value, Flag | None)
    assert_type(change.error, CodecError | None)
    assert change.kind == "added"
    stream.close()


def test_live_settings_hold_the_settings_class() -> None:
    url = "memory://typing-live-settings/"
    CloudMapping[str, dict[str, str]](url)["app.json"] = {"name": "typed"}
    with LiveSettings(App, url, key="app.json", interval=60) as live:
        assert_type(live.current, App)
        assert live.current.name == "typed"
    async_live = AsyncLiveSettings(App, url, key="app.json")
    assert_type(async_live, AsyncLiveSettings[App])
