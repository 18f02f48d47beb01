"""``hmac_key_id``: the public way to get the ``key_id`` an ``hmac`` stack names."""

from __future__ import annotations

import pytest

from typed_cloudmap import CodecError
from typed_cloudmap.codecs import HmacTransform, hmac_key_id, parse_stack

KEY = "0123456789abcdef-secret"


def test_key_id_is_what_a_stack_with_the_key_shows() -> None:
    key_id = hmac_key_id(KEY)
    assert len(key_id) == 16
    assert int(key_id, 16) >= 0
    assert hmac_key_id(KEY.encode()) == key_id
    stack = parse_stack(f"orjson|hmac:key={KEY}")
    assert stack.name == f"orjson|hmac:key_id={key_id}"
    assert HmacTransform(key=KEY).key_id == key_id
    assert KEY not in stack.name


def test_key_id_pins_the_environment_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_HMAC", KEY)
    pinned = HmacTransform(env="MY_HMAC", key_id=hmac_key_id(KEY))
    assert pinned.decode(pinned.encode(b"x")) == b"x"
    monkeypatch.setenv("MY_HMAC", "another-key-of-16-bytes")
    with pytest.raises(CodecError, match="does not match key_id"):
        pinned.encode(b"x")


@pytest.mark.parametrize("bad", ["short", b"", 123])
def test_key_id_checks_the_key_like_the_codec(bad: object) -> None:
    with pytest.raises(CodecError):
        hmac_key_id(bad)  # type: ignore[arg-type]  # checked at run time too
