"""The whole error tree of typed-cloudmap.

```
Exception
└── CloudMappingError            base of everything the library raises on purpose
    ├── KeySyncError             the cloud is not what the mapping expected (stale etag)
    ├── InvalidValueError        a value failed validation on write  (also a ValueError)
    ├── CodecError               stored bytes cannot be decoded, stacks disagree (a ValueError)
    ├── ValueSizeError           a value is over the provider's size limit (also a ValueError)
    ├── BulkError                some keys of a bulk call failed; ``errors`` maps key -> exception
    ├── ProviderError            transport, permission or service failure after the SDK's retries
    └── MissingDependencyError   an optional extra is not installed (also an ImportError)
```

A missing key is always a plain ``KeyError(key)``. ``KeySyncError`` is deliberately *not* a
``KeyError``: ``Mapping.get``, ``pop`` and ``in`` swallow ``KeyError``, and a conflict must
never read as "missing". This module imports nothing from the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "BulkError",
    "CloudMappingError",
    "CodecError",
    "InvalidValueError",
    "KeySyncError",
    "MissingDependencyError",
    "ProviderError",
    "ValueSizeError",
]


class CloudMappingError(Exception):
    """Base class of every error typed-cloudmap raises on purpose."""


class KeySyncError(CloudMappingError):
    """The stored object is not the version the mapping expected.

    ``expected_etag`` is the etag the mapping believed current (``None`` when it believed the
    key absent). Call ``sync()`` (or ``sync(key)``) to refresh the view, then retry.
    """

    def __init__(self, key: Any, expected_etag: str | None, message: str | None = None) -> None:
        self.key = key
        self.expected_etag = expected_etag
        if message is None:
            if expected_etag is None:
                message = (
                    f"key {key!r}: expected no object, but one exists in the cloud; "
                    "call sync() to refresh the mapping's view"
                )
            else:
                message = (
                    f"key {key!r}: expected etag {expected_etag!r}, but the cloud holds another "
                    "version or none; call sync() to refresh the mapping's view"
                )
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.key, self.expected_etag, str(self)))


class InvalidValueError(CloudMappingError, ValueError):
    """A value failed validation on write; nothing was written.

    The validation error (usually a ``pydantic.ValidationError``) is ``__cause__``.
    """

    def __init__(self, key: Any, message: str) -> None:
        self.key = key
        super().__init__(f"key {key!r}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_keyed, (type(self), self.key, str(self)))


class CodecError(CloudMappingError, ValueError):
    """Stored bytes could not be decoded, codec stacks disagree, or a codec name is unknown."""

    def __init__(self, message: str, *, key: Any = None) -> None:
        self.key = key
        super().__init__(message if key is None else f"key {key!r}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_keyed, (type(self), self.key, str(self)))


class ValueSizeError(CloudMappingError, ValueError):
    """A value (or a key's object name) is over the provider's limit; nothing was written."""

    def __init__(self, message: str, *, key: Any = None) -> None:
        self.key = key
        super().__init__(message if key is None else f"key {key!r}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_keyed, (type(self), self.key, str(self)))


class BulkError(CloudMappingError):
    """Some keys of a bulk call failed while the others landed.

    ``errors`` maps each failed key to its exception; ``succeeded`` lists the keys that landed
    (or, for ``get_many``, were found); ``results`` holds ``get_many``'s values for those keys.
    """

    def __init__(
        self,
        operation: str,
        errors: Mapping[Any, BaseException],
        succeeded: tuple[Any, ...] = (),
        results: Mapping[Any, Any] | None = None,
    ) -> None:
        self.operation = operation
        self.errors: dict[Any, BaseException] = dict(errors)
        self.succeeded = tuple(succeeded)
        self.results: dict[Any, Any] = dict(results or {})
        shown = ", ".join(
            f"{k!r}: {type(e).__name__}: {e}" for k, e in list(self.errors.items())[:3]
        )
        more = "" if len(self.errors) <= 3 else f" (and {len(self.errors) - 3} more)"
        super().__init__(f"{operation}: {len(self.errors)} key(s) failed: {shown}{more}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.operation, self.errors, self.succeeded, self.results))


class ProviderError(CloudMappingError):
    """A transport, permission or service failure after the SDK's own retries.

    ``provider`` names the backend (never a secret); the SDK's error is ``__cause__``.
    """

    def __init__(self, provider: str, message: str, *, key: Any = None) -> None:
        self.provider = provider
        self.key = key
        where = provider if key is None else f"{provider}, key {key!r}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_provider_error, (self.provider, str(self), self.key))


class MissingDependencyError(CloudMappingError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{package} is not installed; install it with: pip install 'typed-cloudmap[{extra}]'"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.package, self.extra))


def _rebuild_keyed(cls: type[Exception], key: Any, text: str) -> Exception:
    err = Exception.__new__(cls)
    Exception.__init__(err, text)
    err.key = key  # type: ignore[attr-defined]  # every keyed error class declares .key
    return err


def _rebuild_provider_error(provider: str, text: str, key: Any) -> ProviderError:
    err = ProviderError.__new__(ProviderError)
    Exception.__init__(err, text)
    err.provider = provider
    err.key = key
    return err
