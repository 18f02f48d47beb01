"""One parser for a store URL's options: ``CloudMapping(url)``, ``from_url`` and the CLI agree,
and a URL alone never turns on ``pickle``."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import typed_cloudmap
from typed_cloudmap import CloudMapping
from typed_cloudmap._options import names_pickle
from typed_cloudmap.cli import app
from typed_cloudmap.providers import LocalProvider

SRC = str(Path(typed_cloudmap.__file__).resolve().parents[1])
runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def _store(tmp_path: Path) -> str:
    url = f"file://{tmp_path / 'store'}"
    CloudMapping[str, int](url)["k"] = 1
    return url


@pytest.mark.parametrize(
    "query", ["read_blindly=true", "sync_initially=false", "read_blindly=0&sync_initially=yes"]
)
@pytest.mark.parametrize("command", [("ls",), ("get", "k"), ("validate",), ("info",)])
def test_cli_accepts_the_options_from_url_accepts(
    query: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    url = f"{_store(tmp_path)}?{query}"
    CloudMapping[str, int].from_url(url)  # the library takes it ...
    cmd, *rest = command
    result = run(cmd, url, *rest)  # ... and so does the command line
    assert result.exit_code == 0, result.output


def test_from_url_applies_read_blindly_and_sync_initially(tmp_path: Path) -> None:
    url = _store(tmp_path)
    m = CloudMapping[str, int].from_url(f"{url}?read_blindly=true&sync_initially=false")
    assert m.read_blindly is True
    assert dict(m.etags) == {}
    assert dict(CloudMapping[str, int].from_url(url).etags).keys() == {"k"}


@pytest.mark.parametrize("query", ["bogus=1", "read_blindly=maybe", "sync_initially="])
def test_bad_options_are_refused_the_same_way(query: str, tmp_path: Path) -> None:
    url = f"{_store(tmp_path)}?{query}"
    with pytest.raises(ValueError, match=r"URL option|unknown") as caught:
        CloudMapping[str, int](url)
    result = run("ls", url)
    assert result.exit_code == 2, result.output
    assert str(caught.value) in result.stderr


# --- pickle needs an explicit opt-in when a URL names it --------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("pickle", True),
        ("pickle:protocol=5|zstd", True),
        (" pickle |hmac", True),
        ("orjson|zstd", False),
        ("pickled", False),
        ("orjson|", False),  # malformed: reported by the stack parser, not here
    ],
)
def test_names_pickle(spec: str, expected: bool) -> None:
    assert names_pickle(spec) is expected


@pytest.mark.parametrize("codec", ["pickle", "pickle|zstd", "pickle%7Czlib"])
def test_url_codec_pickle_needs_allow_pickle(codec: str) -> None:
    url = f"memory://tcm-pickle-{uuid.uuid4().hex[:8]}?codec={codec}"
    with pytest.raises(ValueError, match="allow_pickle=True"):
        CloudMapping[str, Any](url)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        CloudMapping[str, Any].from_url(url)
    m = CloudMapping[str, Any].from_url(url, allow_pickle=True)
    assert m.codec.name.startswith("pickle")
    m["s"] = {1, 2}
    assert m["s"] == {1, 2}


def test_explicit_codec_argument_needs_no_opt_in() -> None:
    url = f"memory://tcm-pickle-{uuid.uuid4().hex[:8]}?codec=pickle"
    assert CloudMapping[str, Any](url, codec="orjson").codec.name == "orjson"
    assert CloudMapping[str, Any]("memory://x", codec="pickle").codec.name == "pickle"


class _Touch:
    """Unpickling this creates ``path``: stands in for any code an attacker would run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typed_cloudmap.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        timeout=60,
        check=False,
    )


def test_cli_url_codec_pickle_needs_allow_pickle(tmp_path: Path) -> None:
    root = tmp_path / "store"
    marker = tmp_path / "pwned"
    LocalProvider(root).put("evil", pickle.dumps(_Touch(marker)), metadata={"tcm_codec": "pickle"})
    url = f"file://{root}?codec=pickle"
    for args in (("get", url, "evil"), ("validate", url)):
        refused = _cli(*args)
        assert refused.returncode == 2, refused.stderr
        assert "--allow-pickle" in refused.stderr
        assert not marker.exists()
    allowed = _cli("get", url, "evil", "--allow-pickle")  # the user's explicit choice
    assert allowed.returncode == 0, allowed.stderr
    assert marker.exists()


def test_cli_pickle_opt_in_on_put_and_migrate(tmp_path: Path) -> None:
    src = _store(tmp_path)
    dst = f"file://{tmp_path / 'dst'}?codec=pickle"
    assert run("put", dst, "a", "1").exit_code == 2
    assert run("put", dst, "a", "1", "--allow-pickle").exit_code == 0
    assert run("migrate", src, dst).exit_code == 2
    result = run("migrate", src, dst, "--allow-pickle")
    assert result.exit_code == 0, result.output
    assert run("put", f"file://{tmp_path / 'other'}", "a", "1", "--codec", "pickle").exit_code == 0


@pytest.mark.parametrize("command", [("ls",), ("info",), ("rm", "k")])
def test_commands_that_never_decode_ignore_a_pickle_url_codec(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    cmd, *rest = command
    result = run(cmd, f"{_store(tmp_path)}?codec=pickle", *rest)
    assert result.exit_code == 0, result.output
