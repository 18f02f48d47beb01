"""Emulator start-up: a port taken between picking and binding is told apart (and retried
by the emulators that bind many ports); any other early exit stays a plain error."""

from __future__ import annotations

import pytest

from emulators._process import PortTakenError, running


def _exits_with(message: str) -> list[str]:
    return ["sh", "-c", f"echo '{message}'; exit 1"]


def test_a_taken_port_is_a_port_taken_error() -> None:
    argv = _exits_with("listen tcp 127.0.0.1:1: bind: address already in use")
    with pytest.raises(PortTakenError), running(argv, lambda: False, name="fake"):
        pass


def test_another_early_exit_is_a_runtime_error() -> None:
    with pytest.raises(RuntimeError) as info, running(_exits_with("boom"), lambda: False, name="x"):
        pass
    assert not isinstance(info.value, PortTakenError)
    assert "boom" in str(info.value)
