"""Rate files (the rows of ``rates/*.csv`` and the reader that checks each cell).

``levy.ratebook`` indexes what this module reads. Every cell problem becomes a
``RatesDataError`` naming ``file:line:column``; a row's ``source`` must be a primary source
(:mod:`levy.sources`). See ``rates/README.md`` for the schema; intervals are half-open
``[valid_from, valid_to)``.
"""

from __future__ import annotations

import csv
import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path


from levy.countries import country_codes, subdivision_codes
from levy.errors import RatesDataError
from levy.money import format_rate
from levy.sources import is_primary

SOURCE_COLUMNS = "source,source_date,secondary_source,retrieved,note"
"""The provenance columns every file ends with (``rates/README.md``, "Sources")."""

FILES = {
    "vat_rates": (
        "vat_rates.csv", f"tax_area,category,rate_percent,valid_from,valid_to,{SOURCE_COLUMNS}",
    ),
    "vat_rates_by_tariff": (
        "vat_rates_by_tariff.csv", f"tax_area,cn_prefix,rate_percent,valid_from,valid_to,{SOURCE_COLUMNS}",
    ),
    "thresholds": (
        "thresholds.csv", f"scheme,name,amount,currency,inclusive,valid_from,valid_to,{SOURCE_COLUMNS}",
    ),
    "regime_countries": (
        "regime_countries.csv", f"regime,country,valid_from,valid_to,{SOURCE_COLUMNS}",
    ),
    "special_territories": (
        "special_territories.csv",
        f"country,postal_code_pattern,territory,treatment,tax_area,valid_from,valid_to,{SOURCE_COLUMNS}",
    ),
}
_DECIMAL = re.compile(r"\d+(\.\d+)?")


# --- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    valid_from: date
    valid_to: date | None
    source: str
    """The primary source: an official URL (:mod:`levy.sources`)."""
    source_date: date | None
    """The date the primary source speaks as of (``rates/README.md``); ``None``: not known."""
    secondary_source: str
    retrieved: date
    note: str
    where: str
    """``file:line`` of the row, for messages and the review notebooks."""

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


@dataclass(frozen=True, slots=True)
class RateRow(Period):
    tax_area: str
    category: str
    rate_percent: Decimal


@dataclass(frozen=True, slots=True)
class TariffRateRow(Period):
    """A rate the law defines by tariff (CN) code: it applies to a line whose ``hs_code``
    starts with ``cn_prefix``, whatever the line's category."""

    tax_area: str
    cn_prefix: str
    rate_percent: Decimal

    @property
    def category(self) -> str:
        """How decisions name the row (their rate facts are keyed by category)."""
        return f"cn:{self.cn_prefix}"


@dataclass(frozen=True, slots=True)
class ThresholdRow(Period):
    scheme: str
    name: str
    amount: Decimal
    currency: str
    inclusive: bool


@dataclass(frozen=True, slots=True)
class CoverageRow(Period):
    regime: str
    country: str


@dataclass(frozen=True, slots=True)
class TerritoryRow(Period):
    country: str
    pattern: re.Pattern[str] | None
    territory: str
    treatment: str
    tax_area: str | None


class Series:
    """Rows of one series sorted by ``valid_from``; ``at(date)`` bisects."""

    __slots__ = ("starts", "rows")

    def __init__(self, rows: list) -> None:
        self.rows = rows
        self.starts = [r.valid_from for r in rows]

    def at(self, on: date):
        i = bisect_right(self.starts, on) - 1
        if i < 0:
            return None
        row = self.rows[i]
        return row if row.valid_to is None or on < row.valid_to else None


# --- the reader -----------------------------------------------------------------------------


class Reader:
    """Reads one CSV file and turns every cell problem into a ``RatesDataError``."""

    def __init__(self, path: Path, header: str) -> None:
        self.path = path
        text = path.read_text(encoding="utf-8")
        self.digest = hashlib.sha256(text.encode()).hexdigest()
        lines = text.splitlines()
        if not lines or lines[0].strip() != header:
            raise RatesDataError(path, 1, f"header must be exactly {header!r}")
        self.rows: list[tuple[int, dict[str, str]]] = []
        reader = csv.DictReader(lines)
        for n, record in enumerate(reader, start=2):
            if None in record or any(v is None for v in record.values()):
                raise RatesDataError(path, n, "wrong number of columns")
            self.rows.append((n, {k: v.strip() for k, v in record.items()}))

    def fail(self, line: int, column: str | None, msg: str) -> RatesDataError:
        return RatesDataError(self.path, line, msg, column)

    def date(self, line: int, rec: dict, column: str, *, optional: bool = False) -> date | None:
        text = rec[column]
        if not text and optional:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.fail(line, column, f"{text!r} is not an ISO date YYYY-MM-DD") from None

    def decimal(self, line: int, rec: dict, column: str) -> Decimal:
        text = rec[column]
        if not _DECIMAL.fullmatch(text):
            raise self.fail(line, column, f"{text!r} is not an exact decimal number")
        value = Decimal(text)
        if format_rate(value) != text:
            raise self.fail(line, column, f"{text!r} is not canonical: write {format_rate(value)!r}")
        return value

    def period(self, line: int, rec: dict) -> dict:
        valid_from = self.date(line, rec, "valid_from")
        valid_to = self.date(line, rec, "valid_to", optional=True)
        if valid_to is not None and valid_to <= valid_from:
            raise self.fail(line, "valid_to", "valid_to must be after valid_from (half-open)")
        if not rec["source"]:
            raise self.fail(line, "source", "every row needs a source")
        # Files with the provenance columns (SOURCE_COLUMNS: the tax data) must cite a primary
        # source; the platform terms files (levy.ledger.platforms) cite the platform's own pages.
        legal = "source_date" in rec
        if legal and not is_primary(rec["source"]):
            raise self.fail(
                line, "source",
                f"{rec['source']!r} is not a primary source: cite the law, the official journal or "
                "the tax/customs authority (an official domain, levy.sources.PRIMARY_DOMAINS); a "
                "secondary source goes in secondary_source",
            )
        retrieved = self.date(line, rec, "retrieved")
        source_date = self.date(line, rec, "source_date", optional=True) if legal else None
        return {
            "valid_from": valid_from,
            "valid_to": valid_to,
            "source": rec["source"],
            "source_date": source_date,
            "secondary_source": rec.get("secondary_source", ""),
            "retrieved": retrieved,
            "note": rec["note"],
            "where": f"{self.path.name}:{line}",
        }


def check_series(reader: Reader, key_name: str, series: dict) -> None:
    """Sorted, contiguous, no overlaps; only the last row may be open."""
    for key, rows in series.items():
        for (line_a, a), (line_b, b) in zip(rows, rows[1:]):
            if b.valid_from <= a.valid_from:
                raise reader.fail(line_b, "valid_from", f"{key_name} {key}: rows not sorted by valid_from")
            if a.valid_to is None or a.valid_to > b.valid_from:
                raise reader.fail(line_b, "valid_from", f"{key_name} {key}: overlaps line {line_a}")
            if a.valid_to < b.valid_from:
                raise reader.fail(
                    line_b, "valid_from",
                    f"{key_name} {key}: gap from {a.valid_to} (line {line_a}) to {b.valid_from}",
                )
