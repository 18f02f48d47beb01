"""The command line on hostile or mistyped input: typos, control bytes, secrets, odd URLs."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from typed_cloudmap.cli import app

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
