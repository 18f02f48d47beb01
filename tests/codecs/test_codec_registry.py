"""The codec registry: built-ins, ``register_codec``, parameters and entry-point plugins."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from typed_cloudmap.codecs import (
    RawSerializer,
    Serializer,
    Transform,
    ZstdTransform,
    _registry,
    available_codecs,
    get_codec,
    register_codec,
)
from typed_cloudmap.errors import CodecError, MissingDependencyError

BUILTINS = ["aesgcm", "hmac", "json", "orjson", "pickle", "raw", "str", "zlib", "zstd"]


class Reverse:
    """A toy transform used to exercise the registry."""

    content_encoding = None

    def __init__(self, *, times: int = 1) -> None:
        self.times = times

    @property
    def name(self) -> str:
        return "reverse" if self.times == 1 else f"reverse:times={self.times}"

    def encode(self, data: bytes) -> bytes:
        return data[::-1]

    def decode(self, data: bytes, *, limit: int | None = None) -> bytes:
        return data[::-1]


def test_available_codecs_lists_builtins_sorted() -> None:
    names = available_codecs()
    assert set(BUILTINS) <= set(names)
    assert names == sorted(names)


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_resolves(name: str) -> None:
    codec = get_codec(name)
    assert isinstance(codec, Serializer | Transform)
    assert codec.name.split(":")[0] == name


def test_parameters_reach_the_factory() -> None:
    codec = get_codec("zstd:level=9")
    assert isinstance(codec, ZstdTransform)
    assert codec.name == "zstd:level=9"
    assert get_codec("zstd", level=9).name == "zstd:level=9"
    assert get_codec("zstd:level=3").name == "zstd"  # the default is not spelled out


def test_parameter_given_twice_is_an_error() -> None:
    with pytest.raises(CodecError, match="twice"):
        get_codec("zstd:level=9", level=3)


def test_unknown_name_lists_known_names() -> None:
    with pytest.raises(CodecError) as info:
        get_codec("brotli")
    message = str(info.value)
    assert "brotli" in message
    for name in BUILTINS:
        assert name in message


@pytest.mark.parametrize(
    "spec",
    [
        "zstd:level=99",
        "zstd:level=abc",
        "zstd:leve=3",
        "zlib:level=10",
        "zstd:checksum=maybe",
        "pickle:protocol=1",
        "orjson:pretty=true",
        "raw:x=1",
        "json:indent=-1",
    ],
)
def test_bad_parameters_raise_codec_error(spec: str) -> None:
    with pytest.raises(CodecError):
        get_codec(spec)


def test_get_codec_requires_a_string() -> None:
    with pytest.raises(TypeError):
        get_codec(3)  # type: ignore[arg-type]  # the wrong type is the point of the test


@pytest.mark.usefixtures("clean_registry")
def test_register_codec_and_use_it() -> None:
    register_codec("reverse", Reverse)
    assert "reverse" in available_codecs()
    codec = get_codec("reverse:times=2")
    assert isinstance(codec, Reverse)
    assert codec.times == 2
    register_codec("reverse", Reverse)  # the same factory again is a no-op


@pytest.mark.usefixtures("clean_registry")
def test_register_codec_refuses_taken_names_without_replace() -> None:
    with pytest.raises(ValueError, match="already taken"):
        register_codec("zstd", Reverse)
    register_codec("zstd", Reverse, replace=True)
    assert isinstance(get_codec("zstd"), Reverse)


@pytest.mark.parametrize("name", ["a|b", "a:b", "", "a b", "a,b"])
def test_register_codec_validates_names(name: str) -> None:
    with pytest.raises(CodecError):
        register_codec(name, Reverse)


@pytest.mark.usefixtures("clean_registry")
def test_factory_must_return_a_codec() -> None:
    register_codec("nothing", lambda: object())  # type: ignore[arg-type,return-value]  # on purpose
    with pytest.raises(CodecError, match="neither"):
        get_codec("nothing")


@pytest.mark.usefixtures("clean_registry")
def test_missing_dependency_passes_through() -> None:
    def needs_lib() -> RawSerializer:
        raise MissingDependencyError("brotli", "brotli")

    register_codec("needs-lib", needs_lib)
    with pytest.raises(MissingDependencyError, match=r"typed-cloudmap\[brotli\]"):
        get_codec("needs-lib")


def test_missing_zstandard_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "zstandard", None)  # makes `import zstandard` fail
    with pytest.raises(MissingDependencyError) as info:
        get_codec("zstd")
    assert info.value.package == "zstandard"


def test_missing_orjson_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "orjson", None)
    with pytest.raises(MissingDependencyError) as info:
        get_codec("orjson")
    assert info.value.package == "orjson"


def test_aesgcm_builtin_names_the_crypto_extra() -> None:
    from typed_cloudmap._lazy import Builtin
    from typed_cloudmap.codecs._registry import CODECS

    entry = CODECS.builtins["aesgcm"]
    assert entry == Builtin(
        "typed_cloudmap.codecs._aesgcm:AesGcmTransform", ("cryptography",), "cryptography", "crypto"
    )
    assert "aesgcm" in available_codecs()


def _make_plugin(root: Path, dist: str, body: str, entry: str) -> None:
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[typed_cloudmap.codecs]\n{entry}\n")
    (root / f"{dist}.py").write_text(textwrap.dedent(body))


PLUGIN_BODY = """
    IMPORTED = True

    class Rot:
        content_encoding = None
        def __init__(self, *, by=1):
            self.by = by
        @property
        def name(self):
            return "rot" if self.by == 1 else f"rot:by={self.by}"
        def encode(self, data):
            return bytes((b + self.by) % 256 for b in data)
        def decode(self, data, *, limit=None):
            return bytes((b - self.by) % 256 for b in data)
"""


@pytest.mark.usefixtures("clean_registry")
def test_entry_point_plugin_loads_lazily(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    _make_plugin(tmp_path, "tcm_rot_plugin", PLUGIN_BODY, "rot = tcm_rot_plugin:Rot")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "tcm_rot_plugin", raising=False)
    assert "rot" in available_codecs()
    assert "tcm_rot_plugin" not in sys.modules  # listing names imports nothing
    codec = get_codec("rot:by=3")
    assert "tcm_rot_plugin" in sys.modules
    assert isinstance(codec, Transform)
    assert codec.encode(b"abc") == b"def"
    assert codec.name == "rot:by=3"
    with pytest.raises(ValueError, match="already taken"):
        register_codec("rot", Reverse)


@pytest.mark.usefixtures("clean_registry")
def test_broken_plugin_is_a_codec_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _make_plugin(
        tmp_path,
        "tcm_broken_plugin",
        "raise RuntimeError('boom')\n",
        "broken = tcm_broken_plugin:X",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(CodecError, match="failed to load"):
        get_codec("broken")


@pytest.mark.usefixtures("clean_registry")
def test_entry_point_loader_can_be_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeEntryPoint:
        name = "fake"
        value = "somewhere:Reverse"

        def load(self) -> type[Reverse]:
            return Reverse

    monkeypatch.setattr(_registry.CODECS, "entry_points", lambda: {"fake": FakeEntryPoint()})
    assert "fake" in available_codecs()
    assert isinstance(get_codec("fake"), Reverse)
