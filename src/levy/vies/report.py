"""VIES report: B2B orders whose number VIES says is not registered, and the tax they owed.

An order goes untaxed as B2B on the strength of its buyer's VAT number. When VIES's newest
definite answer for that number is ``invalid``, the order was in fact a supply to a person the
platform could not treat as a taxable person (Implementing Regulation 282/2011 Art. 18(1)(a)
and (2)): the report re-decides it without the number, with the rates and ECB history of its
date, and lists what should have been collected, for correction in the return of its period.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from levy.engine import Engine as QuoteEngine
from levy.ledger.evidence import b2b_orders, latest_definite

_PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


class PeriodError(ValueError):
    """A period that is neither ``YYYY-MM`` nor ``YYYY-Qn``."""


def period_bounds(period: str) -> tuple[date, date]:
    """The first and last day (both inclusive) of ``YYYY-MM`` or ``YYYY-Qn``.

    >>> period_bounds("2026-02"), period_bounds("2026-Q4")
    ((datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)), (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)))
    """
    match = _PERIOD.match(period or "")
    if not match:
        raise PeriodError(f"--period {period!r}: write a month YYYY-MM or a quarter YYYY-Qn (2026-09, 2026-Q3)")
    year = int(match[1])
    first, last = (int(match[2]),) * 2 if match[2] else (3 * int(match[3]) - 2, 3 * int(match[3]))
    return date(year, first, 1), date(year, last, monthrange(year, last)[1])


@dataclass(frozen=True, slots=True)
class Correction:
    """One B2B order VIES says was not a registered business, re-decided without the number."""

    order_id: str
    paid_on: date
    vat_number: str
    checked_at: str
    consultation_number: str | None
    decision: dict
    """The decision the order gets without the buyer's number (the contract's JSON)."""

    def line(self) -> dict:
        d = self.decision
        return {
            "order_id": self.order_id,
            "paid_on": self.paid_on.isoformat(),
            "vat_number": self.vat_number,
            "vies_state": "invalid",
            "checked_at": self.checked_at,
            "consultation_number": self.consultation_number,
            "collect": d["collect"],
            "scheme": d["scheme"],
            "reason": d["reason"],
            "tax_country": d["tax_country"],
            "currency": d["currency"],
            "net_total": d["net_total"],
            "vat_total": d["vat_total"] if d["collect"] else "0",
            "gross_total": d["gross_total"],
        }


def corrections(db: Engine, engine: QuoteEngine, period: str) -> Iterator[Correction]:
    """The period's B2B orders (by payment date: when the tax became due, VAT Directive
    Art. 66a) whose number VIES's newest definite answer calls ``invalid``."""
    first, last = period_bounds(period)
    found = list(b2b_orders(db, paid_from=first, paid_to=last))
    evidence = latest_definite(db, (o.vat_number for o in found))
    for order in found:
        answer = evidence.get(order.vat_number)
        if answer is None or answer.state != "invalid":
            continue
        payload = {k: v for k, v in order.payload.items() if k != "payment"}
        payload["buyer"] = {k: v for k, v in payload["buyer"].items() if k != "vat_number"}
        decision = engine.quote(payload).model_dump(mode="json")
        yield Correction(order.order_id, order.paid_on, order.vat_number,
                         answer.checked_at.isoformat(), answer.consultation_number, decision)


__all__ = ["Correction", "PeriodError", "corrections", "period_bounds"]
