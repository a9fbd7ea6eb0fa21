"""Ledger fixtures: a fresh database per test on SQLite and, when ``LEVY_TEST_POSTGRES_URL`` is
set, on PostgreSQL; and builders for paid orders.

``LEVY_TEST_POSTGRES_URL`` names a server and a user allowed to create databases (``.ci/run``
starts one on loopback). Each PostgreSQL test gets its own database, dropped afterwards.
Without the variable the PostgreSQL variants are skipped, and pytest's summary says why.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import build_order
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from levy.ledger.payments import METHODS
from levy.ledger.store import Ledger, resolve_url

PG_URL = os.environ.get("LEVY_TEST_POSTGRES_URL")
SKIP_PG = pytest.mark.skipif(
    not PG_URL, reason="LEVY_TEST_POSTGRES_URL not set: the PostgreSQL variant of the ledger tests is skipped"
)
BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql", marks=SKIP_PG)]
LEVY = [sys.executable, "-m", "levy"]


def _pg_database(name: str, create: bool) -> str:
    admin = make_url(resolve_url(PG_URL))
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """A URL of an empty database, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    name = f"levy_test_{uuid.uuid4().hex[:12]}"
    url = _pg_database(name, create=True)
    yield url
    _pg_database(name, create=False)


@pytest.fixture
def ledger(db_url, engine):
    with Ledger(db_url, engine=engine) as opened:
        yield opened


def payment_for(engine, order: dict, method: str = "visa", *, delta: str = "0", after_minutes: int = 30,
                **overrides) -> dict:
    """The payment a buyer makes for ``order``: the quoted landed total plus the method's fee
    (plus ``delta``), accepted ``after_minutes`` after ``placed_at``."""
    from datetime import datetime, timedelta

    decision = engine.quote(order)
    fee = METHODS[method].fee(decision.landed_total, decision.currency)
    placed = datetime.fromisoformat(order["placed_at"])
    payment = {
        "method": method,
        "amount": str(decision.landed_total + fee + Decimal(delta)),
        "currency": order["currency"],
        "accepted_at": (placed + timedelta(minutes=after_minutes)).isoformat(),
    }
    payment.update(overrides)
    return payment


@pytest.fixture
def paid(engine):
    """``paid(order_changes..., method=, delta=, payment=)``: an order dict with its payment."""

    def _paid(method: str = "visa", delta: str = "0", payment: dict | None = None, **changes) -> dict:
        order = build_order(**changes)
        line = copy.deepcopy(order)
        line["payment"] = payment_for(engine, order, method, delta=delta, **(payment or {}))
        return line

    return _paid


CONTRACT_ORDER = json.loads((Path(__file__).parents[2] / "examples" / "order.json").read_text())
"""The contract's example: DE, USD, BOOK-1 2 x 12.50 at 7 %, TOY-7 30.00 at 19 %, shipping 5.00."""


@pytest.fixture
def contract_paid(engine):
    """The contract's example order paid by card, accepted an hour after ``placed_at``."""

    def _make(order_id: str = "AE-2026-000123", method: str = "visa", delta: str = "0") -> dict:
        order = copy.deepcopy(CONTRACT_ORDER)
        order["order_id"] = order_id
        order["payment"] = payment_for(engine, {k: v for k, v in order.items() if k != "payment"},
                                       method, delta=delta, after_minutes=60)
        return order

    return _make


def run_levy(*args: str, stdin: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*LEVY, *args], input=stdin, capture_output=True, text=True, timeout=timeout)


def json_lines(text_: str) -> list[dict]:
    return [json.loads(line) for line in text_.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def levy_cli():
    """Run ``python -m levy ARGS...`` as a subprocess: ``levy_cli("commit", path, "--db", url)``."""
    return run_levy


@pytest.fixture(scope="session")
def pay(engine):
    """``pay(order, method="visa", delta="0", after_minutes=30, **overrides)``: its payment."""

    def _pay(order: dict, method: str = "visa", **kwargs) -> dict:
        return payment_for(engine, order, method, **kwargs)

    return _pay
