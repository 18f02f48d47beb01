"""How the command line prints: values as JSON, progress bars on stderr, tables on a TTY.

Machine-facing output (``--json``, values piped into another program) is plain text with no
markup or wrapping; decoration (colour, tables, progress) appears only on a terminal.
"""

from __future__ import annotations

import dataclasses
import json
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
    if console.is_terminal:
        console.print_json(data=data, default=str)
        return
    text = json.dumps(data, indent=2 if pretty else None, ensure_ascii=False, default=str)
    sys.stdout.write(text + "\n")


def print_value(value: Any) -> None:
    """Pretty-print a decoded value: JSON when it is JSON-able, else its ``repr``.

    Bytes print as-is when they are not JSON: UTF-8 text as text, anything else raw to a
    pipe (like ``cat``), or as a ``repr`` on a terminal.
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
            if stdout_console().is_terminal:
                stdout_console().print(Pretty(data))
            else:
                sys.stdout.flush()
                sys.stdout.buffer.write(data)
            return
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    ok, data = jsonable(value)
    if ok:
        print_json(data)
    elif dataclasses.is_dataclass(value) or stdout_console().is_terminal:
        stdout_console().print(Pretty(value))
    else:
        sys.stdout.write(repr(value) + "\n")


def print_rows(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    """A listing: JSON lines with ``as_json``, a table on a terminal, else tab-separated."""
    console = stdout_console()
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if not console.is_terminal:
        for row in rows:
            sys.stdout.write("\t".join("" if v is None else str(v) for v in row.values()) + "\n")
        return
    table = Table(*(rows[0] if rows else ("key", "size", "codec", "etag")))
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table, markup=False)


def failure_reason(key: str, exc: BaseException) -> str:
    """One line saying why ``key`` failed, without repeating the key."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text.removeprefix(f'key {key!r}: ')}"


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
