"""Typed values <-> stored bytes: the only module that imports pydantic.

On write a value is validated as ``V`` (pydantic lax mode, so a dict becomes a model) and
serialized by the stack's first codec; on read the bytes are decoded straight into ``V``.
For JSON stacks the typed path skips every intermediate object: ``TypeAdapter.dump_json`` on
write and ``TypeAdapter.validate_json`` on read (see ``benchmarks/bench_codecs.py``).
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, PydanticSchemaGenerationError, TypeAdapter, ValidationError
from pydantic_core import SchemaSerializer

from .codecs import CodecStack
from .codecs._finite import check_finite
from .errors import CodecError, InvalidValueError

__all__ = ["Upgrade", "ValueCodec", "string_converters"]

V = TypeVar("V")

Upgrade = Callable[[Any, "str | None"], Any] | Mapping["str | None", Callable[[Any], Any]]
"""How older stored values become the current ``V``: ``fn(raw, stored_fingerprint)``, or a
dict of ``{stored_fingerprint: fn(raw)}`` (``None`` for objects written without one)."""

_BYTES_LIKE = (bytes, bytearray, memoryview)
# Serializers whose output is exactly what pydantic's own JSON writer produces.
_PLAIN_JSON = frozenset({"json", "orjson"})


def string_converters(tp: Any) -> tuple[Callable[[Any], str], Callable[[str], Any]]:
    """Key converters for any type pydantic can print and parse back from a string."""
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(tp)
    except PydanticSchemaGenerationError as exc:
        raise TypeError(f"{tp!r} cannot be a key type: pydantic has no schema for it") from exc

    def to_text(key: Any) -> str:
        dumped = adapter.dump_python(key, mode="json")
        if isinstance(dumped, (int, float)) and not isinstance(dumped, bool):
            dumped = str(dumped)
        if not isinstance(dumped, str):
            raise TypeError(f"{type(key).__name__} has no string form")
        return dumped

    def from_text(text: str) -> Any:
        try:
            return adapter.validate_strings(text)
        except ValidationError as exc:
            raise ValueError(str(exc)) from exc

    return to_text, from_text


class ValueCodec(Generic[V]):
    """Validates values as ``V`` and moves them through a codec stack.

    ``limit`` caps the decoded size of stored objects (decompression bombs are refused).
    """

    def __init__(
        self,
        value_type: Any,
        stack: CodecStack,
        *,
        limit: int | None = None,
        upgrade: Upgrade | None = None,
        key_text: Callable[[Any], str] | None = None,
    ) -> None:
        self.value_type = value_type
        self.stack = stack
        # Key-bound transforms (aesgcm) bind each object to its key's string form.
        self._key_text: Callable[[Any], str] | None = None
        if stack.binds_key:
            self._key_text = key_text or _str_key
        self.limit = limit
        self.upgrade = upgrade
        fmt = stack.serializer.format
        self._raw = fmt == "bytes"
        if self._raw and value_type not in (bytes, Any, object):
            raise TypeError(
                f"codec {stack.name!r} stores bytes, but the value type is {_type_name(value_type)}"
            )
        self._fast_json = stack.serializer.name in _PLAIN_JSON
        self._json_like = fmt == "json"
        self._adapter: TypeAdapter[V] | None = None if self._raw else TypeAdapter(value_type)
        self._transforms = bool(stack.transforms)

        # Instances of exactly a model class pass through as pydantic itself passes them
        # (revalidate_instances="never"): skipping the call saves most of a small model's cost.
        self._trusted: type | None = None
        if (
            isinstance(value_type, type)
            and issubclass(value_type, BaseModel)
            and value_type.model_config.get("revalidate_instances", "never") == "never"
        ):
            self._trusted = value_type
        self._validate_json: Callable[[bytes], V] | None = None
        if self._json_like and not self._transforms and upgrade is None and self._adapter:
            self._validate_json = self._adapter.validate_json
        self._dump_json: Callable[[Any], bytes] | None = None
        if self._trusted and self._fast_json and not self._transforms and self._adapter:
            # The adapter's serializer, called as ``dump_json`` calls it (every argument at
            # its default) without that method's Python layer of keyword passing.
            serializer = self._adapter.serializer
            built = isinstance(serializer, SchemaSerializer)  # pyright: ignore[reportUnnecessaryIsInstance]  # a deferred build leaves a placeholder
            self._dump_json = serializer.to_json if built else self._adapter.dump_json
        # A type that cannot hold a float cannot hide a NaN as ``null``: no scan of its JSON.
        self._float_free = self._adapter is not None and _float_free(self._adapter.core_schema)
        self._via_code = self._adapter is not None and _serializes_through_code(
            self._adapter.core_schema
        )

    @property
    def direct(self) -> tuple[type | None, Callable[[Any], bytes] | None]:
        """``(T, dump)`` when ``encode(key, v)`` of a ``v`` of exactly type ``T`` is just
        ``dump(v)`` (a model with no float anywhere, plain JSON, no transforms); else
        ``(None, None)``. A ``ValueError`` from ``dump`` means: call ``encode`` instead."""
        if self._dump_json is None or not self._float_free:
            return None, None
        return self._trusted, self._dump_json

    @cached_property
    def fingerprint(self) -> str:
        """A short hash of ``V``'s JSON schema, stored with every object."""
        if self._adapter is None:
            basis = "bytes"
        else:
            try:
                basis = json.dumps(self._adapter.json_schema(), sort_keys=True)
            except Exception:  # types with no JSON schema fall back to their name
                basis = _type_name(self.value_type)
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    @property
    def type_name(self) -> str:
        return _type_name(self.value_type)

    def validate(self, key: Any, value: object) -> V:
        """``value`` as a ``V`` (pydantic lax mode) or ``InvalidValueError`` naming ``key``."""
        if self._adapter is None:
            if not isinstance(value, _BYTES_LIKE):
                raise InvalidValueError(
                    key,
                    f"codec {self.stack.name!r} stores bytes-like values only, "
                    f"got {type(value).__name__}",
                )
            return bytes(value)  # type: ignore[return-value]  # V is bytes for raw stacks
        if type(value) is self._trusted:
            return value  # type: ignore[return-value]  # exactly the model class V
        try:
            return self._adapter.validate_python(value)
        except ValidationError as exc:
            raise InvalidValueError(key, f"not a valid {self.type_name}: {_short(exc)}") from exc

    def encode(self, key: Any, value: object) -> tuple[V, bytes]:
        """Validate then serialize; returns the validated value and the stored bytes."""
        dump = self._dump_json
        if dump is not None and type(value) is self._trusted:
            try:  # the common case in one call: a model instance to plain JSON
                body = dump(value)
                if not self._float_free and body.find(b"null") >= 0:
                    check_finite(body, self._adapter_dump(value))
            except ValueError as exc:
                raise InvalidValueError(
                    key, f"codec {self.stack.name!r} cannot store it: {exc}"
                ) from exc
            return value, body  # type: ignore[return-value]  # value is exactly the model class V
        typed, body = self.serialize(key, value)
        if not self._transforms:
            return typed, body
        if self._key_text is None:
            return typed, self.stack.encode_bytes(body)
        try:
            return typed, self.stack.encode_bytes(body, key=self._key_text(key))
        except CodecError as exc:
            raise CodecError(f"{exc} (codec {self.stack.name!r})", key=key) from exc

    def serialize(self, key: Any, value: object) -> tuple[V, bytes]:
        """Validate then run the serializer only (no transforms)."""
        typed = self.validate(key, value)
        body: bytes
        try:
            if self._adapter is None:
                body = cast(bytes, typed)  # validate returned bytes for a raw stack
            elif self._fast_json:
                body = self._adapter.dump_json(typed)
                if b"null" in body:  # pydantic writes NaN and Infinity as null
                    check_finite(body, self._adapter_dump(typed))
            elif self._json_like:
                body = self.stack.serializer.dumps(self._adapter.dump_python(typed, mode="json"))
            elif self.stack.serializer.format == "pickle":
                body = self.stack.serializer.dumps(typed)
            else:
                body = self.stack.serializer.dumps(self._adapter.dump_python(typed))
        except (TypeError, ValueError) as exc:
            raise InvalidValueError(
                key, f"codec {self.stack.name!r} cannot store it: {exc}"
            ) from exc
        return typed, body

    def _adapter_dump(self, typed: object) -> object:
        """``typed`` as plain Python data with floats kept, for the NaN check."""
        if isinstance(typed, BaseModel) and not self._via_code:
            return typed  # has_non_finite walks model fields without dumping
        assert self._adapter is not None
        return self._adapter.dump_python(cast(V, typed))

    def _upgrader(self, stored_schema: str | None) -> Callable[[Any], Any] | None:
        upgrade = self.upgrade
        if upgrade is None or stored_schema == self.fingerprint:
            return None
        if isinstance(upgrade, Mapping):
            return upgrade.get(stored_schema)
        return lambda raw: upgrade(raw, stored_schema)

    def decode(self, key: Any, data: bytes, stored_schema: str | None = None) -> V:
        """Stored bytes to a ``V``, or ``CodecError`` naming ``key``.

        An object written under another schema fingerprint goes through the upgrade hook
        first, when one is configured for it.
        """
        fast = self._validate_json
        if fast is not None:
            try:
                return fast(data)
            except ValueError:
                pass  # the general path below reports it with the key
        body = data
        if self._transforms:
            try:
                text = None if self._key_text is None else self._key_text(key)
                body = self.stack.decode_bytes(data, limit=self.limit, key=text)
            except CodecError as exc:
                raise CodecError(f"{exc} (codec {self.stack.name!r})", key=key) from exc
        if self._adapter is None:
            return body  # type: ignore[return-value]  # V is bytes for raw stacks
        upgrader = None if self.upgrade is None else self._upgrader(stored_schema)
        try:
            if upgrader is not None:
                raw = self.stack.serializer.loads(body)
                try:
                    upgraded = upgrader(raw)
                except Exception as exc:  # a KeyError here must never read as "missing"
                    raise CodecError(
                        f"upgrade= failed on a value stored with schema {stored_schema!r}: "
                        f"{type(exc).__name__}: {exc}",
                        key=key,
                    ) from exc
                return self._adapter.validate_python(upgraded)
            if self._json_like:
                return self._adapter.validate_json(body)
            return self._adapter.validate_python(self.stack.serializer.loads(body))
        except CodecError:
            raise
        except ValidationError as exc:
            raise CodecError(
                f"stored value is not a valid {self.type_name}: {_short(exc)}", key=key
            ) from exc
        except (ValueError, TypeError, EOFError, pickle.UnpicklingError) as exc:
            raise CodecError(
                f"stored bytes cannot be read with codec {self.stack.name!r}: {exc}", key=key
            ) from exc


