"""Crash safety and concurrency, with real processes.

* A ``levy commit`` killed with SIGKILL part-way through a batch leaves every order fully
  recorded or absent (whole chunks only); rerunning the batch records the rest and duplicates
  none; the ledger's totals then equal the sum of the decisions, and minus refunds after them.
* Two processes committing overlapping batches at once record each order exactly once: for each
  order, one process says ``recorded`` and the other ``unchanged``.

Both run on SQLite and, when ``LEVY_TEST_POSTGRES_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import build_order
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from levy.ledger.store import Ledger, make_engine

COUNTRIES = ("DE", "FR", "IT", "ES", "NL", "PL", "SE", "AT")
METHODS = ("visa", "paypal", "alipay", "mastercard", "tt")

CHECKS = {
    "orders without their decision":
        "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.order_id = o.order_id)",
    "orders without their payment":
        "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.order_id)",
    "orders without exactly their 2 first events":
        "SELECT count(*) FROM orders o WHERE (SELECT count(*) FROM events e WHERE e.order_id = o.order_id) != 2",
    "decisions whose amount rows do not add up":
        "SELECT count(*) FROM decisions d WHERE "
        "d.net_total_minor != (SELECT coalesce(sum(l.net_minor), 0) FROM decision_lines l WHERE l.order_id = d.order_id) "
        "OR d.vat_total_minor != (SELECT coalesce(sum(l.vat_minor), 0) FROM decision_lines l WHERE l.order_id = d.order_id) "
        "OR NOT EXISTS (SELECT 1 FROM decision_lines l WHERE l.order_id = d.order_id)",
    "rows of orders that are not there":
        "SELECT (SELECT count(*) FROM decisions) + (SELECT count(*) FROM payments) - 2 * (SELECT count(*) FROM orders)",
}


def orders_in(db) -> int:
    try:  # a reader's plain BEGIN: it never waits for the committer's write lock
        with db.connect().execution_options(levy_read=True) as conn:
            return conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
    except DBAPIError:  # the tables are not created yet
        return 0


def assert_consistent(url: str) -> int:
    db = make_engine(url)
    with db.connect() as conn:
        problems = {name: conn.execute(text(sql)).scalar_one() for name, sql in CHECKS.items()}
        n = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
    db.dispose()
    assert problems == dict.fromkeys(CHECKS, 0)
    return n


@pytest.fixture(scope="module")
def batch(tmp_path_factory, engine):
    """``make(n, prefix)`` writes ``n`` paid orders (8 destinations, EUR and USD, 5 methods) as
    JSON lines; returns the path, the order ids and the expected totals per (tax country,
    currency): [orders, net, VAT], summed from the engine's decisions."""

    from levy.ledger.payments import METHODS as RULES

    cache: dict[tuple, tuple[dict, dict]] = {}

    def make(n: int, prefix: str, start: int = 0) -> tuple[Path, list[str], dict]:
        path = tmp_path_factory.mktemp("batch") / f"{prefix}-{start}-{n}.jsonl"
        expected: dict = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
        ids = []
        with path.open("w") as out:
            for i in range(start, start + n):
                key = (COUNTRIES[i % 8], "USD" if i % 3 == 0 else "EUR", f"{5 + i % 40}.{i % 100:02d}", METHODS[i % 5])
                if key not in cache:
                    order = build_order(to=key[0], currency=key[1], price=key[2])
                    d = engine.quote(order)
                    fee = RULES[key[3]].fee(d.landed_total, d.currency)  # the buyer pays the landed total
                    order["payment"] = {"method": key[3], "amount": str(d.landed_total + fee), "currency": key[1],
                                        "accepted_at": "2026-10-15T13:30:00+02:00"}
                    cache[key] = (order, d)
                order, d = cache[key]
                oid = f"{prefix}-{i:06d}"
                ids.append(oid)
                out.write(json.dumps({**order, "order_id": oid}, separators=(",", ":")) + "\n")
                acc = expected[(d.tax_country, d.currency)]
                acc[0] += 1
                acc[1] += d.net_total
                acc[2] += d.vat_total
        return path, ids, expected

    return make


def commit_cmd(path: Path, url: str, chunk: int) -> list[str]:
    return [sys.executable, "-m", "levy", "commit", str(path), "--db", url, "--chunk", str(chunk)]


def totals_by_key(url: str) -> dict:
    with Ledger(url) as ledger:
        return {(t.tax_country, t.currency): [t.orders, t.net, t.vat] for t in ledger.totals()}


