"""Escrow life cycle (which event may follow which, and when), from the platform's help pages.

Online orders are paid into escrow. A dispute can be opened from the platform's
``dispute_opens_days_after_shipping`` after the shipping date; it ends in a full refund, or a
partial refund with the buyer keeping the goods. When the buyer confirms receipt
(``completed``) the escrow is released at once on alibaba.com (no dispute once completed); on
AliExpress buyer protection runs ``dispute_closes_days_after_completion`` (15) days more: a
dispute can still be opened until then, and the escrow is released (the order may be closed)
only after it. The windows are the data of ``rates/platforms/`` (:mod:`levy.ledger.platforms`),
read for the order's ``platform`` on the event's date. The ledger's states (``orders.status``)::

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
from levy.ledger.payments import default_book
from levy.ledger.platforms import DEFAULT_PLATFORM, Terms

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


def _refuse(order_id: str, code: str, status: str, what: str, rule: str, terms: Terms | None = None,
            **details) -> LifecycleRefused:
    platform = terms.platform if terms else DEFAULT_PLATFORM
    return LifecycleRefused(
        order_id, code, f"order {order_id} ({platform}) is {_STATE_WORDS[status]}: {what}",
        rule=rule, order_status=status, platform=platform, **details,
    )


def _terms(terms: Terms | None, at: datetime) -> Terms:
    """The given rules, or alibaba.com's on ``at``'s date (callers without an order platform)."""
    return terms or default_book().terms(DEFAULT_PLATFORM, at.date())


def protection_ends(log: Sequence[Logged], terms: Terms) -> datetime | None:
    """When buyer protection after the buyer's confirmation of receipt ends (escrow released);
    ``None`` when the platform releases on completion or the order is not completed."""
    completed = next((e.at for e in reversed(log) if e.kind == "completed"), None)
    if completed is None or terms.protection_after_completion is None:
        return None
    return completed + terms.protection_after_completion


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


def next_status(order_id: str, status: str, log: Sequence[Logged], event: str, at: datetime,
                terms: Terms | None = None) -> str:
    """The order's status after ``event`` (a ``levy event`` word) at ``at``.

    Args:
        terms: the order's platform rules on ``at``'s date (default: alibaba.com's).

    Raises:
        LifecycleRefused: naming the order, its platform, its state and the rule the event breaks.
    """
    terms = _terms(terms, at)
    opens_after = terms.dispute_opens_after
    if event not in EVENTS:
        raise LifecycleRefused(order_id, "UNKNOWN_EVENT", f"order {order_id}: unknown event {event!r}; "
                               f"one of {', '.join(EVENTS)}", rule="known events")
    check_time(order_id, log, at, event)
    if status == "closed":
        raise _refuse(order_id, "ORDER_CLOSED", status, f"no {event} event after closing",
                      "a closed order takes no further events", terms)
    if event == "shipped":
        if status != "paid":
            code = "ORDER_REFUNDED" if status == "refunded" else "ALREADY_SHIPPED"
            raise _refuse(order_id, code, status, "it cannot be shipped (again)",
                          "an order is shipped once, after payment", terms)
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
                      "completed when the buyer confirms receipt of a shipped order", terms)
    if event == "dispute":
        ends = protection_ends(log, terms)
        rule = (f"a dispute opens from {opens_after.days} days after the shipping date, "
                + ("and not once the order is completed" if terms.protection_after_completion is None else
                   f"until {terms.protection_after_completion.days} days after the buyer confirms receipt"))
        if status == "shipped" or (status == "completed" and ends is not None and at < ends):
            shipped_at = next(e.at for e in reversed(log) if e.kind == "shipped")
            opens = shipped_at + opens_after
            if at < opens:
                raise LifecycleRefused(
                    order_id, "DISPUTE_TOO_EARLY",
                    f"order {order_id} ({terms.platform}): a dispute at {at.isoformat()} is too early; it was "
                    f"shipped at {shipped_at.isoformat()} and a dispute can be opened from {opens.isoformat()} "
                    f"({opens_after.days} days after shipping)",
                    rule=rule, platform=terms.platform,
                    shipped_at=shipped_at.isoformat(), opens_at=opens.isoformat(),
                )
            return "disputed"
        if status == "completed" and ends is not None:
            raise _refuse(order_id, "PROTECTION_ENDED", status,
                          f"buyer protection ended at {ends.isoformat()}; a dispute at {at.isoformat()} is too "
                          "late and the escrow was released to the seller", rule, terms, protection_ends=ends.isoformat())
        code, what = {
            "paid": ("NOT_SHIPPED", "a dispute can be opened only after shipping"),
            "disputed": ("DISPUTE_OPEN", "a dispute is open already"),
            "completed": ("ORDER_COMPLETED", "no dispute once the order is completed"),
            "refunded": ("ORDER_REFUNDED", "nothing left to dispute"),
        }[status]
        raise _refuse(order_id, code, status, what, rule, terms)
    # closed
    if status == "completed" and (ends := protection_ends(log, terms)) is not None and at < ends:
        raise _refuse(order_id, "ESCROW_OPEN", status,
                      f"buyer protection runs until {ends.isoformat()}; the escrow is released to the "
                      "seller only after it", "an order is closed once its escrow is settled", terms,
                      protection_ends=ends.isoformat())
    if status in ("completed", "refunded"):
        return "closed"
    code, what = {
        "paid": ("ESCROW_OPEN", "the buyer's payment is still in escrow; complete the order or refund it in full first"),
        "shipped": ("ESCROW_OPEN", "the buyer's payment is still in escrow; complete the order or refund it in full first"),
        "disputed": ("DISPUTE_OPEN", "the open dispute must be settled by a refund first"),
    }[status]
    raise _refuse(order_id, code, status, what, "an order is closed once its escrow is settled", terms)


def check_refund(order_id: str, status: str, log: Sequence[Logged], at: datetime,
                 terms: Terms | None = None) -> None:
    """Whether a refund may be taken now.

    Raises:
        RefundRefused: naming the order, its platform, its state and the rule.
    """
    terms = _terms(terms, at)
    try:
        check_time(order_id, log, at, "refund")
    except LifecycleRefused as exc:
        raise RefundRefused(order_id, exc.code, str(exc), **exc.details) from None
    if status in ("paid", "disputed"):
        return
    ends = protection_ends(log, terms)
    if status == "completed" and ends is not None and at < ends:
        status, what = "shipped", f"within buyer protection (until {ends.isoformat()}) a refund settles a dispute; open one first"
        code = "REFUND_NEEDS_DISPUTE"
        raise RefundRefused(order_id, code, f"order {order_id} ({terms.platform}) is completed: {what}",
                            rule="refunds settle a dispute within buyer protection",
                            order_status="completed", platform=terms.platform)
    code, what = {
        "shipped": ("REFUND_NEEDS_DISPUTE", "after shipping, a refund settles a dispute; open one first (levy event ORDER dispute)"),
        "completed": ("ORDER_COMPLETED", "the escrow was released to the seller; no refund through the platform"),
        "refunded": ("ALREADY_REFUNDED", "nothing is left to refund"),
        "closed": ("ORDER_CLOSED", "a closed order takes no refund"),
    }[status]
    raise RefundRefused(
        order_id, code, f"order {order_id} ({terms.platform}) is {_STATE_WORDS[status]}: {what}",
        rule="refunds before shipping (cancellation) or to settle a dispute",
        order_status=status, platform=terms.platform,
    )


def after_refund(status: str, fully_refunded: bool, log: Sequence[Logged] = ()) -> str:
    """Status after a refund: ``refunded`` when nothing is left; a partial refund settles an open
    dispute (the buyer keeps the goods; back to ``completed`` when the dispute was opened within
    buyer protection after completion) or leaves an unshipped order paid."""
    if fully_refunded:
        return "refunded"
    if status == "disputed":
        return "completed" if any(e.kind == "completed" for e in log) else "shipped"
    return status


__all__ = ["EVENTS", "Logged", "after_refund", "check_refund", "check_time", "is_repeat", "next_status",
           "protection_ends"]
