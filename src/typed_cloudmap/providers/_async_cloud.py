"""What the async cloud providers share: a sync provider as their configuration.

:class:`AsyncS3Provider`, :class:`AsyncAzureBlobProvider` and :class:`AsyncGCSProvider` each
keep a synchronous provider of their service as ``_config`` (its settings, its secrets to
mask, its error context) and a ``create`` flag honoured at first use. This base gives them,
once, the parts that only read that configuration: ``name``, ``repr``, pickling,
``from_sync`` and ``from_url_parts``. A subclass names its sync class in ``_sync_type`` and
may override ``_from_state`` (how it is built from the sync provider's pickled state).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from ._async_shape import AsyncOperations
from ._options import option_bool

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncCloudProvider"]


class _SyncConfig(Protocol):
    """What the base reads of the sync provider: its name and its picklable settings."""

    @property
    def name(self) -> str: ...

    def __getstate__(self) -> dict[str, Any]: ...


C = TypeVar("C", bound=_SyncConfig)


class AsyncCloudProvider(AsyncOperations, Generic[C]):
    """An async provider configured by the sync provider ``_config`` of the same service."""

    _sync_type: ClassVar[Any]
    """The sync provider class (its ``from_url_parts`` parses this provider's URLs)."""
    _config: C
    _create: bool

    @classmethod
    def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> tuple[Self, str]:
        """The same URLs and options as the sync provider (``create`` at first use)."""
        create = option_bool(options, "create", default=False)  # at first use, not now
        sync, prefix = cls._sync_type.from_url_parts(location, path, options)
        return cls._from_state(sync.__getstate__(), create=create), prefix

    @classmethod
    def from_sync(cls, provider: C) -> Self:
        """An async provider on the same bucket or container with the same settings."""
        return cls._from_state(provider.__getstate__(), create=False)

    @classmethod
    def _from_state(cls, state: dict[str, Any], *, create: bool) -> Self:
        """Built from the sync provider's ``__getstate__`` (its keys are the arguments)."""
        return cls(**state, create=create)  # type: ignore[call-arg]  # a subclass __init__ takes these

    @property
    def name(self) -> str:
        return self._config.name

    def __repr__(self) -> str:
        return f"Async{self._config!r}"

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self._config.__getstate__(), "create": self._create}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(self._from_state(state["config"], create=state["create"]).__dict__)
