"""Checkout service under load (issue 6 targets), on the loopback interface only.

Starts ``levy serve --workers 2`` on 127.0.0.1 and a free port, with a fresh API key, then:

1. **saturation**: ``--connections`` keep-alive connections send ``POST /v1/quote`` back to back
   (closed loop) for at most ``--saturation-seconds`` or ``--saturation-requests``: quotes/s;
2. **fixed rate**: an open-loop schedule of ``--rate`` requests/s (1,000) for
   ``--rate-seconds``; each latency runs from the request's *scheduled* start, so a stall of
   the server (or of this client) counts against the figures rather than silently delaying the
   next request (the "coordinated omission" of closed-loop tools): p50 / p99;
3. **soak**: the same schedule for ``--soak-seconds`` (default 300; 0 skips it), sampling the
   workers' resident memory (``VmRSS``) every 10 s: growth after warm-up.

Each phase also reports how busy the machine was and how much of it went to processes other
than this client and the server (``cpu``): the reference machine is shared.

Targets on the 2-core reference machine, 2 workers: >= 3,000 quotes/s at saturation; p99 <= 20 ms
at 1,000 requests/s; no errors; no memory growth over the soak.

The load generator shares the 2 cores with the two workers, so it is written to cost little:
an asyncio protocol on uvloop speaking HTTP/1.1 over pre-encoded requests, with no HTTP
library in the loop. The orders are the 300 bundled examples (every destination and reason),
each request a different one in turn. The server logs as deployed (access log on) to a file.

Run: ``.venv/bin/python benchmarks/bench_service.py [--soak-seconds 300]``. Figures are printed
and written to ``benchmarks/out/service.json``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: never point this at another machine
TARGETS = {"saturation_quotes_per_s": 3000, "p99_ms_at_1000_rps": 20.0, "errors": 0}


# --- a small HTTP/1.1 client ---------------------------------------------------------------


class Connection(asyncio.Protocol):
    """One keep-alive connection; answers are matched to requests in order (no pipelining is
    used, so at most one request is in flight per connection)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.waiter and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed by the server"))

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(buf[:end]).lower()
        length = 0
        at = head.find(b"content-length:")
        if at >= 0:
            stop = head.find(b"\r\n", at)
            length = int(head[at + 15:stop if stop > 0 else None])
        if len(buf) < end + 4 + length:
            return
        status = int(head[9:12])
        del buf[:end + 4 + length]
        if self.waiter and not self.waiter.done():
            self.waiter.set_result(status)

    async def request(self, payload: bytes) -> int:
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(payload)
        return await self.waiter


async def connect(port: int) -> Connection:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(Connection, HOST, port)
    return proto


def requests_for(key: str, port: int) -> list[bytes]:
    """The bundled example orders as ready-to-send ``POST /v1/quote`` requests."""
    out = []
    for line in (ROOT / "examples" / "orders.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        body = json.dumps(json.loads(line), separators=(",", ":")).encode()
        out.append(
            b"POST /v1/quote HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (HOST.encode(), port, key.encode(), len(body), body)
        )
    return out


def percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return float("nan")
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * q))]


def summary(latencies_ms: list[float], errors: collections.Counter, seconds: float) -> dict:
    lat = sorted(latencies_ms)
    return {
        "requests": len(lat) + sum(errors.values()),
        "ok": len(lat),
        "errors": dict(errors),
        "seconds": round(seconds, 2),
        "per_s": round(len(lat) / seconds) if seconds else 0,
        "p50_ms": round(percentile(lat, 0.50), 2),
        "p90_ms": round(percentile(lat, 0.90), 2),
        "p99_ms": round(percentile(lat, 0.99), 2),
        "p999_ms": round(percentile(lat, 0.999), 2),
        "max_ms": round(lat[-1], 2) if lat else None,
        "mean_ms": round(statistics.fmean(lat), 2) if lat else None,
    }


