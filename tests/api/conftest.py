"""A real checkout service for the API tests: ``levy serve`` in a subprocess on 127.0.0.1.

The server runs as deployed: two worker processes, keys drawn with ``levy keys add`` (one per
role, plus one the tests revoke), the real ``rates/``, logs to a file the redaction tests read.
Tests talk to it over HTTP with httpx, nothing in-process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

LEVY = [sys.executable, "-m", "levy"]
HOST = "127.0.0.1"
ROLES = ("checkout", "finance", "compliance")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def add_key(keys_file: Path, name: str, role: str) -> str:
    """``levy keys add``: the key printed once on standard output."""
    result = subprocess.run([*LEVY, "keys", "add", name, "--role", role, "--file", str(keys_file)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@dataclass
class LiveServer:
    """A running ``levy serve``; its ledger is ``ledger.db`` beside its keys file."""

    proc: subprocess.Popen
    base_url: str
    log_path: Path
    keys_file: Path
    keys: dict[str, str] = field(default_factory=dict)

    def client(self, role: str | None = None, **kwargs) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30, **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def ledger(self) -> Path:
        """The SQLite file the server was started on (``--db``)."""
        return self.keys_file.parent / "ledger.db"

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        return self.proc.returncode


def start_server(tmp: Path, workers: int = 2, port: int | None = None, extra: tuple[str, ...] = (),
                 env: dict[str, str] | None = None) -> LiveServer:
    """Start ``levy serve`` and wait (60 s at most) until ``/healthz`` answers."""
    keys_file = tmp / "keys.json"
    keys = {role: add_key(keys_file, f"{role}-test", role) for role in ROLES}
    keys["revocable"] = add_key(keys_file, "revocable", "checkout")
    port = port or free_port()
    log_path = tmp / "server.log"
    proc = subprocess.Popen(
        [*LEVY, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers),
         "--keys", str(keys_file), "--db", str(tmp / "ledger.db"), *extra],
        stdout=log_path.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    server = LiveServer(proc, f"http://{HOST}:{port}", log_path, keys_file, keys)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"levy serve exited with {proc.returncode}:\n{server.log()[-3000:]}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    else:
        server.stop()
        raise RuntimeError(f"levy serve did not answer /healthz within 60 s:\n{server.log()[-3000:]}")
    # Every worker must be up before the tests count on both (the port answers with the first).
    wait_workers(server, workers)
    return server


def worker_pids(server: LiveServer) -> list[int]:
    """The supervisor's worker processes (children started by multiprocessing's spawn)."""
    pids = []
    for task in Path(f"/proc/{server.proc.pid}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    pids.append(int(pid))
            except OSError:
                pass
    return pids


def wait_workers(server: LiveServer, count: int, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if count == 1 or (len(worker_pids(server)) == count
                          and server.log().count("Application startup complete") >= count):
            return worker_pids(server)
        time.sleep(0.2)
    raise RuntimeError(f"{count} workers did not start:\n{server.log()[-3000:]}")


@pytest.fixture(scope="session")
def live_server():
    """``start_server`` itself, for tests that need a server of their own."""
    return start_server


@pytest.fixture(scope="session")
def workers_of():
    """``worker_pids`` itself: the worker processes of a server's supervisor."""
    return worker_pids


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> LiveServer:
    """The shared server; its reports read its own ledger (the default source)."""
    live = start_server(tmp_path_factory.mktemp("levy-serve"))
    yield live
    assert live.stop() == 0, live.log()[-3000:]


@pytest.fixture(scope="session")
def checkout(server):
    with server.client("checkout") as client:
        yield client


@pytest.fixture(scope="session")
def anonymous(server):
    with server.client() as client:
        yield client
