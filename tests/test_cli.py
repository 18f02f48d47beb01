"""The ``typed-cloudmap`` command line: every command, every exit code, secrets kept out."""

from __future__ import annotations

import json
import pickle
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from typed_cloudmap import (
    CloudMapping,
    LocalProvider,
    MemoryProvider,
    MissingDependencyError,
)
from typed_cloudmap.cli import app
from typed_cloudmap.cli._errors import Redactor, redact_url
from typed_cloudmap.providers import _registry, open_url

MODULE = __name__  # tests/ is on sys.path, so ``--type test_cli:User`` imports this module


class User(BaseModel):
    id: int
    name: str


class UserV2(BaseModel):
    id: int
    full_name: str


def upgrade_user(raw: Any, stored: str | None) -> Any:
    """Schema hook for UserV2: older objects carry ``name``."""
    return {"id": raw["id"], "full_name": raw.get("name", "?")}


def broken_upgrade(raw: Any, stored: str | None) -> Any:
    """A hook that fails on every old object, as ``raw["missing"]`` does."""
    return {"id": raw["id"], "full_name": raw["missing"]}


runner = CliRunner()


def run(*args: str, stdin: str | bytes | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin, catch_exceptions=False)


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"file://{tmp_path / 'store'}"


@pytest.fixture
def mem() -> str:
    return f"memory://cli-{uuid.uuid4().hex[:8]}/users/"


def put_users(url: str, n: int, codec: str = "orjson") -> None:
    for i in range(n):
        result = run(
            "put", url, f"u{i:03d}", json.dumps({"id": i, "name": f"N{i}"}), "--codec", codec
        )
        assert result.exit_code == 0, result.stderr


# --- put / get / ls / info / rm ---------------------------------------------------------


def test_put_get_ls_info_rm_round_trip(store: str) -> None:
    first = run("put", store, "alice", '{"id": 1, "name": "Alice"}', "--type", f"{MODULE}:User")
    assert first.exit_code == 0, first.stderr
    etag = first.stdout.strip()
    assert etag
    assert run("put", store, "a/b c", "[1, 2]", "--codec", "orjson|zstd").exit_code == 0
    assert run("put", store, "blob", "-", "--codec", "raw", stdin=b"\x00\x01raw").exit_code == 0

    got = run("get", store, "alice", "--type", f"{MODULE}:User")
    assert got.exit_code == 0, got.stderr
    assert json.loads(got.stdout) == {"id": 1, "name": "Alice"}
    assert json.loads(run("get", store, "a/b c").stdout) == [1, 2]  # stored stack, no --codec
    raw = run("get", store, "blob", "--raw")
    assert raw.stdout_bytes == b"\x00\x01raw"

    listed = run("ls", store, "--json")
    assert listed.exit_code == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {r["key"]: r["codec"] for r in rows} == {
        "a/b c": "orjson|zstd",
        "alice": "orjson",
        "blob": "raw",
    }
    assert all(isinstance(r["size"], int) and r["etag"] for r in rows)
    assert next(r for r in rows if r["key"] == "alice")["etag"] == etag
    plain = run("ls", store, "--no-codecs", "--prefix", "a")
    assert [line.split("\t")[0] for line in plain.stdout.splitlines()] == ["a/b c", "alice"]

    info = run("info", store, "--json")
    assert info.exit_code == 0, info.stderr
    summary = json.loads(info.stdout)
    assert summary["keys"] == 3
    assert summary["codecs"] == {"orjson": 1, "orjson|zstd": 1, "raw": 1}
    assert summary["total_bytes"] == sum(r["size"] for r in rows)
    assert "keys           3" in run("info", store).stdout

    assert run("rm", store, "alice", "blob").exit_code == 0
    assert [json.loads(line)["key"] for line in run("ls", store, "--json").stdout.splitlines()] == [
        "a/b c"
    ]


def test_memory_named_store_persists_across_invocations(mem: str) -> None:
    put_users(mem, 3)
    assert len(run("ls", mem).stdout.splitlines()) == 3
    mapping = CloudMapping[str, User](mem)
    assert mapping["u001"] == User(id=1, name="N1")