async def saturate(port: int, payloads: list[bytes], connections: int, seconds: float, max_requests: int) -> dict:
    """Closed loop: each connection sends its next request when the last one is answered."""
    conns = [await connect(port) for _ in range(connections)]
    latencies: list[float] = []
    errors: collections.Counter = collections.Counter()
    deadline = time.perf_counter() + seconds
    counter = iter(range(max_requests))
    clock = time.perf_counter

    async def worker(conn: Connection) -> None:
        for i in counter:
            if clock() > deadline:
                return
            start = clock()
            try:
                status = await asyncio.wait_for(conn.request(payloads[i % len(payloads)]), 10)
            except (ConnectionError, asyncio.TimeoutError) as exc:
                errors[type(exc).__name__] += 1
                return
            if status == 200:
                latencies.append((clock() - start) * 1000)
            else:
                errors[f"HTTP {status}"] += 1

    started = clock()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = clock() - started
    for c in conns:
        c.transport.close()
    return summary(latencies, errors, elapsed) | {"connections": connections}


async def fixed_rate(port: int, payloads: list[bytes], rate: int, seconds: float, pool: int,
                     sample=None, sample_every: float = 10.0) -> dict:
    """Open loop: request i is due at ``start + i / rate``; latency counts from that moment.

    ``sample`` (if given) is called every ``sample_every`` seconds (memory sampling in the soak).
    """
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool):
        idle.put_nowait(await connect(port))
    latencies: list[float] = []
    errors: collections.Counter = collections.Counter()
    total = int(rate * seconds)
    clock = time.perf_counter
    tasks: set[asyncio.Task] = set()

    async def one(i: int, due: float) -> None:
        conn = await idle.get()  # waiting for a free connection counts as latency
        try:
            status = await asyncio.wait_for(conn.request(payloads[i % len(payloads)]), 10)
        except (ConnectionError, asyncio.TimeoutError) as exc:
            errors[type(exc).__name__] += 1
            conn.transport.close()
            idle.put_nowait(await connect(port))
            return
        if status == 200:
            latencies.append((clock() - due) * 1000)
        else:
            errors[f"HTTP {status}"] += 1
        idle.put_nowait(conn)

    start = clock()
    next_sample = start + sample_every
    if sample:
        sample(0.0)
    for i in range(total):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        task = loop.create_task(one(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if sample and clock() >= next_sample:
            sample(clock() - start)
            next_sample += sample_every
    if tasks:
        await asyncio.wait(tasks, timeout=15)
    elapsed = clock() - start
    if sample:
        sample(elapsed)
    while not idle.empty():
        idle.get_nowait().transport.close()
    return summary(latencies, errors, elapsed) | {"target_rate": rate, "connections": pool}


# --- the server under test ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(p) for p in text]
    return found


def worker_pids(parent: int) -> list[int]:
    """uvicorn's worker processes: the parent's children started by multiprocessing's spawn."""
    pids = []
    for pid in children(parent):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.append(pid)
        except OSError:
            pass
    return pids


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _jiffies(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


class CpuShare:
    """Who used the machine's CPUs during a phase: this client with the server under test,
    and everything else (the reference machine is shared, and a busy neighbour shows up in
    the figures, so the figures say how busy it was)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = [os.getpid(), *pids]
        self.start = self._read()

    def _read(self) -> tuple[int, int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        total, idle = sum(values), values[3] + values[4]
        return total, total - idle, sum(_jiffies(p) for p in self.pids)

    def stop(self) -> dict[str, float]:
        total, busy, ours = (b - a for a, b in zip(self.start, self._read()))
        if not total:
            return {}
        return {"machine_busy_pct": round(100 * busy / total, 1),
                "client_and_server_pct": round(100 * ours / total, 1),
                "other_processes_pct": round(100 * max(0, busy - ours) / total, 1)}


def start_server(workers: int, tmp: Path) -> tuple[subprocess.Popen, int, str, Path]:
    env = dict(os.environ)
    keys_file = tmp / "keys.json"
    key = subprocess.run([sys.executable, "-m", "levy", "keys", "add", "bench", "--role", "checkout",
                          "--file", str(keys_file)], capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    log_path = tmp / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "levy", "serve", "--host", HOST, "--port", str(port),
         "--workers", str(workers), "--keys", str(keys_file), "--db", str(tmp / "ledger.db")],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"levy serve exited with {proc.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    if len(worker_pids(proc.pid)) >= workers:
                        break
        except OSError:
            pass
        time.sleep(0.2)
    else:
        proc.kill()
        raise SystemExit("levy serve did not answer /healthz within 60 s")
    time.sleep(1.0)  # let every worker finish its startup
    return proc, port, key, log_path


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


async def run(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="levy-bench-") as tmp_name:
        tmp = Path(tmp_name)
        proc, port, key, log_path = start_server(args.workers, tmp)
        try:
            payloads = requests_for(key, port)
            workers = worker_pids(proc.pid)
            results: dict = {}
            # Warm-up: every example once per worker, and the interpreter's caches.
            await saturate(port, payloads, 8, 10, 3000)
            share = CpuShare([proc.pid, *workers])
            results["saturation"] = await saturate(port, payloads, args.connections,
                                                   args.saturation_seconds, args.saturation_requests)
            results["saturation"]["cpu"] = share.stop()
            print("saturation", json.dumps(results["saturation"]), flush=True)
            share = CpuShare([proc.pid, *workers])
            results["fixed_rate"] = await fixed_rate(port, payloads, args.rate, args.rate_seconds, args.pool)
            results["fixed_rate"]["cpu"] = share.stop()
            print("fixed rate", json.dumps(results["fixed_rate"]), flush=True)
            if args.soak_seconds > 0:
                samples: list[dict] = []

                def sample(t: float) -> None:
                    samples.append({"t_s": round(t, 1), "rss_mib": {p: round(rss_mib(p), 1) for p in workers}})

                share = CpuShare([proc.pid, *workers])
                soak = await fixed_rate(port, payloads, args.rate, args.soak_seconds, args.pool, sample)
                soak["cpu"] = share.stop()
                first, last = samples[0]["rss_mib"], samples[-1]["rss_mib"]
                peak = {p: max(s["rss_mib"][p] for s in samples) for p in workers}
                soak["memory"] = {
                    "workers": len(workers),
                    "rss_start_mib": first, "rss_end_mib": last, "rss_peak_mib": peak,
                    "growth_mib": {p: round(last[p] - first[p], 1) for p in workers},
                    "samples": samples,
                }
                results["soak"] = soak
                print("soak", json.dumps({k: v for k, v in soak.items() if k != "memory"}), flush=True)
                print("soak memory", json.dumps({k: v for k, v in soak["memory"].items() if k != "samples"}),
                      flush=True)
            results["server_log_lines"] = sum(1 for _ in log_path.open("rb"))
            return results
        finally:
            stop_server(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32, help="saturation: concurrent connections")
    parser.add_argument("--saturation-seconds", type=float, default=20.0)
    parser.add_argument("--saturation-requests", type=int, default=200_000)
    parser.add_argument("--rate", type=int, default=1000, help="fixed rate, requests/s")
    parser.add_argument("--rate-seconds", type=float, default=30.0)
    parser.add_argument("--pool", type=int, default=64, help="fixed rate: keep-alive connections")
    parser.add_argument("--soak-seconds", type=float, default=300.0, help="0 skips the soak")
    args = parser.parse_args()
    if max(args.saturation_seconds, args.rate_seconds, args.soak_seconds) > 3600:
        parser.error("each phase is bounded to one hour")
    try:
        import uvloop

        uvloop.install()
        loop_name = "uvloop"
    except ImportError:  # pragma: no cover - uvicorn[standard] brings uvloop
        loop_name = "asyncio"
    results = {
        "machine": {"python": platform.python_version(), "processor": platform.machine(),
                    "cpus": os.cpu_count(), "client_loop": loop_name},
        "workers": args.workers,
        **asyncio.run(run(args)),
        "targets": TARGETS,
    }
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "service.json").write_text(json.dumps(results, indent=2))
    verdict = {
        "saturation_quotes_per_s": results["saturation"]["per_s"],
        "p50_ms_at_rate": results["fixed_rate"]["p50_ms"],
        "p99_ms_at_rate": results["fixed_rate"]["p99_ms"],
        "errors": sum(results[k]["errors"] and sum(results[k]["errors"].values()) or 0
                      for k in ("saturation", "fixed_rate", "soak") if k in results),
    }
    print(json.dumps(verdict, indent=2))


if __name__ == "__main__":
    main()
