"""Connection limits of the checkout service as uvicorn options, without importing uvicorn: the
server reads them here, so `levy quote` (which imports the service's commands) stays light.
``levy.api.connections`` holds the guarded protocol that enforces the head limits per connection.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

MAX_HEAD_BYTES = 16 * 1024
"""Request line plus headers (as nginx's and Node's defaults: enough for any real client)."""
MAX_HEADERS = 100
READ_TIMEOUT = 10.0
"""Seconds for a whole request (head and body, 1 MiB at most) to arrive."""
KEEP_ALIVE_TIMEOUT = 5
"""Seconds an idle keep-alive connection is kept."""
MAX_CONCURRENCY = 512
"""Connections plus running requests per worker before uvicorn answers 503."""
GUARDED_PROTOCOL = "levy.api.connections:GuardedHttpToolsProtocol"
"""uvicorn's httptools protocol with the head limits and the read timeout of this module."""


def server_options() -> dict[str, Any]:
    """The uvicorn ``Config`` options that bound what one client can hold."""
    options: dict[str, Any] = {
        "timeout_keep_alive": KEEP_ALIVE_TIMEOUT,
        "limit_concurrency": MAX_CONCURRENCY,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }
    if find_spec("httptools") is not None:
        # By import path: uvicorn imports the guard (and itself) in the worker, not here.
        options["http"] = GUARDED_PROTOCOL
    return options


__all__ = ["MAX_HEAD_BYTES", "MAX_HEADERS", "READ_TIMEOUT", "KEEP_ALIVE_TIMEOUT", "MAX_CONCURRENCY",
           "GUARDED_PROTOCOL", "server_options"]