# Core-schema types whose JSON never holds a float (NaN and Infinity are floats).
_NO_FLOAT = frozenset(
    {
        "model", "model-fields", "model-field", "typed-dict", "typed-dict-field",
        "dataclass", "dataclass-args", "dataclass-field", "computed-field",
        "default", "nullable", "union", "tagged-union", "definitions", "definition-ref",
        "list", "tuple", "set", "frozenset", "dict", "literal", "enum",
        "int", "str", "bool", "none", "bytes", "uuid", "url", "multi-host-url",
        "datetime", "date", "time", "timedelta",
    }
)  # fmt: skip


def _schema_nodes(schema: object) -> Iterator[dict[str, Any]]:
    """Every dict of a pydantic core schema, each once (schemas share nodes)."""
    stack: list[object] = [schema]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found = cast("dict[str, Any]", node)
            if id(found) in seen:
                continue
            seen.add(id(found))
            yield found
            stack.extend(found.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(cast("Sequence[object]", node))


def _custom(node: dict[str, Any]) -> bool:
    """Whether a core-schema node serializes through user code (a serializer, a computed
    field), whose output is not in the instance's own fields."""
    return "serialization" in node or bool(node.get("computed_fields"))


def _float_free(schema: object) -> bool:
    """Whether values of this pydantic core schema never serialize a float.

    Conservative: a schema type not known float-free, a custom serializer, or a model that
    allows extra fields answers ``False`` (the written JSON is then checked for NaN).
    """
    for node in _schema_nodes(schema):
        kind = node.get("type")
        if isinstance(kind, str) and kind not in _NO_FLOAT:
            return False
        extra = (node.get("extra_behavior"), node.get("extra_fields_behavior"))
        if _custom(node) or "allow" in extra:
            return False
    return True


def _serializes_through_code(schema: object) -> bool:
    return any(_custom(node) for node in _schema_nodes(schema))


def _str_key(key: Any) -> str:
    """The string form of a key when no key codec is given: ``str`` keys only."""
    if isinstance(key, str):
        return key
    raise CodecError(f"codec needs the key's string form, and {type(key).__name__} has none here")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__qualname__", None) or repr(tp)


def _short(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    parts = [f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in errors[:3]]
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(parts) + more
