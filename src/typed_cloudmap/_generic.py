"""Runtime specialisation: ``CloudMapping[str, User]`` is a real subclass that knows its types.

``typing.Generic`` forgets its parameters until after ``__init__`` returns, but a mapping needs
K and V inside ``__init__`` (``sync_initially`` decodes keys). As pydantic's generic models do,
subscripting creates (and caches) a subclass carrying ``key_type`` and ``value_type``.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["specialise"]

_cache: dict[tuple[type, Any, Any], type] = {}
_lock = threading.Lock()


def _name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def specialise(base: type, params: Any) -> type:
    """The cached subclass of ``base`` for ``params`` (one type, or a ``(K, V)`` pair)."""
    if not isinstance(params, tuple):
        params = (params,)
    if len(params) != 2:
        raise TypeError(f"{base.__name__}[K, V] takes two type parameters, got {len(params)}")
    key_type, value_type = params
    if any(isinstance(p, TypeVarLike) for p in params):
        return base  # CloudMapping[K, V] inside generic code: no runtime specialisation
    cache_key = (base, key_type, value_type)
    with _lock:
        cls = _cache.get(cache_key)
        if cls is None:
            name = f"{base.__name__}[{_name(key_type)}, {_name(value_type)}]"
            cls = type(base)(
                name,
                (base,),
                {
                    "__module__": base.__module__,
                    "__qualname__": name,
                    "_key_type": key_type,
                    "_value_type": value_type,
                    "_is_specialisation": True,
                },
            )
            _cache[cache_key] = cls
    return cls


class _TypeVarMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        from typing import ParamSpec, TypeVar

        return isinstance(obj, (TypeVar, ParamSpec)) or type(obj).__name__ == "TypeVar"


class TypeVarLike(metaclass=_TypeVarMeta):
    """``isinstance(x, TypeVarLike)`` is true for typing and typing_extensions TypeVars."""
