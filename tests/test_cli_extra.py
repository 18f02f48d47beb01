"""The command line is the ``cli`` extra: without typer or rich it prints one install hint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HINT = "pip install 'typed-cloudmap[cli]'"


def _hiding(tmp_path: Path, *packages: str) -> dict[str, str]:
    """An environment whose interpreter cannot import ``packages`` (a ``None`` in sys.modules
    makes ``import`` raise ModuleNotFoundError, as an absent package does)."""
    site = tmp_path / "hide"
    site.mkdir()
    lines = ["import sys", *(f"sys.modules[{name!r}] = None" for name in packages)]
    (site / "sitecustomize.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def _console_script() -> Path:
    script = Path(sys.executable).parent / "typed-cloudmap"
    if not script.exists():  # an editable install always writes it; Windows adds .exe
        script = script.with_suffix(".exe")
    assert script.exists(), "the typed-cloudmap console script is not installed"
    return script


@pytest.mark.parametrize("hidden", [("typer",), ("rich",), ("typer", "rich")])
def test_console_script_without_the_extra_prints_one_install_line(
    tmp_path: Path, hidden: tuple[str, ...]
) -> None:
    result = subprocess.run(
        [str(_console_script()), "ls", "memory://x"],
        env=_hiding(tmp_path, *hidden),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert HINT in lines[0]
    assert f"{hidden[0]} is not installed" in lines[0]


def test_python_m_without_the_extra_prints_the_hint(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "typed_cloudmap.cli", "--version"],
        env=_hiding(tmp_path, "typer"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.count("\n") == 1
    assert HINT in result.stderr


def test_the_library_and_the_cli_package_import_without_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys, typed_cloudmap, typed_cloudmap.cli, typed_cloudmap.testing\n"
        "from typed_cloudmap import CloudMapping, MemoryProvider\n"
        "m = CloudMapping[str, int](MemoryProvider(), prefix='p/')\n"
        "m['a'] = 1\n"
        "assert m['a'] == 1\n"
        "print(sorted(n for n in ('typer', 'rich', 'click') if sys.modules.get(n)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_hiding(tmp_path, "typer", "rich"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_console_script_with_the_extra_runs() -> None:
    result = subprocess.run(
        [str(_console_script()), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("typed-cloudmap ")


def test_core_dependencies_leave_the_cli_to_its_extra() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = Path(__file__).parent.parent / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    names = {dep.split(">")[0].split("=")[0].split("[")[0] for dep in project["dependencies"]}
    assert names == {"pydantic", "typing-extensions", "orjson", "zstandard"}
    extras = project["optional-dependencies"]
    assert {d.split(">")[0] for d in extras["cli"]} == {"typer", "rich"}
    assert "cli" in extras["all"][0]
    assert any("cli" in d for d in extras["test"] if d.startswith("typed-cloudmap["))
    assert project["scripts"]["typed-cloudmap"] == "typed_cloudmap.cli:main"


def test_demo_command_runs_the_tour(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from typed_cloudmap.cli import app

    result = CliRunner().invoke(app, ["demo", "--root", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "counters['visits'] = 200 (expected 200)" in result.output
    assert any(tmp_path.rglob("*"))
