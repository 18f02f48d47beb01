"""Running the docs' command-line blocks: ```` ```bash ```` / ```` ```console ```` fences whose
commands call ``typed-cloudmap``.

Two forms, both run with ``bash`` in the page's working directory (so they see the files
and ``file://`` stores the page's Python blocks made) with the package's ``typed-cloudmap``
first on ``PATH``:

- a **transcript**: lines ``$ command`` (continued by a trailing ``\\``), each followed by
  the output it prints (stdout, then stderr). The output must match line for line, except
  that etags (32 hex digits, or a local store's inode-size-mtime-ctime) may differ and a
  trailing ``# comment`` after two spaces is ignored; the working directory in an absolute
  path reads as ``.``. ``# exit code N`` in the output or on the command says the exit code
  expected (otherwise 0).
- a **script**: plain command lines, each run in turn; only the exit codes are checked.

A block marked ``<!-- file: PATH -->`` is not run: its text is written to ``PATH`` in the
working directory before the page runs (for instance ``myapp/models.py`` that ``--type
myapp.models:User`` imports). A block that cannot run says why with ``<!-- no-run: ... -->``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Step", "file_marker", "is_cli_block", "run_cli_block", "steps_of"]

_SHELLS = {"bash", "console", "shell", "sh"}
_CALLS_CLI = re.compile(r"^(?:\$\s+)?(?:typed-cloudmap\b|.*\|\s*typed-cloudmap\b)")
_EXIT = re.compile(r"#\s*exit code (\d+)")
_COMMENT = re.compile(r"\s{2,}#.*$")
# An MD5-style etag, or the local store's inode-size-mtime-ctime one.
_ETAG = re.compile(r"[0-9a-f]{32}|\b[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\b")
_FILE = re.compile(r"^\s*<!--\s*file:\s*(?P<path>\S+?)\s*-->\s*$")
_TIMEOUT = 120


def is_cli_block(info: str, code: str) -> bool:
    """A shell fence with at least one line that calls ``typed-cloudmap``."""
    lang = info.split(" ", 1)[0].lower() if info else ""
    return lang in _SHELLS and any(_CALLS_CLI.match(ln.strip()) for ln in code.splitlines())


def file_marker(page_lines: list[str], block_line: int) -> str | None:
    """The ``<!-- file: PATH -->`` right above the fence of the block at ``block_line``."""
    fence = block_line - 2  # 0-based index of the fence line
    previous = next((ln for ln in reversed(page_lines[:fence]) if ln.strip()), "")
    match = _FILE.match(previous)
    return match["path"] if match else None


@dataclass(frozen=True)
class Step:
    """One command, the exit code it should end with, and its output (``None``: unchecked)."""

    line: int
    command: str
    exit_code: int
    output: list[str] | None


def _joined(lines: list[str], i: int) -> tuple[str, int]:
    """The command starting at ``lines[i]`` with its ``\\`` continuations; the next index."""
    parts = [lines[i]]
    while parts[-1].rstrip().endswith("\\") and i + 1 < len(lines):
        i += 1
        parts.append(lines[i])
    return "\n".join(parts), i + 1


def steps_of(code: str, first_line: int) -> list[Step]:
    """The commands of a block, as a transcript if any line starts with ``$ ``."""
    lines = code.splitlines()
    transcript = any(ln.startswith("$ ") for ln in lines)
    steps: list[Step] = []
    i = 0
    while i < len(lines):
        text = lines[i]
        if transcript and not text.startswith("$ "):
            raise AssertionError(f"line {first_line + i}: output with no '$ ' command above")
        if not transcript and (not text.strip() or text.lstrip().startswith("#")):
            i += 1
            continue
        start = i
        command, i = _joined(lines, i)
        command = command.removeprefix("$ ")
        output: list[str] | None = None
        if transcript:
            output = []
            while i < len(lines) and not lines[i].startswith("$ "):
                output.append(lines[i])
                i += 1
        said = _EXIT.findall(command + "\n" + "\n".join(output or []))
        expected = [_COMMENT.sub("", ln).rstrip() for ln in output] if output is not None else None
        if expected is not None:
            expected = [ln for ln in expected if ln.strip()]
        steps.append(Step(first_line + start, command, int(said[-1]) if said else 0, expected))
    return steps


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    return env


def _normalised(lines: list[str], cwd: Path | None = None) -> list[str]:
    """Etags made alike, and the working directory (in an absolute path) shown as ``.``."""
    out = [_ETAG.sub("<etag>", ln.rstrip()) for ln in lines if ln.strip()]
    if cwd is not None:
        here = str(cwd.resolve())
        out = [ln.replace(here, ".") for ln in out]
    return out


def run_cli_block(page: str, code: str, first_line: int, cwd: Path) -> None:
    """Run every command of the block in ``cwd``; ``AssertionError`` naming page and line."""
    for step in steps_of(code, first_line):
        done = subprocess.run(
            ["bash", "-c", step.command],
            cwd=cwd,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
        where = f"{page}:{step.line}: $ {step.command}"
        got = done.stdout.splitlines() + done.stderr.splitlines()
        if done.returncode != step.exit_code:
            raise AssertionError(
                f"{where}\nexited {done.returncode}, the docs say {step.exit_code}\n"
                + "\n".join(got)
            )
        if step.output is not None and _normalised(got, cwd) != _normalised(step.output):
            raise AssertionError(
                f"{where}\nprinted:\n"
                + "\n".join(got)
                + "\nthe docs show:\n"
                + "\n".join(step.output)
            )
