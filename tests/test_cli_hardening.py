"""The command line on hostile or mistyped input: typos, control bytes, secrets, odd URLs."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from typed_cloudmap import CodecError
from typed_cloudmap._mapping import META_CODEC, META_SCHEMA
from typed_cloudmap.cli import app
from typed_cloudmap.codecs._hmac import DEFAULT_ENV, HmacTransform
from typed_cloudmap.providers import open_url

runner = CliRunner()


def run(*args: str, stdin: str | bytes | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin, catch_exceptions=False)


# --- typos are not empty stores ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("ls", "file://./nonexistent"),
        ("info", "file://./nonexistent"),
        ("validate", "file://./nonexistent"),
        ("get", "file://./nonexistent", "k"),
        ("rm", "file://./nonexistent", "k"),
        ("migrate", "file://./nonexistent", "memory://tcm-hardening-dst"),
    ],
)
def test_missing_directory_is_exit_6_and_not_created(
    args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 6, result.output
    assert "nonexistent" in result.stderr
    assert not (tmp_path / "nonexistent").exists()


def test_put_still_creates_the_directory(tmp_path: Path) -> None:
    assert run("put", f"file://{tmp_path}/new", "k", "1").exit_code == 0
    assert (tmp_path / "new").is_dir()


@pytest.fixture
def missing_bucket_url(s3_moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_moto_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_moto_server.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3_moto_server.region)
    bucket = f"tcm-missing-{uuid.uuid4().hex[:12]}"
    return f"s3://{bucket}/p/?endpoint_url={s3_moto_server.url}"


@pytest.mark.parametrize("command", ["get", "rm"])
def test_missing_bucket_is_exit_6(command: str, missing_bucket_url: str) -> None:
    result = run(command, missing_bucket_url, "k")
    assert result.exit_code == 6, result.output
    assert "tcm-missing-" in result.stderr


def test_read_only_command_does_not_create_bucket(missing_bucket_url: str) -> None:
    url = missing_bucket_url + "&create=true"
    assert run("ls", url).exit_code == 6
    assert run("ls", missing_bucket_url).exit_code == 6


# --- nothing from storage reaches the terminal raw --------------------------------------------

EVIL = "evil%1B%5B2J%1B%5B31mRED%0Afake-row%C2%9B"
CONTROLS = ("\x1b", "\x9b", "\x07", "\r", "\x7f")


def hostile_store() -> tuple[str, Any]:
    url = f"memory://tcm-evil-{uuid.uuid4().hex[:8]}/"
    provider = open_url(url)[0]
    provider.put(EVIL, b'"v"', metadata={META_CODEC: "raw\x1b]0;owned\x07", META_SCHEMA: "\x1b[2J"})
    provider.put("json", b'{"\x1b[2J\\u009b": "\\u001b[31m\x7f"}')
    provider.put("text", "line1\nline2 \x1b[31mred\x9b\r".encode())
    return url, provider


def assert_clean(text: str) -> None:
    for c in CONTROLS:
        assert c not in text, repr(text)


@pytest.mark.parametrize("as_json", [False, True])
def test_ls_and_info_escape_control_characters(as_json: bool) -> None:
    url, _ = hostile_store()
    flags = ["--json"] if as_json else []
    listed = run("ls", url, *flags)
    assert listed.exit_code == 0, listed.output
    assert_clean(listed.stdout)
    assert len(listed.stdout.splitlines()) == 3  # no forged rows
    assert "fake-row" in listed.stdout
    info = run("info", url, *flags)
    assert info.exit_code == 0, info.output
    assert_clean(info.stdout)
    if as_json:
        assert json.loads(info.stdout)["keys"] == 3


@pytest.mark.parametrize("key", ["json", "text", "evil\x1b[2J\x1b[31mRED\nfake-row\x9b"])
def test_get_escapes_control_characters(key: str) -> None:
    url, _ = hostile_store()
    got = run("get", url, key)
    assert got.exit_code != 70, got.output
    assert_clean(got.stdout)
    assert_clean(got.stderr)


def test_get_escapes_control_characters_in_errors() -> None:
    url, _ = hostile_store()
    got = run("get", url, "text", "--codec", "orjson", "--type", "builtins:int")
    assert got.exit_code != 0
    assert got.stderr.startswith("error: ")
    assert_clean(got.stderr)
    missing = run("get", url, "nope\x1b[2J")
    assert missing.exit_code == 3
    assert_clean(missing.stderr)


def test_validate_escapes_control_characters() -> None:
    url, _ = hostile_store()
    for flags in ([], ["--json"]):
        result = run("validate", url, "--codec", "orjson", "--type", "builtins:int", *flags)
        assert result.exit_code == 1, result.output
        assert_clean(result.stdout)
        assert_clean(result.stderr)


def test_get_raw_still_writes_the_bytes() -> None:
    url, _ = hostile_store()
    assert (
        run("get", url, "text", "--raw").stdout_bytes == "line1\nline2 \x1b[31mred\x9b\r".encode()
    )


# --- hmac keys are never echoed ---------------------------------------------------------------

SECRET = "S3CRET-hmac-key-0123456789"


@pytest.mark.parametrize("as_json", [False, True])
def test_info_masks_hmac_key(as_json: bool, tmp_path: Path) -> None:
    url = f"file://{tmp_path}?codec=orjson|hmac:key={SECRET}"
    assert run("put", url, "k", "1").exit_code == 0
    result = run("info", url, *(["--json"] if as_json else []))
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert "key=***" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("get", f"memory://x?codec=orjson|hmac:key={SECRET},bogus=1", "k"),
        ("get", "memory://x", "k", "--codec", f"orjson|hmac:key={SECRET},bogus=1"),
        ("put", "memory://x", "k", "1", "--codec", f"hmac:bogus=2,key={SECRET}|orjson"),
    ],
)
def test_bad_stack_errors_mask_hmac_key(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output
    assert run("--debug", *args).stderr.count(SECRET) == 0


# --- odd URLs and weak keys -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["file://host/path", "file://data/users", "file://example.com/"])
def test_file_url_with_a_host_is_refused(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="host"):
        open_url(url)
    result = run("put", url, "k", "1")
    assert result.exit_code == 2, result.output
    assert "host" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_file_url_localhost_and_relative_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("put", f"file://localhost{tmp_path}/a", "k", "1").exit_code == 0
    assert run("put", "file://./b", "k", "1").exit_code == 0
    assert (tmp_path / "a").is_dir()
    assert (tmp_path / "b").is_dir()


@pytest.mark.parametrize("key", ["k", "x" * 15])
def test_hmac_key_shorter_than_16_bytes_is_refused(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CodecError, match="16 bytes"):
        HmacTransform(key=key)
    monkeypatch.setenv(DEFAULT_ENV, key)
    with pytest.raises(CodecError, match="16 bytes"):
        HmacTransform().encode(b"v")
    assert run("put", "memory://x", "k", "1", "--codec", f"orjson|hmac:key={key}").exit_code == 2
    HmacTransform(key="x" * 16)  # 16 bytes is enough


# --- clean errors, not internal ones ----------------------------------------------------------


@pytest.mark.parametrize("command", [("get", "k"), ("validate",), ("put", "j", "1")])
def test_type_that_is_not_a_type_is_a_usage_error(command: tuple[str, ...]) -> None:
    url = f"memory://tcm-type-{uuid.uuid4().hex[:8]}/"
    assert run("put", url, "k", "1").exit_code == 0
    cmd, *rest = command
    result = run(cmd, url, *rest, "--type", "os:system")
    assert result.exit_code == 2, result.output
    assert "--type 'os:system'" in result.stderr


@pytest.mark.parametrize("codec", [None, "json"])
@pytest.mark.parametrize("depth", [3000, 100_000])
def test_deeply_nested_value_is_a_clean_error(codec: str | None, depth: int) -> None:
    url = f"memory://tcm-deep-{uuid.uuid4().hex[:8]}/"
    metadata = None if codec is None else {META_CODEC: codec}
    open_url(url)[0].put("d", b"[" * depth + b"]" * depth, metadata=metadata)
    result = run("get", url, "d")
    assert result.exit_code == 5, result.output
    assert "internal error" not in result.stderr
    assert "nested too deeply" in result.stderr or "recursion limit" in result.stderr
    assert run("get", url, "d", "--raw").stdout_bytes == b"[" * depth + b"]" * depth