def test_put_is_create_only_unless_overwrite(store: str) -> None:
    assert run("put", store, "k", "1").exit_code == 0
    clash = run("put", store, "k", "2")
    assert clash.exit_code == 4
    assert clash.stderr.startswith("error: ")
    assert "--overwrite" in clash.stderr
    assert json.loads(run("get", store, "k").stdout) == 1
    again = run("put", store, "k", "2", "--overwrite")
    assert again.exit_code == 0, again.stderr
    assert json.loads(run("get", store, "k").stdout) == 2


def test_overwrite_keeps_the_stored_codec(store: str) -> None:
    assert run("put", store, "k", '"a"', "--codec", "json|zlib").exit_code == 0
    assert run("put", store, "k", '"b"', "--overwrite").exit_code == 0
    row = json.loads(run("ls", store, "--json").stdout)
    assert row["codec"] == "json|zlib"


def test_put_reads_stdin(store: str) -> None:
    assert run("put", store, "k", "-", stdin='{"x": [1, 2]}').exit_code == 0
    assert json.loads(run("get", store, "k").stdout) == {"x": [1, 2]}


# --- exit codes -----------------------------------------------------------------------------


def test_exit_1_value_refused_by_type(store: str) -> None:
    result = run("put", store, "eve", '{"id": "x"}', "--type", f"{MODULE}:User")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "'eve'" in result.stderr
    assert run("get", store, "eve").exit_code == 3