def kill_when(proc: subprocess.Popen, url: str, at_least: int) -> int:
    """SIGKILL ``proc`` as soon as the ledger holds ``at_least`` orders; returns the count seen."""
    db = make_engine(url)  # one pool for all the polls: each poll is one cheap query
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"levy commit finished (exit {proc.returncode}) before it could be killed")
            seen = orders_in(db)
            if seen >= at_least:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=60)
                assert proc.returncode == -signal.SIGKILL
                return seen
            time.sleep(0.005)
        proc.kill()
        pytest.fail("levy commit made no progress")
    finally:
        db.dispose()


def test_sigkill_mid_batch_then_rerun(db_url, batch, tmp_path, engine):
    n, chunk = 20_000, 250
    path, ids, expected = batch(n, "CRASH")
    counts = [0]
    for fraction in (0.15, 0.5):  # two crashes, each once the rerun made progress, then a full run
        out = (tmp_path / f"run-{fraction}.jsonl").open("w")
        proc = subprocess.Popen(commit_cmd(path, db_url, chunk), stdout=out, stderr=subprocess.DEVNULL)
        seen = kill_when(proc, db_url, max(int(n * fraction), counts[-1] + 2 * chunk))
        out.close()
        recorded = assert_consistent(db_url)
        assert recorded % chunk == 0, f"{recorded} orders: a chunk was recorded in part"
        assert seen <= recorded < n, f"killed at {seen} orders seen, {recorded} recorded, of {n}"
        counts.append(recorded)
    assert 0 < counts[1] < counts[2] < n
    final = subprocess.run(commit_cmd(path, db_url, chunk), capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr[-2000:]
    lines = [json.loads(x) for x in final.stdout.splitlines()]
    assert [x["order_id"] for x in lines] == ids
    statuses = Counter(x["status"] for x in lines)
    assert statuses == {"unchanged": counts[2], "recorded": n - counts[2]}
    assert assert_consistent(db_url) == n
    # the ledger's totals are the sum of the decisions, to the cent
    assert totals_by_key(db_url) == {k: v for k, v in expected.items()}
    # and, after refunds, the decisions minus the refunds
    with Ledger(db_url, engine=engine) as ledger:
        refunded: dict = defaultdict(Decimal)
        source = path.read_text().splitlines()
        for i in range(0, n, 997):  # before shipping: cancellations, in full or in part
            body = ledger.refund(ids[i], f"R-{i}", amount="1.00" if i % 2 else None, full=not i % 2,
                                 at=datetime.fromisoformat("2026-10-16T10:00:00+00:00")).body
            d = engine.quote({k: v for k, v in json.loads(source[i]).items() if k != "payment"})
            refunded[(d.tax_country, d.currency)] += Decimal(body["vat"])
        got = {(t.tax_country, t.currency): t.vat_collected for t in ledger.totals()}
    assert got == {k: v[2] - refunded[k] for k, v in expected.items()}


@pytest.mark.parametrize("overlap", ["overlapping", "identical"])
def test_two_processes_commit_overlapping_batches_at_once(db_url, batch, overlap):
    n, chunk = 4_000, 200
    path_all, ids, expected = batch(n, f"CONC-{overlap}")
    lines = path_all.read_text().splitlines(keepends=True)
    if overlap == "overlapping":  # A: the first two thirds; B: the last two thirds
        a, b = lines[: 2 * n // 3], lines[n // 3:]
    else:
        a = b = lines
    path_a, path_b = path_all.with_suffix(".a"), path_all.with_suffix(".b")
    path_a.write_text("".join(a))
    path_b.write_text("".join(b))
    procs = [subprocess.Popen(commit_cmd(p, db_url, chunk), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in (path_a, path_b)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0, err[-2000:]
    said: dict[str, list[str]] = defaultdict(list)
    for stdout, _ in outputs:
        for line in stdout.splitlines():
            x = json.loads(line)
            said[x["order_id"]].append(x["status"])
    assert set(said) == set(ids)
    shared = {json.loads(x)["order_id"] for x in a} & {json.loads(x)["order_id"] for x in b}
    for oid, statuses in said.items():
        if oid in shared:
            assert sorted(statuses) == ["recorded", "unchanged"], (oid, statuses)
        else:
            assert statuses == ["recorded"], (oid, statuses)
    assert assert_consistent(db_url) == n
    assert totals_by_key(db_url) == {k: v for k, v in expected.items()}
