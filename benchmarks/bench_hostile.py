"""Checkout service p99 under hostile traffic (issue 18), on the loopback interface only.

Starts ``levy serve --workers 2`` on 127.0.0.1 (as ``bench_service.py`` does), then for
``--seconds`` sends an open-loop schedule of ``--rate`` valid quotes per second (the bundled
example orders, keep-alive connections; latency from each request's scheduled start) while, once
a second, a hostile client sends one of: the year-9000 ``placed_at`` that cost 1.4 to 2.3 s of CPU
before issue 18, a 31-digit price, 1,000-deep nesting, a lone surrogate, a 1,001-line order,
a body over 1 MiB, a 64 KiB header, or a slow client that never finishes its head.

Target on the 2-core reference machine: p99 of the valid quotes < 20 ms at 300 requests/s, no
errors on them. Run: ``.venv/bin/python benchmarks/bench_hostile.py [--seconds 20]``. Figures
are printed and written to ``benchmarks/out/hostile.json``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_service import HOST, ROOT, fixed_rate, requests_for, start_server, stop_server  # noqa: E402

TARGET_P99_MS = 20.0


def hostile_requests(key: str) -> list[tuple[str, bytes]]:
    """(name, raw request bytes), each a complete HTTP/1.1 request except the slow client's."""
    base = json.loads((ROOT / "examples" / "order.json").read_text())
    line = base["lines"][0]

    def post(name: str, body: bytes, extra: bytes = b"") -> tuple[str, bytes]:
        return name, (b"POST /v1/quote HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n%s"
                      b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                      % (key.encode(), extra, len(body), body))

    def order(**changes) -> bytes:
        return json.dumps({**base, **changes}).encode()

    return [
        post("year-9000", order(currency="USD", placed_at="9000-06-01T10:00:00+00:00")),
        post("31-digit-price", order(lines=[{**line, "unit_price": "1" + "0" * 30}])),
        post("deep-nesting", b'{"order_id": "X", "lines": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
        post("lone-surrogate", order(order_id="ID").replace(b'"ID"', b'"\\ud800ID"')),
        post("1001-lines", order(lines=[line] * 1001)),
        post("body-over-1MiB", order(order_id="X" * (1 << 20))),
        post("64KiB-header", order(), extra=b"X-Big: " + b"a" * 65536 + b"\r\n"),
        ("slow-client", b"POST /v1/quote HTTP/1.1\r\nHost: x\r\n"),
    ]


async def hostile_client(port: int, requests: list[tuple[str, bytes]], seconds: float) -> dict:
    """One hostile request a second, each on a fresh connection; counts the statuses."""
    answers: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    async def one(name: str, payload: bytes) -> None:
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(payload)
            await writer.drain()
            head = await asyncio.wait_for(reader.read(64), 30)
            answers[name][head[9:12].decode() if head.startswith(b"HTTP/1.1") else "closed"] += 1
            writer.close()
        except (OSError, asyncio.TimeoutError) as exc:
            answers[name][type(exc).__name__] += 1

    tasks = []
    for i in range(int(seconds)):
        name, payload = requests[i % len(requests)]
        tasks.append(asyncio.create_task(one(name, payload)))
        await asyncio.sleep(1.0)
    await asyncio.gather(*tasks)
    return {name: dict(counts) for name, counts in answers.items()}


async def run(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="levy-bench-") as tmp_name:
        proc, port, key, _ = start_server(args.workers, Path(tmp_name))
        try:
            payloads = requests_for(key, port)
            await fixed_rate(port, payloads, args.rate, 5, args.pool)  # warm-up
            valid, hostile = await asyncio.gather(
                fixed_rate(port, payloads, args.rate, args.seconds, args.pool),
                hostile_client(port, hostile_requests(key), args.seconds),
            )
            return {"valid": valid, "hostile_answers": hostile}
        finally:
            stop_server(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=int, default=300, help="valid quotes per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pool", type=int, default=16, help="keep-alive connections for the valid quotes")
    args = parser.parse_args()
    if args.seconds > 600:
        parser.error("bounded to ten minutes")
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    results = asyncio.run(run(args)) | {"rate": args.rate, "target_p99_ms": TARGET_P99_MS}
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "hostile.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
