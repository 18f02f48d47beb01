"""``typed-cloudmap watch`` and ``typed-cloudmap edit``, through the real command in a subprocess.

``edit`` runs with ``$EDITOR`` set to ``tests/_scripted_editor.py``, which follows a plan: valid
edits, invalid then valid, another writer saving in between, unchanged and empty saves. Each
test checks what the store holds afterwards: nothing invalid or stale is ever stored.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from typed_cloudmap import CloudMapping

EDITOR = Path(__file__).parent / "_scripted_editor.py"
MODELS = """
from pydantic import BaseModel

class App(BaseModel):
    name: str
    workers: int = 1
"""


def _command() -> str:
    found = Path(sys.executable).parent / "typed-cloudmap"
    if found.exists():
        return str(found)
    which = shutil.which("typed-cloudmap")
    assert which is not None, "the typed-cloudmap command is not installed"
    return which


@dataclass(frozen=True)
class Where:
    """A working directory (with ``models.py``) and the URL of the store under test."""

    workdir: Path
    url: str


@pytest.fixture
def where(tmp_path: Path) -> Where:
    """A local store."""
    (tmp_path / "models.py").write_text(MODELS)
    return Where(tmp_path, f"file://{tmp_path / 'store'}")


@pytest.fixture(params=["local", "s3-moto"])
def where_any(
    request: pytest.FixtureRequest, where: Where, monkeypatch: pytest.MonkeyPatch
) -> Where:
    """A local store, or a fresh bucket on moto (credentials in the environment)."""
    if request.param == "local":
        return where
    s3 = request.getfixturevalue("s3_moto_server")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3.region)
    bucket = f"tcm-edit-{uuid.uuid4().hex[:12]}"
    return Where(where.workdir, f"s3://{bucket}/cfg/?endpoint_url={s3.url}&create=true")


def _edit(
    where: Where, key: str, steps: list[dict[str, Any]], *extra: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    workdir = where.workdir
    log = workdir / "editor.log"
    log.unlink(missing_ok=True)
    plan = workdir / "plan.json"
    plan.write_text(json.dumps({"steps": steps, "log": str(log)}))
    env = {
        **os.environ,
        "EDITOR": f"{sys.executable} {EDITOR}",
        "TCM_EDIT_PLAN": str(plan),
    }
    env.pop("VISUAL", None)
    result = subprocess.run(
        [_command(), "edit", where.url, key, *extra],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    opened = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, opened


def _store(where: Where) -> CloudMapping[str, Any]:
    return CloudMapping[str, Any](where.url)


def _json(data: Any) -> str:
    return json.dumps(data, indent=2) + "\n"


def test_edit_writes_a_valid_change(where: Where) -> None:
    _store(where)["app"] = {"name": "a", "workers": 1}
    result, opened = _edit(
        where, "app", [{"write": _json({"name": "b", "workers": 2})}], "--type", "models:App"
    )
    assert result.returncode == 0, result.stderr
    assert '"name": "a"' in opened[0]["opened"]
    store = _store(where)
    assert store["app"] == {"name": "b", "workers": 2}
    assert result.stdout.strip() == store.etags["app"]


def test_edit_reopens_invalid_value_with_errors(where_any: Where) -> None:
    where = where_any
    _store(where)["app"] = {"name": "a", "workers": 1}
    peek = {"url": where.url, "key": "app"}
    steps = [
        {"write": _json({"name": "b", "workers": "many"})},
        {"peek": peek, "write": "{not json"},
        {"peek": peek, "write": _json({"name": "c", "workers": 3})},
    ]
    result, opened = _edit(where, "app", steps, "--type", "models:App")
    assert result.returncode == 0, result.stderr
    assert len(opened) == 3
    assert "# ERROR" in opened[1]["opened"]
    assert "workers" in opened[1]["opened"]
    assert '"many"' in opened[1]["opened"]  # the user's text is kept below the errors
    assert "not valid JSON" in opened[2]["opened"]
    assert opened[1]["stored"] == opened[2]["stored"] == {"name": "a", "workers": 1}
    assert _store(where)["app"] == {"name": "c", "workers": 3}


def test_edit_conflict_shows_theirs_and_reopens(where_any: Where) -> None:
    where = where_any
    _store(where)["app"] = {"name": "a", "workers": 1}
    theirs = {"name": "theirs", "workers": 9}
    steps = [
        {
            "other": {"url": where.url, "key": "app", "value": theirs},
            "write": _json({"name": "mine", "workers": 2}),
        },
        {"peek": {"url": where.url, "key": "app"}},  # keep mine, now over theirs
    ]
    result, opened = _edit(where, "app", steps, "--type", "models:App")
    assert result.returncode == 0, result.stderr
    second = opened[1]["opened"]
    assert "CONFLICT" in second
    assert '"theirs"' in second  # their version, as comments
    assert '"mine"' in second  # mine, as the text to save
    assert opened[1]["stored"] == theirs  # the stale write did not land
    assert _store(where)["app"] == {"name": "mine", "workers": 2}


def test_edit_conflict_then_saving_theirs_is_no_change(where: Where) -> None:
    _store(where)["app"] = {"name": "a", "workers": 1}
    theirs = {"name": "theirs", "workers": 9}
    steps = [
        {
            "other": {"url": where.url, "key": "app", "value": theirs},
            "write": _json({"name": "mine", "workers": 2}),
        },
        {"write": _json(theirs)},
    ]
    result, _ = _edit(where, "app", steps)
    assert result.returncode == 0, result.stderr
    assert "no changes" in result.stderr
    assert _store(where)["app"] == theirs


def test_edit_unchanged_aborts_without_writing(where: Where) -> None:
    store = _store(where)
    store["app"] = {"name": "a", "workers": 1}
    before = store.etags["app"]
    result, _ = _edit(where, "app", [{"keep": True}], "--type", "models:App")
    assert result.returncode == 0, result.stderr
    assert "no changes" in result.stderr
    assert result.stdout == ""
    assert _store(where).etags["app"] == before


def test_edit_empty_save_aborts(where: Where) -> None:
    store = _store(where)
    store["app"] = {"name": "a", "workers": 1}
    before = store.etags["app"]
    result, _ = _edit(where, "app", [{"empty": True}])
    assert result.returncode == 1
    assert "empty" in result.stderr
    assert _store(where).etags["app"] == before


def test_edit_creates_a_new_key_and_editor_failure_aborts(where: Where) -> None:
    _store(where)["other"] = 1  # the store exists
    steps = [{"write": '{"name": "new"}'}]
    result, _ = _edit(where, "fresh", steps, "--type", "models:App")
    assert result.returncode == 0, result.stderr
    assert _store(where)["fresh"] == {"name": "new", "workers": 1}
    failed, _ = _edit(where, "fresh", [])  # the editor exits 3
    assert failed.returncode == 1
    assert "editor exited" in failed.stderr
    assert _store(where)["fresh"] == {"name": "new", "workers": 1}


# --- watch ------------------------------------------------------------------------------------


def _reader(stream: Any, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def test_watch_prints_changes_until_interrupted(where: Where) -> None:
    store = _store(where)
    store["before"] = {"name": "x"}  # exists at start: not printed
    argv = [_command(), "watch", where.url, "--json", "--interval", "0.05"]
    proc = subprocess.Popen(
        [*argv, "--type", "models:App"],
        cwd=where.workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    notes: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    threading.Thread(target=_reader, args=(proc.stderr, notes), daemon=True).start()
    try:
        assert "watching" in notes.get(timeout=60)

        def next_change() -> dict[str, Any]:
            row: dict[str, Any] = json.loads(lines.get(timeout=60))
            return row

        store["a"] = {"name": "one"}
        assert next_change() == {
            "kind": "added",
            "key": "a",
            "etag": store.etags["a"],
            "value": {"name": "one", "workers": 1},
            "error": None,
        }
        store["a"] = {"name": "two", "workers": 2}
        row = next_change()
        assert (row["kind"], row["value"]) == ("modified", {"name": "two", "workers": 2})
        store["bad"] = {"workers": "many"}  # not an App: printed with its error
        row = next_change()
        assert (row["kind"], row["key"], row["value"]) == ("added", "bad", None)
        assert "CodecError" in row["error"]
        del store["a"]
        row = next_change()
        assert (row["kind"], row["key"], row["value"]) == ("deleted", "a", None)
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0
    assert lines.empty()


def test_watch_plain_lines(where: Where) -> None:
    from typed_cloudmap._cli_watch import change_line
    from typed_cloudmap._watch_diff import Change

    line = change_line(Change("added", "k\x1b[31m", {"v": 1}, '"e"'), as_json=False)
    assert line == 'added\tk\\x1b[31m\t"e"\t{"v": 1}'


def test_edit_without_an_editor_is_a_usage_error(where: Where) -> None:
    _store(where)["app"] = {"name": "a"}
    env = {k: v for k, v in os.environ.items() if k not in ("EDITOR", "VISUAL")}
    env["PATH"] = str(where.workdir / "no-such-bin")  # no vi either
    result = subprocess.run(
        [_command(), "edit", where.url, "app"],
        cwd=where.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "EDITOR" in result.stderr
    assert _store(where)["app"] == {"name": "a"}


def test_edit_opens_an_invalid_stored_value_to_fix_it(where: Where) -> None:
    _store(where)["app"] = {"workers": "many"}  # stored untyped: not a valid App
    steps = [{"write": _json({"name": "fixed", "workers": 2})}]
    result, opened = _edit(where, "app", steps, "--type", "models:App")
    assert result.returncode == 0, result.stderr
    assert "# ERROR: the stored value is not valid" in opened[0]["opened"]
    assert '"many"' in opened[0]["opened"]  # the stored JSON, to be fixed
    assert _store(where)["app"] == {"name": "fixed", "workers": 2}
