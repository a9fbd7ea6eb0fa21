"""Escrow life cycle (which event may follow which, and when), from the platform's help pages.

Online orders are paid into escrow and released to the seller only when the buyer confirms
receipt (``completed``). A dispute can be opened from 5 days after the shipping date and not
once the order is completed; it ends in a full refund, or a partial refund with the buyer
keeping the goods. The ledger's states (``orders.status``)::

    paid --shipped--> shipped --completed--> completed --closed--> closed
     |                  |  ^
     |           dispute|  | partial refund (dispute settled, buyer keeps the goods)
     |                  v  |
     |                disputed --full refund--> refunded --closed--> closed
     +--refund (before shipping: a cancellation; full -> refunded, partial stays paid)

A refund is taken while the order is ``paid`` (nothing shipped yet) or ``disputed`` (it settles
the dispute); after shipping, money goes back to the buyer only through a dispute, and never
once the escrow was released (``completed``). ``closed`` ends the life cycle and needs the
escrow settled: the order completed, or refunded in full. Events are recorded in time order.

>>> from datetime import UTC
>>> next_status("AE-1", "paid", [Logged("paid", datetime(2026, 1, 1, tzinfo=UTC))], "shipped",
...             datetime(2026, 1, 2, tzinfo=UTC))
'shipped'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from levy.ledger.errors import LifecycleRefused, RefundRefused
from levy.ledger.payments import DISPUTE_OPENS_AFTER

EVENTS = {"shipped": "shipped", "completed": "completed", "dispute": "dispute_opened", "closed": "closed"}
"""``levy event`` words -> kinds in the event log."""


@dataclass(frozen=True, slots=True)
class Logged:
    """An entry of an order's event log, as far as the rules need it."""

    kind: str
    at: datetime


_STATE_WORDS = {
    "paid": "paid and not shipped yet",
    "shipped": "shipped",
    "disputed": "under dispute",
    "completed": "completed (the buyer confirmed receipt; escrow released)",
    "refunded": "refunded in full",
    "closed": "closed",
}


def _refuse(order_id: str, code: str, status: str, what: str, rule: str, **details) -> LifecycleRefused:
    return LifecycleRefused(
        order_id, code, f"order {order_id} is {_STATE_WORDS[status]}: {what}", rule=rule,
        order_status=status, **details,
    )


def check_time(order_id: str, log: Sequence[Logged], at: datetime, what: str) -> None:
    """Events are appended in time order: nothing before the latest logged event.

    Raises:
        LifecycleRefused: ``EVENT_BEFORE_PREVIOUS``.
    """
    if log and at < log[-1].at:
        last = log[-1]
        raise LifecycleRefused(
            order_id, "EVENT_BEFORE_PREVIOUS",
            f"order {order_id}: {what} at {at.isoformat()} is before the order's latest event "
            f"({last.kind} at {last.at.isoformat()}); the log is kept in time order",
            rule="events are recorded in time order", at=at.isoformat(), latest=last.at.isoformat(),
        )


def is_repeat(log: Sequence[Logged], kind: str, at: datetime) -> bool:
    """The same event at the same time as the latest one: a retry, which changes nothing."""
    return bool(log) and log[-1].kind == kind and log[-1].at == at


