"""Constructor helpers of ``CloudMapping``: type parameters, URL options, codec defaults,
pickling.

:func:`url_options` is the one parser of a store URL's mapping options (``codec``,
``read_blindly``, ``sync_initially``): ``CloudMapping(url)``, ``from_url`` and the command
line all use it, so a URL means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .codecs import CodecStack, parse_stack
from .codecs._spec import parse_codec_spec, split_stack
from .errors import CodecError
from .providers import Provider, open_url
from .providers._registry import option_bool

__all__ = [
    "UrlOptions",
    "names_pickle",
    "open_mapping_url",
    "pick_type",
    "rebuild",
    "stack_for",
    "url_options",
]


def rebuild(
    base: Any, specialised: bool, key_type: Any, value_type: Any, state: dict[str, Any]
) -> Any:
    view = state.pop("view")
    if specialised:
        mapping = base[key_type, value_type](sync_initially=False, **state)
    else:
        mapping = base(key_type=key_type, value_type=value_type, sync_initially=False, **state)
    mapping._view.load(view.items())
    return mapping


def pick_type(what: str, from_class: Any, given: Any, default: Any) -> Any:
    if from_class is not None and given is not None and given != from_class:
        raise TypeError(f"{what}={given!r} contradicts the subscripted type {from_class!r}")
    return from_class if from_class is not None else given if given is not None else default


def stack_for(codec: Any, value_type: Any) -> CodecStack:
    if isinstance(codec, CodecStack):
        return codec
    if codec is None:
        codec = "raw" if value_type is bytes else "orjson"
    return parse_stack(codec)


def names_pickle(spec: str) -> bool:
    """Whether the stack string ``spec`` has a ``pickle`` stage (a malformed one: ``False``,
    parsing it later reports the error)."""
    try:
        return any(parse_codec_spec(part)[0] == "pickle" for part in split_stack(spec))
    except CodecError:
        return False


PICKLE_OPT_IN = "allow_pickle=True"


@dataclass(frozen=True)
class UrlOptions:
    """The mapping options a store URL's query sets."""

    codec: str | None
    read_blindly: bool
    sync_initially: bool


def url_options(
    options: dict[str, str],
    *,
    read_blindly: bool = False,
    sync_initially: bool = True,
    allow_pickle: bool = False,
    opt_in: str = PICKLE_OPT_IN,
) -> UrlOptions:
    """Pop the mapping options from a URL's leftover query ``options``; defaults as given.

    Any other option left is a ``ValueError``, and so is a ``codec`` naming ``pickle``
    unless ``allow_pickle``: a URL is configuration that may come from an environment
    variable or a config file, and unpickling runs whatever code the stored bytes name.
    ``opt_in`` is how the error message spells the opt-in (``--allow-pickle`` in the CLI).
    """
    codec = options.pop("codec", None)
    flags = UrlOptions(
        codec,
        option_bool(options, "read_blindly", default=read_blindly),
        option_bool(options, "sync_initially", default=sync_initially),
    )
    if options:
        raise ValueError(f"unknown URL option(s): {', '.join(sorted(options))}")
    if codec is not None and not allow_pickle and names_pickle(codec):
        raise ValueError(
            "URL option codec= names 'pickle', which runs code chosen by whoever wrote the "
            f"stored bytes; pass {opt_in} to use it (only for stores no one untrusted "
            "can write)"
        )
    return flags


def open_mapping_url(
    url: str,
    prefix: str,
    codec: Any,
    read_blindly: bool,
    sync_initially: bool,
    *,
    allow_pickle: bool,
) -> tuple[Provider, str, Any, bool, bool]:
    """``CloudMapping(url, ...)``: the provider, full prefix, codec and flags the URL sets.

    Arguments win over the URL's options, so an explicit ``codec=`` needs no pickle opt-in
    (the URL's ``?codec=`` is then unused and not checked).
    """
    provider, url_prefix, options = open_url(url)
    flags = url_options(
        options,
        read_blindly=read_blindly,
        sync_initially=sync_initially,
        allow_pickle=allow_pickle or codec is not None,
    )
    return (
        provider,
        url_prefix + prefix,
        flags.codec if codec is None else codec,
        flags.read_blindly,
        flags.sync_initially,
    )
