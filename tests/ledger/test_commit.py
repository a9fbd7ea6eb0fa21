"""Committing paid orders: what is stored, idempotency on order_id, refusals in a batch."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from levy.ledger.schema import decision_lines, decisions, events, orders, payments


def one(ledger, line) -> dict:
    (result,) = ledger.commit([json.dumps(line)])
    return result.body


def test_recorded_order_stores_decision_facts_rows_payment_and_events(ledger, contract_paid):
    line = contract_paid(method="paypal")
    body = one(ledger, line)
    assert body == {
        "order_id": "AE-2026-000123", "status": "recorded", "collect": True, "scheme": "EU_IOSS",
        "reason": "DEEMED_SUPPLIER_IMPORT", "tax_country": "DE", "currency": "USD",
        "net_total": "60.00", "vat_total": "8.13", "gross_total": "68.13", "duty_total": "7.62",
        "fee_total": "0.00", "landed_total": "75.75", "fee": "2.26",
        "amount_payable": "78.01", "paid": "78.01", "difference": "0.00", "flags": [],
        "platform": "alibaba.com", "tenders": [{"method": "paypal", "amount": "78.01", "fee": "2.26"}],
    }
    with ledger.db.connect() as conn:
        order = conn.execute(select(orders)).one()
        assert (order.currency, order.minor_units, order.status) == ("USD", 2, "paid")
        assert str(order.placed_on) == "2026-11-02" and json.loads(order.payload) == line
        d = conn.execute(select(decisions)).one()
        assert (d.net_total_minor, d.vat_total_minor, d.gross_total_minor) == (6000, 813, 6813)
        assert (d.threshold_name, d.threshold_limit, d.threshold_currency, d.threshold_within) == (
            "ioss_threshold_eur", "150", "EUR", True)
        stored = json.loads(d.decision_json)
        fact = stored["facts"]["threshold"]
        assert (d.threshold_fx_rate, str(d.threshold_fx_date), d.threshold_fx_source, d.threshold_converted_value) == (
            fact["fx_rate"], fact["fx_date"], fact["fx_source"], fact["converted_value"])
        assert d.threshold_fx_rate and d.threshold_fx_source
        assert stored["facts"]["rates_version"] == d.rates_version == ledger.engine.rates_version
        assert [r["category"] for r in stored["facts"]["rates"]] == ["books", "general"]
        rows = conn.execute(select(decision_lines).order_by(decision_lines.c.position)).all()
        assert [(r.kind, r.rate_percent, r.net_minor, r.vat_minor) for r in rows] == [
            ("line", "7", 2500, 175), ("line", "19", 3000, 570), ("shipping", "7", 227, 16),
            ("shipping", "19", 273, 52)]
        assert all(r.rate_source and r.rate_valid_from for r in rows)
        p = conn.execute(select(payments)).one()
        assert (p.method, p.amount_minor, p.fee_minor, p.payable_minor, p.difference_minor) == (
            "paypal", 7801, 226, 7801, 0)  # landed 75.75 (duty 7.62) + PayPal fee 2.26
        assert p.usd_rate == "1" and p.flags == ""  # USD order: no conversion needed
        log = conn.execute(select(events.c.seq, events.c.kind, events.c.at).order_by(events.c.seq)).all()
        assert [(s, k) for s, k, _ in log] == [(1, "placed"), (2, "paid")]
        assert log[1].at.isoformat() == "2026-11-02T14:05:00+00:00"  # 15:05+01:00, stored in UTC


def test_same_payload_again_changes_nothing(ledger, contract_paid):
    line = contract_paid()
    assert one(ledger, line)["status"] == "recorded"
    before = ledger.counts()
    # the same JSON value, with another key order and spacing: the canonical hash is the same
    reordered = json.dumps(dict(reversed(list(line.items()))), indent=2)
    (again,) = ledger.commit([reordered])
    assert again.status == "unchanged" and again.ok
    assert "nothing changed" in again.body["message"]
    assert ledger.counts() == before


def test_different_payload_for_a_committed_order_is_a_conflict(ledger, contract_paid):
    one(ledger, contract_paid())
    other = contract_paid(delta="0.50")
    body = one(ledger, other)
    assert body["status"] == "refused"
    assert body["error"]["code"] == "ORDER_CONFLICT"
    assert body["error"]["message"].startswith("order AE-2026-000123 is already committed with a different payload")
    with ledger.db.connect() as conn:  # the first payment stands
        assert conn.execute(select(payments.c.amount_minor)).scalar_one() == 7575  # landed total


def test_a_batch_goes_on_past_refusals_and_answers_in_order(ledger, contract_paid, paid):
    good = contract_paid("OK-1")
    late = paid(order_id="LATE-1", payment={"accepted_at": "2026-11-30T12:00:00+02:00"})
    invalid = dict(contract_paid("BAD-1"), lines=[])
    dup_same, dup_other = contract_paid("OK-1"), contract_paid("OK-1", delta="0.10")
    batch = [json.dumps(x) for x in (good, late, invalid, dup_same, dup_other)] + ["not json", "[1]"]
    results = list(ledger.commit(batch))
    assert [(r.order_id, r.status) for r in results] == [
        ("OK-1", "recorded"), ("LATE-1", "refused"), ("BAD-1", "invalid"), ("OK-1", "unchanged"),
        ("OK-1", "refused"), (None, "invalid"), (None, "invalid")]
    assert results[1].body["error"]["code"] == "PAYMENT_WINDOW_CLOSED"
    assert results[2].body["error"] == {"code": "INVALID_ORDER",
                                        "message": "the order does not fit the contract: lines: must hold at least one line",
                                        "fields": [{"loc": "lines", "msg": "must hold at least one line"}]}
    assert results[4].body["error"]["code"] == "ORDER_CONFLICT"
    assert results[5].body["error"]["fields"] == [{"loc": "(order)", "msg": "is not valid JSON"}]
    assert ledger.counts()["orders"] == 1


def test_order_and_payment_errors_are_reported_together(ledger, contract_paid):
    line = contract_paid()
    line["currency"] = "XXX1"
    line["payment"]["amount"] = 70
    (result,) = ledger.commit([json.dumps(line)])
    assert result.status == "invalid"
    assert [f["loc"] for f in result.body["error"]["fields"]] == ["currency", "payment.amount"]


@pytest.mark.parametrize("chunk", [1, 2, 1000], ids=["chunk-1", "chunk-2", "chunk-1000"])
def test_totals_are_the_sum_of_the_decisions(ledger, engine, paid, chunk):
    lines = [paid(order_id=f"T-{i}", price=f"{10 + i}.{i:02d}", to=to, method=m)
             for i, (to, m) in enumerate([("DE", "visa"), ("FR", "paypal"), ("DE", "alipay"), ("IT", "tt"),
                                          ("FR", "maestro")])]
    assert all(r.status == "recorded" for r in ledger.commit(map(json.dumps, lines), chunk_size=chunk))
    expected: dict[str, list[Decimal]] = {}
    for line in lines:
        d = engine.quote({k: v for k, v in line.items() if k != "payment"})
        acc = expected.setdefault(d.tax_country, [Decimal(0)] * 3)
        for i, v in enumerate((d.net_total, d.vat_total, d.gross_total)):
            acc[i] += v
    got = {t.tax_country: [t.net, t.vat, t.gross] for t in ledger.totals()}
    assert got == expected
    assert {t.tax_country: t.orders for t in ledger.totals()} == {"DE": 2, "FR": 2, "IT": 1}


@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET kind = 'closed'", "DELETE FROM events", "UPDATE decisions SET vat_total_minor = 0",
     "DELETE FROM decision_lines", "UPDATE payments SET amount_minor = 1"],
    ids=["update-event", "delete-event", "update-decision", "delete-amount-rows", "update-payment"],
)
def test_the_log_and_the_recorded_facts_are_append_only(ledger, contract_paid, statement):
    one(ledger, contract_paid())
    with pytest.raises(DBAPIError, match="append-only"), ledger.db.begin() as conn:
        conn.execute(text(statement))
    assert ledger.counts()["events"] == 2


def test_duties_are_recorded_in_minor_units_and_replayed(ledger, contract_paid):
    """Contract v1.1: the EU flat duty of the contract's example (2 tariff lines without hs_code,
    EUR 3 each at the customs rate for November 2026, 1 EUR = 1.1234 USD) is stored one row per
    tariff line, and replay checks the rows against the decision's duty_total."""
    from levy.ledger.schema import decision_charges

    (result,) = ledger.commit([json.dumps(contract_paid())])
    assert result.status == "recorded", result.body
    assert (result.body["duty_total"], result.body["landed_total"]) == ("7.62", "75.75")
    with ledger.db.connect() as conn:
        rows = conn.execute(select(decision_charges).order_by(decision_charges.c.position)).all()
    assert [(r.kind, r.code, r.country, r.tariff_line, r.skus, r.net_minor, r.vat_minor, r.gross_minor)
            for r in rows] == [
        ("duty", "EU_LVC_FLAT", "DE", "line:BOOK-1", "BOOK-1", 337, 24, 361),
        ("duty", "EU_LVC_FLAT", "DE", "line:TOY-7", "TOY-7", 337, 64, 401)]
    assert all("UCC-IA Art. 146" in r.basis for r in rows)
    replay = ledger.replay("AE-2026-000123")
    assert replay.agree and replay.differences == []