@pytest.mark.parametrize(
    "args",
    [
        ("ls", "nosuch://x"),
        ("ls", "not a url"),
        ("ls", "memory://x?bogus=1"),
        ("get", "memory://x", "k", "--type", "no_such_module_xyz:Model"),
        ("get", "memory://x", "k", "--type", "json"),
        ("get", "memory://x", "k", "--codec", "nosuchcodec"),
        ("put", "memory://x", "k", "{not json"),
        ("put", "memory://x", "", "1"),
        ("get", "memory://x"),  # typer's own: missing argument
    ],
)
def test_exit_2_usage_errors(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_exit_3_not_found(store: str) -> None:
    assert run("put", store, "other", "1").exit_code == 0  # the store exists, the key not
    result = run("get", store, "missing")
    assert result.exit_code == 3
    assert result.stderr == "error: not found: 'missing'\n"
    assert run("rm", store, "missing").exit_code == 3
    assert run("rm", store, "missing", "--missing-ok").exit_code == 0


def test_exit_5_codec_error(store: str, tmp_path: Path) -> None:
    assert run("put", store, "k", "[1]", "--codec", "orjson|zstd").exit_code == 0
    mismatch = run("get", store, "k", "--codec", "orjson")
    assert mismatch.exit_code == 5
    assert "orjson|zstd" in mismatch.stderr
    LocalProvider(tmp_path / "store").put(
        "bad", b"\xff not zstd", metadata={"tcm_codec": "orjson|zstd"}
    )
    assert run("get", store, "bad").exit_code == 5


def test_exit_6_provider_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(MemoryProvider):
        @classmethod
        def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> Any:
            return cls(), path

        def list(self, prefix: str = "") -> Any:
            from typed_cloudmap import ProviderError

            raise ProviderError("broken://", "service unavailable")

    monkeypatch.setitem(_registry._registered, "broken", Broken)
    result = run("ls", "broken://b/p")
    assert result.exit_code == 6
    assert result.stderr == "error: broken://: service unavailable\n"


def test_exit_7_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    class NeedsSdk:
        @classmethod
        def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> Any:
            raise MissingDependencyError("some-sdk", "some-extra")

    monkeypatch.setitem(_registry._registered, "needsdk", NeedsSdk)
    result = run("ls", "needsdk://b")
    assert result.exit_code == 7
    assert "pip install 'typed-cloudmap[some-extra]'" in result.stderr


def test_debug_shows_traceback_only_when_asked(store: str) -> None:
    assert run("put", store, "other", "1").exit_code == 0
    assert "Traceback" not in run("get", store, "nope").output
    debug = run("--debug", "get", store, "nope")
    assert debug.exit_code == 3
    assert "Traceback" in debug.stderr


def test_help_documents_exit_codes() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "4 conflict" in result.stdout
    assert "7 missing dependency" in result.stdout


# --- secrets --------------------------------------------------------------------------------


def test_secrets_in_urls_are_never_printed() -> None:
    url = "memory://x/p?sig=SEKRET-SAS-TOKEN&sig=SEKRET-SAS-TOKEN"
    for args in (
        ("ls", url),
        ("--debug", "ls", url),
        ("info", url),
        ("migrate", url, "memory://y"),
    ):
        result = run(*args)
        assert result.exit_code == 2
        assert "SEKRET" not in result.output
        assert "***" in result.output


def test_redact_url_keeps_safe_options_only() -> None:
    url = (
        "az://c/p?account_url=https%3A%2F%2Fa.blob.core.windows.net%2F%3Fsv%3D1%26sig%3DSEKRET"
        "&codec=orjson|zstd&connection_string=AccountKey%3DSEKRET2"
    )
    shown = redact_url(url)
    assert "SEKRET" not in shown
    assert "codec=orjson|zstd" in shown
    assert "a.blob.core.windows.net" in shown
    assert "SEKRET" not in redact_url("s3://b/p?endpoint_url=http://user:SEKRET@host:9000")
    redact = Redactor([url])
    assert "SEKRET" not in redact("failed: AccountKey=SEKRET2 and sig=SEKRET in " + url)


# --- validate -------------------------------------------------------------------------------


def test_validate_reports_each_bad_key(mem: str) -> None:
    put_users(mem, 5)
    assert run("put", mem, "bad1", '{"id": "x", "name": "X"}').exit_code == 0
    assert run("put", mem, "bad2", '"just a string"', "--codec", "pickle").exit_code == 0
    result = run("validate", mem, "--type", f"{MODULE}:User")
    assert result.exit_code == 1
    bad = dict(line.split("\t") for line in result.stdout.splitlines())
    assert sorted(bad) == ["bad1", "bad2"]
    assert "id" in bad["bad1"]
    assert bad["bad1"].startswith("CodecError")
    assert result.stderr == "checked 7: 5 valid, 2 invalid\n"  # no progress bar off a TTY
    as_json = json.loads(run("validate", mem, "--type", f"{MODULE}:User", "--json").stdout)
    assert as_json["checked"] == 7
    assert sorted(as_json["invalid"]) == ["bad1", "bad2"]
    ok = run("validate", mem, "--type", f"{MODULE}:User", "--prefix", "u")
    assert ok.exit_code == 0
    assert ok.stdout == ""
    assert run("-q", "validate", mem).stderr == ""  # untyped: everything decodes


def test_validate_with_upgrade_hook(mem: str) -> None:
    put_users(mem, 3)
    plain = run("validate", mem, "--type", f"{MODULE}:UserV2")
    assert plain.exit_code == 1
    hooked = run(
        "validate", mem, "--type", f"{MODULE}:UserV2", "--upgrade", f"{MODULE}:upgrade_user"
    )
    assert hooked.exit_code == 0, hooked.stdout


def test_failing_upgrade_hook_counts_as_invalid(mem: str, tmp_path: Path) -> None:
    put_users(mem, 3)
    hook = ("--type", f"{MODULE}:UserV2", "--upgrade", f"{MODULE}:broken_upgrade")
    checked = run("validate", mem, *hook)
    assert checked.exit_code == 1
    assert checked.stderr == "checked 3: 0 valid, 3 invalid\n"
    lines = checked.stdout.splitlines()
    assert len(lines) == 3
    assert all("CodecError" in line for line in lines)
    moved = run("migrate", mem, f"file://{tmp_path / 'dst'}", *hook)
    assert moved.exit_code == 1, moved.output


# --- migrate --------------------------------------------------------------------------------


def seed_pickles(provider: MemoryProvider | LocalProvider, prefix: str, n: int) -> None:
    """A store as cloud-mappings' ``with_pickle`` left it: pickles, no codec metadata."""
    for i in range(n):
        provider.put(f"{prefix}u{i:03d}", pickle.dumps({"id": i, "name": f"N{i}"}))


def test_migrate_pickle_to_orjson_zstd_and_resume(tmp_path: Path) -> None:
    src_dir, dst = tmp_path / "src", f"file://{tmp_path / 'dst'}"
    seed_pickles(LocalProvider(src_dir), "", 30)
    src = f"file://{src_dir}"
    LocalProvider(src_dir).put("u999", b"\x80 not a pickle")  # fails to decode

    first = run(
        "migrate",
        src,
        dst,
        "--src-codec",
        "pickle",
        "--codec",
        "orjson|zstd",
        "--type",
        f"{MODULE}:User",
        "--chunk",
        "7",
    )
    assert first.exit_code == 1, first.output
    assert first.stdout.startswith("u999\tCodecError")
    assert "31 total, 30 copied, 0 skipped, 1 failed" in first.stderr

    migrated = CloudMapping[str, User](dst, codec="orjson|zstd")
    assert len(migrated) == 30
    assert migrated["u007"] == User(id=7, name="N7")
    codecs = {json.loads(line)["codec"] for line in run("ls", dst, "--json").stdout.splitlines()}
    assert codecs == {"orjson|zstd"}

    LocalProvider(src_dir).delete("u999")
    LocalProvider(src_dir).put("u999", pickle.dumps({"id": 999, "name": "Late"}))
    again = run("migrate", src, dst, "--src-codec", "pickle", "--codec", "orjson|zstd", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {
        "total": 31,
        "copied": 1,
        "skipped": 30,
        "failed": 0,
        "failures": {},
    }
    assert CloudMapping[str, Any](dst, codec="orjson|zstd")["u999"] == {"id": 999, "name": "Late"}


def test_migrate_reads_each_objects_stored_stack(mem: str, tmp_path: Path) -> None:
    put_users(mem, 4, codec="orjson|zstd")
    assert run("put", mem, "z", '{"id": 9, "name": "Z"}', "--codec", "json|zlib").exit_code == 0
    dst = f"file://{tmp_path / 'dst'}?codec=orjson"
    result = run("-q", "migrate", mem, dst)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    copied = CloudMapping[str, User](dst)
    assert sorted(copied) == ["u000", "u001", "u002", "u003", "z"]
    assert copied["z"] == User(id=9, name="Z")


def test_migrate_refuses_same_store(mem: str) -> None:
    assert run("migrate", mem, mem).exit_code == 2


# --- an emulator end to end ------------------------------------------------------------------


@pytest.fixture
def s3_url(s3_moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_moto_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_moto_server.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3_moto_server.region)
    bucket = f"tcm-cli-{uuid.uuid4().hex[:12]}"
    return f"s3://{bucket}/users/?endpoint_url={s3_moto_server.url}&create=true"


def test_s3_end_to_end(s3_url: str, mem: str) -> None:
    put_users(mem, 12, codec="pickle")
    moved = run(
        "migrate",
        mem,
        s3_url,
        "--src-codec",
        "pickle",
        "--codec",
        "orjson|zstd",
        "--type",
        f"{MODULE}:User",
    )
    assert moved.exit_code == 0, moved.output
    rows = [json.loads(line) for line in run("ls", s3_url, "--json").stdout.splitlines()]
    assert len(rows) == 12
    assert {r["codec"] for r in rows} == {"orjson|zstd"}
    assert json.loads(run("get", s3_url, "u003").stdout) == {"id": 3, "name": "N3"}
    assert run("put", s3_url, "u003", '{"id": 3, "name": "X"}').exit_code == 4
    assert run("validate", s3_url, "--type", f"{MODULE}:User").exit_code == 0
    assert run("rm", s3_url, "u003").exit_code == 0
    assert run("get", s3_url, "u003").exit_code == 3
    missing_bucket = s3_url.replace("tcm-cli-", "tcm-cli-missing-").replace("&create=true", "")
    assert run("ls", missing_bucket).exit_code == 6


def test_key_encoding_quote_lists_cloud_mappings_names(mem: str) -> None:
    url = mem.removesuffix("users/")
    provider = open_url(url)[0]
    provider.put(quote("old/a//b"), pickle.dumps({"id": 1, "name": "A"}))
    assert run("ls", url, "--no-codecs").stdout == ""  # not a name the default encoding makes
    listed = run("ls", url, "--no-codecs", "--key-encoding", "quote")
    assert listed.stdout.split("\t")[0] == "old/a//b"
    got = run("get", url, "old/a//b", "--key-encoding", "quote", "--codec", "pickle")
    assert json.loads(got.stdout) == {"id": 1, "name": "A"}
    assert run("ls", url, "--key-encoding", "nope").exit_code == 2
