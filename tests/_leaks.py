"""What a traceback of an error shows, and the check that no secret is in it (the redaction
and credential tests share these)."""

from __future__ import annotations

import traceback

__all__ = ["assert_clean", "chain_texts"]


def chain_texts(exc: BaseException) -> str:
    """Everything a full traceback (and a debugger's repr of each link) shows."""
    texts = ["".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        texts += [str(link), repr(link), *(repr(a) for a in link.args)]
        link = link.__cause__ or link.__context__
    return "\n".join(texts)


def assert_clean(text: str, *secrets: str) -> None:
    """No ``secret`` in ``text`` (the failure shows only the secret's first characters)."""
    for secret in secrets:
        assert secret not in text, f"{secret[:6]}... leaked in:\n{text[:3000]}"
