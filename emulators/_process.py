"""Start an emulator in its own process group, wait until it answers, kill the group after."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = [
    "EmulatorUnavailableError",
    "PortTakenError",
    "find_tool",
    "free_port",
    "http_ready",
    "running",
    "workdir",
]

ROOT = Path(__file__).resolve().parents[1]
"""The repository: its ``node_modules/.bin`` holds Azurite."""


class EmulatorUnavailableError(RuntimeError):
    """The emulator is not installed here (``make install-test`` installs every one)."""


class PortTakenError(RuntimeError):
    """The emulator exited because a port picked for it was taken before it bound it (ports
    are picked free, then released for the emulator to bind: another process may win the
    race). Starting again with fresh ports is the remedy."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def find_tool(name: str) -> str:
    """A tool from this interpreter's venv, the repository's node_modules, or ``PATH``."""
    for candidate in (Path(sys.executable).parent / name, ROOT / "node_modules" / ".bin" / name):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise EmulatorUnavailableError(
        f"{name} is not installed (run `make install-test`, which installs every emulator)"
    )


def http_ready(url: str, context: ssl.SSLContext | None = None) -> Callable[[], bool]:
    """A readiness check: true once ``url`` answers at all (an error status counts);
    ``context`` says which certificates an ``https://`` URL may present."""

    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1, context=context):  # noqa: S310  # loopback URL we built
                return True
        except urllib.error.HTTPError:
            return True  # it answered, even if with an error status
        except OSError:
            return False

    return check


@contextlib.contextmanager
def workdir(name: str, given: Path | None) -> Iterator[Path]:
    """``given`` if there is one, else a temporary directory removed at exit."""
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix=f"tcm-{name}-") as tmp:
        yield Path(tmp)


@contextlib.contextmanager
def running(
    argv: Sequence[str],
    ready: Callable[[], bool],
    *,
    name: str,
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` in a new session; yield once ``ready()`` is true; kill its group at exit."""
    log_path = Path(tempfile.gettempdir()) / f"tcm-{name}-{os.getpid()}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        list(argv),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None:
                log.flush()
                tail = log_path.read_text(errors="replace")[-2000:]
                error = PortTakenError if "address already in use" in tail else RuntimeError
                raise error(f"{name} exited with {proc.returncode} before ready:\n{tail}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} was not ready after {timeout}s; log: {log_path}")
            time.sleep(0.1)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()
