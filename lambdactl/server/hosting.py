"""The embedded services' endpoint, hosted by a process that runs execution environments outside
``serve`` (a CLI invoke, the background worker, ``drain``), so a function's SDK calls reach the
embedded services, and a call to a service lambdactl does not serve fails with an error naming it,
instead of going to AWS.

``endpoints(settings)`` listens on 127.0.0.1 at a free port at once (a socket: the environment
needs the URL before it starts) and builds the HTTP server only when the first connection comes
in, so an invoke whose function calls nothing pays for no HTTP machinery. It stays up as long as
the process (a CLI invoke: the one invocation; the worker: until it exits idle), answering with the
same server, protocols and control plane as ``serve``; it is not published in ``serve.json``.
"""

from __future__ import annotations

import select
import socket
import threading
from typing import Any

_urls: dict[str, str] = {}  # state dir -> this process's endpoint for it
_lock = threading.Lock()


def endpoints(settings: Any) -> dict[str, str]:
    """The endpoint variables of an environment run by this process (``services.endpoint_variables``)."""
    from lambdactl.server.services import endpoint_variables

    return endpoint_variables(url(settings))


def url(settings: Any) -> str:
    key = str(settings.state_dir)
    with _lock:
        if key not in _urls:
            sock = socket.create_server(("127.0.0.1", 0))
            _urls[key] = f"http://127.0.0.1:{sock.getsockname()[1]}"
            served = settings.replace(endpoint_url=_urls[key])  # queue URLs name this endpoint
            threading.Thread(target=_serve, args=(sock, served), name="lambdactl-endpoints", daemon=True).start()
        return _urls[key]


def _serve(sock: socket.socket, settings: Any) -> None:
    select.select([sock], [], [])  # the kernel queues the first connections meanwhile
    from lambdactl.server.app import LambdaServer

    LambdaServer("127.0.0.1", 0, settings, sock=sock).serve_forever(0.1)
