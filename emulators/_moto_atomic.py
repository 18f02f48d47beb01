"""Run moto_server with one request at a time inside the S3 backend.

moto checks ``If-Match`` / ``If-None-Match`` and then stores the object in two steps without
a lock, so two concurrent conditional PUTs can both pass the check: a lost update that real
S3 never allows. Serialising the WSGI application (connections are still accepted on many
threads) makes each conditional request atomic, as it is on the real service.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from moto import server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

_lock = threading.Lock()
_call = DomainDispatcherApplication.__call__


def _atomic_call(self: DomainDispatcherApplication, environ: Any, start_response: Any) -> Any:
    with _lock:
        return list(_call(self, environ, start_response))


DomainDispatcherApplication.__call__ = _atomic_call  # type: ignore[method-assign]

if __name__ == "__main__":
    server.main(sys.argv[1:])
