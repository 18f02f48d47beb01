"""The URL registry: schemes, prefixes, leftover options, named memory stores, plugins."""

from __future__ import annotations

import builtins
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import typed_cloudmap.providers as providers
from typed_cloudmap.errors import MissingDependencyError
from typed_cloudmap.providers import (
    LocalProvider,
    MemoryProvider,
    Provider,
    _registry,
    open_url,
    register_provider,
)


@pytest.fixture(autouse=True)
def _clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_registry, "_registered", {})
    monkeypatch.setattr(_registry, "_loaded", {})


class _PluginProvider(MemoryProvider):
    """A third-party provider: remembers what the registry handed it."""

    seen: tuple[str, str, dict[str, str]] | None = None

    @classmethod
    def from_url_parts(
        cls, location: str, path: str, options: dict[str, str]
    ) -> tuple[_PluginProvider, str]:
        cls.seen = (location, path, dict(options))
        options.pop("mine", None)
        return cls(), f"{location}/{path}"


def test_memory_url_is_a_fresh_store() -> None:
    a, prefix_a, opts = open_url("memory://")
    b, _, _ = open_url("memory://")
    assert isinstance(a, MemoryProvider)
    assert (prefix_a, opts) == ("", {})
    a.put("k", b"v")
    with pytest.raises(KeyError):
        b.get("k")


def test_named_memory_stores_are_shared_in_process() -> None:
    a, prefix_a, _ = open_url("memory://shared-test/users/")
    b, prefix_b, _ = open_url("memory://shared-test/orders/")
    other, _, _ = open_url("memory://other-test")
    assert a is b
    assert (prefix_a, prefix_b) == ("users/", "orders/")
    a.put("users/x", b"1")
    assert b.get("users/x") is not None
    with pytest.raises(KeyError):
        other.get("users/x")


def test_file_url_relative_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rel, prefix, opts = open_url("file://./data/users?codec=orjson|zstd")
    assert isinstance(rel, LocalProvider)
    assert rel.root == str(tmp_path / "data" / "users")
    assert (prefix, opts) == ("", {"codec": "orjson|zstd"})
    absolute, prefix, _ = open_url(f"file://{tmp_path}/abs%20dir?create=true&fsync=false")
    assert isinstance(absolute, LocalProvider)
    assert absolute.root == str(tmp_path / "abs dir")
    assert (tmp_path / "abs dir").is_dir()
    assert prefix == ""
    with pytest.raises(Exception, match="does not exist"):
        open_url(f"file://{tmp_path}/missing?create=false")
    with pytest.raises(ValueError, match="create"):
        open_url(f"file://{tmp_path}/x?create=maybe")


def test_leftover_options_are_returned_decoded() -> None:
    _, prefix, opts = open_url("memory://opts-test/a%20b/?codec=zstd%3Alevel%3D9&x=&y=1")
    assert prefix == "a b/"
    assert opts == {"codec": "zstd:level=9", "x": "", "y": "1"}


@pytest.mark.parametrize("url", ["memory://x/?a=1&a=2", "memory://x#frag", "no-scheme", "/a/b"])
def test_malformed_urls(url: str) -> None:
    with pytest.raises(ValueError, match=r"twice|fragment|not a storage URL"):
        open_url(url)


def test_unknown_scheme_lists_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown storage URL scheme 'nope'") as info:
        open_url("nope://bucket/x")
    for scheme in ("memory://", "file://", "s3://", "az://", "gs://"):
        assert scheme in str(info.value)


def test_register_class_and_lazy_path() -> None:
    register_provider("Plug", _PluginProvider)
    provider, prefix, opts = open_url("plug://loc/some/path?mine=1&codec=raw")
    assert isinstance(provider, _PluginProvider)
    assert _PluginProvider.seen == ("loc", "some/path", {"mine": "1", "codec": "raw"})
    assert (prefix, opts) == ("loc/some/path", {"codec": "raw"})
    register_provider("plug2", f"{__name__}:_PluginProvider")
    assert isinstance(open_url("plug2://x")[0], _PluginProvider)
    assert "plug" in _registry.known_schemes()
    with pytest.raises(ValueError, match="module:Class"):
        register_provider("bad", "no_colon_here")
    with pytest.raises(ValueError, match="not a URL scheme"):
        register_provider("9bad", _PluginProvider)


def test_registration_overrides_builtin() -> None:
    register_provider("memory", _PluginProvider)
    assert isinstance(open_url("memory://")[0], _PluginProvider)


def test_class_without_from_url_parts_is_refused() -> None:
    register_provider("bare", object)
    with pytest.raises(TypeError, match="from_url_parts"):
        open_url("bare://x")


class _FakeEntryPoint:
    def __init__(self, target: Callable[[], Any]) -> None:
        self.loaded = 0
        self._target = target

    def load(self) -> Any:
        self.loaded += 1
        return self._target()


def test_entry_point_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = _FakeEntryPoint(lambda: _PluginProvider)
    monkeypatch.setattr(_registry, "_entry_points", lambda: {"ep": ep.load})
    assert "ep" in _registry.known_schemes()
    provider, prefix, _ = open_url("ep://bucket/p")
    assert isinstance(provider, _PluginProvider)
    assert prefix == "bucket/p"
    open_url("ep://bucket/q")
    assert ep.loaded == 1  # loaded once, then cached


def test_entry_points_do_not_shadow_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_registry, "_entry_points", lambda: {"memory": lambda: _PluginProvider})
    provider, _, _ = open_url("memory://")
    assert type(provider) is MemoryProvider


def _without_s3_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make boto3/botocore imports fail as if they were not installed."""
    real_import = builtins.__import__
    blocked = ("boto3", "botocore")

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    for module in list(sys.modules):
        top = module.split(".")[0]
        if top in blocked or module.startswith(
            ("typed_cloudmap.providers.s3", "typed_cloudmap.providers._s3")
        ):
            monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_s3_sdk(monkeypatch)
    with pytest.raises(MissingDependencyError) as info:
        open_url("s3://bucket/prefix")
    assert (info.value.package, info.value.extra) == ("boto3", "s3")
    assert "typed-cloudmap[s3]" in str(info.value)


def test_missing_provider_module_is_not_blamed_on_the_sdk() -> None:
    register_provider("ghost", "typed_cloudmap.providers.no_such_module:Ghost")
    with pytest.raises(ImportError) as info:
        open_url("ghost://x")
    assert not isinstance(info.value, MissingDependencyError)


def test_package_reexports() -> None:
    for name in (
        "Provider",
        "ObjectInfo",
        "StoredObject",
        "SupportsBatchDelete",
        "MemoryProvider",
        "LocalProvider",
        "open_url",
        "register_provider",
    ):
        assert name in providers.__all__
        assert getattr(providers, name) is not None
    assert isinstance(MemoryProvider(), Provider)
    with pytest.raises(AttributeError):
        providers.NoSuchProvider  # noqa: B018  # the attribute access is what is tested


@pytest.mark.parametrize(
    ("attr", "module"),
    [("S3Provider", "s3"), ("AzureBlobProvider", "azure"), ("GCSProvider", "gcs")],
)
def test_cloud_providers_load_lazily(attr: str, module: str) -> None:
    cls = getattr(providers, attr)
    assert cls.__name__ == attr
    assert cls.__module__ == f"typed_cloudmap.providers.{module}"
    assert callable(cls.from_url_parts)


def test_importing_providers_imports_no_cloud_sdk() -> None:
    code = (
        "import sys, typed_cloudmap.providers as p; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'azure', 'google'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
