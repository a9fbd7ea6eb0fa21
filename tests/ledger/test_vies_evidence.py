"""``levy vies sweep`` and ``levy vies report`` on a ledger of B2B orders, against a fake VIES
on loopback: evidence recorded append-only with consultation numbers, fresh evidence not
re-checked, per-member-state limits, retries with backoff for ``unknown``, and the report of
the orders whose number is not registered with the VAT that should have been collected."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from fake_vies import FakeVies
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from levy.cli import app
from levy.ledger.schema import vies_checks
from levy.vies.report import corrections, period_bounds
from levy.vies.sweep import SweepSettings, sweep

REQUESTER = "DE811907980"
ORDERS = [  # order_id, destination, postal code, buyer's number
    ("T-DE-1", "DE", "10115", "DE136695976"),
    ("T-DE-2", "DE", "10115", "DE123456788"),
    ("T-DE-3", "DE", "10115", "DE 123 456 788"),  # the same number again, typed otherwise
    ("T-DE-4", "DE", "10115", "DE111111117"),
    ("T-DE-5", "DE", "10115", "DE222222220"),
    ("T-DE-6", "DE", "10115", "DE300000002"),
    ("T-FR-1", "FR", "75001", "FR40303265045"),
    ("T-AT-1", "AT", "1010", "ATU13585627"),
    ("T-GR-1", "GR", "10431", "GR094014201"),
    ("T-GB-1", "GB", "SW1A 1AA", "GB980780684"),
    ("T-B2C-1", "DE", "10115", None),
]
REGISTRY = {
    "DE136695976": "registered", "DE111111117": "registered", "DE222222220": "registered",
    "DE300000002": "registered",
    "DE123456788": "unregistered", "EL094014201": "unregistered",
    "FR40303265045": ("flaky", 2), "ATU13585627": "MS_UNAVAILABLE",
}


@pytest.fixture
def b2b_ledger(ledger, paid):
    lines = [paid(order_id=oid, to=to, postal=postal, **({"vat": vat} if vat else {}))
             for oid, to, postal, vat in ORDERS]
    assert [r.status for r in ledger.commit(lines)] == ["recorded"] * len(ORDERS)
    return ledger


def _settings(url: str, **changes) -> SweepSettings:
    base = dict(url=url, timeout=2.0, requester=REQUESTER, per_state=2, workers=8, attempts=3, backoff=0.01)
    return SweepSettings(**(base | changes))


def _stored(ledger) -> list:
    with ledger.db.connect() as conn:
        return conn.execute(select(vies_checks).order_by(vies_checks.c.vat_number)).all()


def test_sweep_records_each_number_once_with_retries_and_limits(b2b_ledger):
    sleeps: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            sleeps.append(seconds)

    with FakeVies(REGISTRY, hold=0.2) as vies:
        result = sweep(b2b_ledger.db, _settings(vies.url), sleep=sleep)
    assert result.as_dict() == {"orders": 10, "numbers": 9, "fresh": 0, "not_in_vies": 1,
                                "checked": {"invalid": 2, "unknown": 1, "valid": 5}, "calls": 8 + 2 + 2}
    # DE123456788 once for two orders; FR twice unavailable then registered; AT three times
    assert vies.calls == Counter({"DE136695976": 1, "DE123456788": 1, "DE111111117": 1, "DE222222220": 1,
                                  "DE300000002": 1, "EL094014201": 1, "FR40303265045": 3, "ATU13585627": 3})
    assert vies.max_in_flight["DE"] == 2  # five German numbers, never more than two at once
    assert sorted(sleeps) == [0.01, 0.01, 0.02, 0.02]  # exponential backoff, for FR and AT
    rows = {r.vat_number: r for r in _stored(b2b_ledger)}
    assert set(rows) == set(vies.calls)
    assert (rows["DE136695976"].state, rows["DE136695976"].name) == ("valid", "TRADER DE136695976")
    assert rows["DE136695976"].consultation_number.startswith("WAPIAAAA")
    assert rows["DE136695976"].checked_at == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert (rows["DE123456788"].state, rows["DE123456788"].error) == ("invalid", None)
    assert (rows["FR40303265045"].state, rows["FR40303265045"].attempts) == ("valid", 3)
    assert (rows["ATU13585627"].state, rows["ATU13585627"].error, rows["ATU13585627"].attempts) == (
        "unknown", "MS_UNAVAILABLE", 3)


def test_fresh_evidence_is_not_checked_again_and_unknown_is(b2b_ledger):
    with FakeVies(REGISTRY) as vies:
        sweep(b2b_ledger.db, _settings(vies.url, attempts=1))
        vies.calls.clear()
        again = sweep(b2b_ledger.db, _settings(vies.url, attempts=1))
        # FR and AT were unknown (one attempt): asked again; the rest is fresh
        assert vies.calls == Counter({"FR40303265045": 1, "ATU13585627": 1})
        assert again.fresh == 6
        vies.calls.clear()
        later = datetime.now(UTC) + timedelta(days=31)  # past the 30-day freshness
        sweep(b2b_ledger.db, _settings(vies.url, attempts=1), now=later)
        assert sum(vies.calls.values()) == 8
    assert len(_stored(b2b_ledger)) == 8 + 2 + 8


def test_evidence_is_append_only(b2b_ledger):
    with FakeVies(REGISTRY) as vies:
        sweep(b2b_ledger.db, _settings(vies.url, attempts=1))
    for statement in ("UPDATE vies_checks SET state = 'valid'", "DELETE FROM vies_checks"):
        with pytest.raises(DBAPIError, match="append-only"), b2b_ledger.db.begin() as conn:
            conn.execute(text(statement))


def test_report_lists_the_unregistered_with_the_vat_to_correct(b2b_ledger):
    with FakeVies(REGISTRY) as vies:
        sweep(b2b_ledger.db, _settings(vies.url))
    found = [c.line() for c in corrections(b2b_ledger.db, b2b_ledger.engine, "2026-10")]
    assert [(x["order_id"], x["vat_number"], x["tax_country"], x["scheme"], x["reason"], x["currency"],
             x["net_total"], x["vat_total"], x["gross_total"]) for x in found] == [
        ("T-DE-2", "DE123456788", "DE", "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "EUR", "100.00", "19.00", "119.00"),
        ("T-DE-3", "DE123456788", "DE", "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "EUR", "100.00", "19.00", "119.00"),
        ("T-GR-1", "EL094014201", "GR", "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "EUR", "100.00", "24.00", "124.00"),
    ]
    assert all(x["consultation_number"].startswith("WAPIAAAA") and x["paid_on"] == "2026-10-15" for x in found)
    assert list(corrections(b2b_ledger.db, b2b_ledger.engine, "2026-09")) == []
    assert len(list(corrections(b2b_ledger.db, b2b_ledger.engine, "2026-Q4"))) == 3


def test_levy_vies_sweep_and_report_commands(b2b_ledger, db_url):
    runner = CliRunner()
    with FakeVies(REGISTRY) as vies:
        swept = runner.invoke(app, ["vies", "sweep", "--db", db_url, "--vies-url", vies.url,
                                    "--requester", REQUESTER, "--attempts", "1", "--backoff", "0"])
    assert swept.exit_code == 0, swept.output
    assert json.loads(swept.stdout)["checked"] == {"invalid": 2, "unknown": 2, "valid": 4}
    report = runner.invoke(app, ["vies", "report", "--period", "2026-10", "--db", db_url])
    assert report.exit_code == 0, report.output
    assert [json.loads(x)["order_id"] for x in report.stdout.splitlines()] == ["T-DE-2", "T-DE-3", "T-GR-1"]
    assert "3 B2B orders not registered in VIES; VAT to correct: DE EUR 38.00, GR EUR 24.00" in report.stderr
    bad = runner.invoke(app, ["vies", "report", "--period", "2026-13", "--db", db_url])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.stderr


@pytest.mark.parametrize("period, bounds", [
    ("2026-02", ("2026-02-01", "2026-02-28")),
    ("2028-02", ("2028-02-01", "2028-02-29")),
    ("2026-Q1", ("2026-01-01", "2026-03-31")),
    ("2026-Q4", ("2026-10-01", "2026-12-31")),
])
def test_period_bounds(period, bounds):
    assert tuple(d.isoformat() for d in period_bounds(period)) == bounds
