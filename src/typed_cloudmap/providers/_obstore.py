"""The obstore transport: a cloud provider's reads, writes and listings through obstore.

A provider built with ``transport="obstore"`` holds one :class:`ObstoreTransport`
(composition: the provider keeps its name, options, size limits and error contract, and asks
the transport to do the requests). obstore wraps Rust's ``object_store`` crate, which spends a
fraction of an SDK's client CPU per request. What it cannot express stays on the SDK path,
chosen per call by :meth:`ObstoreTransport.handles` and :meth:`ObstoreTransport.takes_put`:

- conditional deletes (``object_store`` has no ``If-Match`` delete) and batch deletes;
- names ``object_store`` would rewrite or refuse (empty or ``.``/``..`` segments, a leading
  or trailing ``/``): its paths are normalised, which would store another name;
- values over the provider's multipart threshold (``object_store``'s multipart uploads take
  no put mode, so a create-only or if-match write could not keep its condition).

Errors are classified for the one table in ``_translate``, so both transports raise the same
library errors for the same answers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import obstore
from obstore.exceptions import (
    AlreadyExistsError,
    BaseError,
    NotModifiedError,
    PermissionDeniedError,
    PreconditionError,
    UnauthenticatedError,
)

from ._base import ObjectInfo, PutRequest, StoredObject
from ._obstore_requests import expressible, put_arguments
from ._shared import LazyClient
from ._translate import Failure, Request, run, run_iter
from ._translate import NotModifiedError as NotModified

if TYPE_CHECKING:
    from obstore import Attributes, GetOptions, ObjectMeta
    from obstore.store import ObjectStore

__all__ = ["ObstoreTransport", "classify"]

T = TypeVar("T")

_STANDARD_ATTRIBUTES = frozenset(
    {
        "Content-Disposition",
        "Content-Encoding",
        "Content-Language",
        "Content-Type",
        "Cache-Control",
        "Storage-Class",
    }
)
_NO_CONTAINER = ("NoSuchBucket", "ContainerNotFound")
_TOO_LARGE = ("EntityTooLarge", "RequestBodyTooLarge", "KeyTooLongError", "status code: 413")
_CONFLICT = "ConditionalRequestConflict"
_CONFLICT_ATTEMPTS = 4
_LIST_PAGE = 1000


def _detail(exc: BaseException) -> str:
    """The first lines of obstore's message (it appends a long debug dump)."""
    return " ".join(str(exc).split("\n\nDebug source:")[0].split())


def classify(exc: BaseException) -> tuple[Failure, str] | None:
    """An obstore error's failure; ``None`` for anything else."""
    text = _detail(exc)
    if isinstance(exc, NotModifiedError):
        return Failure.NOT_MODIFIED, text
    if isinstance(exc, PreconditionError):
        return Failure.STALE, text
    if isinstance(exc, AlreadyExistsError):
        return Failure.EXISTS, text
    if isinstance(exc, FileNotFoundError):  # obstore's NotFoundError is one
        if any(code in text for code in _NO_CONTAINER):
            return Failure.NO_CONTAINER, text
        return Failure.MISSING, text
    if isinstance(exc, PermissionDeniedError | UnauthenticatedError):
        return Failure.OTHER, text
    if isinstance(exc, BaseError):
        if any(code in text for code in _TOO_LARGE):
            return Failure.TOO_LARGE, text
        return Failure.OTHER, text
    return None


def _retry_conflicts(call: Callable[[], T]) -> T:
    """S3's 409 ``ConditionalRequestConflict`` (a concurrent conditional write was in flight)
    asks for a retry that ``object_store`` does not do; nothing was written, so repeat."""
    for attempt in range(_CONFLICT_ATTEMPTS):
        try:
            return call()
        except BaseError as exc:
            if _CONFLICT not in str(exc) or attempt == _CONFLICT_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.0, 0.05 * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _no_close(store: object) -> None:
    """obstore stores hold no resource to release beyond their connection pool (dropped)."""


