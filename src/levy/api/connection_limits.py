"""Connection limits of the checkout service as uvicorn options, without importing uvicorn: the
server reads them here, so `levy quote` (which imports the service's commands) stays light.
``levy.api.connections`` holds the guarded protocol that enforces the head limits per connection.
"""

from __future__ import annotations

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


def server_options() -> dict[str, Any]:
    """The uvicorn ``Config`` options that bound what one client can hold."""
    options: dict[str, Any] = {
        "timeout_keep_alive": KEEP_ALIVE_TIMEOUT,
        "limit_concurrency": MAX_CONCURRENCY,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }
    # GuardedHttpToolsProtocol is not installed yet: on a keep-alive connection it refused a
    # request that followed a large body (tests/api/test_limits.py), to be fixed before it is.
    return options


__all__ = ["MAX_HEAD_BYTES", "MAX_HEADERS", "READ_TIMEOUT", "KEEP_ALIVE_TIMEOUT", "MAX_CONCURRENCY",
           "server_options"]
