"""Every code sample in the docs is executed by the tests.

Each page (``docs/**/*.md`` and ``README.md``, found afresh at collection so new pages are
picked up) is one test: its ```` ```python ```` blocks run in order in one namespace, in a
temporary working directory. Cloud samples run against the emulators, which the test points
the SDKs at through their standard environment variables (``AWS_ENDPOINT_URL``,
``AZURE_STORAGE_CONNECTION_STRING``, ``STORAGE_EMULATOR_HOST``); every bucket or container a
page names is created, and emptied, before the page runs.

Shell blocks that call ``typed-cloudmap`` run too, in the same working directory, their output
checked against the page (see ``tests/_docs_cli.py``).

A sample's claims are checked: an expression statement ending in a ``# -> VALUE`` comment
asserts that the expression's ``repr`` is ``VALUE`` (or, failing that, that it equals
``VALUE`` evaluated in the page's namespace); a ``# ->`` comment anywhere else fails the page,
since a claim that is not checked is how a broken sample passed before.

A python or command-line block that cannot run anywhere must say so right above its fence with
``<!-- no-run: reason -->``; anything else that is not Python belongs in another fence
(```` ```bash ````, ```` ```text ````). Use the marker rarely.
"""

from __future__ import annotations

import ast
import builtins
import io
import os
import re
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import pytest

from _docs_cli import file_marker, is_cli_block, run_cli_block
from typed_cloudmap import Provider
from typed_cloudmap.codecs import _registry as codec_registry
from typed_cloudmap.providers import _registry as provider_registry

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md")]
    + (["README.md"] if (ROOT / "README.md").is_file() else [])
)

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
_NO_RUN = re.compile(r"^\s*<!--\s*no-run:\s*(?P<reason>.*?)\s*-->\s*$")
_PYTHON = {"python", "py", "python3"}


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it starts (1-based line of its first code line)."""

    page: str
    line: int
    info: str
    code: str
    no_run: str | None

    @property
    def is_python(self) -> bool:
        return self.info.split(" ", 1)[0].lower() in _PYTHON if self.info else False


def blocks_of(page: str) -> list[Block]:
    """Every fenced block of a page (a path relative to the repository root)."""
    return parse_blocks(page, (ROOT / page).read_text(encoding="utf-8"))


def parse_blocks(page: str, text: str) -> list[Block]:
    """Every fenced block of ``text``, with the ``no-run`` reason written above it, if any."""
    lines = text.splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence, info = match["indent"], match["fence"], match["info"]
        previous = next((ln for ln in reversed(lines[:i]) if ln.strip()), "")
        marker = _NO_RUN.match(previous)
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                break
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j])
            j += 1
        found.append(
            Block(page, i + 2, info, "\n".join(body), marker["reason"] if marker else None)
        )
        i = j + 1
    return found


# --- the cloud: which emulators and buckets a page needs -------------------------------------

_NAME = r"([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])"
_CLOUD_NAMES = {
    "s3": [rf"S3Provider\(\s*(?:bucket=)?[\"']{_NAME}[\"']", rf"s3://{_NAME}[/?\"']"],
    "azure": [
        rf"AzureBlobProvider\(\s*(?:container=)?[\"']{_NAME}[\"']",
        rf"az://{_NAME}[/?\"']",
    ],
    "gcs": [rf"GCSProvider\(\s*(?:bucket=)?[\"']{_NAME}[\"']", rf"gs://{_NAME}[/?\"']"],
}
_CLOUD_WORDS = {"s3": "S3Provider", "azure": "AzureBlobProvider", "gcs": "GCSProvider"}


def cloud_needs(code: str) -> dict[str, set[str]]:
    """Cloud -> the bucket/container names the code uses, for each cloud it mentions."""
    needs: dict[str, set[str]] = {}
    for cloud, patterns in _CLOUD_NAMES.items():
        names = {m for p in patterns for m in re.findall(p, code)}
        if names or _CLOUD_WORDS[cloud] in code:
            needs[cloud] = names
    return needs


def _emptied(provider: Provider) -> None:
    """Delete every object, so each page starts from empty buckets."""
    for info in list(provider.list("")):
        provider.delete(info.name, if_match=info.etag)  # not every emulator honours If-Match: *
    provider.close()


def _point_at_s3(request: pytest.FixtureRequest, mp: pytest.MonkeyPatch, names: set[str]) -> None:
    from typed_cloudmap import S3Provider

    endpoint = request.getfixturevalue("s3_moto_server")
    mp.setenv("AWS_ENDPOINT_URL", endpoint.url)
    mp.setenv("AWS_ACCESS_KEY_ID", endpoint.access_key)
    mp.setenv("AWS_SECRET_ACCESS_KEY", endpoint.secret_key)
    mp.setenv("AWS_DEFAULT_REGION", endpoint.region)
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL_S3"):
        mp.delenv(name, raising=False)
    nowhere = str(Path(os.devnull))
    mp.setenv("AWS_CONFIG_FILE", nowhere)
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", nowhere)
    for bucket in names:
        _emptied(S3Provider(bucket, endpoint_url=endpoint.url, create=True))


def _point_at_azure(
    request: pytest.FixtureRequest, mp: pytest.MonkeyPatch, names: set[str]
) -> None:
    azurite = request.getfixturevalue("azurite")
    mp.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    for name in (
        "AZURE_STORAGE_ACCOUNT_URL",
        "AZURE_STORAGE_ACCOUNT_NAME",
        "AZURE_STORAGE_ACCOUNT",
    ):
        mp.delenv(name, raising=False)
    for container in names:
        _emptied(azurite.provider(container, create=True))


def _point_at_gcs(request: pytest.FixtureRequest, mp: pytest.MonkeyPatch, names: set[str]) -> None:
    from typed_cloudmap import GCSProvider

    fake = request.getfixturevalue("fake_gcs")
    mp.setenv("STORAGE_EMULATOR_HOST", fake.endpoint_url)
    mp.setenv("GOOGLE_CLOUD_PROJECT", fake.project)
    for bucket in names:
        _emptied(GCSProvider(bucket, project=fake.project, create=True))


_POINT_AT: dict[str, Callable[[pytest.FixtureRequest, pytest.MonkeyPatch, set[str]], None]] = {
    "s3": _point_at_s3,
    "azure": _point_at_azure,
    "gcs": _point_at_gcs,
}


# --- isolation: what a page may change in this process ----------------------------------------


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary working directory; the environment and the registries are restored after."""
    monkeypatch.chdir(tmp_path)
    environ = dict(os.environ)
    registries: list[dict[str, Any]] = [
        codec_registry._registered,
        codec_registry._loaded,
        provider_registry._registered,
        provider_registry._loaded,
    ]
    saved = [dict(r) for r in registries]
    try:
        yield tmp_path
    finally:
        for registry, before in zip(registries, saved, strict=True):
            registry.clear()
            registry.update(before)
        os.environ.clear()
        os.environ.update(environ)


