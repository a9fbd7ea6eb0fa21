"""Issue 18: a full disk, a locked database or a read-only file during ``levy commit``: one line
naming the cause and what was kept, exit 1, nothing partial, no traceback."""

from __future__ import annotations

import json
import sqlite3

from typer.testing import CliRunner

from levy import cli
from sqlalchemy import event

from levy.ledger import commit, store


def _batch(paid, n: int) -> str:
    return "".join(json.dumps(paid(order_id=f"D-{i:03d}")) + "\n" for i in range(n))


def _orders_in(db) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM orders").fetchone()[0]
    finally:
        con.close()


def test_disk_full_mid_commit(monkeypatch, tmp_path, paid):
    """SQLITE_FULL for real: a page limit on the connection stands in for the disk."""
    db = tmp_path / "ledger.db"
    source = tmp_path / "orders.jsonl"
    source.write_text(_batch(paid, 60))
    runner = CliRunner()
    assert runner.invoke(cli.app, ["commit", str(source), "--db", str(db), "--chunk", "20"]).exit_code == 0
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    make_engine = store.make_engine

    def tiny_disk(url=None):
        engine = make_engine(url)
        event.listen(engine, "connect", lambda con, _r: con.execute(f"PRAGMA max_page_count = {pages + 8}"))
        return engine

    monkeypatch.setattr(store, "make_engine", tiny_disk)
    source.write_text(_batch(paid, 60) + "".join(
        json.dumps(paid(order_id=f"E-{i:03d}", lines=[{"sku": f"S-{j}", "quantity": 1, "unit_price": "1.00",
                                                        "category": "general"} for j in range(50)]))
        + "\n" for i in range(200)))
    result = runner.invoke(cli.app, ["commit", str(source), "--db", str(db), "--chunk", "20"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = [line for line in result.stderr.splitlines() if "stopped" in line]
    assert len(message) == 1 and "the disk is full" in message[0] and "Kept: the" in message[0]
    answered = [json.loads(line) for line in result.stdout.splitlines()]
    assert answered[:60] == [{"order_id": f"D-{i:03d}", "status": "unchanged",
                              "message": f"order D-{i:03d} is already committed with this payload: nothing changed"}
                             for i in range(60)]
    recorded = [a for a in answered if a["status"] == "recorded"]
    assert _orders_in(db) == 60 + len(recorded) < 260  # what was answered, no half chunk
    con = sqlite3.connect(db)
    orphan_lines = con.execute(
        "SELECT count(*) FROM decision_lines WHERE order_id NOT IN (SELECT order_id FROM orders)").fetchone()[0]
    assert orphan_lines == 0


def test_database_locked(monkeypatch, tmp_path, paid):
    db = tmp_path / "ledger.db"
    source = tmp_path / "orders.jsonl"
    source.write_text(_batch(paid, 3))
    runner = CliRunner()
    assert runner.invoke(cli.app, ["commit", str(source), "--db", str(db)]).exit_code == 0
    make_engine = store.make_engine

    def impatient(url=None):  # the writer gives up after 50 ms instead of 120 s
        engine = make_engine(url)
        event.listen(engine, "connect", lambda con, _r: con.execute("PRAGMA busy_timeout = 50"))
        return engine

    monkeypatch.setattr(store, "make_engine", impatient)
    monkeypatch.setattr(commit, "RETRIES", 1)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        source.write_text(_batch(paid, 5))
        result = runner.invoke(cli.app, ["commit", str(source), "--db", str(db)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "database is locked" in result.stderr and "Traceback" not in result.output
    assert _orders_in(db) == 3


def test_read_only_database(monkeypatch, tmp_path, paid):
    """SQLite's own read-only refusal (``query_only`` stands in for a read-only file, which the
    test cannot make when it runs as root)."""
    db = tmp_path / "ledger.db"
    source = tmp_path / "orders.jsonl"
    source.write_text(_batch(paid, 2))
    runner = CliRunner()
    assert runner.invoke(cli.app, ["commit", str(source), "--db", str(db)]).exit_code == 0
    make_engine = store.make_engine

    def read_only(url=None):
        engine = make_engine(url)
        event.listen(engine, "connect", lambda con, _r: con.execute("PRAGMA query_only = 1"))
        return engine

    monkeypatch.setattr(store, "make_engine", read_only)
    source.write_text(_batch(paid, 4))
    result = runner.invoke(cli.app, ["commit", str(source), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "read-only" in lines[0], lines
    assert _orders_in(db) == 2
