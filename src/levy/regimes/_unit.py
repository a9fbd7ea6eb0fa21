"""What a regime declares about its returns (``FilingFacts``) and when they fall due (``DueRule``).

Each regime module states, once, in ``FILINGS``, for every scheme it answers with: the return
period its law sets (``month`` or ``quarter``), the currency the return is made out in, the day
the return (and the payment) is due, the exchange-rate source its law names, and the law. The
scheme enum, the reports' filing currencies and ``levy regimes`` are derived from these
declarations (``levy.regimes.filing``). This module has no levy imports: ``levy.codes`` reads
the scheme codes from the regime modules' source, below every other layer.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Period = Literal["month", "quarter"]
PERIOD_MONTHS: dict[str, int] = {"month": 1, "quarter": 3}


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


@dataclass(frozen=True, slots=True)
class DueRule:
    """When a return is due, counted from the last day of its period.

    The due day is ``day`` (``None``: the last day) of the month ``months_after`` months after the
    period's last month, then ``plus_days`` added. ``by_period_end_month`` overrides
    ``(months_after, day)`` for periods ending in a given month (New Zealand's 7 May for March).

    >>> END_OF_NEXT_MONTH.due(date(2026, 11, 30)), END_OF_NEXT_MONTH.due(date(2026, 12, 31))
    (datetime.date(2026, 12, 31), datetime.date(2027, 1, 31))
    """

    text: str
    """The rule in words, as ``levy regimes`` prints it."""
    months_after: int = 1
    day: int | None = None
    plus_days: int = 0
    by_period_end_month: tuple[tuple[int, int, int], ...] = ()
    """``(month the period ends in, months_after, day)`` exceptions."""

    def due(self, period_end: date) -> date:
        """The due date of the return for the period ending on ``period_end``."""
        months_after, day = self.months_after, self.day
        for month, months, on in self.by_period_end_month:
            if period_end.month == month:
                months_after, day = months, on
        year, month = _add_months(period_end, months_after)
        last = monthrange(year, month)[1]
        return date(year, month, last if day is None else min(day, last)) + timedelta(days=self.plus_days)


END_OF_NEXT_MONTH = DueRule("the last day of the month after the period")
"""The EU special schemes' rule (VAT Directive Art. 369f, 369s) and several others'."""


def day_of_next_month(day: int) -> DueRule:
    """Due on ``day`` of the month after the period (Norway's 20th, Australia's 28th)."""
    return DueRule(f"day {day} of the month after the period", day=day)


@dataclass(frozen=True, slots=True)
class FilingFacts:
    """A scheme's return: its period, currency, due day, exchange-rate source and law.

    >>> from levy.regimes import filing
    >>> ioss = filing("EU_IOSS")
    >>> ioss.period, ioss.currency, ioss.due(date(2026, 11, 30))
    ('month', 'EUR', datetime.date(2026, 12, 31))
    """

    period: Period
    """``month`` or ``quarter``: the return period the law sets."""
    currency: str
    """ISO 4217 code the return is made out in."""
    due_rule: DueRule
    fx_source: str
    """The exchange rate the law names for the return's conversion."""
    law: str
    """Where the period, the due day and the currency are laid down."""

    def __post_init__(self) -> None:
        if self.period not in PERIOD_MONTHS:
            raise ValueError(f"period must be 'month' or 'quarter', not {self.period!r}")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"currency must be an ISO 4217 code, not {self.currency!r}")

    @property
    def months(self) -> int:
        """Length of one return period in months (1 or 3)."""
        return PERIOD_MONTHS[self.period]

    def due(self, period_end: date) -> date:
        """The day the return for the period ending on ``period_end`` is due."""
        return self.due_rule.due(period_end)


@dataclass(frozen=True, slots=True)
class BuyerId:
    """The buyer identifier a regime accepts as proof of a business buyer.

    ``kinds`` are python-stdnum module names under the destination's country package tried in
    turn (``("mva", "orgnr")`` for Norway); empty when the regime has no business-buyer carve-out.
    """

    kinds: tuple[str, ...]
    label: str
    """What the law calls it, for explanations (``"ABN"``, ``"RUT"``)."""
