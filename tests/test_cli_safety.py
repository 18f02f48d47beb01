"""The command line never lets an object's metadata pick a stack that runs code or skips a check."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import typed_cloudmap
from typed_cloudmap import CloudMapping
from typed_cloudmap.cli import app
from typed_cloudmap.providers import LocalProvider

SRC = str(Path(typed_cloudmap.__file__).resolve().parents[1])
KEY = "k" * 32

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


class _Touch:
    """Unpickling this creates ``path``: stands in for any code an attacker would run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


def test_get_never_unpickles_because_metadata_says_so(tmp_path: Path) -> None:
    root = tmp_path / "store"
    marker = tmp_path / "pwned"
    LocalProvider(root).put("evil", pickle.dumps(_Touch(marker)), metadata={"tcm_codec": "pickle"})
    env = {**os.environ, "PYTHONPATH": SRC}
    result = subprocess.run(
        [sys.executable, "-m", "typed_cloudmap.cli", "get", f"file://{root}", "evil"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert not marker.exists()
    assert result.returncode == 5, result.stderr  # CodecError
    assert "pickle" in result.stderr
    assert marker.exists() is False


def test_validate_and_get_refuse_pickle_metadata(tmp_path: Path) -> None:
    root = tmp_path / "store"
    marker = tmp_path / "pwned"
    LocalProvider(root).put("evil", pickle.dumps(_Touch(marker)), metadata={"tcm_codec": "pickle"})
    LocalProvider(root).put("ok", b"[1]", metadata={"tcm_codec": "json"})
    result = run("validate", f"file://{root}")
    assert result.exit_code == 1
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["evil"]
    assert not marker.exists()
    named = run("get", f"file://{root}", "evil", "--codec", "pickle")  # the user's own choice
    assert named.exit_code == 0
    assert marker.exists()


def signed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store written with ``orjson|hmac`` plus one unsigned object marked ``orjson``."""
    monkeypatch.setenv("TYPED_CLOUDMAP_HMAC_KEY", KEY)
    url = f"file://{tmp_path / 'signed'}"
    signed = CloudMapping[str, Any](url, codec="orjson|hmac")
    signed["a"] = {"n": 1}
    signed["b"] = {"n": 2}
    LocalProvider(tmp_path / "signed").put(
        "forged", json.dumps({"n": 666}).encode(), metadata={"tcm_codec": "orjson"}
    )
    return url


def test_validate_reports_unsigned_object_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = signed_store(tmp_path, monkeypatch)
    for codec in ("orjson|hmac", f"orjson|hmac:key={KEY}"):
        result = run("validate", url, "--codec", codec)
        assert result.exit_code == 1, (codec, result.output)
        assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["forged"]
    inferred = run("validate", url)  # no stack given: the signed ones are not guessed either
    assert inferred.exit_code == 1
    assert [line.split("\t")[0] for line in inferred.stdout.splitlines()] == ["a", "b"]


def test_get_uses_a_directly_given_hmac_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = signed_store(tmp_path, monkeypatch)
    monkeypatch.delenv("TYPED_CLOUDMAP_HMAC_KEY")
    got = run("get", url, "a", "--codec", f"orjson|hmac:key={KEY}")
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout) == {"n": 1}
    forged = run("get", url, "forged", "--codec", f"orjson|hmac:key={KEY}")
    assert forged.exit_code == 5


def test_migrate_refuses_to_sign_unverified_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = signed_store(tmp_path, monkeypatch)
    dst = f"file://{tmp_path / 'dst'}"
    blind = run("-q", "migrate", url, dst, "--codec", "orjson|hmac")
    assert blind.exit_code == 1
    assert sorted(line.split("\t")[0] for line in blind.stdout.splitlines()) == [
        "a",
        "b",
        "forged",
    ]
    assert sorted(CloudMapping[str, Any](dst, codec="orjson|hmac")) == []
    given = run("-q", "migrate", url, dst, "--codec", "orjson|hmac", "--src-codec", "orjson|hmac")
    assert given.exit_code == 1
    assert [line.split("\t")[0] for line in given.stdout.splitlines()] == ["forged"]
    assert sorted(CloudMapping[str, Any](dst, codec="orjson|hmac")) == ["a", "b"]


def test_overwrite_does_not_take_pickle_from_metadata(tmp_path: Path) -> None:
    root = tmp_path / "store"
    LocalProvider(root).put("k", pickle.dumps(1), metadata={"tcm_codec": "pickle"})
    result = run("put", f"file://{root}", "k", "2", "--overwrite")
    assert result.exit_code == 5
    assert LocalProvider(root).head("k").metadata["tcm_codec"] == "pickle"  # left alone
