"""Duties and fees in a report file of their own per period (customs debt, not the IOSS return)."""

from __future__ import annotations

import json
from decimal import Decimal

from levy.ledger.queries import reading
from levy.reports.charges import charges_table, write_charges


def test_the_month_s_duties_are_summed_apart_from_the_vat_return(ledger, contract_paid, tmp_path):
    results = list(ledger.commit([json.dumps(contract_paid("AE-1")), json.dumps(contract_paid("AE-2"))]))
    assert [r.status for r in results] == ["recorded", "recorded"]
    with reading(ledger) as queries:
        november = charges_table(queries.conn, "2026-11")
        october = charges_table(queries.conn, "2026-10")
    # Two orders x 2 tariff lines x USD 3.37 (EUR 3 at 1.1234), VAT 2 x (0.24 + 0.64).
    assert november.values.tolist() == [
        ["duty", "EU_LVC_FLAT", "DE", "USD", 2, 4, Decimal("13.48"), Decimal("1.76"), Decimal("15.24")]]
    assert october.empty
    path = write_charges(november, "2026-11", tmp_path)
    assert path.name == "CHARGES-2026-11.csv"
    assert path.read_text().splitlines() == [
        "kind,code,country,currency,orders,charges,net,vat,gross",
        "duty,EU_LVC_FLAT,DE,USD,2,4,13.48,1.76,15.24"]


def test_levy_report_writes_the_charges_file_beside_the_returns(levy_cli, paid, tmp_path):
    db = str(tmp_path / "ledger.db")
    batch = tmp_path / "paid.jsonl"
    # EUR 100.00 to Germany in September 2026: VAT 19.00; duty EUR 3.00 + 0.57 VAT on it.
    batch.write_text(json.dumps(paid(placed_at="2026-09-15T12:00:00+02:00")) + "\n")
    assert levy_cli("commit", str(batch), "--db", db).returncode == 0
    out = tmp_path / "out"
    done = levy_cli("report", "--period", "2026-09", "--out", str(out), "--db", db)
    assert done.returncode == 0, done.stderr
    assert (out / "CHARGES-2026-09.csv").read_text().splitlines()[1:] == ["duty,EU_LVC_FLAT,DE,EUR,1,1,3.00,0.57,3.57"]
    # the IOSS return declares the VAT on the recharged duty (Art. 78(a)): taxable 100.00 +
    # 3.00, VAT 19.00 + 0.57; the duty itself (customs debt) is no VAT of the return
    by_country = (out / "EU_IOSS" / "2026-09").glob("*by-country*.csv")
    assert [row for p in by_country for row in p.read_text().splitlines()[1:]] == [
        "EU_IOSS,2026-09,DE,19,103.00,19.57,1"]
