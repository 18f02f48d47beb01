"""``typed_cloudmap.settings``: the pydantic-settings source and live settings."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from typed_cloudmap import CloudMapping, CodecError, MemoryProvider, StoredObject
from typed_cloudmap._values import ValueCodec
from typed_cloudmap.settings import AsyncLiveSettings, CloudSettingsSource, LiveSettings


class Database(BaseModel):
    host: str = "localhost"
    port: int = 5432


class App(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")
    name: str = "default"
    workers: int = 1
    debug: bool = False
    db: Database = Database()


def _sources_class(url: str, key: str | None, order: str) -> type[App]:
    """An ``App`` whose sources are ``order`` (highest priority first) of init/env/dotenv/cloud."""

    class Ordered(App):
        model_config = SettingsConfigDict(env_prefix="APP_", env_file=None)

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            cloud = CloudSettingsSource(settings_cls, url, key=key)
            table = {
                "init": init_settings,
                "env": env_settings,
                "dotenv": dotenv_settings,
                "cloud": cloud,
            }
            return tuple(table[name] for name in order.split(","))

    return Ordered


@pytest.fixture
def store_url() -> str:
    url = f"memory://settings-{uuid.uuid4().hex}/app/"
    CloudMapping[str, Any](url)["app.json"] = {
        "name": "from-store",
        "workers": 4,
        "debug": True,
        "db": {"host": "db.internal"},
    }
    return url


def test_whole_object_source(store_url: str) -> None:
    settings = _sources_class(store_url, "app.json", "init,env,cloud")()
    assert settings.name == "from-store"
    assert settings.db == Database(host="db.internal")


def test_priority_init_then_env_then_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_WORKERS", "8")
    monkeypatch.setenv("APP_DEBUG", "false")
    settings = _sources_class(store_url, "app.json", "init,env,cloud")(name="from-init")
    assert (settings.name, settings.workers, settings.debug) == ("from-init", 8, False)
    assert settings.db.host == "db.internal"  # only the store has it


def test_priority_store_over_env(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_WORKERS", "8")
    settings = _sources_class(store_url, "app.json", "init,cloud,env")(name="from-init")
    assert (settings.name, settings.workers) == ("from-init", 4)


def test_priority_with_dotenv(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("APP_WORKERS=16\nAPP_NAME=from-dotenv\n")
    cls = _sources_class(store_url, "app.json", "env,dotenv,cloud")
    cls.model_config["env_file"] = ".env"
    monkeypatch.setenv("APP_NAME", "from-env")
    settings = cls()
    assert (settings.name, settings.workers, settings.debug) == ("from-env", 16, True)
    cls_store_first = _sources_class(store_url, "app.json", "cloud,dotenv")
    cls_store_first.model_config["env_file"] = ".env"
    assert cls_store_first().workers == 4


def test_missing_object_contributes_nothing() -> None:
    url = f"memory://settings-{uuid.uuid4().hex}/"
    settings = _sources_class(url, "absent.json", "init,cloud")()
    assert settings.model_dump() == App().model_dump()


def test_undecodable_object_names_its_key() -> None:
    url = f"memory://settings-{uuid.uuid4().hex}/"
    CloudMapping[str, Any](url)["app.json"] = [1, 2]
    with pytest.raises(CodecError, match=r"app\.json"):
        _sources_class(url, "app.json", "cloud")()


def test_one_object_per_field(tmp_path: Path) -> None:
    url = f"file://{tmp_path}"
    fields = CloudMapping[str, Any](url)
    fields.update({"name": "from-files", "workers": 3, "db": {"host": "files", "port": 1}})
    fields["unrelated.txt"] = "ignored: not a field"
    settings = _sources_class(url, None, "init,cloud")()
    assert (settings.name, settings.workers, settings.debug) == ("from-files", 3, False)
    assert settings.db == Database(host="files", port=1)


def test_one_object_per_field_in_a_plain_directory(tmp_path: Path) -> None:
    """The development layout: a plain directory of JSON files, one per field (git-friendly)."""
    (tmp_path / "name").write_text('"from-files"\n')
    (tmp_path / "workers").write_text("3\n")
    (tmp_path / "db").write_text(json.dumps({"host": "files", "port": 1}))
    settings = _sources_class(f"file://{tmp_path}", None, "init,cloud")()
    assert (settings.name, settings.workers) == ("from-files", 3)
    assert settings.db == Database(host="files", port=1)


def test_invalid_store_value_is_a_validation_error(store_url: str) -> None:
    CloudMapping[str, Any](store_url)["bad.json"] = {"workers": "many"}
    with pytest.raises(ValidationError):
        _sources_class(store_url, "bad.json", "cloud")()


# --- live settings ---------------------------------------------------------------------------


class Counting:
    """A provider wrapper counting GETs, 304s and decodes (through the value codec)."""

    def __init__(self, inner: MemoryProvider) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, name: str, **kwargs: Any) -> StoredObject | None:
        self.calls["get"] += 1
        if kwargs.get("if_none_match"):
            self.calls["conditional"] += 1
        got = self.inner.get(name, **kwargs)
        self.calls["304" if got is None else "download"] += 1
        return got

    def list(self, prefix: str = "") -> Iterator[Any]:
        self.calls["list"] += 1
        return self.inner.list(prefix)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    seen: Counter[str] = Counter()
    original = ValueCodec.decode

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen["decode"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ValueCodec, "decode", counting)
    return seen


def test_live_settings_reload_keep_old_and_callbacks(decodes: Counter[str]) -> None:
    provider = Counting(MemoryProvider())
    writer = CloudMapping[str, Any](provider.inner)
    writer["app.json"] = {"name": "v1"}
    changes: list[tuple[App, App]] = []
    errors: list[Exception] = []
    live = LiveSettings(
        App,
        provider,
        key="app.json",
        interval=3600,
        on_change=lambda o, n: changes.append((o, n)),
        on_error=errors.append,
    )
    assert live.current.name == "v1"
    first = live.current

    provider.calls.clear()
    decodes.clear()
    assert live.refresh() is False  # nothing changed: one conditional GET, a 304
    assert dict(provider.calls) == {"get": 1, "conditional": 1, "304": 1}
    assert decodes["decode"] == 0
    assert changes == []
    assert errors == []

    writer["app.json"] = {"name": "v2", "workers": 2}
    assert live.refresh() is True
    assert (live.current.name, live.current.workers) == ("v2", 2)
    assert changes == [(first, live.current)]

    writer["app.json"] = {"name": "v3", "workers": "many"}  # does not validate
    assert live.refresh() is False
    assert live.current.name == "v2"
    assert len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert live.refresh() is False  # the same bad version is reported once
    assert len(errors) == 1

    writer["app.json"] = "a string, not an object"
    assert live.refresh() is False
    assert isinstance(errors[-1], CodecError)

    del writer["app.json"]
    assert live.refresh() is False
    assert isinstance(errors[-1], KeyError)
    assert live.current.name == "v2"

    writer["app.json"] = {"name": "v4"}
    assert live.refresh() is True
    assert live.current.name == "v4"
    assert [n.name for _, n in changes] == ["v2", "v4"]
    live.close()


def test_live_settings_background_thread() -> None:
    url = f"memory://live-{uuid.uuid4().hex}/"
    writer = CloudMapping[str, Any](url)
    writer["app.json"] = {"name": "v1"}
    swapped = threading.Event()
    with LiveSettings(
        App, url, key="app.json", interval=0.01, on_change=lambda o, n: swapped.set()
    ) as live:
        writer["app.json"] = {"name": "v2"}
        assert swapped.wait(10)
        assert live.current.name == "v2"
    assert not live._thread.is_alive()


def test_live_settings_first_version_must_validate() -> None:
    url = f"memory://live-{uuid.uuid4().hex}/"
    with pytest.raises(KeyError):
        LiveSettings(App, url, key="app.json")
    CloudMapping[str, Any](url)["app.json"] = {"workers": "many"}
    with pytest.raises(ValidationError):
        LiveSettings(App, url, key="app.json")
    with pytest.raises(ValueError, match="interval"):
        LiveSettings(App, url, key="app.json", interval=0)


def test_async_live_settings() -> None:
    provider = Counting(MemoryProvider())
    writer = CloudMapping[str, Any](provider.inner)
    writer["app.json"] = {"name": "v1"}

    async def main() -> None:
        changed = asyncio.Event()
        seen: list[str] = []

        async def on_change(old: App, new: App) -> None:
            seen.append(new.name)
            changed.set()

        live = AsyncLiveSettings(App, provider, key="app.json", interval=0.01, on_change=on_change)
        with pytest.raises(RuntimeError):
            _ = live.current
        async with live:
            assert live.current.name == "v1"
            provider.calls.clear()
            await asyncio.sleep(0.1)  # several intervals, nothing changed
            polls = provider.calls["get"]
            assert polls >= 2
            assert provider.calls["304"] == polls  # each one a 304
            writer["app.json"] = {"name": "v2"}
            await asyncio.wait_for(changed.wait(), 10)
            assert live.current.name == "v2"
            assert seen == ["v2"]
        assert live._task is None

    asyncio.run(main())


def test_live_settings_on_the_wire_one_conditional_get(s3_moto_make_provider: Any) -> None:
    """On moto, counted by botocore's before-send hook: an unchanged object costs one GET that
    carries ``If-None-Match`` and is answered 304 (no body)."""
    provider = s3_moto_make_provider()
    CloudMapping[str, Any](provider)["app.json"] = {"name": "v1"}
    sent: list[tuple[str, str | None]] = []

    def count(request: Any, **_: Any) -> None:
        sent.append((request.method, request.headers.get("If-None-Match")))

    provider.client.meta.events.register("before-send.s3", count)
    with LiveSettings(App, provider, key="app.json", interval=3600) as live:
        sent.clear()
        for _ in range(3):
            assert live.refresh() is False
        assert len(sent) == 3
        assert all(method == "GET" and etag for method, etag in sent)
        assert live.current.name == "v1"


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    from typed_cloudmap import MissingDependencyError

    monkeypatch.setitem(sys.modules, "pydantic_settings", None)  # as if not installed
    for name in ("typed_cloudmap.settings", "typed_cloudmap._settings_live"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(MissingDependencyError, match=r"typed-cloudmap\[settings\]"):
        importlib.import_module("typed_cloudmap.settings")


def test_async_live_settings_keeps_old_on_invalid() -> None:
    url = f"memory://live-{uuid.uuid4().hex}/"
    writer = CloudMapping[str, Any](url)
    writer["app.json"] = {"name": "v1"}
    errors: list[Exception] = []

    async def main() -> None:
        async with AsyncLiveSettings(
            App, url, key="app.json", interval=3600, on_error=errors.append
        ) as live:
            writer["app.json"] = {"workers": "many"}
            assert await live.refresh() is False
            assert live.current.name == "v1"
            assert len(errors) == 1
            assert isinstance(errors[0], ValidationError)
            writer["app.json"] = {"name": "v2"}
            assert await live.refresh() is True
            assert live.current.name == "v2"

    asyncio.run(main())


def test_live_settings_one_object_per_field(decodes: Counter[str]) -> None:
    provider = Counting(MemoryProvider())
    fields = CloudMapping[str, Any](provider.inner)
    fields.update({"name": "v1", "workers": 2, "unrelated": True})
    changes: list[tuple[App, App]] = []
    errors: list[Exception] = []
    with LiveSettings(
        App,
        provider,
        interval=3600,
        on_change=lambda o, n: changes.append((o, n)),
        on_error=errors.append,
    ) as live:
        assert (live.current.name, live.current.workers) == ("v1", 2)
        provider.calls.clear()
        decodes.clear()
        assert live.refresh() is False  # nothing changed: one LIST, no GET, no decode
        assert dict(provider.calls) == {"list": 1}
        assert decodes["decode"] == 0
        fields["workers"] = 3
        assert live.refresh() is True
        assert live.current.workers == 3
        assert [n.workers for _, n in changes] == [3]
        fields["workers"] = "many"
        assert live.refresh() is False
        assert isinstance(errors[-1], ValidationError)
        assert live.current.workers == 3
        del fields["workers"]
        assert live.refresh() is True  # the field is gone: its default applies
        assert live.current.workers == 1
