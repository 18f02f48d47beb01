"""The command line's exit codes, one-line error reporting and secret redaction.

Every command runs inside :func:`reporting`: an exception becomes ``error: <message>`` on
stderr and an exit code from :class:`ExitCode`, with a traceback only under ``--debug``.
Storage URLs can carry secrets in their query (a SAS token, a connection string) or userinfo,
so every message is scrubbed of them before it is printed.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import IntEnum

import typer

from ..errors import (
    BulkError,
    CodecError,
    InvalidValueError,
    KeySyncError,
    MissingDependencyError,
    ProviderError,
    ValueSizeError,
)
from ..providers._redact import mask_stack, redact, redact_url, secrets_of_url
from ._output import escape_controls

__all__ = [
    "CliUsageError",
    "ExitCode",
    "Redactor",
    "exit_code_for",
    "mask_stack",
    "redact_url",
    "report_error",
    "report_key_error",
    "reporting",
]


class ExitCode(IntEnum):
    """What a script can rely on; documented in ``docs/cli.md`` and ``--help``."""

    OK = 0
    FAILURES = 1  # some values failed validation or migration; a value refused on put
    USAGE = 2  # bad arguments, options, URL, --type or codec name (typer's own code too)
    NOT_FOUND = 3  # the key does not exist (KeyError)
    CONFLICT = 4  # the stored object is not the expected version (KeySyncError)
    CODEC = 5  # stored bytes cannot be decoded, or codec stacks disagree (CodecError)
    PROVIDER = 6  # transport, permission or service failure (ProviderError)
    MISSING_DEPENDENCY = 7  # an optional extra is not installed (MissingDependencyError)
    INTERNAL = 70  # a bug in typed-cloudmap: rerun with --debug and report it


EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 1 validation/migration failures, 2 usage error, 3 not found, "
    "4 conflict, 5 codec error, 6 provider error, 7 missing dependency."
)


class CliUsageError(Exception):
    """A bad argument, option or URL: reported as ``error: ...`` with exit code 2."""


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code an exception maps to (most specific class first)."""
    if isinstance(exc, CliUsageError):
        return ExitCode.USAGE
    if isinstance(exc, MissingDependencyError):
        return ExitCode.MISSING_DEPENDENCY
    if isinstance(exc, KeySyncError):
        return ExitCode.CONFLICT
    if isinstance(exc, KeyError):
        return ExitCode.NOT_FOUND
    if isinstance(exc, CodecError):
        return ExitCode.CODEC
    if isinstance(exc, (InvalidValueError, ValueSizeError, BulkError)):
        return ExitCode.FAILURES
    if isinstance(exc, ProviderError):
        return ExitCode.PROVIDER
    return ExitCode.INTERNAL


class Redactor:
    """Removes the secrets of the URLs a command was given from any text it prints."""

    def __init__(self, urls: Iterable[str] = ()) -> None:
        self._urls: list[str] = []
        self._secrets: set[str] = set()
        for url in urls:
            self.add(url)

    def add(self, url: str) -> None:
        """Also scrub the secrets of ``url`` (and the URL itself, in every spelling)."""
        self._urls.append(url)
        self._secrets.update(secrets_of_url(url))

    def __call__(self, text: str) -> str:
        for url in sorted(self._urls, key=len, reverse=True):
            text = text.replace(url, redact_url(url))
        return redact(text, self._secrets)


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and not isinstance(exc, KeySyncError):
        return f"not found: {exc.args[0]!r}" if exc.args else "not found"
    if isinstance(exc, (CliUsageError, MissingDependencyError)):
        return str(exc)
    text = str(exc) or type(exc).__name__
    if exit_code_for(exc) is ExitCode.INTERNAL:
        return f"internal error: {type(exc).__name__}: {text} (rerun with --debug for details)"
    return text


def _one_line(text: str) -> str:
    return escape_controls(" ".join(text.split()))


def report_error(exc: BaseException, redact: Redactor, *, debug: bool = False) -> ExitCode:
    """Print ``error: <message>`` (and, with ``debug``, the traceback) on stderr."""
    if debug:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        sys.stderr.write(escape_controls(redact("".join(lines)), keep_lines=True))
    sys.stderr.write(f"error: {_one_line(redact(_message(exc)))}\n")
    sys.stderr.flush()
    return exit_code_for(exc)


def report_key_error(key: object, exc: BaseException, redact: Redactor) -> ExitCode:
    """Print one key's failure of a multi-key command as ``error: ...``; its exit code."""
    text = f"not found: {key!r}" if type(exc) is KeyError else str(exc)
    sys.stderr.write(f"error: {_one_line(redact(text))}\n")
    return exit_code_for(exc)


@contextmanager
def reporting(redact: Redactor, *, debug: bool = False) -> Iterator[None]:
    """Turn any exception inside into a one-line error and an exit code."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:  # every failure becomes a one-line error and an exit code
        raise typer.Exit(int(report_error(exc, redact, debug=debug))) from None
