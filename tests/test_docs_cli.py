"""The docs' command-line block runner (``tests/_docs_cli.py``) reads blocks as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from _docs_cli import Step, file_marker, is_cli_block, run_cli_block, steps_of


def test_which_blocks_are_cli_blocks() -> None:
    assert is_cli_block("bash", "typed-cloudmap ls file://./d")
    assert is_cli_block("console", "$ typed-cloudmap ls file://./d\nk\t1")
    assert is_cli_block("bash", "$ echo 1 | typed-cloudmap put file://./d k -")
    assert not is_cli_block("bash", "pip install 'typed-cloudmap[s3]'")
    assert not is_cli_block("text", "typed-cloudmap ls file://./d")
    assert not is_cli_block("python", "typed-cloudmap = 1")


def test_transcript_steps() -> None:
    code = (
        "$ typed-cloudmap put file://./d k '1' \\\n    --codec json\n"
        '"0123456789abcdef0123456789abcdef"\n'
        "$ typed-cloudmap get file://./d zed\n"
        "error: not found: 'zed'         # exit code 3\n"
        "$ typed-cloudmap ls s3://b/\n"
        "error: a long one\n"
        "                                # exit code 6\n"
    )
    assert steps_of(code, 10) == [
        Step(
            10,
            "typed-cloudmap put file://./d k '1' \\\n    --codec json",
            0,
            ['"0123456789abcdef0123456789abcdef"'],
        ),
        Step(13, "typed-cloudmap get file://./d zed", 3, ["error: not found: 'zed'"]),
        Step(15, "typed-cloudmap ls s3://b/", 6, ["error: a long one"]),
    ]


def test_script_steps_check_exit_codes_only() -> None:
    code = (
        "# a comment\ntyped-cloudmap ls file://./d\n\n"
        "typed-cloudmap get file://./d k  # exit code 3\n"
    )
    assert steps_of(code, 1) == [
        Step(2, "typed-cloudmap ls file://./d", 0, None),
        Step(4, "typed-cloudmap get file://./d k  # exit code 3", 3, None),
    ]


def test_output_without_a_command_is_an_error() -> None:
    with pytest.raises(AssertionError, match="no '\\$ ' command"):
        steps_of("stray\n$ typed-cloudmap ls x", 1)


def test_file_marker() -> None:
    lines = ["text", "<!-- file: myapp/models.py -->", "```python", "x = 1", "```"]
    assert file_marker(lines, 4) == "myapp/models.py"
    assert file_marker(["text", "", "```python", "x = 1", "```"], 4) is None


def test_run_compares_output_and_exit_code(tmp_path: Path) -> None:
    run_cli_block(
        "t.md",
        "$ echo 0123456789abcdef0123456789abcdff\nffffffffffffffffffffffffffffffff",
        1,
        tmp_path,
    )
    run_cli_block("t.md", f"$ echo {tmp_path}/x\n./x", 1, tmp_path)
    run_cli_block("t.md", "$ sh -c 'exit 3'  # exit code 3", 1, tmp_path)
    with pytest.raises(AssertionError, match="exited 0, the docs say 2"):
        run_cli_block("t.md", "$ true\n  # exit code 2", 1, tmp_path)
    with pytest.raises(AssertionError, match="the docs show"):
        run_cli_block("t.md", "$ echo a\nb", 1, tmp_path)