def next_status(order_id: str, status: str, log: Sequence[Logged], event: str, at: datetime) -> str:
    """The order's status after ``event`` (a ``levy event`` word) at ``at``.

    Raises:
        LifecycleRefused: naming the order, its state and the rule the event breaks.
    """
    if event not in EVENTS:
        raise LifecycleRefused(order_id, "UNKNOWN_EVENT", f"order {order_id}: unknown event {event!r}; "
                               f"one of {', '.join(EVENTS)}", rule="known events")
    check_time(order_id, log, at, event)
    if status == "closed":
        raise _refuse(order_id, "ORDER_CLOSED", status, f"no {event} event after closing",
                      "a closed order takes no further events")
    if event == "shipped":
        if status != "paid":
            code = "ORDER_REFUNDED" if status == "refunded" else "ALREADY_SHIPPED"
            raise _refuse(order_id, code, status, "it cannot be shipped (again)",
                          "an order is shipped once, after payment")
        return "shipped"
    if event == "completed":
        if status == "shipped":
            return "completed"
        code, what = {
            "paid": ("NOT_SHIPPED", "the buyer cannot confirm receipt of goods not shipped"),
            "disputed": ("DISPUTE_OPEN", "the open dispute must be settled by a refund first"),
            "completed": ("ALREADY_COMPLETED", "it was completed already"),
            "refunded": ("ORDER_REFUNDED", "a refunded order is not completed"),
        }[status]
        raise _refuse(order_id, code, status, what,
                      "completed when the buyer confirms receipt of a shipped order")
    if event == "dispute":
        rule = (f"a dispute opens from {DISPUTE_OPENS_AFTER.days} days after the shipping date, "
                "and not once the order is completed")
        if status == "shipped":
            shipped_at = next(e.at for e in reversed(log) if e.kind == "shipped")
            opens = shipped_at + DISPUTE_OPENS_AFTER
            if at < opens:
                raise LifecycleRefused(
                    order_id, "DISPUTE_TOO_EARLY",
                    f"order {order_id}: a dispute at {at.isoformat()} is too early; it was shipped at "
                    f"{shipped_at.isoformat()} and a dispute can be opened from {opens.isoformat()} "
                    f"({DISPUTE_OPENS_AFTER.days} days after shipping)",
                    rule=rule, shipped_at=shipped_at.isoformat(), opens_at=opens.isoformat(),
                )
            return "disputed"
        code, what = {
            "paid": ("NOT_SHIPPED", "a dispute can be opened only after shipping"),
            "disputed": ("DISPUTE_OPEN", "a dispute is open already"),
            "completed": ("ORDER_COMPLETED", "no dispute once the order is completed"),
            "refunded": ("ORDER_REFUNDED", "nothing left to dispute"),
        }[status]
        raise _refuse(order_id, code, status, what, rule)
    # closed
    if status in ("completed", "refunded"):
        return "closed"
    code, what = {
        "paid": ("ESCROW_OPEN", "the buyer's payment is still in escrow; complete the order or refund it in full first"),
        "shipped": ("ESCROW_OPEN", "the buyer's payment is still in escrow; complete the order or refund it in full first"),
        "disputed": ("DISPUTE_OPEN", "the open dispute must be settled by a refund first"),
    }[status]
    raise _refuse(order_id, code, status, what, "an order is closed once its escrow is settled")


def check_refund(order_id: str, status: str, log: Sequence[Logged], at: datetime) -> None:
    """Whether a refund may be taken now.

    Raises:
        RefundRefused: naming the order, its state and the rule.
    """
    try:
        check_time(order_id, log, at, "refund")
    except LifecycleRefused as exc:
        raise RefundRefused(order_id, exc.code, str(exc), **exc.details) from None
    if status in ("paid", "disputed"):
        return
    code, what = {
        "shipped": ("REFUND_NEEDS_DISPUTE", "after shipping, a refund settles a dispute; open one first (levy event ORDER dispute)"),
        "completed": ("ORDER_COMPLETED", "the escrow was released to the seller; no refund through the platform"),
        "refunded": ("ALREADY_REFUNDED", "nothing is left to refund"),
        "closed": ("ORDER_CLOSED", "a closed order takes no refund"),
    }[status]
    raise RefundRefused(
        order_id, code, f"order {order_id} is {_STATE_WORDS[status]}: {what}",
        rule="refunds before shipping (cancellation) or to settle a dispute", order_status=status,
    )


def after_refund(status: str, fully_refunded: bool) -> str:
    """Status after a refund: ``refunded`` when nothing is left; a partial refund settles an open
    dispute (the buyer keeps the goods) or leaves an unshipped order paid."""
    if fully_refunded:
        return "refunded"
    return "shipped" if status == "disputed" else status


__all__ = ["EVENTS", "Logged", "after_refund", "check_refund", "check_time", "is_repeat", "next_status"]
