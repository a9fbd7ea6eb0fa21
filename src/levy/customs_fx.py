"""Customs exchange rate (Union Customs Code Art. 53, UCC-IA Art. 146): one rate per month.

Customs law does not convert at the day's rate. Art. 53(1)(a) of the Union Customs Code
(Regulation (EU) No 952/2013) has the authorities publish the rate for the customs value, and
Art. 146 of its Implementing Regulation (EU) 2015/2447 fixes it:

* (1)(a) for euro member states, the rate published by the European Central Bank;
* (2) the rate published on the **penultimate Wednesday of a month**; if none was published that
  day, the rate last published before it;
* (3) it applies for one month, **from the first day of the following month**.

So an order placed on 2026-07-15 converts at the ECB rate of Wednesday 2026-06-17 (June's
Wednesdays: 3, 10, 17, 24), whatever the ECB published in July. Levy converts the EUR amounts of
customs charges into the order's currency with this rate, so the buyer pays what customs reckons.

References:
    https://eur-lex.europa.eu/eli/reg/2013/952/oj (Art. 53)
    https://eur-lex.europa.eu/eli/reg_impl/2015/2447/oj (Art. 146)

>>> penultimate_wednesday(2026, 6)
datetime.date(2026, 6, 17)
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from levy.fx import EcbRates
from levy.models import FxLegFact

RULE = "Union Customs Code Art. 53(1) and Implementing Regulation (EU) 2015/2447 Art. 146"


@dataclass(frozen=True, slots=True)
class CustomsRate:
    """The month's customs rate of one currency: units of ``currency`` per 1 EUR."""

    currency: str
    rate: Decimal
    published_on: date
    """The ECB publication day of the rate (the penultimate Wednesday, or the last day before)."""
    fixing_day: date
    """The penultimate Wednesday of the month before ``placed_at``'s month."""
    leg: FxLegFact | None
    """The rate as recorded for replay (``None`` for EUR)."""
    stale: bool = False
    """The history held stops more than 3 ECB business days before the fixing day: the rate
    is the last one held, not the one customs publishes (warning ``FX_RATE_STALE``)."""

    def describe(self) -> str:
        """``1 EUR = 1.1634 USD, the ECB rate of 2026-06-17, customs rate for 2026-07 (UCC-IA Art. 146)``."""
        if self.currency == "EUR":
            return "no conversion (EUR)"
        year, month = self.fixing_day.year, self.fixing_day.month + 1
        if month == 13:
            year, month = year + 1, 1
        return (
            f"1 EUR = {self.rate} {self.currency}, the ECB rate of {self.published_on}, "
            f"customs rate for {year}-{month:02d} (UCC-IA Art. 146)"
        )


def penultimate_wednesday(year: int, month: int) -> date:
    """The second-to-last Wednesday of a month."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    last_wednesday = last - timedelta(days=(last.weekday() - calendar.WEDNESDAY) % 7)
    return last_wednesday - timedelta(days=7)


def fixing_day(on: date) -> date:
    """The day whose ECB rate applies on ``on``: the penultimate Wednesday of the month before."""
    year, month = (on.year, on.month - 1) if on.month > 1 else (on.year - 1, 12)
    return penultimate_wednesday(year, month)


def customs_rate(fx: EcbRates, currency: str, on: date) -> CustomsRate:
    """The customs rate of ``currency`` for a date (Art. 146(2)-(3)).

    Raises:
        NoFxRateError: the ECB history holds no rate of the currency on or before the fixing day.
    """
    day = fixing_day(on)
    rate = fx.rate(currency, day)  # the latest published on or before: Art. 146(2) second sentence
    leg = None if currency == "EUR" else FxLegFact(currency, format(rate.rate, "f"), rate.on, rate.source)
    return CustomsRate(currency, rate.rate, rate.on, day, leg, fx.is_stale(rate, day))


__all__ = ["CustomsRate", "RULE", "customs_rate", "fixing_day", "penultimate_wednesday"]
