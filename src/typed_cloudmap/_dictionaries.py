"""Trained zstd dictionaries stored with the data (``"orjson|zstd:dict=NAME"``).

A dictionary lives beside the mapping's objects under ``<prefix>%2Etcm/zstd-dict/<NAME>``: a
name the key codec never produces (it would write a plain ``.tcm``), so it never shows up as
a key. It is written create-only and never changed, so every object compressed with it stays
readable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from ._core import write_mode
from ._plan import Call, Plan, run
from .codecs import CodecStack, Transform
from .codecs._zstd import train_zstd_dictionary
from .errors import KeySyncError
from .providers import Provider, StoredObject

__all__ = ["DICTIONARY_DIR", "bind_dictionaries", "plan_bind", "plan_train", "train_dictionaries"]

DICTIONARY_DIR = "%2Etcm/zstd-dict/"


def _wants_dictionary(transform: Transform) -> str | None:
    name = getattr(transform, "dictionary_name", None)
    if name is None or getattr(transform, "dictionary_loaded", False):
        return None
    return str(name)


def plan_bind(prefix: str, stack: CodecStack) -> Plan[CodecStack]:
    """``stack`` with every named dictionary that exists in storage loaded (one GET each)."""
    transforms: list[Transform] = []
    changed = False
    for transform in stack.transforms:
        name = _wants_dictionary(transform)
        if name is not None:
            try:
                stored: StoredObject | None = yield Call("get", prefix + DICTIONARY_DIR + name)
            except KeyError:
                stored = None
            if stored is not None:
                transform = transform.with_dictionary(stored.data)  # type: ignore[attr-defined]  # a zstd transform
                changed = True
        transforms.append(transform)
    return CodecStack([stack.serializer, *transforms]) if changed else stack


def plan_train(
    prefix: str, stack: CodecStack, bodies: Sequence[bytes], size: int
) -> Plan[CodecStack]:
    """Train and store every dictionary the stack names but storage lacks; return it bound.

    ``bodies`` are serialized sample values; each dictionary is trained on what its transform
    sees (the output of the transforms before it). A dictionary another writer stored first
    wins, and is the one loaded.
    """
    samples = list(bodies)
    for transform in stack.transforms:
        name = _wants_dictionary(transform)
        if name is not None:
            object_name = prefix + DICTIONARY_DIR + name
            # A dictionary another writer stored first wins: theirs is the one to use.
            with contextlib.suppress(KeySyncError):
                yield Call(
                    "put",
                    object_name,
                    train_zstd_dictionary(samples, size),
                    mode=write_mode(None),
                    content_type="application/zstd-dictionary",
                )
        samples = [transform.encode(s) for s in samples] if name is None else samples
    return (yield from plan_bind(prefix, stack))


def bind_dictionaries(provider: Provider, prefix: str, stack: CodecStack) -> CodecStack:
    """``plan_bind`` on a sync provider."""
    return run(plan_bind(prefix, stack), provider)


def train_dictionaries(
    provider: Provider, prefix: str, stack: CodecStack, bodies: Sequence[bytes], size: int
) -> CodecStack:
    """``plan_train`` on a sync provider."""
    return run(plan_train(prefix, stack, bodies, size), provider)
