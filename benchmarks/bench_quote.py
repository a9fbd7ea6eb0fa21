"""Checkout latency and batch throughput of the engine (issue 2 targets).

Targets on the 2-core reference machine:
  * ``Engine.quote`` of a 3-line EU order with a VAT number: <= 20 us median from the model,
    <= 40 us from JSON bytes;
  * ``levy quote`` over 100,000 JSON lines: >= 20,000 orders/s.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_quote.py [--lines N]``). Results are
printed and written to ``benchmarks/out/quote.json``. Not part of the test suite: timings on a
shared CI machine are not assertions.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from levy import Engine
from levy.models import Order

ROOT = Path(__file__).resolve().parents[1]
ORDER = {
    "order_id": "BENCH-1",
    "placed_at": "2026-10-15T14:05:00+02:00",
    "channel": "online",
    "currency": "USD",
    "seller": {"id": "S-88", "country": "CN"},
    "ship_from": "CN",
    "ship_to": {"country": "DE", "postal_code": "10115"},
    "buyer": {"id": "B-1", "vat_number": "DE 136 695 977"},  # fails its checksum: collected + warning
    "lines": [
        {"sku": "BOOK-1", "quantity": 2, "unit_price": "12.50", "category": "books"},
        {"sku": "TOY-7", "quantity": 1, "unit_price": "30.00", "category": "general"},
        {"sku": "TEA-3", "quantity": 3, "unit_price": "4.99", "category": "food"},
    ],
    "shipping": "5.00",
}


def latency(engine: Engine, source, runs: int) -> dict[str, float]:
    for _ in range(2000):
        engine.quote(source)
    samples = []
    clock = time.perf_counter_ns
    for _ in range(runs):
        start = clock()
        engine.quote(source)
        samples.append(clock() - start)
    samples.sort()
    return {"median_us": samples[len(samples) // 2] / 1000, "p99_us": samples[int(len(samples) * 0.99)] / 1000}


def batch_file(lines: int, path: Path) -> None:
    """The bundled example orders repeated (with fresh ids) to ``lines`` lines."""
    examples = [json.loads(l) for l in (ROOT / "examples" / "orders.jsonl").read_text().splitlines() if l.strip()]
    with path.open("w") as out:
        for i in range(lines):
            order = dict(examples[i % len(examples)])
            order["order_id"] = f"B-{i:07d}"
            out.write(json.dumps(order, separators=(",", ":")) + "\n")


def throughput(lines: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.jsonl"
        batch_file(lines, path)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "levy", "quote", str(path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        out_lines = result.stdout.count(b"\n")
    if out_lines != lines:
        raise SystemExit(f"levy quote wrote {out_lines} lines for {lines} orders: {result.stderr[-500:]!r}")
    return {"orders": lines, "seconds": round(elapsed, 3), "orders_per_s": round(lines / elapsed),
            "exit_code": result.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50_000)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    engine = Engine()
    model = Order.model_validate(ORDER)
    raw = json.dumps(ORDER).encode()
    decision = engine.quote(model)
    assert decision.warnings == ["VAT_NUMBER_INVALID"] and decision.collect, decision
    results = {
        "machine": {"python": platform.python_version(), "processor": platform.machine(), "cpus": __import__("os").cpu_count()},
        "quote_from_model": latency(engine, model, args.runs),
        "quote_from_json_bytes": latency(engine, raw, args.runs),
        "cli_batch": throughput(args.lines),
        "targets": {"model_median_us": 20, "json_median_us": 40, "cli_orders_per_s": 20_000},
    }
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "quote.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
