"""Ledger commit throughput (issue 4): committed orders per second, in batches of 1,000.

Target on the 2-core reference machine: >= 5,000 orders/s into SQLite.

The batch is the paid sample (``examples/paid_orders.jsonl``, its refused lines left out)
repeated under fresh order ids until it holds ``--orders`` orders: a realistic mix of
destinations, currencies, regimes and payment methods. Each run commits it into a fresh
database through ``Ledger.commit`` (quote, payment rules, all rows, one transaction per 1,000
orders), then commits it again (every order ``unchanged``: the idempotency check alone), and
times ``levy commit`` end to end as a subprocess (start-up, reference data and SQLAlchemy import
included).

PostgreSQL runs when ``--postgres URL`` (or ``LEVY_BENCH_POSTGRES_URL`` /
``LEVY_TEST_POSTGRES_URL``) names a server where the user may create a database.

Run: ``.venv/bin/python benchmarks/bench_ledger.py [--orders N]``. Results are printed and
written to ``benchmarks/out/ledger.json``. Not part of the test suite: timings on a shared CI
machine are not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from levy import Engine
from levy.ledger.store import Ledger, resolve_url

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "paid_orders.jsonl"


def batch(engine: Engine, n: int) -> list[bytes]:
    """``n`` paid orders: the sample's accepted lines under fresh order ids."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Ledger(f"sqlite:///{tmp}/probe.db", engine=engine)
        sample = [line for line, r in zip(SAMPLE.read_bytes().splitlines(), probe.commit(SAMPLE.read_bytes().splitlines()))
                  if r.status == "recorded"]
        probe.close()
    out = []
    for i in range(n):
        obj = json.loads(sample[i % len(sample)])
        obj["order_id"] = f"BENCH-{i:07d}"
        out.append(json.dumps(obj, separators=(",", ":")).encode())
    return out


def run(url: str, engine: Engine, lines: list[bytes], chunk: int) -> dict[str, float]:
    ledger = Ledger(url, engine=engine)
    t0 = time.perf_counter()
    statuses = [r.status for r in ledger.commit(lines, chunk_size=chunk)]
    first = time.perf_counter() - t0
    assert statuses.count("recorded") == len(lines), set(statuses)
    t0 = time.perf_counter()
    again = [r.status for r in ledger.commit(lines, chunk_size=chunk)]
    second = time.perf_counter() - t0
    assert again.count("unchanged") == len(lines)
    ledger.close()
    return {"orders": len(lines), "commit_orders_per_s": round(len(lines) / first),
            "rerun_unchanged_orders_per_s": round(len(lines) / second)}


def cli(url: str, path: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "levy", "commit", str(path), "--db", url],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def pg_database(admin: str, name: str, create: bool) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(resolve_url(admin))
    db = create_engine(url, isolation_level="AUTOCOMMIT")
    with db.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' if create else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    db.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--postgres", default=os.environ.get("LEVY_BENCH_POSTGRES_URL") or os.environ.get("LEVY_TEST_POSTGRES_URL"))
    args = parser.parse_args()

    engine = Engine()
    lines = batch(engine, args.orders)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        results["sqlite"] = run(f"sqlite:///{tmp}/bench.db", engine, lines, args.chunk)
        seconds = cli(f"sqlite:///{tmp}/cli.db", path)
        results["sqlite"]["levy_commit_cli_orders_per_s"] = round(len(lines) / seconds)
        if args.postgres:
            for key, timed in (("postgresql", "library"), ("postgresql-cli", "cli")):
                name = f"levy_bench_{uuid.uuid4().hex[:10]}"
                url = pg_database(args.postgres, name, create=True)
                try:
                    if timed == "library":
                        results["postgresql"] = run(url, engine, lines, args.chunk)
                    else:
                        results["postgresql"]["levy_commit_cli_orders_per_s"] = round(len(lines) / cli(url, path))
                finally:
                    pg_database(args.postgres, name, create=False)

    report = {"machine": f"{platform.machine()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
              "python": platform.python_version(), "batch": args.chunk, **results}
    print(json.dumps(report, indent=2))
    print(f"target: >= 5,000 orders/s into SQLite in batches of {args.chunk:,}: "
          f"{'met' if results['sqlite']['commit_orders_per_s'] >= 5000 else 'NOT met'} "
          f"({results['sqlite']['commit_orders_per_s']:,} orders/s)")
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ledger.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
