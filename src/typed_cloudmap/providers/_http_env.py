"""Read ``requests``' environment settings once per client, as botocore does.

A ``requests.Session`` that trusts the environment (its default) re-reads the proxy
variables, ``NO_PROXY``, the CA-bundle variables and ``~/.netrc`` on every request: two
walks over all of ``os.environ`` per call, the largest single share of the client CPU of a
small GCS or Azure request. botocore reads its proxy settings once, when a client is made.
:func:`read_once` does the same for the sessions the GCS and Azure providers open: the
proxies that apply to the service's host (every request of a provider goes to that one
host) and the CA bundle are read when the client opens and kept on the session, which then
stops looking. ``~/.netrc`` is not read: neither service authenticates with it.
"""

from __future__ import annotations

import os

import requests
import requests.utils

__all__ = ["ca_bundle", "read_once"]


def ca_bundle() -> str | None:
    """The CA bundle ``requests`` would take from the environment (``None``: its default)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def read_once(session: requests.Session, url: str) -> None:
    """Give ``session`` the environment's settings for requests to ``url``'s host, now, and
    stop it from reading the environment again on every request."""
    session.proxies.update(requests.utils.get_environ_proxies(url))
    bundle = ca_bundle()
    if bundle is not None:
        session.verify = bundle
    session.trust_env = False
