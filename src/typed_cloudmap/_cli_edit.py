"""``typed-cloudmap edit URL KEY``: edit one value in ``$VISUAL``/``$EDITOR``, safely.

The value opens as pretty JSON. On save it is parsed and validated (``--type``); when it is
invalid the editor reopens with the errors as ``#`` comments above the text. It is written
``If-Match`` the version that was opened (create-only for a new key), so when another writer
saved first the write is refused, their version is shown as comments beside yours, and the
editor reopens; the next save is checked against their version. Saving the value unchanged
aborts (exit 0), saving an empty file aborts (exit 1); nothing invalid or stale is written.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from ._cli_errors import CliUsageError, ExitCode, Redactor, redact_url, reporting
from ._cli_options import Codec, KeyEncoding, TypeSpec, Url, settings, value_type
from ._cli_output import escape_controls, jsonable, stderr_console
from ._cli_policy import inferred_stack
from ._cli_store import open_store
from ._mapping import CloudMapping
from .errors import CodecError, InvalidValueError, KeySyncError, ValueSizeError

__all__ = ["edit", "render", "strip_comments"]

_ABSENT: Any = object()
Key = Annotated[str, typer.Argument(help="The key to edit (created if it does not exist).")]


def _editor() -> list[str]:
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not command:
        if shutil.which("vi") is None:
            raise CliUsageError("set $VISUAL or $EDITOR to the editor to use")
        command = "vi"
    return shlex.split(command)


def _pretty(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _commented(text: str) -> list[str]:
    return [f"#   {escape_controls(line)}" for line in text.splitlines()]


def render(header: list[str], notes: list[str], body: str) -> str:
    """The file the editor opens: header and notes as ``#`` comments, then the JSON text."""
    lines = [f"# {line}" if line else "#" for line in header]
    lines += notes
    return "\n".join(lines) + "\n" + body


def strip_comments(text: str) -> str:
    """The JSON text of a saved file: every line whose first non-blank character is ``#``
    dropped (no JSON token starts with ``#``, and JSON strings cannot span lines)."""
    return "".join(
        line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#")
    )


def _error_notes(title: str, exc: BaseException) -> list[str]:
    notes = [f"# ERROR: {escape_controls(' '.join(title.split()))}"]
    cause = exc.__cause__
    notes += _commented(str(exc if cause is None else cause))
    return notes


class _Session:
    """One key being edited: the version it was opened at, and what to show next."""

    def __init__(
        self, mapping: CloudMapping[str, Any], untyped: CloudMapping[str, Any], key: str
    ) -> None:
        self.mapping = mapping
        self.untyped = untyped  # the same stack, no type: to show a value that does not validate
        self.key = key
        self.base: Any = _ABSENT
        self.etag: str | None = None
        self.invalid: CodecError | None = None

    def load(self) -> None:
        """Read the current version (the next write is conditional on it)."""
        mapping, key = self.mapping, self.key
        self.base, self.etag, self.invalid = _ABSENT, None, None
        if key in mapping:  # a HEAD; a missing key leaves the view: create-only next
            try:
                value = mapping[key]
            except KeyError:
                return
            except CodecError as exc:  # stored, but not a valid value: open it to be fixed
                self.invalid = exc
                try:
                    value = self.untyped[key]  # bytes that do not even decode: exit 5
                except KeyError:
                    return
            ok, self.base = jsonable(value)
            if not ok:
                raise CliUsageError(f"key {key!r}: its value cannot be shown as JSON to edit")
            self.etag = mapping.etags.get(key)

    def load_notes(self) -> list[str]:
        """What to say above the text about the version just loaded."""
        if self.invalid is None:
            return []
        return _error_notes(f"the stored value is not valid: {self.invalid}", self.invalid)

    def conflict_notes(self) -> list[str]:
        if self.base is _ABSENT:
            return [
                "# CONFLICT: another writer deleted this key since you opened it.",
                "# Saving writes your version below as a new key; save it empty to abort.",
            ]
        return [
            f"# CONFLICT: another writer saved this key since you opened it (etag {self.etag}).",
            "# Their version:",
            *_commented(_pretty(self.base)),
            "# Yours is below. Saving writes it over theirs; save it unchanged from theirs",
            "# or empty to abort.",
        ]


def _run_editor(path: Path) -> None:
    result = subprocess.run([*_editor(), str(path)], check=False)  # the user's own editor
    if result.returncode != 0:
        raise _AbortError(f"the editor exited with status {result.returncode}; nothing written", 1)


class _AbortError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def edit(
    ctx: typer.Context,
    url: Url,
    key: Key,
    type_: TypeSpec = None,
    codec: Codec = None,
    key_encoding: KeyEncoding = "percent",
) -> None:
    """Edit one value as JSON in $VISUAL/$EDITOR; validated, written If-Match, never stale.

    A new key is created (create-only). Saving unchanged aborts (exit 0); saving an empty file
    aborts (exit 1). Invalid values and conflicts with another writer reopen the editor.
    """
    opts = settings(ctx)
    with reporting(Redactor([url]), debug=opts.debug):
        store = open_store(url, codec, key_encoding=key_encoding)
        store.name(key)
        stack: Any = store.codec
        if stack is None:
            try:
                stored = store.stored_codec(key)
            except KeyError:
                stored = None
            stack = None if stored is None else inferred_stack(stored)  # never pickle from data
        mapping = store.mapping(value_type(type_), stack, read_blindly=True)
        if mapping.codec.format in ("bytes", "text"):
            raise CliUsageError(f"edit works on JSON values; this key is read as {stack!r}")
        untyped = store.mapping(Any, mapping.codec, read_blindly=True)
        session = _Session(mapping, untyped, key)
        session.load()
        if session.base is _ABSENT:
            store.check_exists()  # a missing bucket is a provider error, not a new key
        header = [
            f"typed-cloudmap edit: {key!r} in {redact_url(url)}",
            "Lines starting with '#' are ignored. Save unchanged, or empty, to abort.",
        ]
        body = "" if session.base is _ABSENT else _pretty(session.base)
        try:
            etag = _loop(session, header, body)
        except _AbortError as stop:
            stderr_console().print(str(stop), markup=False)
            raise typer.Exit(stop.code) from None
        finally:
            mapping.close()
            untyped.close()
        if not opts.quiet:
            stderr_console().print(f"saved {escape_controls(repr(key))}", markup=False)
        sys.stdout.write(f"{etag}\n")


def _loop(session: _Session, header: list[str], body: str) -> str:
    """Edit until a valid, current version is written; its etag."""
    notes = session.load_notes()
    with tempfile.TemporaryDirectory(prefix="tcm-edit-") as tmp:
        path = Path(tmp) / "value.json"
        while True:
            path.write_text(render(header, notes, body), encoding="utf-8")
            _run_editor(path)
            body = strip_comments(path.read_text(encoding="utf-8"))
            if not body.strip():
                raise _AbortError("empty file: aborted, nothing written", int(ExitCode.FAILURES))
            try:
                data = json.loads(body)
            except ValueError as exc:
                notes = _error_notes(f"not valid JSON: {exc}", exc)[:1]
                continue
            if session.base is not _ABSENT and data == session.base:
                raise _AbortError("no changes: nothing written", int(ExitCode.OK))
            try:
                session.mapping[session.key] = data
            except (InvalidValueError, ValueSizeError) as exc:
                notes = _error_notes(str(exc), exc)
                continue
            except KeySyncError:
                session.load()
                notes = session.conflict_notes() + session.load_notes()
                continue
            etag = session.mapping.etags.get(session.key)
            return etag or ""
