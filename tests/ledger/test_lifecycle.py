"""The escrow life cycle: which event may follow which, and when (levy.ledger.lifecycle)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from levy.ledger.errors import LedgerError

OID = "AE-2026-000123"  # the contract's example, paid 2026-11-02T15:05:00+01:00 (14:05 UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text if "+" in text or text.endswith("Z") else text + "+00:00")


def run(ledger, step) -> str:
    """Apply one step; answer the order's status afterwards, ``unchanged``, or the refusal code."""
    what, *args = step
    try:
        if what == "event":
            result = ledger.event(OID, args[0], at(args[1]))
        else:
            mode, value, when, refund_id = args
            result = ledger.refund(OID, refund_id, at=at(when), **{mode: value})
    except LedgerError as exc:
        assert f"order {OID}" in str(exc) or OID in str(exc)
        return exc.code
    return "unchanged" if result.status == "unchanged" else ledger.status(OID)


SCENARIOS = {
    "ship-complete-close": [
        (("event", "shipped", "2026-11-03T10:00"), "shipped"),
        (("event", "completed", "2026-11-10T10:00"), "completed"),
        (("event", "dispute", "2026-11-10T11:00"), "ORDER_COMPLETED"),   # no dispute once completed
        (("refund", "full", True, "2026-11-10T12:00", "R1"), "ORDER_COMPLETED"),  # escrow released
        (("event", "closed", "2026-11-11T10:00"), "closed"),
        (("event", "shipped", "2026-11-12T10:00"), "ORDER_CLOSED"),
    ],
    "dispute-from-5-days-after-shipping": [
        (("event", "shipped", "2026-11-03T10:00"), "shipped"),
        (("event", "dispute", "2026-11-08T09:59:59"), "DISPUTE_TOO_EARLY"),
        (("event", "dispute", "2026-11-08T11:00+01:00"), "disputed"),     # 10:00 UTC: 5 days exactly
        (("event", "dispute", "2026-11-08T12:00"), "DISPUTE_OPEN"),
        (("event", "completed", "2026-11-08T12:00"), "DISPUTE_OPEN"),
        (("event", "closed", "2026-11-08T12:00"), "DISPUTE_OPEN"),
        (("refund", "amount", "10.00", "2026-11-09T10:00", "R1"), "shipped"),  # settled, goods kept
        (("event", "completed", "2026-11-20T10:00"), "completed"),
    ],
    "dispute-settled-by-full-refund": [
        (("event", "shipped", "2026-11-03T10:00"), "shipped"),
        (("refund", "amount", "5.00", "2026-11-04T10:00", "R1"), "REFUND_NEEDS_DISPUTE"),
        (("event", "dispute", "2026-11-09T10:00"), "disputed"),
        (("refund", "full", True, "2026-11-12T10:00", "R1"), "refunded"),
        (("event", "shipped", "2026-11-13T10:00"), "ORDER_REFUNDED"),
        (("refund", "amount", "1.00", "2026-11-13T10:00", "R2"), "ALREADY_REFUNDED"),
        (("event", "closed", "2026-11-14T10:00"), "closed"),
    ],
    "cancelled-before-shipping": [
        (("event", "dispute", "2026-11-03T10:00"), "NOT_SHIPPED"),
        (("event", "completed", "2026-11-03T10:00"), "NOT_SHIPPED"),
        (("event", "closed", "2026-11-03T10:00"), "ESCROW_OPEN"),
        (("refund", "lines", {"TOY-7": 1}, "2026-11-03T11:00", "R1"), "paid"),  # partial: still paid
        (("refund", "full", True, "2026-11-03T12:00", "R2"), "refunded"),
        (("event", "closed", "2026-11-03T13:00"), "closed"),
    ],
    "events-in-time-order": [
        (("event", "shipped", "2026-11-02T14:00"), "EVENT_BEFORE_PREVIOUS"),  # before the payment
        (("event", "shipped", "2026-11-05T10:00"), "shipped"),
        (("event", "shipped", "2026-11-05T10:00"), "unchanged"),             # a retry
        (("event", "shipped", "2026-11-06T10:00"), "ALREADY_SHIPPED"),
        (("event", "completed", "2026-11-04T10:00"), "EVENT_BEFORE_PREVIOUS"),
        (("refund", "amount", "1.00", "2026-11-04T10:00", "R1"), "EVENT_BEFORE_PREVIOUS"),
        (("event", "returned", "2026-11-07T10:00"), "UNKNOWN_EVENT"),
    ],
}


@pytest.mark.parametrize("name", SCENARIOS, ids=list(SCENARIOS))
def test_life_cycle(ledger, contract_paid, name):
    (result,) = ledger.commit([json.dumps(contract_paid())])
    assert result.status == "recorded"
    got = [run(ledger, step) for step, _ in SCENARIOS[name]]
    assert got == [expected for _, expected in SCENARIOS[name]]


def test_refusals_leave_no_trace_and_the_log_is_in_order(ledger, contract_paid):
    ledger.commit([json.dumps(contract_paid())]).__next__()
    for step, _ in SCENARIOS["dispute-from-5-days-after-shipping"]:
        run(ledger, step)
    with ledger.db.connect() as conn:
        from sqlalchemy import select

        from levy.ledger.schema import events

        log = conn.execute(select(events.c.seq, events.c.kind, events.c.at, events.c.details)
                           .where(events.c.order_id == OID).order_by(events.c.seq)).all()
    assert [(s, k) for s, k, *_ in log] == [
        (1, "placed"), (2, "paid"), (3, "shipped"), (4, "dispute_opened"), (5, "refunded"), (6, "completed")]
    assert [r.at for r in log] == sorted(r.at for r in log)
    assert json.loads(log[4].details) == {"amount": "10.00", "mode": "amount", "order_status": "shipped",
                                          "refund_id": "R1", "vat": "1.20"}


def test_events_need_a_committed_order(ledger):
    with pytest.raises(LedgerError) as caught:
        ledger.event("NOPE-1", "shipped", at("2026-11-03T10:00"))
    assert caught.value.code == "UNKNOWN_ORDER"
    assert str(caught.value).startswith("order NOPE-1 is not in the ledger")


def test_times_must_carry_their_offset(ledger, contract_paid):
    ledger.commit([json.dumps(contract_paid())]).__next__()
    with pytest.raises(LedgerError, match="must carry its UTC offset"):
        ledger.event(OID, "shipped", datetime(2026, 11, 3, 10))
