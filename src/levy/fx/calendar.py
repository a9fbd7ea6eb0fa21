"""The ECB's publication calendar: TARGET business days.

The ECB publishes euro reference rates on each day the TARGET payment system is open: weekdays
other than its closing days. The closing days come from python-holidays' financial calendar of
the European Central Bank (``XECB``), which carries their history: from 2000 New Year's Day, Good
Friday, Easter Monday, 1 May, 25 and 26 December; in 1999 only New Year's Day and Christmas Day;
and the additional closings of 31 December 1999 and 31 December 2001 (the euro changeover).

References:
    https://www.ecb.europa.eu/paym/target/target2/profuse/calendar/html/index.en.html
    ECB press release of 14 December 2000, "TARGET closing days in 2002 and beyond"
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

STALE_AFTER_BUSINESS_DAYS = 3
"""A rate more than this many ECB business days older than the order's date is flagged stale."""


@lru_cache(maxsize=256)
def target_closing_days(year: int) -> frozenset[date]:
    """TARGET closing days of ``year`` (weekdays or not), on which the ECB publishes no rates.

    >>> sorted(d.isoformat() for d in target_closing_days(2026))
    ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-12-25', '2026-12-26']
    """
    return frozenset(holidays.financial_holidays("XECB", years=year))


def is_ecb_business_day(day: date) -> bool:
    """Whether the ECB publishes reference rates on ``day`` (a weekday, TARGET open).

    >>> is_ecb_business_day(date(2026, 4, 3)), is_ecb_business_day(date(1999, 4, 2))
    (False, True)
    """
    return day.weekday() < 5 and day not in target_closing_days(day.year)


def ecb_business_days_between(earlier: date, later: date) -> int:
    """ECB publication days in ``(earlier, later]``: weekdays that are not TARGET holidays."""
    days, current = 0, earlier + timedelta(days=1)
    while current <= later:
        days += is_ecb_business_day(current)
        current += timedelta(days=1)
    return days


__all__ = ["STALE_AFTER_BUSINESS_DAYS", "ecb_business_days_between", "is_ecb_business_day", "target_closing_days"]