def _page_namespace(page: str) -> dict[str, Any]:
    """A fresh namespace that calls itself ``__main__``, as a script's would.

    So ``if __name__ == "__main__":`` guards run, and Dask's cloudpickle sends the page's
    functions to worker processes by value, as it does for a user's script or notebook. It is
    not ``sys.modules["__main__"]``: the standard pickle cannot find the page's own classes
    and functions by reference, just as a spawned worker could not.
    """
    return {
        "__name__": "__main__",
        "__file__": str(ROOT / page),
        "__builtins__": builtins,
        _CLAIM: check_claim,
    }


# --- claims: ``expr  # -> value`` is an assertion ----------------------------------------------

_CLAIM = "__docs_claim__"
_ARROW = re.compile(r"^#\s*->\s*(?P<value>.*?)\s*$")


def claims_of(source: str) -> dict[int, str]:
    """Line -> the claimed value of every ``# -> value`` comment in ``source``."""
    claims = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            match = _ARROW.match(token.string)
            if match:
                claims[token.start[0]] = match["value"]
    return claims


def check_claim(value: object, expected: str, where: str, namespace: dict[str, Any]) -> None:
    """The claim ``# -> expected`` about ``value``, made at ``where``."""
    if repr(value) == expected:
        return
    try:
        equal = bool(value == eval(expected, namespace))  # noqa: S307  # the docs' own text
    except Exception:  # not an expression: only the repr could match
        equal = False
    assert equal, f"{where}: the sample claims {expected}, but the value is {value!r}"


class _Claims(ast.NodeTransformer):
    """Turn each expression statement on a claimed line into a ``check_claim`` call."""

    def __init__(self, claims: dict[int, str], filename: str) -> None:
        self.claims = claims
        self.filename = filename
        self.used: set[int] = set()

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        line = node.end_lineno or node.lineno
        if line not in self.claims or line in self.used:
            return node
        self.used.add(line)
        call = ast.Call(
            func=ast.Name(_CLAIM, ast.Load()),
            args=[
                node.value,
                ast.Constant(self.claims[line]),
                ast.Constant(f"{self.filename}:{line}"),
                ast.Call(ast.Name("globals", ast.Load()), [], []),
            ],
            keywords=[],
        )
        return ast.copy_location(ast.Expr(call), node)


