"""Google Cloud Storage provider: the object's generation is its etag.

Writes are conditional on ``ifGenerationMatch`` (``0`` for create-only), deletes likewise,
and reads carry ``ifGenerationMatch`` / ``ifGenerationNotMatch``. The SDK client is created
lazily, once per instance, so constructing a provider does no I/O (unless ``create=True``)
and a pickled provider reopens its client in the process that unpickles it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError, ValueSizeError
from ._base import ObjectInfo, StoredObject
from ._registry import option_bool, without_userinfo
from ._shared import shared_client

if TYPE_CHECKING:
    from ._gcs_session import GCSConnection

__all__ = ["GCSProvider"]


class GCSProvider:
    """Objects in one Google Cloud Storage bucket.

    ``credentials`` default to the SDK's chain (``google.auth.default``), resolved at first
    use. ``endpoint_url`` (or the ``STORAGE_EMULATOR_HOST`` environment variable, read at
    first use) points at an emulator; then anonymous credentials and a dummy project are
    used unless given. ``max_pool_connections`` sizes the HTTP connection pool shared by all
    threads using this provider.
    """

    max_object_size: int = 5 * 1024**4
    max_name_length: int = 1024

    def __init__(
        self,
        bucket: str,
        *,
        project: str | None = None,
        credentials: Any = None,
        endpoint_url: str | None = None,
        create: bool = False,
        max_pool_connections: int = 16,
    ) -> None:
        if not bucket:
            raise ValueError("a GCS bucket name is required")
        if max_pool_connections < 1:
            raise ValueError("max_pool_connections must be at least 1")
        self._bucket = bucket
        self._project = project
        self._credentials = credentials
        self._endpoint_url = endpoint_url
        self._max_pool_connections = max_pool_connections
        self._lock = threading.Lock()
        self._shared = False
        self._connection: GCSConnection | None = None
        if create:
            self._conn().create_bucket()

    @classmethod
    def from_url_parts(
        cls, location: str, path: str, options: dict[str, str]
    ) -> tuple[GCSProvider, str]:
        """``gs://bucket/prefix?endpoint_url=...&project=...&create=true&max_pool_connections=N``."""
        kwargs: dict[str, Any] = {}
        for key in ("endpoint_url", "project"):
            if key in options:
                kwargs[key] = options.pop(key)
        kwargs["create"] = option_bool(options, "create", default=False)
        if "max_pool_connections" in options:
            kwargs["max_pool_connections"] = int(options.pop("max_pool_connections"))
        return cls(location, **kwargs), path

    # --- identity and lifecycle -----------------------------------------------------------

    @property
    def name(self) -> str:
        return f"gs://{self._bucket}"

    @property
    def bucket(self) -> str:
        return self._bucket

    def __repr__(self) -> str:
        parts = [f"bucket={self._bucket!r}"]
        if self._project:
            parts.append(f"project={self._project!r}")
        if self._endpoint_url:
            parts.append(f"endpoint_url={without_userinfo(self._endpoint_url)!r}")
        return f"GCSProvider({', '.join(parts)})"

    def __getstate__(self) -> dict[str, Any]:
        return {
            "bucket": self._bucket,
            "project": self._project,
            "credentials": self._credentials,
            "endpoint_url": self._endpoint_url,
            "max_pool_connections": self._max_pool_connections,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]  # re-run construction: fresh lock, no client
            state["bucket"],
            project=state["project"],
            credentials=state["credentials"],
            endpoint_url=state["endpoint_url"],
            max_pool_connections=state["max_pool_connections"],
        )
        self._shared = True  # copies in one process share one connection (see _shared)

    def _conn(self) -> GCSConnection:
        """The live connection, created at first use (thread-safe)."""
        conn = self._connection
        if conn is not None:
            return conn
        with self._lock:
            if self._connection is None:
                if self._shared:
                    self._connection = shared_client("gcs", self.__getstate__(), self._open)
                else:
                    self._connection = self._open()
            return self._connection

    def _open(self) -> GCSConnection:
        try:
            from . import _gcs_session
        except ImportError as exc:
            if (exc.name or "").startswith(("google", "requests")):
                raise MissingDependencyError("google-cloud-storage", "gcs") from exc
            raise
        from ._gcs_errors import translate_errors

        settings = _gcs_session.GCSSettings(
            bucket=self._bucket,
            project=self._project,
            credentials=self._credentials,
            endpoint_url=self._endpoint_url,
            max_pool_connections=self._max_pool_connections,
        )
        with translate_errors(self.name, None):
            return _gcs_session.GCSConnection(settings, self.name)

    def ensure_pool_size(self, size: int) -> None:
        """Grow the connection pool to ``size``; a live connection is replaced at next use."""
        with self._lock:
            if size > self._max_pool_connections:
                self._max_pool_connections = size
                self._connection = None  # in-flight calls finish on the old connection

    def close(self) -> None:
        with self._lock:
            conn, self._connection = self._connection, None
        if conn is not None and not self._shared:
            conn.close()

    # --- operations -----------------------------------------------------------------------

    def get(
        self,
        name: str,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        return self._conn().get(name, if_match, if_none_match)

    def head(self, name: str) -> ObjectInfo:
        return self._conn().head(name)

    def put(
        self,
        name: str,
        data: bytes,
        *,
        if_match: str | None = None,
        create_only: bool = False,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
        content_encoding: str | None = None,
    ) -> str:
        if len(data) > self.max_object_size:
            raise ValueSizeError(
                f"{len(data)} bytes is over the {self.max_object_size}-byte limit of {self.name}",
                key=name,
            )
        if len(name.encode()) > self.max_name_length:
            raise ValueSizeError(
                f"object name is over the {self.max_name_length}-byte limit of {self.name}",
                key=name,
            )
        return self._conn().put(
            name,
            data,
            if_match=if_match,
            create_only=create_only,
            metadata=metadata,
            content_type=content_type,
            content_encoding=content_encoding,
        )

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        self._conn().delete(name, if_match)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self._conn().list(prefix)
