"""User errors get their documented exit codes (never 70, "internal error"), and what the
CLI prints from storage cannot reorder or hide text on a terminal."""

from __future__ import annotations

import json
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from typed_cloudmap import CloudMapping
from typed_cloudmap._cli_output import escape_controls, print_json
from typed_cloudmap._mapping import META_CODEC, META_SCHEMA
from typed_cloudmap.cli import app
from typed_cloudmap.providers import AzureBlobProvider, LocalProvider, open_url

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def _mem() -> str:
    return f"memory://tcm-exit-{uuid.uuid4().hex[:8]}/"


# --- keys that cannot name an object, keys too long ---------------------------------------------


@pytest.mark.parametrize("key", ["a//b", "/a", "a/./b", "a/../b", "a/"])
@pytest.mark.parametrize("command", [("get",), ("put", "1"), ("rm",)])
def test_quote_key_the_local_store_refuses_is_a_usage_error(
    key: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    cmd, *rest = command
    args = [cmd, f"file://{tmp_path}", key, *rest, "--key-encoding", "quote"]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.stderr
    assert "cannot be a file under LocalProvider" in result.stderr


def test_quote_key_with_empty_segment_is_fine_where_the_store_allows_it() -> None:
    url = _mem()
    assert run("put", url, "a//b", "1", "--key-encoding", "quote").exit_code == 0
    assert run("get", url, "a//b", "--key-encoding", "quote").stdout.strip() == "1"


@pytest.mark.parametrize("command", [("get",), ("put", "1"), ("rm",)])
def test_too_long_key_exits_1_as_documented(command: tuple[str, ...]) -> None:
    cmd, *rest = command
    result = run(cmd, _mem(), "k" * 1100, *rest)
    assert result.exit_code == 1, result.output
    assert "1024-byte limit" in result.stderr


# --- Azure: an http:// account URL and a token credential ----------------------------------


def test_az_http_account_url_without_credential_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_URL"):
        monkeypatch.delenv(var, raising=False)
    url = "az://tcm-container/p?account_url=http://127.0.0.1:1/devstoreaccount1"
    result = run("ls", url)
    assert result.exit_code == 2, result.output
    assert "plain http://" in result.stderr
    with pytest.raises(ValueError, match="plain http://"):
        AzureBlobProvider("c", account_url="http://127.0.0.1:1/acct")


def test_az_http_account_url_with_a_credential_or_sas_is_accepted() -> None:
    AzureBlobProvider("c", account_url="http://127.0.0.1:1/acct", credential="a2V5").close()
    AzureBlobProvider("c", account_url="http://127.0.0.1:1/acct?sv=1&sig=x").close()
    AzureBlobProvider("c", account_url="https://acct.blob.core.windows.net").close()


# --- malformed stored codec names: a codec error per key ------------------------------------

_MALFORMED = ["orjson|", ":", "orjson:x", "a b", "\x1b[2J", "zstd:level=abc|||"]


@pytest.mark.parametrize("stored", _MALFORMED)
def test_get_malformed_stored_codec_exits_5(stored: str) -> None:
    url = _mem()
    open_url(url)[0].put("bad", b"1", metadata={META_CODEC: stored})
    for extra in ((), ("--codec", "orjson")):
        result = run("get", url, "bad", *extra)
        assert result.exit_code == 5, (extra, result.output)
        assert "\x1b" not in result.stderr


def test_validate_and_migrate_report_malformed_codecs_per_key() -> None:
    url = _mem()
    CloudMapping[str, int](url)["a-good"] = 1  # listed first: its mapping becomes the primary
    provider = open_url(url)[0]
    for i, stored in enumerate(_MALFORMED):
        provider.put(f"bad{i}", b"1", metadata={META_CODEC: stored})
    result = run("validate", url)
    assert result.exit_code == 1, result.output
    listed = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert listed == sorted(f"bad{i}" for i in range(len(_MALFORMED)))
    migrated = run("migrate", url, _mem())
    assert migrated.exit_code == 1, migrated.output
    assert f"1 copied, 0 skipped, {len(_MALFORMED)} failed" in migrated.stderr


# --- Unicode format characters (bidi controls and friends) are escaped ---------------------------

_BIDI = "\u202eevil\u2066x\u2069\u200b\ufeff\U000e0041\u2028"


def _all_format_characters() -> list[str]:
    return [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")]


def test_escape_controls_escapes_every_format_character() -> None:
    chars = _all_format_characters()
    escaped = escape_controls("".join(chars))
    assert escaped.isascii()
    assert escape_controls("plain ünïcode 漢字 ✓") == "plain ünïcode 漢字 ✓"
    assert escape_controls("\u202e") == "\\u202e"
    assert escape_controls("\U000e0041") == "\\U000e0041"


def test_json_output_escapes_format_characters_and_stays_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_json({"k": _BIDI})
    out = capsys.readouterr().out
    assert all(ch not in out for ch in _BIDI if unicodedata.category(ch) in ("Cf", "Zl"))
    assert json.loads(out) == {"k": _BIDI}


def _bidi_store(tmp_path: Path) -> str:
    root = tmp_path / "store"
    provider = LocalProvider(root)
    name = "%E2%80%AEkey%E2%81%A6"  # the key "\u202ekey\u2066", percent-encoded
    provider.put(name, json.dumps(_BIDI).encode(), metadata={META_CODEC: "orjson"})
    provider.put(
        "other",
        b"1",
        metadata={META_CODEC: "orjson\u202e", META_SCHEMA: "\u2066schema"},
    )
    return f"file://{root}"


def _shows_no_format_characters(text: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cf", "Zl", "Zp") for ch in text)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("ls",), 0),
        (("ls", "--json"), 0),
        (("info",), 0),
        (("info", "--json"), 0),
        (("validate", "--type", "builtins:int"), 1),
        (("validate", "--type", "builtins:int", "--json"), 1),
        (("get", "\u202ekey\u2066"), 0),
        (("get", "other"), 5),  # the stored codec name is malformed: an error naming it
    ],
)
def test_cli_output_escapes_format_characters(
    args: tuple[str, ...], code: int, tmp_path: Path
) -> None:
    url = _bidi_store(tmp_path)
    cmd, *rest = args
    result = run(cmd, url, *rest)
    assert result.exit_code == code, result.output
    assert _shows_no_format_characters(result.stdout), result.stdout
    assert _shows_no_format_characters(result.stderr), result.stderr