def compile_with_claims(source: str, filename: str) -> CodeType:
    """``compile`` for a sample, its ``# -> value`` claims turned into checks."""
    claims = claims_of(source)
    tree = ast.parse(source, filename)
    if claims:
        transformer = _Claims(claims, filename)
        tree = ast.fix_missing_locations(transformer.visit(tree))
        unchecked = sorted(set(claims) - transformer.used)
        if unchecked:
            raise AssertionError(
                f"{filename}:{unchecked[0]}: a '# ->' claim must follow an expression statement"
            )
    return compile(tree, filename, "exec", dont_inherit=True)


@pytest.mark.parametrize("page", PAGES)
def test_code_samples_run(
    page: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    """Run the page's python blocks in order in one namespace, and its command-line blocks
    (``tests/_docs_cli.py``) in the same working directory; a failure names page and line."""
    page_lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    for block in blocks_of(page):
        path = file_marker(page_lines, block.line)
        if path is not None:
            (isolated / path).parent.mkdir(parents=True, exist_ok=True)
            (isolated / path).write_text(block.code + "\n", encoding="utf-8")
    blocks = [b for b in blocks_of(page) if b.is_python or is_cli_block(b.info, b.code)]
    for block in blocks:
        if block.no_run is not None and not block.no_run:
            pytest.fail(f"{page}:{block.line}: a no-run marker needs a reason", pytrace=False)
    runnable = [b for b in blocks if b.no_run is None]
    if not runnable:
        return  # nothing to run (api.md, errors.md, ...)
    needs = cloud_needs("\n".join(b.code for b in runnable))
    for cloud, names in needs.items():
        _POINT_AT[cloud](request, monkeypatch, names)
    namespace = _page_namespace(page)
    filename = str(ROOT / page)  # tracebacks then show the markdown's own lines
    for block in runnable:
        if not block.is_python:
            run_cli_block(page, block.code, block.line, isolated)
            continue
        try:
            # Pad so line numbers in tracebacks are the page's line numbers; don't inherit
            # this module's ``from __future__ import annotations``: samples run as written.
            source = "\n" * (block.line - 1) + block.code
            code = compile_with_claims(source, filename)
            exec(code, namespace)  # noqa: S102  # running the docs' samples is the test
        except Exception as exc:
            raise AssertionError(
                f"the python block starting at {page}:{block.line} raised "
                f"{type(exc).__name__}: {exc}"
            ) from exc


def test_pages_are_found() -> None:
    """The collector sees the docs (guards against a glob that silently matches nothing)."""
    assert "docs/index.md" in PAGES
    assert "README.md" in PAGES
    assert any(b.is_python for b in blocks_of("docs/quickstart.md"))


def test_block_parser() -> None:
    """Fences, indentation, info strings and the no-run marker are read as documented."""
    text = (
        "# t\n\n```python\nx = 1\n```\n\n<!-- no-run: needs real AWS -->\n```py\ny = 2\n```\n"
        "- item\n\n    ```python\n    z = 3\n    ```\n\n````text\n```python\n````\n"
    )
    found = parse_blocks("t.md", text)
    assert [(b.line, b.info, b.code, b.no_run) for b in found] == [
        (4, "python", "x = 1", None),
        (9, "py", "y = 2", "needs real AWS"),
        (14, "python", "z = 3", None),
        (18, "text", "```python", None),
    ]
    assert [b.is_python for b in found] == [True, True, True, False]


def test_claims_are_checked() -> None:
    """``# -> value`` passes on a matching repr or an equal value, and fails otherwise."""
    namespace: dict[str, Any] = {_CLAIM: check_claim}
    good = "x = [1, 2]\nx  # -> [1, 2]\nlen(x)  # -> 1 + 1\n'a'  # -> 'a'\n"
    exec(compile_with_claims(good, "good.md"), namespace)  # noqa: S102  # the test itself
    with pytest.raises(AssertionError, match=r"bad\.md:2: the sample claims \[\], but"):
        exec(compile_with_claims("x = [1]\nx  # -> []\n", "bad.md"), namespace)  # noqa: S102
    with pytest.raises(AssertionError, match="must follow an expression"):
        compile_with_claims("x = 1  # -> 1\n", "assign.md")
