"""Refunds: split between net and VAT at the original rates, never more than was paid,
idempotent on the refund id; the ledger's totals are the decisions minus the refunds."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from levy.ledger.errors import LedgerError

OID = "AE-2026-000123"
SHIPPED, DISPUTE = datetime.fromisoformat("2026-11-03T10:00:00+00:00"), datetime.fromisoformat("2026-11-09T10:00:00+00:00")


def at(day: int) -> datetime:
    return datetime.fromisoformat(f"2026-11-{day:02d}T12:00:00+00:00")


@pytest.fixture
def disputed(ledger, contract_paid):
    """Commit the contract's example (paid with ``method``, ``delta``), ship it, open a dispute."""

    def _make(method: str = "visa", delta: str = "0"):
        (result,) = ledger.commit([json.dumps(contract_paid(method=method, delta=delta))])
        assert result.status == "recorded", result.body
        ledger.event(OID, "shipped", SHIPPED)
        ledger.event(OID, "dispute", DISPUTE)
        return ledger

    return _make


def lines_of(body) -> list[tuple]:
    return [(x["sku"], x["rate_percent"], x["quantity"], x["net"], x["vat"]) for x in body["lines"]]


def test_amount_refund_is_split_pro_rata_at_the_original_rates(disputed):
    ledger = disputed()
    body = ledger.refund(OID, "R1", amount="10.00", at=at(10)).body
    assert (body["amount"], body["net"], body["vat"], body["outside_vat_base"]) == ("10.00", "8.80", "1.20", "0.00")
    assert lines_of(body) == [
        ("BOOK-1", "7", None, "3.66", "0.26"), ("TOY-7", "19", None, "4.40", "0.84"),
        ("(shipping)", "7", None, "0.34", "0.02"), ("(shipping)", "19", None, "0.40", "0.08")]
    # paid: the landed total 75.75 = 68.13 + the EU flat duty 7.62 (contract v1.1)
    assert (body["refunded_total"], body["paid"], body["order_status"]) == ("10.00", "75.75", "shipped")


def test_full_refund_after_a_partial_one_returns_exactly_the_rest(disputed):
    ledger = disputed()
    ledger.refund(OID, "R1", amount="10.00", at=at(10))
    ledger.event(OID, "dispute", at(15))
    body = ledger.refund(OID, "R2", full=True, at=at(16)).body
    # the rest of the goods, and the duty (7.62, customs debt: outside the goods' VAT base)
    assert (body["amount"], body["net"], body["vat"], body["outside_vat_base"]) == ("65.75", "51.20", "6.93", "7.62")
    assert lines_of(body) == [
        ("BOOK-1", "7", 2, "21.34", "1.49"), ("TOY-7", "19", 1, "25.60", "4.86"),
        ("(shipping)", "7", None, "1.93", "0.14"), ("(shipping)", "19", None, "2.33", "0.44")]
    assert (body["refunded_total"], body["order_status"]) == ("75.75", "refunded")
    (total,) = ledger.totals()
    assert (total.vat, total.refunded_vat, total.vat_collected) == (Decimal("8.13"), Decimal("8.13"), Decimal("0.00"))
    assert (total.net_collected, total.refunded, total.paid) == (Decimal("0.00"), Decimal("75.75"), Decimal("75.75"))


def test_full_refund_returns_the_paypal_fee_outside_the_vat_base(disputed):
    ledger = disputed(method="paypal")
    body = ledger.refund(OID, "R1", full=True, at=at(10)).body
    assert (body["amount"], body["net"], body["vat"], body["outside_vat_base"]) == ("78.01", "60.00", "8.13", "9.88")


def test_line_refund_takes_units_at_the_line_rate(disputed):
    ledger = disputed()
    first = ledger.refund(OID, "R1", lines={"BOOK-1": 1}, at=at(10)).body
    # one of two books: 26.75 / 2 = 13.375 -> 13.38, VAT 13.38 x 7 / 107 = 0.8753 -> 0.88
    assert lines_of(first) == [("BOOK-1", "7", 1, "12.50", "0.88")] and first["amount"] == "13.38"
    ledger.event(OID, "dispute", at(15))
    second = ledger.refund(OID, "R2", lines={"BOOK-1": 1, "TOY-7": 1}, at=at(16)).body
    assert lines_of(second) == [("BOOK-1", "7", 1, "12.50", "0.87"), ("TOY-7", "19", 1, "30.00", "5.70")]
    assert second["order_status"] == "shipped"  # shipping not refunded: the order is not fully refunded


