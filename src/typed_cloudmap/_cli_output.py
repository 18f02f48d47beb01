"""How the command line prints: values as JSON, progress bars on stderr, tables on a TTY.

Machine-facing output (``--json``, values piped into another program) is plain text with no
markup or wrapping; decoration (colour, tables, progress) appears only on a terminal.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from rich.console import Console
from rich.pretty import Pretty
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

__all__ = [
    "Ticker",
    "escape_controls",
    "jsonable",
    "print_json",
    "print_value",
    "progress",
    "stderr_console",
    "stdout_console",
]


def stdout_console() -> Console:
    """A console on the current stdout (made per call: test runners swap the stream)."""
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    """A console on the current stderr, for progress and summaries."""
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


# Unicode format characters (category Cf: bidi overrides and isolates such as U+202E and
# U+2066-2069, zero-width characters, the BOM, tags) and the line/paragraph separators
# (Zl, Zp): invisible, yet they reorder or hide what a terminal shows. Ranges as of Unicode
# 15, so the list does not depend on the running Python's unicodedata.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)
_CONTROLS = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_FORMAT}]")
_CONTROLS_BUT_LINES = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_FORMAT}]")
# json.dumps escapes C0 itself, not DEL, C1 or format characters.
_JSON_UNSAFE = re.compile(f"[\\x7f-\\x9f{_FORMAT}]")


def _hex(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a surrogate pair, as JSON spells characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_controls(text: str, *, keep_lines: bool = False) -> str:
    """``text`` from storage, fit for a terminal: C0, DEL and C1 characters as ``\\xNN``,
    format characters (bidi controls, zero-width, U+2028/2029) as ``\\uNNNN``/``\\UNNNNNNNN``.

    ``keep_lines`` leaves newlines and tabs (for multi-line values); keys never keep them.
    """
    return (_CONTROLS_BUT_LINES if keep_lines else _CONTROLS).sub(_hex, text)


def _json_text(data: Any, indent: int | None) -> tuple[str, bool]:
    """JSON with every control and format character escaped (still valid JSON); whether any
    was."""
    text = json.dumps(data, indent=indent, ensure_ascii=False, default=str)
    safe = _JSON_UNSAFE.sub(_json_escape, text)
    return safe, safe != text


def _default(obj: Any) -> Any:
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=repr)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj).decode("utf-8", errors="backslashreplace")
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def jsonable(value: Any) -> tuple[bool, Any]:
    """``(True, plain JSON data)`` for values JSON can show (pydantic models included)."""
    try:
        return True, orjson.loads(
            orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)
        )
    except (TypeError, orjson.JSONEncodeError):
        return False, None


def print_json(data: Any, *, pretty: bool = True) -> None:
    """Write ``data`` as JSON on stdout: indented on a terminal or with ``pretty``."""
    console = stdout_console()
    text, escaped = _json_text(data, 2 if pretty or console.is_terminal else None)
    if console.is_terminal and not escaped:
        console.print_json(text)  # colour only when nothing needs escaping
        return
    sys.stdout.write(text + "\n")


def print_value(value: Any) -> None:
    """Pretty-print a decoded value: JSON when it is JSON-able, else its ``repr``.

    Bytes that are not JSON print as UTF-8 text, else as a ``repr``; control characters are
    escaped (``get --raw`` writes the bytes as they are).
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        try:
            print_json(json.loads(data))
            return
        except ValueError:
            pass
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            sys.stdout.write(repr(data) + "\n")
            return
        text = escape_controls(text, keep_lines=True)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    ok, data = jsonable(value)
    if ok:
        print_json(data)
    elif dataclasses.is_dataclass(value) or stdout_console().is_terminal:
        stdout_console().print(Pretty(value))
    else:
        sys.stdout.write(escape_controls(repr(value), keep_lines=True) + "\n")


def print_rows(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    """A listing: JSON lines with ``as_json``, a table on a terminal, else tab-separated."""
    console = stdout_console()
    if as_json:
        for row in rows:
            sys.stdout.write(_json_text(row, None)[0] + "\n")
        return
    cells = [["" if v is None else escape_controls(str(v)) for v in row.values()] for row in rows]
    if not console.is_terminal:
        for line in cells:
            sys.stdout.write("\t".join(line) + "\n")
        return
    table = Table(*(rows[0] if rows else ("key", "size", "codec", "etag")))
    for line in cells:
        table.add_row(*line)
    console.print(table, markup=False)


def failure_reason(key: str, exc: BaseException) -> str:
    """One line saying why ``key`` failed, without repeating the key."""
    text = " ".join(str(exc).split())
    return escape_controls(f"{type(exc).__name__}: {text.removeprefix(f'key {key!r}: ')}")


def human_size(size: int) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


class Ticker:
    """One progress task: ``advance(n)`` as work completes, ``total`` once it is known."""

    def __init__(self, bar: Progress, task: TaskID) -> None:
        self._bar = bar
        self._task = task

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)

    def set_total(self, total: int | None) -> None:
        self._bar.update(self._task, total=total)


@contextmanager
def progress(description: str, total: int | None = None, *, quiet: bool) -> Iterator[Ticker]:
    """A progress bar on stderr; silent with ``--quiet`` or when stderr is not a terminal."""
    console = stderr_console()
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )
    with bar:
        yield Ticker(bar, bar.add_task(description, total=total))
