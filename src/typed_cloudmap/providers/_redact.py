"""The one redaction of secrets, for every provider's messages and the command line's output.

Secrets reach the library in URLs (``user:password@``, a SAS ``sig=``, an ``access_token=``),
in connection strings (``AccountKey=``), in codec stacks (``hmac:key=``) and as arguments
(``aws_secret_access_key``). :func:`redact` masks every one of those shapes plus any literal
secret it is given; :func:`redact_url` shows a storage URL with only its declared,
non-secret options; :func:`scrub_chain` makes the ``__cause__``/``__context__`` chain of an
error the library raises as clean as its message, because a traceback prints every link.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import TypeVar
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "RedactedError",
    "describe",
    "endpoint_secrets",
    "mask_stack",
    "redact",
    "redact_url",
    "scrub_chain",
    "secrets_of_url",
    "split_userinfo",
    "without_userinfo",
]

E = TypeVar("E", bound=BaseException)

MASK = "***"

# ``scheme://user:password@host``: everything between ``//`` and the last ``@`` of a netloc.
_USERINFO = re.compile(r"(?<=//)[^/\s@'\"?#]+@")
# Query and connection-string parameters whose value is a credential (Azure SAS ``sig``,
# Azure ``AccountKey``/``SharedAccessSignature``, Google ``key``/``access_token``/signed URLs).
_SECRET_PARAMS = re.compile(
    r"(?i)(?:(?<=[?&;\s'\"])|^)"
    r"(sig|key|access_token|x-goog-signature|x-goog-credential|x-amz-signature|"
    r"x-amz-credential|x-amz-security-token|accountkey|sharedaccesssignature|sharedaccesskey|"
    r"x-ms-encryption-key)=[^&;\s'\"]+"
)
# A ``key=`` parameter of a codec stage (``hmac:key=...``): its value is a secret.
_STACK_KEY = re.compile(r"((?:^|[:,|])\s*key\s*=\s*)([^,|\s'\"]+)")


def mask_stack(text: str) -> str:
    """``text`` with the value of every codec ``key=`` parameter masked."""
    return _STACK_KEY.sub(lambda m: m.group(1) + MASK, text)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret shape masked, and each of ``secrets`` in any spelling.

    Literal secrets are replaced as written, percent-quoted and plus-quoted (URLs carry them
    encoded), longest first so that one secret inside another cannot survive in part.
    """
    spellings = {s for secret in secrets if secret for s in _spellings(secret)}
    for secret in sorted(spellings, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(MASK + "@", text)
    text = _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return mask_stack(text)


def _spellings(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret, safe="")}


def split_userinfo(netloc: str) -> tuple[str, str]:
    """``("user:password", "host")`` of a netloc; ``("", netloc)`` without an ``@``."""
    userinfo, at, host = netloc.rpartition("@")
    return (userinfo, host) if at else ("", netloc)


