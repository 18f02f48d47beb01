"""``LiveSettings`` / ``AsyncLiveSettings``: validated settings that follow one stored object.

Both forms share :class:`_Reloader`, which does one check: a GET revalidated with
``If-None-Match`` (the mapping's read cache: a 304 costs no download and no decode), then, for a
new version only, validation into the settings class. The forms differ only in who calls it:
a background thread, or a task on the running event loop (its provider call goes through
``asyncio.to_thread``). A new version replaces ``current`` only when it validates; otherwise
the old settings stay and ``on_error`` hears why.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic_settings import BaseSettings
from typing_extensions import Self

from ._mapping import CloudMapping
from ._settings_source import present_fields, settings_object
from .errors import CloudMappingError
from .providers import Provider

__all__ = ["AsyncLiveSettings", "LiveSettings"]

S = TypeVar("S", bound=BaseSettings)
OnChange = Callable[[S, S], object]
"""``on_change(old, new)``, after a swap (the async form awaits it if it returns an awaitable)."""
OnError = Callable[[Exception], object]
"""``on_error(exc)``: a check failed (unreadable, invalid, missing); the old settings stay."""

logger = logging.getLogger("typed_cloudmap.settings")
_MISSING = "\x00missing"


@dataclass(frozen=True, slots=True)
class _Checked(Generic[S]):
    settings: S | None = None
    error: Exception | None = None


class _Reloader(Generic[S]):
    """Fetch and validate the settings; remembers the version it last considered.

    With ``key``, one object revalidated with ``If-None-Match`` (a 304: no download, no
    decode); without, one object per field: one LIST, and GETs only when an etag changed.
    """

    def __init__(self, settings_cls: type[S], url: Provider | str, key: str | None) -> None:
        self.settings_cls = settings_cls
        self.key = key
        if key is None:
            self.store = CloudMapping[str, Any](url, sync_initially=False)
        else:
            self.store = CloudMapping[str, Any](
                url, sync_initially=False, read_blindly=True, cache=True
            )
        self.seen: str | None = None
        self.lock = threading.Lock()

    def check(self) -> _Checked[S] | None:
        """``None`` when the stored version is the one last considered (a 304 included)."""
        with self.lock:
            if self.key is None:
                return self._check_fields()
            try:
                data = self.store[self.key]
            except KeyError:
                if self.seen == _MISSING:
                    return None
                self.seen = _MISSING
                return _Checked(error=KeyError(self.key))
            except CloudMappingError as exc:  # unreadable now: report, retry next time
                return _Checked(error=exc)
            etag = self.store.etags.get(self.key)
            if etag is not None and etag == self.seen:
                return None
            self.seen = etag
            return self._build(lambda: settings_object(self.key or "", data))

    def _check_fields(self) -> _Checked[S] | None:
        try:
            self.store.sync()
            present = present_fields(self.store, self.settings_cls)
            etags = self.store.etags
            version = repr(sorted((k, etags[k]) for k in present))
            if version == self.seen:
                return None
            found = self.store.get_many(present)
        except CloudMappingError as exc:  # a BulkError included: retried next time
            return _Checked(error=exc)
        self.seen = version
        return self._build(lambda: {present[k]: v for k, v in found.items()})

    def _build(self, data: Callable[[], dict[str, Any]]) -> _Checked[S]:
        try:
            return _Checked(self.settings_cls(**data()))
        except ValueError as exc:  # pydantic's ValidationError, or a CodecError
            return _Checked(error=exc)


def _call(callback: Callable[..., object] | None, *args: Any) -> object:
    """Run a user callback; its failure is logged, never raised into the reload loop."""
    if callback is None:
        return None
    try:
        return callback(*args)
    except Exception:
        logger.exception("live settings: callback %r failed", callback)
        return None


class _Holder(Generic[S]):
    """The current settings and the callbacks, shared by both forms."""

    def __init__(
        self, reloader: _Reloader[S], on_change: OnChange[S] | None, on_error: OnError | None
    ) -> None:
        self.reloader = reloader
        self.on_change = on_change
        self.on_error = on_error
        self.current: S | None = None

    def first(self, checked: _Checked[S] | None) -> None:
        if checked is None or checked.settings is None:
            raise (checked.error if checked and checked.error else KeyError(self.reloader.key))
        self.current = checked.settings

    def apply(self, checked: _Checked[S] | None) -> list[object]:
        """Swap or report; returns what the callbacks returned (awaitables, for the async form)."""
        if checked is None:
            return []
        if checked.settings is None:
            assert checked.error is not None
            logger.warning(
                "live settings %r: keeping the current version: %s",
                self.reloader.key,
                checked.error,
            )
            return [_call(self.on_error, checked.error)]
        old, self.current = self.current, checked.settings
        return [_call(self.on_change, old, checked.settings)]


class LiveSettings(Generic[S]):
    """Settings kept current from one stored object by a background thread.

    ``LiveSettings(AppSettings, "s3://cfg/app/", key="settings.json", interval=30.0)`` reads and
    validates the object now (raising if it is missing or invalid), then re-checks it every
    ``interval`` seconds with one conditional GET. With ``key=None`` the store holds one object
    per field (as for ``CloudSettingsSource``) and each check is one LIST, plus a GET of each
    field when any of their etags changed. The stored fields are passed to the
    settings class as init arguments, so they win over env vars and dotenv; fields the object
    leaves out come from the class's other sources. ``on_change(old, new)`` and
    ``on_error(exc)`` run on the background thread. ``refresh()`` checks at once.
    """

    def __init__(
        self,
        settings_cls: type[S],
        url: Provider | str,
        *,
        key: str | None = None,
        interval: float = 30.0,
        on_change: OnChange[S] | None = None,
        on_error: OnError | None = None,
    ) -> None:
        self.interval = _positive(interval)
        self._holder = _Holder(_Reloader(settings_cls, url, key), on_change, on_error)
        try:
            self._holder.first(self._holder.reloader.check())
        except BaseException:
            self._holder.reloader.store.close()
            raise
        self._refreshing = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tcm-live-settings", daemon=True)
        self._thread.start()

    @property
    def current(self) -> S:
        """The latest version that validated."""
        current = self._holder.current
        assert current is not None  # set by __init__
        return current

    def refresh(self) -> bool:
        """Check the store now; ``True`` if a new version was swapped in."""
        with self._refreshing:  # check and swap as one step: versions never go backwards
            before = self._holder.current
            self._holder.apply(self._holder.reloader.check())
            return self._holder.current is not before

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except Exception:  # a bug must not kill reloading silently: log it
                logger.exception("live settings: reload failed")

    def close(self) -> None:
        """Stop reloading and release the store's clients."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        self._holder.reloader.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _positive(interval: float) -> float:
    """``interval``, refused unless it is a positive number of seconds."""
    if not interval > 0:
        raise ValueError(f"interval must be a positive number of seconds, not {interval!r}")
    return interval


