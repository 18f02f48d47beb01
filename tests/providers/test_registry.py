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
    monkeypatch.setattr(_registry.PROVIDERS, "registered", {})
    monkeypatch.setattr(_registry.PROVIDERS, "loaded", {})


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


def test_registration_overrides_builtin_only_with_replace() -> None:
    with pytest.raises(ValueError, match="already taken"):
        register_provider("memory", _PluginProvider)
    register_provider("memory", _PluginProvider, replace=True)
    assert isinstance(open_url("memory://")[0], _PluginProvider)
    register_provider("memory", _PluginProvider)  # the same class again is a no-op


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
    monkeypatch.setattr(_registry.PROVIDERS, "entry_points", lambda: {"ep": ep})
    assert "ep" in _registry.known_schemes()
    provider, prefix, _ = open_url("ep://bucket/p")
    assert isinstance(provider, _PluginProvider)
    assert prefix == "bucket/p"
    open_url("ep://bucket/q")
    assert ep.loaded == 1  # loaded once, then cached


def test_entry_points_do_not_shadow_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = _FakeEntryPoint(lambda: _PluginProvider)
    monkeypatch.setattr(_registry.PROVIDERS, "entry_points", lambda: {"memory": plugin})
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


# --- one lazy registry design, with install hints -------------------------------------------


def test_codecs_and_providers_share_one_registry_design() -> None:
    from typed_cloudmap._lazy import LazyRegistry
    from typed_cloudmap.codecs import _registry as codec_registry

    assert isinstance(_registry.PROVIDERS, LazyRegistry)
    assert isinstance(codec_registry.CODECS, LazyRegistry)
    # the same replace policy: a taken name needs replace=True
    with pytest.raises(ValueError, match="already taken"):
        register_provider("s3", _PluginProvider)
    with pytest.raises(ValueError, match="already taken"):
        codec_registry.register_codec("zstd", lambda: None)  # type: ignore[arg-type,return-value]  # never called


def _block(
    monkeypatch: pytest.MonkeyPatch, blocked: tuple[str, ...], modules: tuple[str, ...]
) -> None:
    """Make imports of ``blocked`` fail as if not installed, and forget ``modules*``."""
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    for module in list(sys.modules):
        if module.split(".")[0] in blocked or module.startswith(modules):
            monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", fake_import)


@pytest.mark.parametrize(
    ("url", "blocked", "module", "package", "extra"),
    [
        (
            "az://c/p?account_url=http://127.0.0.1:1/a",
            ("azure",),
            "azure",
            "azure-storage-blob",
            "azure",
        ),
        ("gs://bucket/p", ("google",), "gcs", "google-cloud-storage", "gcs"),
    ],
)
def test_each_cloud_scheme_hints_its_extra(
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    blocked: tuple[str, ...],
    module: str,
    package: str,
    extra: str,
) -> None:
    _block(
        monkeypatch,
        blocked,
        (f"typed_cloudmap.providers.{module}", f"typed_cloudmap.providers._{module}"),
    )
    for loaded in (module, f"_{module}_session"):  # `from . import x` finds package attributes
        monkeypatch.delattr(providers, loaded, raising=False)
    with pytest.raises(MissingDependencyError) as info:
        open_url(url).__getitem__(0).get("k")  # gs:// imports its SDK at first use
    assert (info.value.package, info.value.extra) == (package, extra)
    assert f"pip install 'typed-cloudmap[{extra}]'" in str(info.value)


def test_a_builtin_names_its_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fsspec-style table: a built-in whose SDK is missing says what to install."""
    from typed_cloudmap._lazy import Builtin, LazyRegistry

    (tmp_path / "tcm_needs_sdk.py").write_text("import tcm_absent_sdk\nThing = object\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry: LazyRegistry[object] = LazyRegistry(
        "tcm.test.group",
        {
            "thing": Builtin("tcm_needs_sdk:Thing", ("tcm_absent_sdk",), "absent-sdk", "absent"),
            "plain": Builtin("tcm_needs_sdk:Thing"),
        },
        normalize=str.lower,
        check=lambda _name, value: value,
        unknown=lambda name, known: KeyError(name),
    )
    with pytest.raises(MissingDependencyError) as info:
        registry.resolve("thing")
    assert "pip install 'typed-cloudmap[absent]'" in str(info.value)
    with pytest.raises(ImportError) as plain:
        registry.resolve("plain")  # no hint declared: the ImportError as it is
    assert not isinstance(plain.value, MissingDependencyError)
    with pytest.raises(KeyError):
        registry.resolve("nothing")
