"""``levy serve``: the checkout service on uvicorn, with N worker processes.

Each worker is a separate process that builds its own application from the environment
(``levy.api:app_from_env``), so this module passes everything through environment variables,
checks what it can before any worker starts (keys, reference data) so that a mistake is one
clear line rather than N tracebacks, and points prometheus-client's multiprocess mode at a fresh
directory so that ``/metrics`` sums every worker.

Why not ``uvicorn --workers``: uvicorn's workers share one listening socket, and uvloop (libuv)
accepts connections until the backlog is empty, so when a checkout's connection pool opens its
connections in a burst, one worker takes them all while the other idles (measured here: 3,700
instead of 5,100 quotes/s). Instead each worker listens on its own socket with ``SO_REUSEPORT``
and the kernel spreads new connections across them by hash (Linux ``socket(7)``). The parent
binds the port too, without listening, to hold it and to fail early when it is taken.

Imports nothing heavy at module level: ``PROMETHEUS_MULTIPROC_DIR`` must be set before
prometheus-client is first imported in this process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import time
from typing import Any

from levy.api.auth import DEFAULT_KEYS_FILE, ENV_KEYS_FILE, KeysError, KeyStore
from levy.api.connection_limits import server_options  # plain options: uvicorn loads only when serving
from levy.api.logs import log_config
from levy.engine import Engine
from levy.errors import LevyError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
RESTART_WINDOW = 10.0
"""A worker that dies sooner than this after starting is not restarted (a crash loop)."""

log = logging.getLogger("levy.api")


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = 1,
    db_url: str | None = None,
    keys_file: str | None = None,
    access_log: bool = True,
    log_level: str = "info",
) -> None:
    """Run the service until interrupted (SIGINT or SIGTERM).

    Raises:
        levy.LevyError: the keys or the reference data cannot be loaded (said before any worker
            starts).
        OSError: the port cannot be bound.
    """
    if keys_file:
        os.environ[ENV_KEYS_FILE] = keys_file
    elif not os.environ.get(ENV_KEYS_FILE) and os.path.exists(DEFAULT_KEYS_FILE):
        os.environ[ENV_KEYS_FILE] = DEFAULT_KEYS_FILE
    if os.environ.get(ENV_KEYS_FILE):
        os.environ[ENV_KEYS_FILE] = os.path.abspath(os.environ[ENV_KEYS_FILE])
    if db_url:
        os.environ["LEVY_DATABASE_URL"] = db_url
    if not len(KeyStore.from_env()):
        raise KeysError("no API keys configured: add one with 'levy keys add NAME --role ROLE' "
                        "(writes levy-keys.json) or set LEVY_API_KEYS / LEVY_API_KEYS_FILE")
    Engine()  # the reference data loads and validates, or the error is said once, here
    # SQLAlchemy: `levy` imports this module (levy.api.commands) and `levy quote` must not load it
    from levy.ledger.store import Ledger, resolve_url

    # Open (and migrate) the ledger once here, so the workers do not race to migrate it.
    url = resolve_url()
    try:
        Ledger(url).close()
    except Exception as exc:  # SQLAlchemy, driver or file errors: one line, not a traceback
        from sqlalchemy.engine import make_url

        shown = make_url(url).render_as_string(hide_password=True)
        raise LevyError(f"cannot open the ledger at {shown}: {exc}") from None
    metrics_dir = tempfile.mkdtemp(prefix="levy-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    config = {
        "app": "levy.api:app_from_env",
        "factory": True,
        "log_config": log_config(log_level, access_log),
        "access_log": access_log,
        "server_header": False,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 10,
        **server_options(),  # head size, header count, read and keep-alive timeouts, concurrency
    }
    try:
        if workers <= 1:
            import uvicorn

            uvicorn.run(host=host, port=port, **config)
        else:
            Supervisor(host, port, workers, config).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _listener(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _ensure_free(host: str, port: int) -> None:
    """Refuse a port something already listens on. ``SO_REUSEPORT`` would otherwise let a second
    ``levy serve`` of the same user join the first one's port and silently share its traffic.

    Raises:
        OSError: naming the port.
    """
    probe = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    try:
        with socket.create_connection((probe, port), timeout=0.5):
            pass
    except OSError:
        return
    raise OSError(f"{host}:{port} is already in use (another levy serve?)")


def _die_with_parent() -> None:
    """Linux: have the kernel send SIGTERM to this worker if the supervisor dies (even by
    SIGKILL), so no orphan keeps serving on the port. Elsewhere a no-op."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker(host: str, port: int, config: dict[str, Any]) -> None:
    """One worker process: its own ``SO_REUSEPORT`` socket, one uvicorn server."""
    _die_with_parent()
    import uvicorn

    sock = _listener(host, port)
    server = uvicorn.Server(uvicorn.Config(host=host, port=port, **config))
    server.run(sockets=[sock])


class Supervisor:
    """Starts ``workers`` processes, restarts one that dies, stops them all on SIGINT/SIGTERM."""

    def __init__(self, host: str, port: int, workers: int, config: dict[str, Any]) -> None:
        if not port:
            raise OSError("--workers above 1 needs a fixed --port (each worker binds it)")
        self.host, self.port, self.workers, self.config = host, port, workers, config
        self.ctx = multiprocessing.get_context("spawn")
        self.procs: list[tuple[multiprocessing.Process, float]] = []
        self.stopping = False
        self.failure: str | None = None

    def _start(self) -> tuple[multiprocessing.Process, float]:
        proc = self.ctx.Process(target=_worker, args=(self.host, self.port, self.config), daemon=False)
        proc.start()
        return proc, time.monotonic()

    def _stop(self, *_: object) -> None:
        self.stopping = True

    def run(self) -> None:
        import logging.config

        logging.config.dictConfig(self.config["log_config"])
        _ensure_free(self.host, self.port)
        hold = _listener(self.host, self.port)  # bound, never listening: holds the port
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            log.info("levy serve: %d workers on http://%s:%d (SO_REUSEPORT), supervisor pid %d",
                     self.workers, self.host, self.port, os.getpid())
            self.procs = [self._start() for _ in range(self.workers)]
            while not self.stopping:
                time.sleep(0.2)
                for i, (proc, started) in enumerate(self.procs):
                    if proc.is_alive() or self.stopping:
                        continue
                    if time.monotonic() - started < RESTART_WINDOW:
                        self.failure = (f"worker {proc.pid} exited with {proc.exitcode} within "
                                        f"{RESTART_WINDOW:.0f} s of starting (see its log above): stopping")
                        log.error("levy serve: %s", self.failure)
                        self.stopping = True
                        break
                    log.warning("worker %d exited with %s: restarting it", proc.pid, proc.exitcode)
                    self.procs[i] = self._start()
        finally:
            for proc, _ in self.procs:
                if proc.is_alive():
                    proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight
            deadline = time.monotonic() + 15
            for proc, _ in self.procs:
                proc.join(max(0.1, deadline - time.monotonic()))
                if proc.is_alive():
                    proc.kill()
                    proc.join(5)
            hold.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            log.info("levy serve: stopped")
        if self.failure:
            raise LevyError(self.failure)
