"""The VAT on the recharged EU flat duty is declared in the IOSS return (VAT Directive Art. 78(a));
the duty itself stays in CHARGES-P.csv; a full refund reverses that VAT (Art. 369t(2))."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from decimal import Decimal

import pandas as pd

from levy.ledger.charge_vat import split_by_rate
from levy.ledger.queries import reading
from levy.reports import open_month
from levy.reports.charges import charges_table
from levy.reports.run import make_report

TWO_TARIFF_LINES = [
    {"sku": "BAG-1", "quantity": 1, "unit_price": "100.00", "category": "general", "hs_code": "4202.92"},
    {"sku": "TEE-1", "quantity": 2, "unit_price": "10.00", "category": "general", "hs_code": "6109.10"},
]


def _paid(paid, order_id: str, placed_at: str) -> str:
    return json.dumps(paid(order_id=order_id, placed_at=placed_at, lines=copy.deepcopy(TWO_TARIFF_LINES)))


def _ioss(ledger, period: str):
    with open_month(ledger) as (lines, totals):
        report, checked = make_report(lines, period, ledger=totals, schemes=["EU_IOSS"])
        with reading(ledger) as queries:
            charges = charges_table(queries.conn, period)
    assert checked is not None  # reconciled with the ledger's totals (raises otherwise)
    return report.schemes["EU_IOSS"], charges


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[list]:
    return [[str(v) for v in row] for row in frame[columns].values.tolist()]


def test_the_september_return_declares_goods_vat_plus_duty_vat_and_a_full_refund_reverses_it(
    ledger, paid
):
    # Germany, 19 %: goods 100.00 + 2 x 10.00 = 120.00, VAT 22.80; two tariff lines (4202, 6109)
    # = duty 2 x EUR 3.00 = 6.00, VAT on it 2 x 0.57 = 1.14 (rates/charge_vat.csv, as_goods).
    batch = [_paid(paid, "CV-1", "2026-09-10T12:00:00+02:00"),
             _paid(paid, "CV-2", "2026-09-11T12:00:00+02:00")]
    assert [r.status for r in ledger.commit(batch)] == ["recorded", "recorded"]
    september, charges = _ioss(ledger, "2026-09")
    taxable, vat = september.amount_columns
    assert _rows(september.by_country, ["tax_country", "rate_percent", taxable, vat, "orders"]) == [
        ["DE", "19", "252.00", "47.88", "2"]]  # 2 x (120.00 + 6.00), 2 x (22.80 + 1.14)
    # the duty itself stays out of the return, in CHARGES-2026-09.csv, unchanged
    assert charges.values.tolist() == [
        ["duty", "EU_LVC_FLAT", "DE", "EUR", 2, 4, Decimal("12.00"), Decimal("2.28"), Decimal("14.28")]]

    # October: CV-1 refunded in full (goods, duty and the VAT on both come back); CV-2 refunds one
    # T-shirt (goods only: the duty stays due and its VAT unchanged).
    october = datetime(2026, 10, 5, 12, tzinfo=timezone.utc)
    full = ledger.refund("CV-1", "R-FULL", full=True, at=october).body
    assert (full["amount"], full["vat"], full["outside_vat_base"]) == ("149.94", "22.80", "7.14")
    line = ledger.refund("CV-2", "R-TEE", lines={"TEE-1": 1}, at=october).body
    assert (line["net"], line["vat"]) == ("10.00", "1.90")
    corrections, _ = _ioss(ledger, "2026-10")
    assert _rows(corrections.corrections, ["original_period", "tax_country", "rate_percent",
                                           taxable, vat]) == [
        ["2026-09", "DE", "19", "-136.00", "-25.84"]]  # -(126.00 + 10.00), -(23.94 + 1.90)


def test_line_refunds_of_every_good_leave_the_duty_vat_declared(ledger, paid):
    # Line refunds return goods only (levy.ledger.amounts); once every good is back the ledger
    # marks the order refunded and takes no further refund, so the duty and its VAT stay.
    assert [r.status for r in ledger.commit([_paid(paid, "CV-3", "2026-09-10T12:00:00+02:00")])] == ["recorded"]
    october = datetime(2026, 10, 5, 12, tzinfo=timezone.utc)
    back = ledger.refund("CV-3", "R-GOODS", lines={"BAG-1": 1, "TEE-1": 2}, at=october).body
    assert (back["amount"], back["vat"], back["outside_vat_base"]) == ("142.80", "22.80", "0.00")
    corrections, _ = _ioss(ledger, "2026-10")
    taxable, vat = corrections.amount_columns
    assert _rows(corrections.corrections, ["original_period", taxable, vat]) == [
        ["2026-09", "-120.00", "-22.80"]]


def test_an_order_before_2026_07_01_carries_no_duty_and_no_duty_vat(ledger, paid):
    assert [r.status for r in ledger.commit([_paid(paid, "CV-J", "2026-06-30T12:00:00+02:00"),
                                             _paid(paid, "CV-K", "2026-07-01T12:00:00+02:00")])] == [
        "recorded", "recorded"]
    june, june_charges = _ioss(ledger, "2026-06")
    taxable, vat = june.amount_columns
    assert _rows(june.by_country, ["tax_country", taxable, vat, "orders"]) == [["DE", "120.00", "22.80", "1"]]
    assert june_charges.empty
    july, july_charges = _ioss(ledger, "2026-07")
    assert _rows(july.by_country, ["tax_country", taxable, vat, "orders"]) == [["DE", "126.00", "23.94", "1"]]
    assert list(july_charges["net"]) == [Decimal("6.00")]


def test_a_charge_over_goods_at_two_rates_is_shared_to_the_cent():
    # net 3.00 over goods of 60.00 at 19 % and 40.00 at 7 %: 1.80 + 1.20; VAT 0.34 + 0.08 = 0.42
    assert split_by_rate(300, 42, {"19": 6000, "7": 4000}) == [("19", 180, 34), ("7", 120, 8)]
    assert split_by_rate(-300, -57, {"19": 1}) == [("19", -300, -57)]
    assert sum(n for _, n, _ in split_by_rate(301, 43, {"19": 1, "7": 1, "0": 1})) == 301
