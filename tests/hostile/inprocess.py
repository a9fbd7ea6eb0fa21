"""An in-process checkout service on 127.0.0.1 (uvicorn in a thread), for tests that patch the
engine to stand in for a bug, which a subprocess server cannot."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from levy.api import auth
from levy.api.app import create_app


@contextlib.contextmanager
def serving(engine, tmp_path, **config) -> Iterator[tuple[str, int, str]]:
    """Yield (host, port, checkout key) while a server runs ``create_app(engine)``."""
    key = auth.new_key()
    app = create_app(engine, keys=[auth.check_entry("t", "checkout", auth.digest(key), where="test")],
                     db_url=f"sqlite:///{tmp_path / 'ledger.db'}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield "127.0.0.1", port, key
    finally:
        server.should_exit = True
        thread.join(10)