def without_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` removed, for names and reprs."""
    parts = urlsplit(url)
    userinfo, host = split_userinfo(parts.netloc)
    return urlunsplit(parts._replace(netloc=host)) if userinfo else url


def describe(kind: str, **fields: str | None) -> str:
    """A provider's ``repr``: ``Kind(field='value', ...)`` of the fields that are set, an
    ``endpoint_url`` without its user info."""
    shown: list[str] = []
    for field, value in fields.items():
        if value:
            value = without_userinfo(value) if field == "endpoint_url" else value
            shown.append(f"{field}={value!r}")
    return f"{kind}({', '.join(shown)})"


def _url_option_masked(value: str) -> str:
    """A URL-valued option without its userinfo or query (a SAS token lives there)."""
    parts = urlsplit(value)
    if not parts.scheme or not parts.netloc:
        return value
    userinfo, host = split_userinfo(parts.netloc)
    netloc = f"{MASK}@{host}" if userinfo else host
    return urlunsplit((parts.scheme, netloc, parts.path, MASK if parts.query else "", ""))


def _safe_options(scheme: str, safe: Collection[str] | None) -> Collection[str]:
    if safe is not None:
        return safe
    from ._options import public_option_names  # lazy: the registry imports the providers

    return public_option_names(scheme)


def redact_url(url: str, safe: Collection[str] | None = None) -> str:
    """``url`` fit to print: userinfo masked, and the value of every query option masked
    unless it is in ``safe`` (by default: the non-secret options the scheme's provider
    declares, plus the mapping's own; see ``_options``)."""
    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return "<unparseable URL>"
    userinfo, host = split_userinfo(parts.netloc)
    netloc = f"{MASK}@{host}" if userinfo else host
    shown = _safe_options(parts.scheme, safe)
    query = urlencode(
        [(k, mask_stack(_url_option_masked(v)) if k in shown else MASK) for k, v in pairs],
        safe="*|:/?=,",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _userinfo_secrets(netloc: str) -> set[str]:
    """``user:password`` of a netloc, the password alone, and their decoded forms."""
    userinfo = split_userinfo(netloc)[0]
    password = userinfo.partition(":")[2]
    return {userinfo, password, unquote(userinfo), unquote(password)}


def endpoint_secrets(url: str | None) -> tuple[str, ...]:
    """The secrets an endpoint URL's ``user:password@`` holds (an SDK may quote the URL, its
    user info included, in an error)."""
    return tuple(sorted(s for s in _userinfo_secrets(urlsplit(url or "").netloc) if s))


def secrets_of_url(url: str, safe: Collection[str] | None = None) -> set[str]:
    """Every secret a storage URL carries: userinfo, undeclared option values, codec keys,
    and the userinfo and query of URL-valued options."""
    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return {url}
    shown = _safe_options(parts.scheme, safe)
    found = _userinfo_secrets(parts.netloc)
    for key, value in pairs:
        if key not in shown:
            found.add(value)
        elif key == "codec":
            found.update(m.group(2) for m in _STACK_KEY.finditer(value))
        else:
            inner = urlsplit(value)
            found.update(_userinfo_secrets(inner.netloc))
            if inner.query:
                found.add(inner.query)
                found.update(v for _, v in parse_qsl(inner.query, keep_blank_values=True))
    return {s for s in found if len(s) >= 3}


class RedactedError(Exception):
    """Stands in an error chain for an SDK error whose text carried a secret.

    Its message is the original's type and redacted text; it keeps the original traceback and
    (scrubbed) chain, so a traceback still shows where and why the request failed.
    """


def _leaks(exc: BaseException, secrets: Collection[str]) -> bool:
    texts = [str(exc), repr(exc), *(repr(a) for a in exc.args)]
    return any(redact(t, secrets) != t for t in texts)


def _scrubbed(exc: BaseException, secrets: Collection[str], seen: set[int]) -> BaseException:
    if id(exc) in seen:
        return exc
    seen.add(id(exc))
    suppress = exc.__suppress_context__
    cause = exc.__cause__ and _scrubbed(exc.__cause__, secrets, seen)
    context = exc.__context__ and _scrubbed(exc.__context__, secrets, seen)
    if _leaks(exc, secrets):
        kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
        exc = RedactedError(f"{kind}: {redact(str(exc), secrets)}").with_traceback(
            exc.__traceback__
        )
    exc.__cause__, exc.__context__ = cause, context
    exc.__suppress_context__ = suppress
    return exc


def scrub_chain(error: E, secrets: Iterable[str] = ()) -> E:
    """``error`` with every link of its chain that shows a secret replaced by a
    :class:`RedactedError` (``error`` itself is the library's, its message already clean)."""
    known = [s for s in secrets if s]
    seen = {id(error)}
    suppress = error.__suppress_context__
    if error.__cause__ is not None:
        error.__cause__ = _scrubbed(error.__cause__, known, seen)
    if error.__context__ is not None:
        error.__context__ = _scrubbed(error.__context__, known, seen)
    error.__suppress_context__ = suppress
    return error
