"""``typed-cloudmap rekey``: rewraps under the primary KEK, resumes, loses no racing write."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from typed_cloudmap import CloudMapping, LocalProvider, MemoryProvider
from typed_cloudmap._cli_rekey import rekey_store
from typed_cloudmap._cli_store import Store
from typed_cloudmap.cli import app
from typed_cloudmap.codecs import (
    AesGcmTransform,
    CodecStack,
    Keyring,
    generate_key,
    kek_id_of,
)
from typed_cloudmap.codecs._keyring import kek_fingerprint
from typed_cloudmap.providers import IfMatch

runner = CliRunner()
OLD, NEW = generate_key(), generate_key()
ENV = "TCM_REKEY_TEST_KEYS"
STACK = f"orjson|zstd|aesgcm:env={ENV}"


def run(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def kid(key: str) -> str:
    import base64

    return kek_fingerprint(base64.b64decode(key))


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, LocalProvider]:
    """A file store of 30 objects under the OLD key, then NEW promoted in the environment."""
    monkeypatch.setenv(ENV, OLD)
    provider = LocalProvider(tmp_path / "store")
    mapping = CloudMapping[str, dict](provider, codec=STACK)
    mapping.update({f"k{i:02d}": {"n": i, "secret": "s" * i} for i in range(30)})
    monkeypatch.setenv(ENV, f"{NEW} {OLD}")
    return f"file://{tmp_path / 'store'}", provider


def kids(provider: LocalProvider) -> dict[str, str]:
    out = {}
    for info in provider.list(""):
        obj = provider.get(info.name)
        assert obj is not None
        out[info.name] = kek_id_of(obj.data)
    return out


def test_rekey_rewraps_everything_and_reruns_as_noop(
    store: tuple[str, LocalProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, provider = store
    before = {i.name: i.etag for i in provider.list("")}
    result = run("rekey", url, "--codec", STACK, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rekeyed"] == 30
    assert report["failed"] == 0
    assert set(kids(provider).values()) == {kid(NEW)}
    assert all(before[i.name] != i.etag for i in provider.list(""))
    for secret in (OLD, NEW):
        assert secret not in result.output
    monkeypatch.setenv(ENV, NEW)  # the old key can go: everything reads with the new one
    mapping = CloudMapping[str, dict](provider, codec=STACK)
    assert mapping["k07"] == {"n": 7, "secret": "s" * 7}
    again = json.loads(run("rekey", url, "--codec", STACK, "--json").stdout)
    assert again["rekeyed"] == 0
    assert again["current"] == 30


def test_rekey_resumes_after_a_partial_run(store: tuple[str, LocalProvider]) -> None:
    url, provider = store
    first = rekey_store(Store(provider, "", CodecStack(STACK)), CodecStack(STACK), key_prefix="k1")
    assert first.rekeyed == 10
    assert sorted(kids(provider).values()).count(kid(NEW)) == 10
    rest = json.loads(run("rekey", url, "--codec", STACK, "--json").stdout)
    assert rest["rekeyed"] == 20
    assert rest["current"] == 10


class RacingProvider(MemoryProvider):
    """Before the first conditional write of each key, another writer replaces the object."""

    def __init__(self) -> None:
        super().__init__()
        self.writer: CloudMapping[str, dict[str, Any]] | None = None
        self.raced: set[str] = set()

    def put(self, name: str, data: bytes, **kwargs: Any) -> str:
        if (
            isinstance(kwargs.get("mode"), IfMatch)
            and name not in self.raced
            and self.writer is not None
        ):
            self.raced.add(name)
            self.writer.sync()
            self.writer[name] = {"n": -1, "secret": "racing write"}
        return super().put(name, data, **kwargs)


def test_a_racing_write_wins_and_nothing_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    old = Keyring({"old": OLD}, primary="old")
    both = Keyring({"old": OLD, "new": NEW}, primary="new")
    provider = RacingProvider()
    stack_old = CodecStack(["orjson", AesGcmTransform(keyring=old)])
    stack_new = CodecStack(["orjson", AesGcmTransform(keyring=both)])
    CloudMapping[str, dict](provider, codec=stack_old).update(
        {f"k{i}": {"n": i, "secret": "x"} for i in range(8)}
    )
    # The racing writer still uses the old KEK: its versions must be rewrapped too.
    provider.writer = CloudMapping[str, dict](provider, codec=stack_old)
    report = rekey_store(Store(provider, "", stack_new), stack_new)
    assert report.failed == {}
    assert report.rekeyed == 8
    assert provider.raced == {f"k{i}" for i in range(8)}
    reader = CloudMapping[str, dict](provider, codec=stack_new)
    for i in range(8):
        assert reader[f"k{i}"] == {"n": -1, "secret": "racing write"}  # the racer's value
        obj = provider.get(f"k{i}")
        assert obj is not None
        assert kek_id_of(obj.data) == "new"


def test_exit_codes_and_no_secrets(
    store: tuple[str, LocalProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, provider = store
    assert run("rekey", url, "--codec", "orjson|zstd").exit_code == 2  # no aesgcm stage
    assert run("rekey", url).exit_code == 2  # no stack at all
    monkeypatch.delenv(ENV)
    unset = run("rekey", url, "--codec", STACK)
    assert unset.exit_code == 5
    assert ENV in unset.output
    monkeypatch.setenv(ENV, NEW)  # the old key is gone: every object fails, none is rewritten
    lost = run("rekey", url, "--codec", STACK)
    assert lost.exit_code == 1
    assert "not in the keyring" in lost.output
    assert set(kids(provider).values()) == {kid(OLD)}
    for result in (unset, lost):
        assert OLD not in result.output
        assert NEW not in result.output


def test_tampered_objects_are_reported_not_rewritten(store: tuple[str, LocalProvider]) -> None:
    url, provider = store
    obj = provider.get("k03")
    assert obj is not None
    damaged = obj.data[:-1] + bytes([obj.data[-1] ^ 1])
    provider.put("k03", damaged, metadata=dict(obj.metadata))
    result = run("rekey", url, "--codec", STACK, "--json")
    assert result.exit_code == 1
    report: Mapping[str, Any] = json.loads(result.stdout)
    assert report["rekeyed"] == 29
    assert list(report["failures"]) == ["k03"]
    assert "authentication failed" in report["failures"]["k03"]
    after = provider.get("k03")
    assert after is not None
    assert after.data == damaged


def test_get_validate_and_migrate_encrypted_stores(
    store: tuple[str, LocalProvider], tmp_path: Path
) -> None:
    url, provider = store
    got = run("get", url, "k05", "--codec", STACK)
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout) == {"n": 5, "secret": "sssss"}
    assert run("get", url, "k05").exit_code == 5  # never inferred from tcm_codec
    assert run("validate", url, "--codec", STACK).exit_code == 0
    dst = f"file://{tmp_path / 'copy'}"
    migrated = run("migrate", url, dst, "--src-codec", STACK, "--codec", STACK, "--json")
    assert migrated.exit_code == 0, migrated.output
    assert json.loads(migrated.stdout)["copied"] == 30
    copy = CloudMapping[str, dict](LocalProvider(tmp_path / "copy"), codec=STACK)
    assert copy["k29"]["n"] == 29
    obj = provider.get("k05")
    assert obj is not None
    provider.put("k06", obj.data, metadata=dict(obj.metadata))  # k05's object moved to k06
    moved = run("get", url, "k06", "--codec", STACK)
    assert moved.exit_code == 5
    assert "moved here from another key" in moved.output
    for result in (got, migrated, moved):
        assert OLD not in result.output
        assert NEW not in result.output
