"""Application settings in object storage, for pydantic-settings (extra ``settings``).

- :class:`CloudSettingsSource` reads a settings class from a URL (one object, or one object per
  field) and slots into ``settings_customise_sources`` beside init arguments, env vars and
  dotenv, in whatever priority order the class returns.
- :class:`LiveSettings` (a background thread) and :class:`AsyncLiveSettings` (a task on the
  running loop) keep validated settings current from one stored object, revalidating with
  ``If-None-Match`` and swapping only versions that validate.

``pip install 'typed-cloudmap[settings]'``.
"""

from __future__ import annotations

import importlib.util

from .errors import MissingDependencyError

if importlib.util.find_spec("pydantic_settings") is None:  # checked first: the hint names the extra
    raise MissingDependencyError("pydantic-settings", "settings")

from ._settings_live import AsyncLiveSettings, LiveSettings, OnChange, OnError
from ._settings_source import CloudSettingsSource

__all__ = ["AsyncLiveSettings", "CloudSettingsSource", "LiveSettings", "OnChange", "OnError"]
