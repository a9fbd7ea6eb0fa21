"""Replay (the stored decision against a re-run of the engine) and the migrated schema."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from levy import Engine
from levy.engine import ENGINE_VERSION
from levy.ledger import db as ledger_db
from levy.ledger.errors import LedgerError
from levy.ledger.schema import APPEND_ONLY_TABLES, metadata
from levy.ledger.store import Ledger, make_engine
from levy.ratebook import default_rates_dir

OID = "AE-2026-000123"


def test_replay_agrees_with_the_stored_decision(ledger, contract_paid):
    ledger.commit([json.dumps(contract_paid(method="paypal"))]).__next__()
    result = ledger.replay(OID)
    assert result.agree and result.differences == [] and result.ledger_rows_agree
    assert result.stored_versions == result.replayed_versions == {
        "engine_version": ENGINE_VERSION,
        "rates_version": ledger.engine.rates_version,
    }


@pytest.fixture(scope="module")
def engine_with_de_at_20(tmp_path_factory) -> Engine:
    """An engine whose German standard rate is 20 % instead of 19 %."""
    rates = tmp_path_factory.mktemp("rates")
    for path in default_rates_dir().iterdir():
        if path.is_file():
            shutil.copy(path, rates / path.name)
    table = list(csv.reader(io.StringIO((rates / "vat_rates.csv").read_text())))
    changed = 0
    for row in table[1:]:
        if row[:2] == ["DE", "general"] and row[2] == "19":
            row[2] = "20"
            changed += 1
    assert changed
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    (rates / "vat_rates.csv").write_text(out.getvalue())
    return Engine(rates)


def test_replay_shows_where_the_decisions_differ(ledger, contract_paid, engine_with_de_at_20):
    ledger.commit([json.dumps(contract_paid())]).__next__()
    result = ledger.replay(OID, engine=engine_with_de_at_20)
    assert not result.agree
    diffs = {d["path"]: (d["stored"], d["replayed"]) for d in result.differences}
    assert diffs["lines.1.rate_percent"] == ("19", "20")
    assert diffs["lines.1.vat"] == ("5.70", "6.00")
    assert diffs["vat_total"] == ("8.13", "8.45")  # 1.75 + 6.00 + shipping 5.00 x (25x7 + 30x20)/5500 = 0.70
    assert diffs["facts.rates.1.rate_percent"] == ("19", "20")
    assert "lines.0.vat" not in diffs  # books stay at 7 %
    assert result.stored_versions["rates_version"] != result.replayed_versions["rates_version"]


def test_replay_of_an_unknown_order(ledger):
    with pytest.raises(LedgerError) as caught:
        ledger.replay("NOPE-1")
    assert caught.value.code == "UNKNOWN_ORDER"


def test_migrations_build_exactly_the_models(db_url):
    db = make_engine(db_url)
    assert ledger_db.upgrade(db) == ledger_db.head() == "0004_tenders"
    with db.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert ledger_db.current(conn) == "0004_tenders"
    assert set(inspect(db).get_table_names()) == {t.name for t in metadata.sorted_tables} | {"alembic_version"}
    db.dispose()


def test_opening_again_is_a_no_op_and_downgrade_round_trips(db_url):
    Ledger(db_url).close()
    Ledger(db_url).close()  # already at head: nothing to do
    db = make_engine(db_url)
    with db.begin() as conn:
        command.downgrade(ledger_db.config(conn), "base")
    assert set(inspect(db).get_table_names()) <= {"alembic_version"}
    ledger_db.upgrade(db)
    assert {t for t in APPEND_ONLY_TABLES} <= set(inspect(db).get_table_names())
    db.dispose()


def test_url_resolution(monkeypatch, tmp_path):
    from levy.ledger.store import resolve_url

    monkeypatch.delenv("LEVY_DATABASE_URL", raising=False)
    assert resolve_url(None) == "sqlite:///levy.db"
    assert resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("LEVY_DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    assert resolve_url(None) == "sqlite:////tmp/elsewhere.db"


def test_migrations_ship_inside_the_package():
    root = Path(ledger_db.MIGRATIONS)
    assert (root / "env.py").is_file() and (root / "script.py.mako").is_file()
    assert sorted(p.name for p in (root / "versions").glob("*.py")) == ["0001_initial.py", "0002_vies_checks.py", "0003_decision_charges.py",
                                                                         "0004_tenders.py"]
