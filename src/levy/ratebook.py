"""Ratebook (the effective-dated reference data under ``rates/``, validated and indexed).

Loaded once per process, validated (no gaps, overlaps, unsorted rows, float-looking numbers,
missing sources or unknown countries, each error naming ``file:line:column``), then answered
from memory: a lookup is a dict access plus a ``bisect`` on the date, so a checkout call does
no I/O. See ``rates/README.md`` for the schema; intervals are half-open ``[valid_from, valid_to)``.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Iterable

from levy import currencies
from levy.countries import country_codes, subdivision_codes
from levy.datafiles import default_rates_dir
from levy.errors import NoRateError, RatesDataError
from levy.models import EXCISE_CATEGORIES, RATED_CATEGORIES
from levy.ratefiles import (
    FILES,
    CoverageRow,
    Period,
    RateRow,
    Reader,
    Series,
    TariffRateRow,
    TerritoryRow,
    ThresholdRow,
    check_series,
)

# The names the other rates/ loaders (levy.discounts, levy.ledger.platforms) import from here.
_Reader, _Series, _check_series = Reader, Series, check_series

__all__ = [
    "CoverageRow", "Period", "RateRow", "Ratebook", "TariffRateRow", "TerritoryRow", "ThresholdRow",
    "default_rates_dir",
]

# --- the book ------------------------------------------------------------------------------


class Ratebook:
    """The validated reference data, indexed for date lookups."""

    def __init__(self, rates_dir: Path | str | None = None) -> None:
        self.rates_dir = Path(rates_dir) if rates_dir else default_rates_dir()
        if not self.rates_dir.is_dir():
            raise RatesDataError(self.rates_dir, 0, "rates directory not found")
        readers = {}
        for key, (name, header) in FILES.items():
            path = self.rates_dir / name
            if not path.is_file():
                raise RatesDataError(path, 0, "file missing")
            readers[key] = Reader(path, header)
        self.version = hashlib.sha256(
            "".join(r.digest for r in readers.values()).encode()
        ).hexdigest()[:12]
        """Content hash of the files: recorded in every decision for replay."""
        self._load_rates(readers["vat_rates"])
        self._load_tariff_rates(readers["vat_rates_by_tariff"])
        self._load_thresholds(readers["thresholds"])
        self._load_coverage(readers["regime_countries"])
        self._load_territories(readers["special_territories"])
        self._check_completeness(readers)

    # ---- loading

    def _load_rates(self, reader: Reader) -> None:
        grouped: dict[tuple[str, str], list] = defaultdict(list)
        # Excise categories are optional: a row exists only where a regime taxes excise goods
        # (Switzerland's Art. 20a has no excise exclusion); everywhere else they stay unrated.
        categories = {c.value for c in RATED_CATEGORIES} | set(EXCISE_CATEGORIES)
        for line, rec in reader.rows:
            area = rec["tax_area"]
            if area not in country_codes() and area not in subdivision_codes():
                raise reader.fail(line, "tax_area", f"{area!r} is no ISO 3166 country or subdivision")
            if rec["category"] not in categories:
                raise reader.fail(
                    line, "category", f"{rec['category']!r} is not one of {sorted(categories)}"
                )
            rate = reader.decimal(line, rec, "rate_percent")
            if rate >= 100:
                raise reader.fail(line, "rate_percent", "a rate is a percentage below 100")
            row = RateRow(
                tax_area=area, category=rec["category"], rate_percent=rate, **reader.period(line, rec)
            )
            grouped[(area, row.category)].append((line, row))
        check_series(reader, "rate series", grouped)
        self._rates = {k: Series([r for _, r in v]) for k, v in grouped.items()}
        self.rate_lines = grouped
        self._rate_cache: dict[tuple[str, str, date], RateRow] = {}

    def _load_tariff_rates(self, reader: Reader) -> None:
        """Rates the law defines by tariff (CN) code: ``(tax_area, cn_prefix)`` series."""
        grouped: dict[tuple[str, str], list] = defaultdict(list)
        for line, rec in reader.rows:
            area = rec["tax_area"]
            if area not in country_codes() and area not in subdivision_codes():
                raise reader.fail(line, "tax_area", f"{area!r} is no ISO 3166 country or subdivision")
            if not re.fullmatch(r"\d{2,10}", rec["cn_prefix"]):
                raise reader.fail(line, "cn_prefix", "a CN code or its first digits: 2 to 10 digits, no spaces")
            rate = reader.decimal(line, rec, "rate_percent")
            if rate >= 100:
                raise reader.fail(line, "rate_percent", "a rate is a percentage below 100")
            row = TariffRateRow(
                tax_area=area, cn_prefix=rec["cn_prefix"], rate_percent=rate, **reader.period(line, rec)
            )
            grouped[(area, row.cn_prefix)].append((line, row))
        check_series(reader, "tariff rate series", grouped)
        self._tariff_rates = {k: Series([r for _, r in v]) for k, v in grouped.items()}
        self._tariff_areas = frozenset(area for area, _ in grouped)
        self.tariff_rows = [r for rows in grouped.values() for _, r in rows]

    def _load_thresholds(self, reader: Reader) -> None:
        grouped: dict[tuple[str, str], list] = defaultdict(list)
        for line, rec in reader.rows:
            if rec["inclusive"] not in ("true", "false"):
                raise reader.fail(line, "inclusive", "must be true or false")
            currency = rec["currency"]
            if not currencies.is_known(currency):
                raise reader.fail(line, "currency", f"{currency!r} is no ISO 4217 currency")
            row = ThresholdRow(
                scheme=rec["scheme"], name=rec["name"], amount=reader.decimal(line, rec, "amount"),
                currency=currency, inclusive=rec["inclusive"] == "true", **reader.period(line, rec),
            )
            grouped[(row.scheme, row.name)].append((line, row))
        check_series(reader, "threshold", grouped)
        self._thresholds = {k: Series([r for _, r in v]) for k, v in grouped.items()}

    def _load_coverage(self, reader: Reader) -> None:
        grouped: dict[tuple[str, str], list] = defaultdict(list)
        for line, rec in reader.rows:
            if rec["country"] not in country_codes():
                raise reader.fail(line, "country", f"{rec['country']!r} is no ISO 3166-1 alpha-2 code")
            if not re.fullmatch(r"[a-z][a-z0-9_]*", rec["regime"]):
                raise reader.fail(line, "regime", "a regime is a module name such as 'eu'")
            row = CoverageRow(regime=rec["regime"], country=rec["country"], **reader.period(line, rec))
            grouped[(row.regime, row.country)].append((line, row))
        check_series(reader, "coverage", grouped)
        by_country: dict[str, list] = defaultdict(list)
        for rows in grouped.values():
            for line, row in rows:
                for other_line, other in by_country[row.country]:
                    if _overlap(row, other):
                        raise reader.fail(
                            line, "regime",
                            f"{row.country} is claimed by {row.regime} and {other.regime} "
                            f"(line {other_line}) on the same dates",
                        )
                by_country[row.country].append((line, row))
        self.coverage = [row for rows in grouped.values() for _, row in rows]
        self._members_cache: dict[tuple[str, date], frozenset[str]] = {}
        self._coverage = {
            c: sorted((r for _, r in rows), key=lambda r: r.valid_from) for c, rows in by_country.items()
        }

    def _load_territories(self, reader: Reader) -> None:
        by_country: dict[str, list] = defaultdict(list)
        for line, rec in reader.rows:
            country = rec["country"]
            if country not in country_codes():
                raise reader.fail(line, "country", f"{country!r} is no ISO 3166-1 alpha-2 code")
            try:
                pattern = re.compile(rec["postal_code_pattern"]) if rec["postal_code_pattern"] else None
            except re.error as exc:
                raise reader.fail(line, "postal_code_pattern", f"bad regular expression: {exc}") from None
            treatment = rec["treatment"]
            if treatment not in ("outside", "taxed_as"):
                raise reader.fail(line, "treatment", "must be 'outside' or 'taxed_as'")
            tax_area = rec["tax_area"] or None
            if (treatment == "taxed_as") != (tax_area is not None):
                raise reader.fail(line, "tax_area", "set for 'taxed_as' rows, empty for 'outside' rows")
            if not rec["territory"]:
                raise reader.fail(line, "territory", "name the territory")
            row = TerritoryRow(
                country=country, pattern=pattern, territory=rec["territory"], treatment=treatment,
                tax_area=tax_area, **reader.period(line, rec),
            )
            by_country[country].append(row)
        self.territories = [r for rows in by_country.values() for r in rows]
        self._territory_cache: dict[tuple, TerritoryRow | None] = {}
        self._territories = dict(by_country)

    def _check_completeness(self, readers: dict[str, Reader]) -> None:
        """Every area a regime can tax has a rate for every category from the regime's start."""
        needed: dict[str, date] = {}
        for row in self.coverage:
            needed[row.country] = min(needed.get(row.country, row.valid_from), row.valid_from)
        for row in self.territories:
            if row.tax_area:
                needed[row.tax_area] = min(needed.get(row.tax_area, row.valid_from), row.valid_from)
        # ...and until the coverage ends: an open-ended coverage needs open-ended rates.
        open_ended = {row.country for row in self.coverage if row.valid_to is None}
        open_ended |= {row.tax_area for row in self.territories if row.tax_area and row.valid_to is None}
        reader = readers["vat_rates"]
        for area, start in sorted(needed.items()):
            for category in RATED_CATEGORIES:
                series = self._rates.get((area, category.value))
                if series is None or series.rows[0].valid_from > start:
                    raise reader.fail(
                        len(reader.rows) + 1, "tax_area",
                        f"{area}/{category.value} needs a rate from {start} (regime or territory start)",
                    )
                last = series.rows[-1]
                if area in open_ended and last.valid_to is not None:
                    raise reader.fail(
                        int(last.where.rsplit(":", 1)[1]), "valid_to",
                        f"{area}/{category.value} stops on {last.valid_to} but its coverage goes on",
                    )

    # ---- lookups (hot path: no I/O)

    def rate(self, tax_area: str, category: str, on: date) -> RateRow:
        key = (tax_area, category, on)
        row = self._rate_cache.get(key)
        if row is None:
            series = self._rates.get((tax_area, category))
            row = series.at(on) if series else None
            if row is None:
                raise NoRateError(tax_area, category, on)
            if len(self._rate_cache) > 200_000:
                self._rate_cache.clear()
            self._rate_cache[key] = row
        return row

    def tariff_rate(self, tax_area: str, hs_code: str | None, on: date) -> TariffRateRow | None:
        """The rate a row of ``vat_rates_by_tariff.csv`` gives a line's tariff code, if any.

        The longest ``cn_prefix`` the code starts with wins (a subheading before its heading).
        """
        if hs_code is None or tax_area not in self._tariff_areas:
            return None
        for n in range(len(hs_code), 1, -1):
            series = self._tariff_rates.get((tax_area, hs_code[:n]))
            if series is not None and (row := series.at(on)) is not None:
                return row
        return None

    def line_rate(self, tax_area: str, category: str, hs_code: str | None, on: date) -> RateRow | TariffRateRow:
        """A line's rate: by tariff code where the law defines one for it, else by category."""
        return self.tariff_rate(tax_area, hs_code, on) or self.rate(tax_area, category, on)

    def threshold(self, scheme: str, name: str, on: date) -> ThresholdRow:
        series = self._thresholds.get((scheme, name))
        row = series.at(on) if series else None
        if row is None:
            raise NoRateError(f"{scheme}:{name}", "threshold", on)
        return row

    def regime_for(self, country: str, on: date) -> CoverageRow | None:
        """The regime covering a destination country on a date, if any."""
        for row in self._coverage.get(country, ()):
            if row.covers(on):
                return row
        return None

    def regime_countries(self, regime: str, on: date) -> frozenset[str]:
        """Countries a regime covers on a date (for the EU: the EU VAT area)."""
        key = (regime, on)
        members = self._members_cache.get(key)
        if members is None:
            members = frozenset(r.country for r in self.coverage if r.regime == regime and r.covers(on))
            self._members_cache[key] = members
        return members

    def territory(self, country: str, postal_code: str | None, on: date) -> TerritoryRow | None:
        """The special-territory row matching an address, if any (country-wide rows included)."""
        rows = self._territories.get(country)
        if not rows:
            return None
        key = (country, postal_code, on)
        if key in self._territory_cache:
            return self._territory_cache[key]
        if len(self._territory_cache) > 65536:
            self._territory_cache.clear()
        found = self._territory_cache[key] = self._match_territory(rows, postal_code, on)
        return found

    @staticmethod
    def _match_territory(rows: list[TerritoryRow], postal_code: str | None, on: date) -> TerritoryRow | None:
        code = postal_code.replace(" ", "").upper() if postal_code else None
        for row in rows:
            if not row.covers(on):
                continue
            if row.pattern is None or (code is not None and row.pattern.fullmatch(code)):
                return row
        return None

    def rate_history(self) -> Iterable[RateRow]:
        for series in self._rates.values():
            yield from series.rows

    def tax_areas(self) -> list[str]:
        return sorted({area for area, _ in self._rates})


def _overlap(a: Period, b: Period) -> bool:
    a_end = a.valid_to or date.max
    b_end = b.valid_to or date.max
    return a.valid_from < b_end and b.valid_from < a_end