class AsyncLiveSettings(Generic[S]):
    """The asyncio form of :class:`LiveSettings`: a task on the running loop reloads.

    Construction does no I/O; ``await live.open()`` (or ``async with``) reads and validates
    the first version and starts the task; ``await live.aclose()`` stops it. Callbacks run on
    the loop, and an awaitable they return is awaited.
    """

    def __init__(
        self,
        settings_cls: type[S],
        url: Provider | str,
        *,
        key: str | None = None,
        interval: float = 30.0,
        on_change: OnChange[S] | None = None,
        on_error: OnError | None = None,
    ) -> None:
        self.interval = _positive(interval)
        self._args = (settings_cls, url, key)
        self._callbacks = (on_change, on_error)
        self._holder: _Holder[S] | None = None
        self._task: asyncio.Task[None] | None = None
        self._refreshing = asyncio.Lock()

    @property
    def current(self) -> S:
        """The latest version that validated (after ``open()``)."""
        if self._holder is None or self._holder.current is None:
            raise RuntimeError("AsyncLiveSettings is not open: use `async with` or `await open()`")
        return self._holder.current

    async def open(self) -> Self:
        if self._holder is None:
            settings_cls, url, key = self._args
            reloader = _Reloader(settings_cls, url, key)  # no I/O until the first check
            holder = _Holder(reloader, *self._callbacks)
            try:
                holder.first(await asyncio.to_thread(reloader.check))
            except BaseException:
                await asyncio.to_thread(reloader.store.close)
                raise
            self._holder = holder
            self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def refresh(self) -> bool:
        """Check the store now; ``True`` if a new version was swapped in."""
        holder = self._holder
        if holder is None:
            raise RuntimeError("AsyncLiveSettings is not open: use `async with` or `await open()`")
        async with self._refreshing:  # check and swap as one step: never go backwards
            before = holder.current
            results = holder.apply(await asyncio.to_thread(holder.reloader.check))
            swapped = holder.current is not before
        for result in results:
            if inspect.isawaitable(result):
                try:
                    await result
                except Exception:
                    logger.exception("live settings: callback failed")
        return swapped

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.refresh()
            except Exception:  # a bug must not kill reloading silently: log it
                logger.exception("live settings: reload failed")

    async def aclose(self) -> None:
        """Stop the reload task and release the store's clients."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._holder is not None:
            await asyncio.to_thread(self._holder.reloader.store.close)

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