@pytest.mark.parametrize(
    "kwargs, code, detail",
    [
        ({"amount": "68.14"}, "REFUND_EXCEEDS_REMAINING", "more than the 68.13 USD of goods and shipping"),
        ({"lines": {"BOOK-1": 3}}, "REFUND_QUANTITY_EXCEEDED", "only 2 of 2 units remain"),
        ({"lines": {"MUG-1": 1}}, "UNKNOWN_SKU", "its SKUs: BOOK-1, TOY-7"),
        ({"amount": "0.001"}, "REFUND_AMOUNT", "at most 2 decimals"),
        ({"amount": "ten"}, "REFUND_AMOUNT", "decimal number > 0"),
        ({"amount": "-1"}, "REFUND_AMOUNT", "decimal number > 0"),
        ({}, "REFUND_MODE", "exactly one of"),
        ({"full": True, "amount": "1.00"}, "REFUND_MODE", "exactly one of"),
        ({"lines": {"BOOK-1": 0}}, "REFUND_QUANTITY", "whole number >= 1"),
    ],
    ids=["amount-too-big", "too-many-units", "unknown-sku", "too-many-decimals", "not-a-number",
         "negative", "no-mode", "two-modes", "zero-units"],
)
def test_refusals_name_the_order_and_the_rule(disputed, kwargs, code, detail):
    ledger = disputed()
    with pytest.raises(LedgerError) as caught:
        ledger.refund(OID, "R1", at=at(10), **kwargs)
    assert caught.value.code == code
    assert f"order {OID}" in str(caught.value) and detail in str(caught.value)
    assert ledger.counts()["refunds"] == 0 and ledger.status(OID) == "disputed"


def test_refunds_never_exceed_what_was_paid(disputed):
    ledger = disputed(delta="-0.50")  # paid 75.25 for 75.75, inside the 1 USD tolerance
    with pytest.raises(LedgerError) as caught:
        ledger.refund(OID, "R1", amount="68.14", at=at(10))  # more than the goods left
    assert caught.value.code == "REFUND_EXCEEDS_REMAINING"
    # a full refund gives back what was paid: all the goods' VAT, and the duty 0.50 short
    body = ledger.refund(OID, "R2", full=True, at=at(10)).body
    assert (body["amount"], body["vat"], body["outside_vat_base"]) == ("75.25", "8.13", "7.12")


def test_refund_id_is_the_idempotency_key(disputed, contract_paid):
    ledger = disputed()
    first = ledger.refund(OID, "R1", amount="10.00", at=at(10))
    counts = ledger.counts()
    again = ledger.refund(OID, "R1", amount="10.00", at=at(11))  # a retry, later
    assert again.status == "unchanged" and "nothing changed" in again.body["message"]
    assert {k: again.body[k] for k in ("amount", "net", "vat", "at")} == {k: first.body[k] for k in ("amount", "net", "vat", "at")}
    assert ledger.counts() == counts
    with pytest.raises(LedgerError) as caught:
        ledger.refund(OID, "R1", amount="12.00", at=at(11))
    assert caught.value.code == "REFUND_CONFLICT"
    ledger.commit([json.dumps(contract_paid("OTHER-1"))]).__next__()
    with pytest.raises(LedgerError) as caught:
        ledger.refund("OTHER-1", "R1", full=True, at=at(11))
    assert caught.value.code == "REFUND_CONFLICT" and ledger.counts() == {**counts, "orders": 2, "decisions": 2,
                                                                         "payments": 2, "decision_lines": 8,
                                                                         "decision_charges": 4,
                                                                         "payment_tenders": 2,
                                                                         "events": counts["events"] + 2}


def test_totals_are_decisions_minus_refunds_per_country(ledger, engine, paid):
    lines = [paid(order_id=f"T-{i}", to=to, price=price, method=m) for i, (to, price, m) in enumerate(
        [("DE", "40.00", "visa"), ("DE", "12.34", "paypal"), ("FR", "99.99", "visa"), ("FR", "7.77", "alipay")])]
    list(ledger.commit(json.dumps(x) for x in lines))
    placed = datetime.fromisoformat(lines[0]["placed_at"])
    refunds = [("T-0", {"amount": "10.00"}), ("T-2", {"full": True}), ("T-3", {"lines": {"SKU-1": 1}})]
    for oid, kwargs in refunds:  # before shipping: cancellations
        ledger.refund(oid, f"R-{oid}", at=placed.replace(day=16), **kwargs)
    got = {t.tax_country: (t.vat, t.refunded_vat, t.vat_collected) for t in ledger.totals()}
    decisions = {x["order_id"]: engine.quote({k: v for k, v in x.items() if k != "payment"}) for x in lines}
    refunded = {}
    with ledger.db.connect() as conn:
        from sqlalchemy import select

        from levy.ledger.schema import refunds as refunds_table

        for oid, vat in conn.execute(select(refunds_table.c.order_id, refunds_table.c.vat_minor)):
            refunded[oid] = Decimal(vat).scaleb(-2)
    for country in ("DE", "FR"):
        charged = sum(d.vat_total for d in decisions.values() if d.tax_country == country)
        back = sum(v for oid, v in refunded.items() if decisions[oid].tax_country == country)
        assert got[country] == (charged, back, charged - back)
    assert refunded["T-2"] == decisions["T-2"].vat_total  # the full refund took all its VAT
