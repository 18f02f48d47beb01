"""Keys <-> object names: reversible, safe on every backend, refused clearly otherwise."""

from __future__ import annotations

import datetime
import enum
import uuid
from decimal import Decimal
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from typed_cloudmap._keys import KeyCodec
from typed_cloudmap.errors import ValueSizeError

HOSTILE = [
    "a\\b",
    "100%",
    "#frag",
    "what?",
    "🙂 emoji",
    "sp ace",
    "trail/",
    "/lead",
    "a//b",
    ".",
    "..",
    "a/./b",
    "a/../b",
    "%2F",
    "tab\there",
    "nul\x00",
    "é",
    "A",
    "a",
]

text_keys = st.text(min_size=1).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))


def _safe_name(name: str) -> bool:
    segments = name.split("/")
    return (
        all(segments)
        and all(seg.strip(".") for seg in segments)
        and "\\" not in name
        and name.isascii()
        and name.isprintable()
    )


@pytest.mark.parametrize("key", HOSTILE)
def test_hostile_str_keys_round_trip(key: str) -> None:
    codec = KeyCodec(str, "users/")
    name = codec.encode(key)
    assert name.startswith("users/")
    assert _safe_name(name[len("users/") :])
    assert codec.decode(name) == key


@given(text_keys)
@example("a/b/c")
@example("\u00e9" * 200)  # 1,200 bytes once percent-encoded: over the 1,024-byte limit
def test_any_text_key_round_trips(key: str) -> None:
    codec = KeyCodec(str, "p/")
    try:
        name = codec.encode(key)
    except ValueSizeError:
        # many multi-byte characters percent-encode past the name limit: refused, as documented
        assert len(quote(key, safe="/").encode()) + 2 > codec.max_name_length
        return
    assert _safe_name(name[2:])
    assert codec.decode(name) == key


def test_folders_stay_readable() -> None:
    assert KeyCodec(str, "users/").encode("eu/alice") == "users/eu/alice"


@given(text_keys, text_keys)
def test_name_prefix_covers_every_key_with_that_prefix(prefix: str, rest: str) -> None:
    codec = KeyCodec(str, "root/")
    for key in (prefix, prefix + rest):
        assert codec.encode(key).startswith(codec.name_prefix(prefix))


def test_empty_key_is_refused_before_io() -> None:
    with pytest.raises(ValueError, match="empty key"):
        KeyCodec(str).encode("")


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValueError, match="Unicode"):
        KeyCodec(str).encode("\ud800")


def test_too_long_key_is_refused_before_io() -> None:
    codec = KeyCodec(str, "p/", max_name_length=20)
    with pytest.raises(ValueSizeError, match="20-byte limit"):
        codec.encode("x" * 30)


def test_wrong_key_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        KeyCodec(str).encode(5)  # type: ignore[arg-type]


class Colour(enum.Enum):
    RED = "red"
    BLUE = 2


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 9


@pytest.mark.parametrize(
    ("key_type", "key"),
    [
        (int, 42),
        (int, -7),
        (uuid.UUID, uuid.UUID("12345678-1234-5678-1234-567812345678")),
        (datetime.date, datetime.date(2026, 11, 24)),
        (Colour, Colour.RED),
        (Colour, Colour.BLUE),
        (Priority, Priority.HIGH),
        (datetime.datetime, datetime.datetime(2026, 1, 2, 3, 4, 5)),
        (Decimal, Decimal("1.5")),
    ],
)
def test_typed_keys_round_trip(key_type: type, key: object) -> None:
    codec = KeyCodec(key_type, "k/")
    name = codec.encode(key)
    assert codec.decode(name) == key
    assert _safe_name(name[2:])


def test_bool_is_not_an_int_key() -> None:
    with pytest.raises(TypeError):
        KeyCodec(int).encode(True)


def test_foreign_names_do_not_decode() -> None:
    codec = KeyCodec(int, "k/")
    assert codec.try_decode("k/007") == (False, None)
    assert codec.try_decode("other/1") == (False, None)
    assert KeyCodec(str).try_decode("has space") == (False, None)


class Opaque:
    pass


def test_unparseable_key_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        KeyCodec(Opaque)


@pytest.mark.parametrize("key_type", [tuple[int, int], tuple, list[str], dict[str, int]])
def test_container_key_types_are_refused_at_construction(key_type: object) -> None:
    from typed_cloudmap import CloudMapping, MemoryProvider

    with pytest.raises(TypeError, match="container cannot be a key"):
        CloudMapping(MemoryProvider(), key_type=key_type, value_type=int)
