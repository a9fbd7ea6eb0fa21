"""``levy calendar``: the returns due in a window, their due dates (VAT Directive Art. 369s for
the monthly IOSS, Art. 369f for the quarterly Union OSS), the ledger's activity, the ECB rate
they need, and whether their folder was written."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from typer.testing import CliRunner

from levy.cli import app
from levy.ledger.payments import METHODS
from levy.ledger.store import Ledger
from levy.reports.calendar import due_between
from levy.reports.periods import due_date

runner = CliRunner()


@pytest.mark.parametrize(("scheme", "period", "due"), [
    ("EU_IOSS", "2026-11", date(2026, 12, 31)),
    ("EU_IOSS", "2026-12", date(2027, 1, 31)),
    ("EU_IOSS", "2027-01", date(2027, 2, 28)),
    ("EU_IOSS", "2028-01", date(2028, 2, 29)),
    ("EU_OSS", "2026-Q4", date(2027, 1, 31)),
    ("EU_OSS", "2026-Q3", date(2026, 10, 31)),
    ("EU_OSS", "2027-Q1", date(2027, 4, 30)),
], ids=lambda v: str(v))
def test_due_dates(scheme, period, due):
    assert due_date(scheme, period) == due


def test_the_window_holds_both_ends_and_nothing_outside():
    assert ("EU_IOSS", "2026-11", date(2026, 12, 31)) in due_between(date(2026, 12, 31), date(2027, 1, 30))
    assert ("EU_IOSS", "2026-11", date(2026, 12, 31)) not in due_between(date(2027, 1, 1), date(2027, 1, 31))
    assert ("EU_OSS", "2026-Q4", date(2027, 1, 31)) in due_between(date(2027, 1, 1), date(2027, 1, 31))
    assert ("EU_OSS", "2026-Q4", date(2027, 1, 31)) not in due_between(date(2026, 12, 1), date(2027, 1, 30))


@pytest.fixture(scope="module")
def november_ledger(engine, tmp_path_factory):
    """One IOSS order paid in November 2026 (an import into Germany, USD)."""
    db = tmp_path_factory.mktemp("calendar") / "ledger.db"
    body = {"order_id": "CAL-1", "placed_at": "2026-11-10T12:00:00+01:00", "channel": "online",
            "currency": "EUR", "seller": {"id": "S-1", "country": "CN"}, "ship_from": "CN",
            "ship_to": {"country": "DE", "postal_code": "10115"}, "buyer": {"id": "B-1"},
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "20.00", "category": "general"}]}
    decision = engine.quote(body)
    assert decision.scheme == "EU_IOSS"
    # What the buyer pays: the landed total (goods, VAT, the EU duty on the import) plus the fee.
    fee = METHODS["visa"].fee(decision.landed_total, "EUR")
    body["payment"] = {"method": "visa", "amount": str(decision.landed_total + fee), "currency": "EUR",
                       "accepted_at": body["placed_at"]}
    with Ledger(f"sqlite:///{db}", engine=engine) as ledger:
        assert [r.status for r in ledger.commit([json.dumps(body)])] == ["recorded"]
    return db


def test_the_calendar_from_december_2026(november_ledger, tmp_path, monkeypatch):
    monkeypatch.setenv("LEVY_DATA_DIR", str(tmp_path / "no-fx-store"))  # the packaged ECB history alone
    written = tmp_path / "reports" / "EU_IOSS" / "2026-11"
    written.mkdir(parents=True)
    (written / "by-country.csv").write_text("scheme\n")
    result = runner.invoke(app, ["calendar", "--from", "2026-12-01", "--months", "3", "--json",
                                 "--db", str(november_ledger), "--out", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    every = json.loads(result.output)
    rows = [r for r in every if r["scheme"].startswith("EU_")]
    assert [(r["scheme"], r["period"], r["due"]) for r in rows] == [
        ("EU_IOSS", "2026-11", "2026-12-31"),
        ("EU_IOSS", "2026-12", "2027-01-31"),
        ("EU_OSS", "2026-Q4", "2027-01-31"),
        ("EU_IOSS", "2027-01", "2027-02-28"),
    ]
    others = {(r["scheme"], r["period"]): r["due"] for r in every if not r["scheme"].startswith("EU_")}
    assert others[("NO_VOEC", "2026-Q4")] == "2027-01-20"  # the 20th of the month after (VOEC)
    assert others[("UK_MARKETPLACE", "2026-Q4")] == "2027-02-07"  # one month and seven days
    assert not any(s == "JP_LVG" for s, _ in others)  # Japan's regime starts 2028-04-01
    assert [r["due"] for r in every] == sorted(r["due"] for r in every)
    november = rows[0]
    assert (november["orders"], november["activity"], november["written"]) == (1, True, True)
    assert (rows[2]["orders"], rows[2]["activity"], rows[2]["written"]) == (0, False, False)
    # The packaged history ends 2026-10-30: November's rate is not published in it yet.
    assert (november["rate_day"], november["rate_needed"]) == (None, "2026-11-30")


def test_a_rate_already_published_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("LEVY_DATA_DIR", str(tmp_path / "no-fx-store"))
    result = runner.invoke(app, ["calendar", "--from", "2026-10-01", "--months", "1", "--json",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = {(r["scheme"], r["period"]): r for r in json.loads(result.output) if r["scheme"].startswith("EU_")}
    assert sorted(rows) == [("EU_IOSS", "2026-09"), ("EU_OSS", "2026-Q3")]
    assert rows[("EU_OSS", "2026-Q3")]["rate_day"] == "2026-09-30"
    assert rows[("EU_IOSS", "2026-09")]["orders"] is None  # no --db: the ledger was not read


def test_the_table_and_a_bad_date(tmp_path, monkeypatch):
    monkeypatch.setenv("LEVY_DATA_DIR", str(tmp_path / "no-fx-store"))
    table = runner.invoke(app, ["calendar", "--from", "2026-12-01", "--out", str(tmp_path)])
    assert table.exit_code == 0, table.output
    assert re.search(r"2026-12-31 │ EU_IOSS +│ 2026-11", table.output)
    assert re.search(r"2027-01-31 │ EU_OSS +│ 2026-Q4", table.output)
    bad = runner.invoke(app, ["calendar", "--from", "2026-13-01"])
    assert bad.exit_code == 64  # a usage error (EX_USAGE), as every levy command
    assert "'2026-13-01' is not a date written YYYY-MM-DD" in " ".join(bad.output.split())
