"""Tenders and platforms through the ledger: which part each method paid is recorded, refunds go
back to the tenders in proportion, AliExpress buyer protection follows the order's platform."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from levy.ledger.errors import LifecycleRefused
from levy.ledger.schema import payment_tenders, refund_tenders

EXAMPLES = [json.loads(x) for x in
            (Path(__file__).parents[2] / "examples" / "platform_orders.jsonl").read_text().splitlines()]
GIFT_AND_CARD = next(o for o in EXAMPLES if o["order_id"] == "AE-2026-900003")  # USD 20.00 + 55.87


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_sample_commits_with_one_refusal_naming_the_platform(ledger):
    results = list(ledger.commit([json.dumps(o) for o in EXAMPLES]))
    assert [r.status for r in results] == ["recorded"] * 6 + ["refused"]
    assert "(aliexpress)" in results[-1].body["error"]["message"]
    # Reduced taxable amounts: the seller's and the platform's coupons of 10.00 on 60.00 lines.
    assert [results[0].body["net_total"], results[1].body["net_total"]] == ["50.00", "50.00"]


def test_each_tender_is_recorded_and_refunds_go_back_in_proportion(ledger):
    (result,) = ledger.commit([json.dumps(GIFT_AND_CARD)])
    assert result.body["tenders"] == [
        {"method": "gift_certificate", "amount": "20.00", "fee": "0.00", "certificate_id": "GC-0003"},
        {"method": "visa", "amount": "55.87", "fee": "0.00"}]
    with ledger.db.connect() as conn:
        rows = conn.execute(select(payment_tenders.c.method, payment_tenders.c.amount_minor)
                            .order_by(payment_tenders.c.position)).all()
    assert [tuple(r) for r in rows] == [("gift_certificate", 2000), ("visa", 5587)]
    oid = GIFT_AND_CARD["order_id"]
    # A cancellation before shipping: 10.00 back, 2.64 to the certificate (10 x 20.00 / 75.87 =
    # 2.636...), 7.36 to the card.
    first = ledger.refund(oid, "R-T1", amount="10.00", at=at("2026-09-06T10:00:00+00:00"))
    assert first.body["tenders"] == [{"method": "gift_certificate", "amount": "2.64"},
                                     {"method": "visa", "amount": "7.36"}]
    rest = ledger.refund(oid, "R-T2", full=True, at=at("2026-09-06T11:00:00+00:00"))
    assert rest.body["tenders"] == [{"method": "gift_certificate", "amount": "17.36"},
                                    {"method": "visa", "amount": "48.51"}]
    with ledger.db.connect() as conn:
        back = dict(conn.execute(select(refund_tenders.c.method, func.sum(refund_tenders.c.amount_minor))
                                 .group_by(refund_tenders.c.method)).all())
    assert back == {"gift_certificate": 2000, "visa": 5587}  # each tender gets exactly what it paid


def test_gift_certificate_leaves_the_vat_unchanged(ledger, engine):
    by_card = copy.deepcopy(GIFT_AND_CARD)
    by_card["order_id"] = "AE-2026-900103"
    by_card["payment"] = {"method": "visa", "amount": "75.87", "currency": "USD",
                          "accepted_at": GIFT_AND_CARD["payment"]["accepted_at"]}
    a, b = ledger.commit([json.dumps(GIFT_AND_CARD), json.dumps(by_card)])
    assert (a.body["net_total"], a.body["vat_total"]) == (b.body["net_total"], b.body["vat_total"]) == (
        "59.00", "9.04")


@pytest.mark.parametrize("days, status", [(14, "disputed"), (16, None)])
def test_aliexpress_dispute_within_buyer_protection_through_the_ledger(ledger, days, status):
    order = next(o for o in EXAMPLES if o["order_id"] == "AE-2026-900001")
    list(ledger.commit([json.dumps(order)]))
    oid = order["order_id"]
    ledger.event(oid, "shipped", at("2026-09-04T09:00:00+00:00"))
    completed = at("2026-09-20T09:00:00+00:00")
    ledger.event(oid, "completed", completed)
    when = completed + timedelta(days=days)
    if status:
        assert ledger.event(oid, "dispute", when).body["order_status"] == status
    else:
        with pytest.raises(LifecycleRefused) as caught:
            ledger.event(oid, "dispute", when)
        assert caught.value.code == "PROTECTION_ENDED" and "(aliexpress)" in str(caught.value)
