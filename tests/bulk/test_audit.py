"""`levy audit`: a ledger period re-decided with today's rates data (issue 15)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from levy.bulk.audit import AuditError, audit_ledger, period_days
from levy.cli import app
from levy.engine import Engine

ROOT = Path(__file__).resolve().parents[2]


def _committed(ledger, contract_paid, ids):
    results = list(ledger.commit([contract_paid(order_id) for order_id in ids]))
    assert all(r.status == "recorded" for r in results), results


def _rates_with_de_general(tmp_path, percent: str) -> Path:
    """A copy of rates/ whose German standard rate row says ``percent``."""
    rates = tmp_path / "rates"
    shutil.copytree(ROOT / "rates", rates)
    path = rates / "vat_rates.csv"
    text = path.read_text(encoding="utf-8")
    assert "\nDE,general,19,2021-07-01," in text
    path.write_text(text.replace("\nDE,general,19,2021-07-01,", f"\nDE,general,{percent},2021-07-01,"), encoding="utf-8")
    return rates


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unchanged_data_finds_nothing_and_cli_agrees(ledger, contract_paid, db_url, engine):
    _committed(ledger, contract_paid, ["AU-1", "AU-2"])
    report = audit_ledger(engine, db_url, "2026-11")
    assert report.orders == 2 and report.differences == [] and report.totals == {}
    result = CliRunner().invoke(app, ["audit", "--period", "2026-Q4", "--db", db_url, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["orders"] == 2 and body["differences"] == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_rate_correction_lists_each_difference_and_the_under_collection(ledger, contract_paid, db_url, tmp_path):
    _committed(ledger, contract_paid, ["AU-1", "AU-2"])
    corrected = _rates_with_de_general(tmp_path, "21")
    today = Engine(rates_dir=corrected)
    report = audit_ledger(today, db_url, "2026-11", scheme="EU_IOSS")
    body = report.as_dict()
    # TOY-7 30.00 at 19 % -> 21 %: VAT 5.70 -> 6.30; shipping 5.00 at the lines' rates pro rata:
    # 5 x (25 x 7 + 30 x 21) / 5500 = 0.7318 -> 0.73 (was 0.68): vat_total 8.13 -> 8.78
    vat = [d for d in body["differences"] if d["field"] == "vat_total"]
    assert [(d["order_id"], d["recorded"], d["re_decided"]) for d in vat] == [
        ("AU-1", "8.13", "8.78"), ("AU-2", "8.13", "8.78")]
    assert {r["rate_percent"] for r in vat[0]["rates"]["re_decided"] if r["category"] == "general"} == {"21"}
    assert {r["rate_percent"] for r in vat[0]["rates"]["recorded"] if r["category"] == "general"} == {"19"}
    # the EU flat duty on TOY-7's tariff line (USD 3.37) carries VAT at the goods' rate (Art. 78(a)):
    # 0.64 -> 0.71, duty_total 7.62 -> 7.69; per order 0.65 + 0.07 more tax, two orders 1.44
    duty = [(d["recorded"], d["re_decided"]) for d in body["differences"] if d["field"] == "duty_total"]
    assert duty == [("7.62", "7.69")] * 2
    assert body["totals"] == [{"tax_country": "DE", "currency": "USD", "under_collected": "1.44",
                               "net_difference": "1.44"}]
    lower = audit_ledger(Engine(rates_dir=_rates_with_de_general(tmp_path / "b", "18")), db_url, "2026-11")
    assert {k: str(v) for k, v in lower.totals[("DE", "USD")].items()} == {
        "over_collected": "0.72", "net_difference": "-0.72"}
    shown = CliRunner().invoke(app, ["audit", "--period", "2026-11", "--db", db_url],
                               env={"LEVY_RATES_DIR": str(corrected), "COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "DE general 21% from 2021-07-01" in shown.output and "1.44" in shown.output
    assert audit_ledger(today, db_url, "2026-10").orders == 0  # paid on 2026-11-02: not October
    assert audit_ledger(today, db_url, "2026-11", scheme="UK_MARKETPLACE").orders == 0


def test_period_days_both_sides_of_each_boundary():
    assert period_days("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_days("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_days("2028-Q1")[1] == date(2028, 3, 31)
    assert period_days("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    for bad in ("2026-13", "2026-Q5", "2026", "2026-Q0"):
        with pytest.raises(AuditError):
            period_days(bad)
