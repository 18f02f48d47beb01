"""The tour behind ``typed-cloudmap demo``: the main job, on a local directory."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ._mapping import CloudMapping
from .errors import InvalidValueError, KeySyncError
from .providers import LocalProvider


class User(BaseModel):
    """The demo's value type."""

    id: int
    name: str
    email: str | None = None


def run_demo(root: Path | None = None, console: Console | None = None) -> None:
    """Typed writes and reads, a refused value, a caught conflict and a shared counter."""
    out = console or Console()
    if root is None:
        root = Path(tempfile.mkdtemp(prefix="typed-cloudmap-demo-"))
    provider = LocalProvider(root)
    users = CloudMapping[str, User](provider, prefix="users/", codec="orjson|zstd")
    out.rule("[bold]typed-cloudmap demo")
    out.print(f"Store: [cyan]{escape(str(root))}[/]\nMapping: {escape(repr(users))}\n")

    out.print("[bold]1. Typed writes and reads[/] (validated on write, decoded into User)")
    users["alice"] = User(id=1, name="Alice", email="alice@example.org")
    users["bob"] = {"id": 2, "name": "Bob"}  # type: ignore[assignment]  # validated into a User
    table = Table("key", "value", "etag")
    for key, user in sorted(users.items()):
        table.add_row(key, repr(user), users.etags[key])
    out.print(table)

    out.print("\n[bold]2. An invalid value is refused and nothing is written[/]")
    try:
        users["eve"] = {"id": "not-a-number"}  # type: ignore[assignment]  # the point of the demo
    except InvalidValueError as exc:
        out.print(f"  [red]InvalidValueError[/]: {escape(str(exc))}")
    out.print(f"  'eve' in users -> {'eve' in users}")

    out.print("\n[bold]3. Two writers: the stale one gets KeySyncError, not a lost update[/]")
    other = CloudMapping[str, User](provider, prefix="users/", codec="orjson|zstd")
    other["alice"] = User(id=1, name="Alice Liddell")
    out.print("  writer B renamed alice; writer A still holds the old etag")
    try:
        users["alice"] = User(id=1, name="Alice A.")
    except KeySyncError as exc:
        out.print(f"  [yellow]KeySyncError[/]: {escape(str(exc))}")
    users.sync()
    out.print(f"  after sync(), A reads: {escape(repr(users['alice']))}")

    out.print("\n[bold]4. modify() from 8 threads: 8 x 25 increments, none lost[/]")
    counters = CloudMapping[str, int](provider, prefix="counters/")

    def bump(_: int) -> None:
        for _ in range(25):
            counters.modify("visits", lambda n: n + 1, default=0)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(bump, range(8)))
    out.print(f"  counters['visits'] = [green]{counters['visits']}[/] (expected 200)")
    files = sorted(  # plain files, one per object; .typed-cloudmap/ holds the store's locks
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".typed-cloudmap" not in p.parts
    )
    out.print(f"\nObjects on disk: {len(files)} under {root}")
    out.rule()
