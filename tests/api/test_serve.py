"""``levy serve`` and ``levy keys`` as commands: refusals, workers, keys on disk."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

LEVY = [sys.executable, "-m", "levy"]
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*LEVY, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def test_levy_quote_does_not_load_the_web_stack():
    code = (
        "import sys; from levy.cli import main\n"
        f"sys.argv = ['levy', 'quote', {str(ROOT / 'examples' / 'order.json')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette', 'uvicorn', 'prometheus_client', 'httpx'})\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert json.loads(result.stdout)["vat_total"] == "8.13"
    assert "HEAVY []" in result.stderr


def test_keys_add_prints_the_key_once_and_stores_only_its_digest(tmp_path):
    keys_file = tmp_path / "keys.json"
    result = run("keys", "add", "checkout-web", "--role", "checkout", "--file", str(keys_file))
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert key.startswith("levy_") and len(key) == 48 and "\n" not in key
    stored = keys_file.read_text()
    assert key not in stored
    [row] = json.loads(stored)["keys"]
    assert (row["name"], row["role"], row["sha256"]) == ("checkout-web", "checkout", hashlib.sha256(key.encode()).hexdigest())
    assert oct(keys_file.stat().st_mode & 0o777) == "0o600"
    assert "shown once" in result.stderr and key not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("keys", "add", "ops", "--role", "admin"), "key 'ops' has role 'admin'; roles are checkout, finance, compliance"),
    (("keys", "add", "web", "--role", "finance"), "a key named 'web' exists; revoke it first or choose another name"),
    (("keys", "revoke", "nobody"), "no key named 'nobody'"),
], ids=["unknown-role", "duplicate-name", "revoke-unknown"])
def test_keys_refusals(tmp_path, args, message):
    keys_file = tmp_path / "keys.json"
    assert run("keys", "add", "web", "--role", "checkout", "--file", str(keys_file)).returncode == 0
    result = run(*args, "--file", str(keys_file))
    assert result.returncode == 1
    assert message in result.stderr


def test_keys_list_and_revoke(tmp_path):
    keys_file = tmp_path / "keys.json"
    for name, role in (("web", "checkout"), ("books", "finance")):
        assert run("keys", "add", name, "--role", role, "--file", str(keys_file)).returncode == 0
    digests = {row["name"]: row["sha256"] for row in json.loads(keys_file.read_text())["keys"]}
    listing = run("keys", "list", "--file", str(keys_file)).stdout.splitlines()
    assert [line.split("\t")[:3] for line in listing] == [
        ["web", "checkout", digests["web"][:8]], ["books", "finance", digests["books"][:8]]]
    assert run("keys", "revoke", "web", "--file", str(keys_file)).returncode == 0
    assert [row["name"] for row in json.loads(keys_file.read_text())["keys"]] == ["books"]


def test_keys_add_env_writes_no_file(tmp_path):
    result = run("keys", "add", "web", "--role", "compliance", "--env", cwd=tmp_path)
    assert result.returncode == 0
    key = result.stdout.strip()
    assert f"web:compliance:{hashlib.sha256(key.encode()).hexdigest()}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_serve_refuses_to_start_without_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVY_API_KEYS")}
    result = run("serve", "--port", "1", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "no API keys configured" in result.stderr


def test_serve_with_keys_from_the_environment(tmp_path):
    key = "levy_" + "e" * 43
    env = {**os.environ, "LEVY_API_KEYS": f"env-web:checkout:{hashlib.sha256(key.encode()).hexdigest()}"}
    env.pop("LEVY_API_KEYS_FILE", None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*LEVY, "serve", "--port", str(port), "--workers", "1", "--db", str(tmp_path / "l.db")],
                            env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        order = json.loads((ROOT / "examples" / "order.json").read_text())
        response = httpx.post(f"{url}/v1/quote", json=order, headers={"X-API-Key": key}, timeout=30)
        assert response.status_code == 200
        assert response.json()["gross_total"] == "68.13"
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0


def test_workers_restart_and_stop_with_the_supervisor(tmp_path, live_server, workers_of):
    """Two workers; one is killed and replaced; a second serve on the port is refused; SIGTERM
    to the supervisor stops every worker."""
    server = live_server(tmp_path)
    pids = workers_of(server)
    assert len(pids) == 2
    again = run("serve", "--port", server.base_url.rsplit(":", 1)[1], "--workers", "2",
                "--keys", str(server.keys_file), "--db", str(tmp_path / "other.db"), cwd=tmp_path)
    assert again.returncode == 1 and "is already in use" in again.stderr
    time.sleep(max(0.0, 10.5 - _age(pids[0])))  # older than the crash-loop window
    os.kill(pids[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = workers_of(server)
        if len(now) == 2 and pids[0] not in now:
            break
        time.sleep(0.2)
    assert len(now) == 2 and pids[0] not in now and pids[1] in now
    with server.client("checkout") as client:
        order = json.loads((ROOT / "examples" / "order.json").read_text())
        assert client.post("/v1/quote", json=order).json()["vat_total"] == "8.13"
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=30) == 0
    for pid in now:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert "restarting it" in server.log()


def _age(pid: int) -> float:
    ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - ticks / os.sysconf("SC_CLK_TCK")
