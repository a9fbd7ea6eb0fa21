"""The ECB reference-rate history: lookups by date, conversions, replays (:class:`EcbRates`).

Built from layers (:mod:`levy.fx.files`: the packaged history, then each import of the store,
:mod:`levy.fx.store`); a later layer's rate wins for the same day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property, lru_cache
from itertools import repeat
from typing import Any

from levy.errors import FxRateMissingError, NoFxRateError
from levy.fx.calendar import (
    STALE_AFTER_BUSINESS_DAYS,
    ecb_business_days_between,
    is_ecb_business_day,
)
from levy.fx.files import RATE_TEXT, Layer, packaged_layer
from levy.models import FxLegFact

ONE = Decimal(1)


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
    legs: tuple[FxLegFact, ...] = ()
    """The non-euro legs, as the decision's facts record them for a replay."""



@dataclass(frozen=True, slots=True)
class Conflict:
    """Two sources disagree on one currency's rate of one day; ``winner`` is the one used."""

    currency: str
    on: date
    winner: FxRate
    loser: FxRate



class EcbRates:
    """The ECB reference-rate history, loaded once, looked up by bisect.

    Args:
        layers: sources of rates, lowest first; a later layer's rate wins for the same day.
            Default: the packaged history alone. :func:`levy.fx.load_rates` adds the imported files.
    """

    def __init__(self, layers: Sequence[Layer] | None = None) -> None:
        self.layers: tuple[Layer, ...] = tuple(layers) if layers is not None else (packaged_layer(),)
        dates: dict[str, list[date]] = {}
        texts: dict[str, list[str]] = {}
        sources: dict[str, list[str]] = {}
        for currency in sorted({c for layer in self.layers for c in layer.series}):
            days: list[date] = []
            values: list[str] = []
            origins: list[str] = []
            for layer in self.layers:
                if currency not in layer.series:
                    continue
                top_days, top_values = layer.series[currency]
                if not days or top_days[0] > days[-1]:
                    # Newer days only (the packaged history, a daily update): append.
                    days, values = days + top_days, values + top_values
                    origins = origins + [layer.source] * len(top_days)
                elif top_days[0] <= days[0] and set(days) <= set(top_days):
                    # Every day held, and more (a full history imported): replace.
                    days, values, origins = top_days, top_values, [layer.source] * len(top_days)
                else:
                    merged = dict(zip(days, zip(values, origins)))
                    merged.update(zip(top_days, zip(top_values, repeat(layer.source))))
                    ordered = sorted(merged.items())
                    days = [d for d, _ in ordered]
                    values = [t for _, (t, _) in ordered]
                    origins = [s for _, (_, s) in ordered]
            dates[currency], texts[currency], sources[currency] = days, values, origins
        self._set_series(dates, texts, sources)

    def _set_series(self, dates: dict[str, list[date]], texts: dict[str, list[str]],
                    sources: dict[str, list[str]]) -> None:
        self._dates, self._texts, self._sources = dates, texts, sources
        self.currencies = frozenset(c for c, d in dates.items() if d) | {"EUR"}
        self.last_date: date | None = max((d[-1] for d in dates.values() if d), default=None)
        """The newest publication day held, any currency."""

    @classmethod
    def pinned(cls, legs: Iterable[FxLegFact | FxRate | Mapping[str, Any]], base: EcbRates | None = None) -> EcbRates:
        """A history in which each leg's currency holds exactly that leg: replays a decision.

        ``rate(currency, day)`` then answers the recorded leg for any day on or after its
        publication (so the stale flag comes out the same too), whatever the store holds now.

        Args:
            legs: recorded legs (``decision.facts.threshold.fx_legs``, their JSON dicts, or
                ``FxRate``); :func:`recorded_legs` extracts them from a decision.
            base: where other currencies come from (default: none, so a lookup of a currency
                the decision did not use raises ``NoFxRateError``).
        """
        dates = dict(base._dates) if base else {}
        texts = dict(base._texts) if base else {}
        sources = dict(base._sources) if base else {}
        pinned: dict[str, dict[date, tuple[str, str]]] = {}
        for leg in legs:
            currency, text, on, source = _leg_fields(leg)
            pinned.setdefault(currency, {})[on] = (text, source)
        for currency, points in pinned.items():
            ordered = sorted(points.items())
            dates[currency] = [d for d, _ in ordered]
            texts[currency] = [t for _, (t, _) in ordered]
            sources[currency] = [s for _, (_, s) in ordered]
        rates = cls.__new__(cls)
        rates.layers = base.layers if base else ()
        rates._set_series(dates, texts, sources)
        return rates

    @lru_cache(maxsize=65536)
    def rate(self, currency: str, on: date) -> FxRate:
        """The latest rate published on or before ``on``.

        Raises:
            NoFxRateError: the history holds no rate for the currency on or before ``on``.
        """
        if currency == "EUR":
            return FxRate("EUR", ONE, on, "identity")
        dates = self._dates.get(currency)
        i = bisect_right(dates, on) - 1 if dates else -1
        if i < 0:
            raise NoFxRateError(currency, on)
        return FxRate(currency, Decimal(self._texts[currency][i]), dates[i], self._sources[currency][i])

    def period_end_rate(self, currency: str, period_end: date) -> FxRate:
        """The rate a return converts at: of the period's last day or, if the ECB published
        none that day, of the next day of publication (VAT Directive Art. 366(2)).

        Args:
            currency: ISO code of the amounts to convert into euro.
            period_end: the last day of the tax period (the last day of the month for IOSS).

        Raises:
            FxRateMissingError: the history held does not reach that day (names it, and the
                ``levy fx`` commands that fetch it), or the ECB stopped publishing the currency.
            NoFxRateError: the ECB never published the currency.
        """
        if currency == "EUR":
            return FxRate("EUR", ONE, period_end, "identity")
        dates = self._dates.get(currency)
        if not dates:
            raise NoFxRateError(currency, period_end)
        day = period_end
        while True:
            i = bisect_left(dates, day)
            if i < len(dates) and dates[i] == day:
                return FxRate(currency, Decimal(self._texts[currency][i]), day, self._sources[currency][i])
            if is_ecb_business_day(day):
                if day not in self._publication_days:
                    # The ECB publishes on this day, but the history held does not reach it (or an
                    # imported daily file left a gap): refuse rather than take a later day's rate.
                    raise FxRateMissingError(currency, day, period_end, self.last_date)
                if i == len(dates):
                    raise FxRateMissingError(currency, day, period_end, dates[-1], discontinued=True)
                # Published that day, but not this currency: its next day of publication counts.
            day += timedelta(days=1)

    @cached_property
    def _publication_days(self) -> frozenset[date]:
        """Every day for which the history holds a rate of some currency (reports only)."""
        return frozenset(d for days in self._dates.values() for d in days)

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
            legs=tuple(
                FxLegFact(leg.currency, format(leg.rate, "f"), leg.on, leg.source)
                for leg in (leg_from, leg_to) if leg.currency != "EUR"
            ),
        )

    def is_stale(self, rate: FxRate, on: date) -> bool:
        """Whether ``rate`` is more than 3 ECB business days older than ``on``."""
        if rate.currency == "EUR":
            return False
        if (on - rate.on).days > 10:  # 10 calendar days hold at least 4 TARGET days: no walk
            return True
        return ecb_business_days_between(rate.on, on) > STALE_AFTER_BUSINESS_DAYS

    # ---- what the history holds (``levy fx status``)

    def coverage(self) -> dict[str, tuple[FxRate, FxRate, int]]:
        """Per currency: its first and last rate held (each with its source), and how many."""
        return {
            currency: (self._point(currency, 0), self._point(currency, -1), len(days))
            for currency, days in sorted(self._dates.items()) if days
        }

    def _point(self, currency: str, i: int) -> FxRate:
        return FxRate(currency, Decimal(self._texts[currency][i]), self._dates[currency][i],
                      self._sources[currency][i])

    def conflicts(self) -> list[Conflict]:
        """Days on which a layer's rate differs from a lower layer's; the higher layer won."""
        found = []
        held: dict[str, dict[date, tuple[str, str]]] = {}
        for layer in self.layers:
            for currency, (days, values) in layer.series.items():
                below = held.setdefault(currency, {})
                for day, text in zip(days, values):
                    old = below.get(day)
                    if old is not None and Decimal(old[0]) != Decimal(text):
                        found.append(Conflict(
                            currency, day, FxRate(currency, Decimal(text), day, layer.source),
                            FxRate(currency, Decimal(old[0]), day, old[1])))
                    below[day] = (text, layer.source)
        # A later layer may have been overruled in turn: keep only the final winner's view.
        return sorted(
            (c for c in found if self._winner_source(c.currency, c.on) == c.winner.source),
            key=lambda c: (c.on, c.currency, c.loser.source),
        )

    def _winner_source(self, currency: str, day: date) -> str | None:
        dates = self._dates.get(currency, [])
        i = bisect_left(dates, day)
        return self._sources[currency][i] if i < len(dates) and dates[i] == day else None


