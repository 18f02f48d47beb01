"""One version source: pyproject.toml, read back through the installed metadata."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

import typed_cloudmap
from typed_cloudmap.cli import app


def test_version_is_the_installed_distributions() -> None:
    assert typed_cloudmap.__version__ == version("typed-cloudmap")


def test_version_is_pyprojects() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = Path(__file__).parent.parent / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    assert typed_cloudmap.__version__ == project["version"]


def test_cli_version_agrees() -> None:
    result = CliRunner().invoke(app, ["--version"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"typed-cloudmap {typed_cloudmap.__version__}"
