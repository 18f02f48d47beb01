"""A LocalProvider store is a plain directory that ordinary tools read and copy.

``cat`` prints a value, ``git diff`` shows values change, ``cp -a`` keeps the metadata, and
``aws s3 sync`` (the real CLI, one plain ``PutObject`` per file and no metadata) moves a
store between a directory and S3 (moto) in both directions, readable on the other side with
the same codec.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pydantic import BaseModel

from emulators._s3 import S3Endpoint, fresh_bucket
from typed_cloudmap import CloudMapping, LocalProvider


class User(BaseModel):
    name: str
    age: int


def _users(root: Path, codec: str = "orjson") -> CloudMapping[str, User]:
    return CloudMapping[str, User](LocalProvider(root), prefix="users/", codec=codec)


def test_cat_prints_the_value(tmp_path: Path) -> None:
    _users(tmp_path)["alice"] = User(name="Alice", age=30)
    out = subprocess.run(
        ["cat", str(tmp_path / "users" / "alice")], capture_output=True, check=True
    ).stdout
    assert out == b'{"name":"Alice","age":30}'


def test_git_diff_shows_values_and_ignores_the_store_folder(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.fail("git is not installed")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(tmp_path),
    }

    def run(*args: str) -> str:
        done = subprocess.run([git, *args], cwd=tmp_path, env=env, capture_output=True, check=True)
        return done.stdout.decode()

    run("init", "-q")
    users = _users(tmp_path / "data")
    users["alice"] = User(name="Alice", age=30)
    run("add", "-A")
    assert run("status", "--porcelain").splitlines() == ["A  data/users/alice"]
    run("commit", "-qm", "first")
    users["alice"] = User(name="Alice", age=31)
    diff = run("diff")
    assert '-{"name":"Alice","age":30}' in diff
    assert '+{"name":"Alice","age":31}' in diff


def test_cp_a_keeps_metadata_and_plain_copy_keeps_values(tmp_path: Path) -> None:
    _users(tmp_path / "src", "orjson|zstd")["alice"] = User(name="Alice", age=30)
    subprocess.run(["cp", "-a", str(tmp_path / "src"), str(tmp_path / "kept")], check=True)
    subprocess.run(["cp", "-r", str(tmp_path / "src"), str(tmp_path / "plain")], check=True)
    kept = LocalProvider(tmp_path / "kept").get("users/alice")
    plain = LocalProvider(tmp_path / "plain").get("users/alice")
    assert kept is not None
    assert plain is not None
    assert kept.metadata["tcm_codec"] == "orjson|zstd"
    assert plain.metadata == {}  # without -a (or rsync -X) only the metadata is lost
    assert _users(tmp_path / "plain", "orjson|zstd")["alice"] == User(name="Alice", age=30)


def _aws(endpoint: S3Endpoint, tmp_path: Path, *args: str) -> None:
    aws = Path(sys.executable).parent / "aws"
    if not aws.exists():
        pytest.fail("awscli is not installed (it is in the test extra)")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": endpoint.access_key,
        "AWS_SECRET_ACCESS_KEY": endpoint.secret_key,
        "AWS_DEFAULT_REGION": endpoint.region,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }
    subprocess.run(
        [str(aws), "--endpoint-url", endpoint.url, "s3", *args],
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize("codec", ["orjson", "orjson|zstd"])
def test_aws_s3_sync_directory_to_s3_and_back(
    s3_moto_server: S3Endpoint, tmp_path: Path, codec: str
) -> None:
    values = {f"u{i}": User(name=f"n{i}", age=i) for i in range(5)}
    values["team/bob"] = User(name="Bob", age=40)
    _users(tmp_path / "local", codec).update(values)
    bucket = fresh_bucket()
    s3 = s3_moto_server.provider(bucket)
    # The store's own folder holds locks and temp files: leave it out of any copy.
    _aws(s3_moto_server, tmp_path, "sync", str(tmp_path / "local"), f"s3://{bucket}/",
         "--exclude", "*.typed-cloudmap/*")  # fmt: skip
    remote = CloudMapping[str, User](s3, prefix="users/", codec=codec)
    assert dict(remote) == values
    assert sorted(o.name for o in s3.list()) == sorted(f"users/{k}" for k in values)

    remote["carol"] = User(name="Carol", age=50)  # written by the mapping, with metadata
    _aws(s3_moto_server, tmp_path, "sync", f"s3://{bucket}/users/", str(tmp_path / "back"))
    back = CloudMapping[str, User](LocalProvider(tmp_path / "back"), codec=codec)
    assert dict(back) == {**values, "carol": User(name="Carol", age=50)}


def test_cli_opens_a_sub_directory_as_its_sub_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from typed_cloudmap.cli import app

    monkeypatch.chdir(tmp_path)
    store = LocalProvider("./store")
    dates = CloudMapping[date, int](store, prefix="dates/", codec="orjson")
    dates[date(2024, 1, 2)] = 7
    CloudMapping[str, int](store, prefix="pts/", codec="orjson")["p"] = 1
    runner = CliRunner()
    listed = runner.invoke(app, ["ls", "file://./store/pts/"], catch_exceptions=False)
    assert listed.exit_code == 0
    assert "p" in listed.output.split()
    got = runner.invoke(app, ["get", "file://./store/dates/", "2024-01-02"])
    assert got.exit_code == 0, got.output
    assert got.output.strip() == "7"
