"""Which codec stacks the command line takes from an object's own ``tcm_codec`` metadata.

Metadata is written by whoever can write the bucket, so it is data, not configuration: it may
only pick a stack that can neither run code (``pickle``) nor skip a check (a stack without the
``hmac`` stage the user asked for). Stacks the user names (``--codec``, ``--src-codec``, a
URL's ``?codec=``) are used as given.
"""

from __future__ import annotations

from ..codecs import CodecStack, parse_stack
from ..codecs._spec import parse_codec_spec, split_stack
from ..errors import CodecError

__all__ = [
    "INFERABLE_SERIALIZERS",
    "INFERABLE_TRANSFORMS",
    "INTEGRITY_STAGES",
    "inferred_stack",
    "integrity_stages",
    "missing_integrity",
]

INFERABLE_SERIALIZERS = frozenset({"json", "orjson", "str", "raw"})
INFERABLE_TRANSFORMS = frozenset({"zlib", "zstd"})
INTEGRITY_STAGES = frozenset({"hmac", "aesgcm"})


def _names(stack: str) -> list[str]:
    return [parse_codec_spec(spec)[0] for spec in split_stack(stack)]


def integrity_stages(stack: CodecStack | None) -> frozenset[str]:
    """The integrity/authenticity stages (``hmac``, ``aesgcm``) of a user-given stack."""
    if stack is None:
        return frozenset()
    return frozenset(_names(stack.name)) & INTEGRITY_STAGES


def missing_integrity(required: frozenset[str], where: str) -> CodecError:
    """The error for an object that would be read without the ``required`` stages."""
    stages = ", ".join(sorted(required))
    return CodecError(
        f"{where} is not read with {stages!r}, which the codec stack given for it requires; "
        "refusing to read it without that check"
    )


def inferred_stack(stored: str, required: frozenset[str] = frozenset()) -> CodecStack:
    """The stack ``stored`` (an object's ``tcm_codec``) names, if the CLI may infer it.

    Only ``json``, ``orjson``, ``str`` or ``raw``, optionally followed by ``zlib``/``zstd``
    stages; anything else (``pickle``, ``hmac``, plugins) is a ``CodecError``, as is any
    stack when ``required`` integrity stages were asked for (none of these has one).
    """
    try:
        names = _names(stored)
    except (CodecError, ValueError) as exc:
        raise CodecError(f"stored codec {stored!r} is malformed: {exc}") from exc
    if required:
        raise missing_integrity(required, f"an object stored with codec {stored!r}")
    if names[0] not in INFERABLE_SERIALIZERS or not set(names[1:]) <= INFERABLE_TRANSFORMS:
        raise CodecError(
            f"stored with codec {stored!r}, which the command line never infers from "
            "metadata (it could run code or skip a check); name it with --codec to read it"
        )
    return parse_stack(stored)
