"""The obstore transport: a cloud provider's single-object reads and writes through obstore.

A provider built with ``transport="obstore"`` holds one :class:`ObstoreTransport`
(composition: the provider keeps its name, options, size limits and error contract, and asks
the transport to do the requests). obstore wraps Rust's ``object_store`` crate, which spends a
fraction of an SDK's client CPU per request. What it cannot express stays on the SDK path,
chosen per call by :meth:`ObstoreTransport.handles` and :meth:`ObstoreTransport.takes_put`:

- conditional deletes (``object_store`` has no ``If-Match`` delete) and batch deletes;
- names ``object_store`` would rewrite or refuse (empty or ``.``/``..`` segments, a leading
  or trailing ``/``): its paths are normalised, which would store another name;
- values over the provider's multipart threshold (``object_store``'s multipart uploads take
  no put mode, so a create-only or if-match write could not keep its condition);
- listings: ``object_store`` refuses a whole listing when one name in it is not a path it
  accepts (a ``.`` segment, an empty one, a trailing ``/``), and any tool may have stored
  such a name; it also lists whole path segments, not string prefixes.

The async providers (``AsyncS3Provider``, ``AsyncAzureBlobProvider``) use the transport of
their sync configuration, with the same routing: ``aget``, ``ahead`` and ``aput`` are the
``get``, ``head`` and ``put`` on obstore's async API, over the same store and
the same request-building and answer-reading methods.

Errors are classified for the one table in ``_translate``, so both transports raise the same
library errors for the same answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

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
from ._conflicts import aretry_conflicts, retry_conflicts
from ._obstore_requests import expressible, put_arguments
from ._shared import LazyClient
from ._translate import Failure, Request, arun, run
from ._translate import NotModifiedError as NotModified

if TYPE_CHECKING:
    from obstore import Attributes, GetOptions, GetResult, PutResult
    from obstore.store import ObjectStore

__all__ = ["ObstoreTransport", "classify"]

_Read = tuple[Mapping[str, Any], "Attributes", bytes]
"""What a get read: the object's meta, its attributes and its bytes."""

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
_HEAD: GetOptions = {"head": True}


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


def _is_conflict(exc: BaseException) -> bool:
    """S3's 409 ``ConditionalRequestConflict``, which ``object_store`` does not retry."""
    return isinstance(exc, BaseError) and _CONFLICT in str(exc)


def _read(result: GetResult) -> _Read:
    return result.meta, result.attributes, result.bytes().to_bytes()


async def _aread(pending: Awaitable[GetResult]) -> _Read:
    result = await pending
    return result.meta, result.attributes, (await result.bytes_async()).to_bytes()


def _user_metadata(attributes: Attributes) -> dict[str, str]:
    return {k: v for k, v in attributes.items() if k not in _STANDARD_ATTRIBUTES}


def _no_close(store: object) -> None:
    """obstore stores hold no resource to release beyond their connection pool (dropped)."""


class ObstoreTransport:
    """Single-object reads and writes of one provider, through obstore.

    ``open_store(pool_size)`` builds the provider's ``obstore`` store (credentials and
    endpoint are the provider's business); ``config`` is the provider's picklable
    configuration, under which unpickled copies share one store per process (``shared``).
    ``etag`` turns an etag as the service lists it into the provider's one form (and is
    applied to the etags conditions name, too). ``single_read_condition``: a read sends
    ``If-None-Match`` only without ``If-Match`` (as the provider's SDK path does), and the
    version it returns is compared with ``if_none_match`` here.

    Each request has a sync method (``get``) and a coroutine (``aget``) on obstore's async
    API, over the same store (obstore stores are thread-safe and bound to no event loop):
    what a request sends and what its answer means are the shared methods below, so the two
    differ only in how they wait.
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
        single_read_condition: bool = False,
        shared: bool = False,
    ) -> None:
        self._stores: LazyClient[ObjectStore] = LazyClient(
            f"{kind}-obstore", open_store, config, pool_size, close_client=_no_close, shared=shared
        )
        self._threshold = multipart_threshold
        self._etag = etag
        self._single_read_condition = single_read_condition

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

    # --- what a request sends and what its answer means (no I/O) ----------------------------

    def _get_options(self, if_match: str | None, if_none_match: str | None) -> GetOptions:
        options: GetOptions = {}
        if if_match is not None:
            options["if_match"] = self._etag(if_match)
        if if_none_match is not None and not (self._single_read_condition and if_match is not None):
            options["if_none_match"] = self._etag(if_none_match)
        return options

    def _stored(
        self, read: _Read, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        """A read as a stored object; ``None`` when it is the ``if_none_match`` version
        (with both conditions only ``If-Match`` may have been sent)."""
        meta, attributes, data = read
        etag = self._etag(str(meta["e_tag"]))
        if if_match is not None and if_none_match is not None and etag == self._etag(if_none_match):
            return None
        return StoredObject(
            data,
            etag,
            _user_metadata(attributes),
            attributes.get("Content-Type"),
            attributes.get("Content-Encoding"),
        )

    def _info(self, name: str, result: GetResult) -> ObjectInfo:
        meta = result.meta
        etag = self._etag(str(meta["e_tag"]))
        return ObjectInfo(name, etag, int(meta["size"]), _user_metadata(result.attributes))

    def _put_arguments(self, put: PutRequest) -> dict[str, Any]:
        """obstore's ``put`` keywords for ``put``: metadata as attributes, the put mode."""
        attributes, mode = put_arguments(put, self._etag)
        return {"attributes": attributes, "mode": mode, "use_multipart": False}

    # --- requests, blocking -----------------------------------------------------------------

    def get(
        self, request: Request, name: str, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        options = self._get_options(if_match, if_none_match)
        try:
            read = run(
                request, classify, lambda: _read(obstore.get(self.store, name, options=options))
            )
        except NotModified:
            return None
        return self._stored(read, if_match, if_none_match)

    def head(self, request: Request, name: str) -> ObjectInfo:
        return self._info(
            name, run(request, classify, lambda: obstore.get(self.store, name, options=_HEAD))
        )

    def put(self, request: Request, put: PutRequest) -> str:
        arguments = self._put_arguments(put)

        def write() -> PutResult:
            return obstore.put(self.store, put.name, put.data, **arguments)

        result = run(request, classify, lambda: retry_conflicts(write, _is_conflict))
        return self._etag(str(result["e_tag"]))

    # --- requests, on the event loop (obstore's async API) ---------------------------------

    async def aget(
        self, request: Request, name: str, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        options = self._get_options(if_match, if_none_match)
        try:
            read = await arun(
                request,
                classify,
                lambda: _aread(obstore.get_async(self.store, name, options=options)),
            )
        except NotModified:
            return None
        return self._stored(read, if_match, if_none_match)

    async def ahead(self, request: Request, name: str) -> ObjectInfo:
        found = await arun(
            request, classify, lambda: obstore.get_async(self.store, name, options=_HEAD)
        )
        return self._info(name, found)

    async def aput(self, request: Request, put: PutRequest) -> str:
        arguments = self._put_arguments(put)
        result = await arun(
            request,
            classify,
            lambda: aretry_conflicts(
                lambda: obstore.put_async(self.store, put.name, put.data, **arguments), _is_conflict
            ),
        )
        return self._etag(str(result["e_tag"]))