class ObstoreTransport:
    """Single-object reads and writes and listings of one provider, through obstore.

    ``open_store(pool_size)`` builds the provider's ``obstore`` store (credentials and
    endpoint are the provider's business); ``config`` is the provider's picklable
    configuration, under which unpickled copies share one store per process (``shared``).
    ``etag`` turns an etag as the service lists it into the provider's one form (and is
    applied to the etags conditions name, too).
    """

    def __init__(
        self,
        kind: str,
        open_store: Callable[[int], ObjectStore],
        config: Callable[[], object],
        pool_size: int,
        *,
        multipart_threshold: int,
        etag: Callable[[str], str] = str,
        shared: bool = False,
    ) -> None:
        self._stores: LazyClient[ObjectStore] = LazyClient(
            f"{kind}-obstore", open_store, config, pool_size, close_client=_no_close, shared=shared
        )
        self._threshold = multipart_threshold
        self._etag = etag

    @property
    def store(self) -> ObjectStore:
        """The obstore store, built on first use."""
        return self._stores.get()

    @property
    def shared(self) -> bool:
        return self._stores.shared

    @shared.setter
    def shared(self, value: bool) -> None:
        self._stores.shared = value

    def ensure_pool_size(self, size: int) -> None:
        self._stores.ensure_pool_size(size)

    def close(self) -> None:
        self._stores.close()

    # --- what goes this way -----------------------------------------------------------------

    def handles(self, name: str) -> bool:
        """Whether reads and writes of ``name`` go through obstore (else: the SDK)."""
        return expressible(name)

    def takes_put(self, put: PutRequest) -> bool:
        """Whether this write goes through obstore (else: the SDK's multipart upload)."""
        return len(put.data) <= self._threshold and expressible(put.name)

    # --- requests ---------------------------------------------------------------------------

    def get(
        self, request: Request, name: str, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        options: GetOptions = {}
        if if_match is not None:
            options["if_match"] = self._etag(if_match)
        if if_none_match is not None:
            options["if_none_match"] = self._etag(if_none_match)

        def read() -> tuple[Mapping[str, Any], Attributes, bytes]:
            result = obstore.get(self.store, name, options=options)
            return result.meta, result.attributes, result.bytes().to_bytes()

        try:
            meta, attributes, data = run(request, classify, read)
        except NotModified:
            return None
        metadata = {k: v for k, v in attributes.items() if k not in _STANDARD_ATTRIBUTES}
        return StoredObject(
            data,
            self._etag(str(meta["e_tag"])),
            metadata,
            attributes.get("Content-Type"),
            attributes.get("Content-Encoding"),
        )

    def head(self, request: Request, name: str) -> ObjectInfo:
        def head() -> tuple[Mapping[str, Any], Attributes]:
            result = obstore.get(self.store, name, options={"head": True})
            return result.meta, result.attributes

        meta, attributes = run(request, classify, head)
        metadata = {k: v for k, v in attributes.items() if k not in _STANDARD_ATTRIBUTES}
        return ObjectInfo(name, self._etag(str(meta["e_tag"])), int(meta["size"]), metadata)

    def put(self, request: Request, put: PutRequest) -> str:
        attributes, mode = put_arguments(put, self._etag)
        store = self._stores.get()

        def write() -> str:
            result = obstore.put(
                store, put.name, put.data, attributes=attributes, mode=mode, use_multipart=False
            )
            return str(result["e_tag"])

        return self._etag(run(request, classify, lambda: _retry_conflicts(write)))

    def list(self, request: Request, prefix: str) -> Iterator[ObjectInfo]:
        """Every object whose name starts with ``prefix`` (``object_store`` lists whole path
        segments, so the listing starts at ``prefix``'s directory and is filtered)."""
        directory = prefix.rpartition("/")[0]

        def pages() -> Iterator[Sequence[ObjectMeta]]:
            stream = obstore.list(self.store, directory or None, chunk_size=_LIST_PAGE)
            return iter(stream)  # pyright: ignore[reportUnknownVariableType]  # overloaded stub

        for page in run_iter(request, classify, pages):
            for meta in page:
                path = str(meta["path"])
                if path.startswith(prefix):
                    yield ObjectInfo(path, self._etag(str(meta["e_tag"])), int(meta["size"]))