def _leg_fields(leg: FxLegFact | FxRate | Mapping[str, Any]) -> tuple[str, str, date, str]:
    """``(currency, rate text, day, source)`` of a recorded leg in any of its shapes."""
    if isinstance(leg, Mapping):
        currency, rate, on, source = leg["currency"], leg["rate"], leg["on"], leg["source"]
    else:
        currency, rate, on, source = leg.currency, leg.rate, leg.on, leg.source
    on = on if isinstance(on, date) else date.fromisoformat(on)
    text = format(rate, "f") if isinstance(rate, Decimal) else str(rate)
    if not RATE_TEXT.fullmatch(text):
        raise ValueError(f"recorded {currency} leg of {on}: rate {rate!r} is not a positive decimal")
    return currency, text, on, source


def recorded_legs(decision: Any) -> list[FxLegFact]:
    """The FX legs a decision recorded, for :meth:`EcbRates.pinned`: the threshold test's
    (``facts.threshold.fx_legs``) and the customs rates its duties and fees used
    (``facts.charge_fx_legs``, contract v1.1).

    Args:
        decision: a ``levy.models.Decision``, or its JSON as a dict (``model_dump(mode="json")``).
    """
    facts = decision["facts"] if isinstance(decision, Mapping) else decision.facts
    if isinstance(facts, Mapping):
        threshold = facts["threshold"]
        legs = list(threshold.get("fx_legs", ()) if threshold else ()) + list(facts.get("charge_fx_legs", ()))
    else:
        threshold = facts.threshold
        legs = list(threshold.fx_legs if threshold else ()) + list(facts.charge_fx_legs)
    return [FxLegFact(*_leg_fields(leg)) for leg in legs]


__all__ = ["Conflict", "Conversion", "EcbRates", "FxRate", "ONE", "recorded_legs"]
