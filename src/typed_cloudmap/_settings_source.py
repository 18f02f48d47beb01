"""``CloudSettingsSource``: a pydantic-settings source reading from any typed-cloudmap URL.

Two layouts: the whole settings object in one stored object (``key="app.json"``), or one
stored object per field under the URL's prefix (``key=None``: the object ``port`` holds the
JSON ``8080``, ``db`` holds ``{"host": ...}``). Values are decoded with the URL's codec stack
(default ``orjson``) and handed to pydantic-settings undecided, so the settings class validates
them together with what init arguments, env vars and dotenv give, in the priority order
``settings_customise_sources`` returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from ._mapping import CloudMapping
from .errors import CodecError
from .providers import Provider

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

__all__ = [
    "CloudSettingsSource",
    "field_keys",
    "open_settings_store",
    "present_fields",
    "settings_object",
]


def open_settings_store(url: Provider | str, *, listed: bool) -> CloudMapping[str, Any]:
    """A JSON-valued mapping on ``url``; ``listed`` syncs it (one LIST) for the per-field layout."""
    if listed:
        return CloudMapping[str, Any](url, sync_initially=True)
    return CloudMapping[str, Any](url, sync_initially=False, read_blindly=True)


def settings_object(key: str, value: Any) -> dict[str, Any]:
    """The decoded object as settings data; anything but a JSON object is a ``CodecError``."""
    if not isinstance(value, Mapping):
        raise CodecError(
            f"holds a {type(value).__name__}, not an object of settings fields", key=key
        )
    return dict(value)


def field_keys(settings_cls: type[BaseSettings]) -> dict[str, str]:
    """Stored key -> the name pydantic-settings expects, for the per-field layout.

    A field is stored under its alias when it has a plain string one, else under its name;
    unless the class is ``case_sensitive``, keys are matched in lower case.
    """
    sensitive = bool(settings_cls.model_config.get("case_sensitive", False))
    keys: dict[str, str] = {}
    for name, info in settings_cls.model_fields.items():
        stored = _stored_name(name, info)
        keys[stored if sensitive else stored.lower()] = stored
    return keys


def present_fields(
    store: CloudMapping[str, Any], settings_cls: type[BaseSettings]
) -> dict[str, str]:
    """Stored key -> settings name, for the keys in ``store``'s view that name a field."""
    wanted = field_keys(settings_cls)
    sensitive = bool(settings_cls.model_config.get("case_sensitive", False))
    return {
        k: wanted[k if sensitive else k.lower()]
        for k in store
        if (k if sensitive else k.lower()) in wanted
    }


def _stored_name(name: str, info: FieldInfo) -> str:
    alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
    return alias if isinstance(alias, str) else name


class CloudSettingsSource(PydanticBaseSettingsSource):
    """Settings read from object storage, for ``settings_customise_sources``.

    ``CloudSettingsSource(settings_cls, "s3://cfg/app/", key="settings.json")`` (a URL, or a
    ``Provider`` for the store's root) reads the whole
    settings object from one stored object (one GET); with ``key=None`` it lists the URL's
    prefix and reads one stored object per field (one LIST plus one GET per field found).
    Constructing it does no I/O; each call of the source (each time the settings class is
    instantiated) reads the store afresh. A missing object (or no field objects) contributes
    nothing, like a missing dotenv file; a value that cannot be decoded raises ``CodecError``
    naming its key.
    """

    def __init__(
        self, settings_cls: type[BaseSettings], url: Provider | str, key: str | None = None
    ) -> None:
        super().__init__(settings_cls)
        self.url = url
        self.key = key
        self._data: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"CloudSettingsSource({self.settings_cls.__name__}, key={self.key!r})"

    def read(self) -> dict[str, Any]:
        """What the store holds for the settings class now (no caching)."""
        store = open_settings_store(self.url, listed=self.key is None)
        try:
            if self.key is not None:
                try:
                    return settings_object(self.key, store[self.key])
                except KeyError:
                    return {}
            present = present_fields(store, self.settings_cls)
            found = store.get_many(present)
            return {present[k]: v for k, v in found.items()}
        finally:
            store.close()

    def __call__(self) -> dict[str, Any]:
        self._data = self.read()
        return dict(self._data)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        data = self._data if self._data is not None else {}
        stored = _stored_name(field_name, field)
        return data.get(stored), stored, False
