"""Malformed ``tcm_*`` metadata is a ``CodecError`` naming the key (CLI exit 5), never a
``TypeError`` or ``AttributeError``; an oversize ``tcm_prior`` is refused, not carried on."""

from __future__ import annotations

import struct
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from typed_cloudmap import CloudMapping, CodecError
from typed_cloudmap._metadata import (
    HISTORY,
    MAX_PRIOR,
    META_PRIOR,
    META_TOKEN,
    Outcome,
    build,
    chain_of,
    checked,
    judge,
    stored_codec,
    stored_schema,
)
from typed_cloudmap.cli import app
from typed_cloudmap.providers import LocalProvider, MemoryProvider

BAD_FIELDS: list[tuple[str, Any]] = [
    ("tcm_codec", ["orjson"]),
    ("tcm_codec", 7),
    ("tcm_schema", ["x"]),
    ("tcm_schema", 12),
    ("tcm_schema", {"a": 1}),
    ("tcm_prior", ["a", "b"]),
    ("tcm_prior", 3),
    ("tcm_prior", "t" * (MAX_PRIOR + 1)),
    ("tcm_token", 5),
]


# --- the helpers ------------------------------------------------------------------------


def test_build_then_parse() -> None:
    meta = build("orjson|zstd", "abcd", "t2", "t1 t0")
    assert stored_codec(meta) == "orjson|zstd"
    assert stored_schema(meta) == "abcd"
    assert chain_of(meta) == "t2 t1 t0"
    assert judge(meta, "t2") is Outcome.CURRENT
    assert judge(meta, "t0") is Outcome.SUPERSEDED
    assert judge(meta, "t9") is Outcome.ABSENT
    assert META_PRIOR not in build("raw", "s", "t", "")


def test_chain_is_bounded() -> None:
    meta = {META_TOKEN: "new", META_PRIOR: " ".join(f"t{i}" for i in range(20))}
    chain = chain_of(meta).split()
    assert len(chain) == HISTORY
    assert chain[0] == "new"


def test_absent_metadata_is_empty() -> None:
    assert checked(None) == {}
    assert stored_codec(None) is None
    assert chain_of({}) == ""
    assert judge(None, "t") is Outcome.ABSENT


@pytest.mark.parametrize(("field", "bad"), BAD_FIELDS)
def test_malformed_field_names_the_metadata_key_and_the_key(field: str, bad: Any) -> None:
    with pytest.raises(CodecError, match=f"key 'k1'.*{field}"):
        checked({field: bad}, "k1")
    with pytest.raises(CodecError, match=field):
        chain_of({field: bad})


@pytest.mark.parametrize("bad", [["tcm_codec"], 3, "tcm_codec=raw"])
def test_non_object_metadata(bad: Any) -> None:
    with pytest.raises(CodecError, match="not an object"):
        stored_codec(bad, "k1")


# --- through a mapping ------------------------------------------------------------------


def _tamper_local(root: Path, name_fragment: str, metadata: Any) -> None:
    """Rewrite a local provider's data file with ``metadata`` in its header, as a hand
    edit or a foreign writer could."""
    (path,) = [p for p in root.rglob("*") if p.is_file() and name_fragment in p.name]
    blob = path.read_bytes()
    preamble = struct.Struct(">4sI")  # providers/_local_format: magic, header length
    magic, length = preamble.unpack_from(blob)
    fields = orjson.loads(blob[preamble.size : preamble.size + length])
    data = blob[preamble.size + length :]
    fields["m"] = metadata
    body = orjson.dumps(fields)
    path.write_bytes(preamble.pack(magic, len(body)) + body + data)


@pytest.mark.parametrize(("field", "bad"), BAD_FIELDS)
def test_mapping_read_of_malformed_metadata(field: str, bad: Any) -> None:
    provider = MemoryProvider()
    CloudMapping[str, int](provider)["k1"] = 1
    meta: dict[str, Any] = dict(provider.head("k1").metadata)
    meta[field] = bad
    provider.put("k1", provider.get("k1").data, metadata=meta)  # type: ignore[union-attr]  # an unconditional GET returns the object
    m = CloudMapping[str, int](provider)
    with pytest.raises(CodecError, match=f"key 'k1'.*{field}"):
        m["k1"]
    with pytest.raises(CodecError, match=field):
        m.modify("k1", lambda n: n + 1)
    blind = CloudMapping[str, int](provider, read_blindly=True)
    if field in ("tcm_prior", "tcm_token"):  # HEAD reads the history
        with pytest.raises(CodecError, match=field):
            "k1" in blind  # noqa: B015  # the check is the point
    with pytest.raises(CodecError, match=field):
        blind["k1"]


def test_mapping_read_of_non_object_metadata(tmp_path: Path) -> None:
    root = tmp_path / "store"
    m = CloudMapping[str, int](LocalProvider(root, fsync=False))
    m["k1"] = 1
    _tamper_local(root, "k1", ["tcm_codec", "orjson"])
    m.sync()
    with pytest.raises(CodecError, match=r"key 'k1'.*not an object"):
        m["k1"]


def test_oversize_prior_is_not_carried_on() -> None:
    provider = MemoryProvider()
    m = CloudMapping[str, int](provider)
    m["k1"] = 1
    huge = {**provider.head("k1").metadata, META_PRIOR: "t " * (1024 * 1024)}
    provider.put("k1", b"1", metadata=huge)
    m.sync()
    with pytest.raises(CodecError, match=META_PRIOR):
        m["k1"]


# --- the command line exits 5 -------------------------------------------------------------

runner = CliRunner()


def _cli(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize(("field", "bad"), BAD_FIELDS)
def test_cli_exits_5_on_malformed_metadata(field: str, bad: Any) -> None:
    store = f"memory://meta-{uuid.uuid4().hex[:8]}"
    provider, _ = MemoryProvider.from_url_parts(store.removeprefix("memory://"), "", {})
    assert _cli("put", store, "k1", "1").exit_code == 0
    meta: dict[str, Any] = dict(provider.head("k1").metadata)
    meta[field] = bad
    provider.put("k1", b"1", metadata=meta)
    for args in (("get", store, "k1"), ("ls", store), ("info", store)):
        if args[0] != "get" and field in ("tcm_prior", "tcm_token"):
            continue  # listings read only the codec and schema
        result = _cli(*args)
        assert result.exit_code == 5, (args, result.stdout, result.stderr)
        assert field in result.stderr, result.stderr


def test_cli_exits_5_on_non_object_metadata(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = f"file://{root}"
    assert _cli("put", store, "k1", "1").exit_code == 0
    _tamper_local(root, "k1", [1, 2])
    for args in (("get", store, "k1"), ("ls", store), ("info", store)):
        result = _cli(*args)
        assert result.exit_code == 5, (args, result.stdout, result.stderr)
        assert "not an object" in result.stderr, result.stderr
