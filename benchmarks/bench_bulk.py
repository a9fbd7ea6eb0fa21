"""Bulk engine ratios (issue 15), each pair measured in the same run on the same orders.

1. ``levy requote`` (``levy.bulk.requote.requote`` over a Parquet table, read and written)
   against ``levy quote --jobs 1`` (its own chunk function: every order parsed from JSON
   bytes, decided and written as JSON), in orders/s, on two batches of ``--orders`` orders:
   ``repeated`` (the 300 bundled example orders under fresh ids: real batches repeat the same
   baskets) and ``distinct`` (each order's first unit price moved by a different number of
   minor units, so no two orders share their fields and every one is decided by the engine).
   Target: >= 25x.
2. ``Engine.quote`` of a 3-line order from a dict against pyvat's ``get_sale_vat_charge``
   (one rate lookup), medians in microseconds. Target: <= 8x. Needs the ``bench`` group.
3. ``Ledger.commit`` into a fresh SQLite file (``benchmarks/bench_ledger.py``'s batch and run).
   Target: 20,000 orders/s.

Run: ``.venv/bin/python benchmarks/bench_bulk.py [--orders N]``; prints the figures and writes
``benchmarks/out/bulk.json``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ledger import batch as paid_batch  # noqa: E402
from bench_ledger import run as ledger_run  # noqa: E402
from bench_quote import ORDER, latency  # noqa: E402

from levy import Engine  # noqa: E402
from levy.bulk.requote import requote  # noqa: E402
from levy.bulk.table import orders_to_table, read_table  # noqa: E402
from levy.cli import _quote_chunk  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def orders(n: int, distinct: bool) -> list[dict]:
    examples = [json.loads(line) for line in (ROOT / "examples" / "orders.jsonl").read_text().splitlines() if line.strip()]
    out = []
    for i in range(n):
        order = copy.deepcopy(examples[i % len(examples)])
        order["order_id"] = f"B-{i:07d}"
        if distinct:
            line = order["lines"][0]
            price = Decimal(line["unit_price"])
            step = Decimal(1).scaleb(price.as_tuple().exponent)  # one minor unit as written
            line["unit_price"] = str(price + step * (i // len(examples)))
        out.append(order)
    return out


def requote_vs_quote(engine: Engine, n: int, distinct: bool) -> dict:
    batch = orders(n, distinct)
    payloads = [json.dumps(o, separators=(",", ":")).encode() for o in batch]
    with tempfile.TemporaryDirectory() as tmp:
        table_path, out_path = Path(tmp) / "orders.parquet", Path(tmp) / "decisions.parquet"
        pq.write_table(orders_to_table(batch), table_path)
        t0 = time.perf_counter()
        text, failed = _quote_chunk(payloads, None, engine)
        quote_s = time.perf_counter() - t0
        assert not failed and text.count("\n") == n
        t0 = time.perf_counter()
        result, summary = requote(engine, read_table(table_path))
        pq.write_table(result, out_path)
        requote_s = time.perf_counter() - t0
    assert result.num_rows == n and summary.errors == 0
    return {"orders": n, "quote_jobs1_orders_per_s": round(n / quote_s),
            "requote_orders_per_s": round(n / requote_s), "ratio": round(quote_s / requote_s, 1),
            "decided_by_engine": summary.decided, "reused": summary.reused}


def quote_vs_pyvat(engine: Engine, runs: int) -> dict:
    try:
        import pyvat
        from pyvat import ItemType, Party
    except ImportError:
        return {"skipped": "pyvat is not installed (pip install --group bench)"}
    clock = time.perf_counter_ns
    day, buyer, seller = date(2026, 10, 15), Party("DE", False), Party("NL", True)
    for _ in range(2000):
        pyvat.get_sale_vat_charge(day, ItemType.generic_electronic_service, buyer, seller)
    samples = []
    for _ in range(runs):
        start = clock()
        pyvat.get_sale_vat_charge(day, ItemType.generic_electronic_service, buyer, seller)
        samples.append(clock() - start)
    samples.sort()
    pyvat_us = samples[len(samples) // 2] / 1000
    ours = latency(engine, ORDER, runs)
    return {"engine_quote_dict_median_us": ours["median_us"], "pyvat_median_us": round(pyvat_us, 2),
            "ratio": round(ours["median_us"] / pyvat_us, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--ledger-orders", type=int, default=5_000)
    args = parser.parse_args()
    engine = Engine()
    engine.quote(ORDER)
    results = {"load_average": os.getloadavg(), "cpus": os.cpu_count()}
    results["requote_vs_quote_repeated"] = requote_vs_quote(engine, args.orders, distinct=False)
    results["requote_vs_quote_distinct"] = requote_vs_quote(engine, args.orders, distinct=True)
    results["quote_vs_pyvat"] = quote_vs_pyvat(engine, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        lines = paid_batch(engine, args.ledger_orders)
        results["ledger_commit_sqlite"] = ledger_run(f"sqlite:///{tmp}/bench.db", engine, lines, 1000)
    results["load_average_after"] = os.getloadavg()
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "bulk.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
