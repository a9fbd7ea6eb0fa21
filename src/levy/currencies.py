"""Currencies (ISO 4217), from ISO's own published table.

Minor units and the list of current codes come from the ``iso4217`` package, which ships the
ISO 4217 maintenance agency's XML table (List One) with its publication date. CLDR (Babel) is
*not* used: its ``digits`` are display digits (CLDR 48 says 0 for HUF and IDR, ISO says 2).

Currencies withdrawn from List One but legal tender on an order's date (the Bulgarian lev until
2025-12-31, the Croatian kuna until 2022-12-31, ...) come from ``rates/historic_currencies.csv``,
half-open ``[legal_tender_from, legal_tender_to)``, each row citing its source.

>>> minor_units("HUF"), minor_units("JPY"), minor_units("KWD"), minor_units("BGN")
(2, 0, 3, 2)
>>> from datetime import date
>>> currency_problem("BGN", date(2025, 12, 31)) is None
True
>>> currency_problem("BGN", date(2026, 1, 1))
'BGN was legal tender until 2025-12-31 (ISO 4217 List Three); the order is dated 2026-01-01'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import iso4217

from levy.datafiles import rates_file

ISO_4217_PUBLISHED: date = iso4217.__published__
"""Publication date of the packaged ISO 4217 List One (shown by ``levy --version``)."""


@dataclass(frozen=True, slots=True)
class HistoricCurrency:
    """A code withdrawn from ISO 4217 List One, valid on the dates it was legal tender."""

    code: str
    minor_units: int
    legal_tender_from: date
    legal_tender_to: date  # exclusive
    source: str


@cache
def _current() -> dict[str, int]:
    """ISO 4217 List One: code -> minor units, for codes that have a numeric minor unit.

    Funds and metals (``N.A.``: XAU, XDR, ...) are no currency an order can be priced in.
    """
    return {code: int(entry["CcyMnrUnts"]) for code, entry in iso4217.raw_table.items()
            if code and (entry.get("CcyMnrUnts") or "").isdigit()}


@cache
def historic() -> dict[str, HistoricCurrency]:
    """``rates/historic_currencies.csv`` by code (validated by ``levy.ratebook``'s loader too)."""
    path = rates_file("historic_currencies.csv")
    rows: dict[str, HistoricCurrency] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            rows[row["code"]] = HistoricCurrency(
                row["code"], int(row["minor_units"]), date.fromisoformat(row["legal_tender_from"]),
                date.fromisoformat(row["legal_tender_to"]), row["source"])
    return rows


def is_known(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency, current or historic (dates aside)."""
    return code in _current() or code in historic()


@cache
def minor_units(code: str) -> int:
    """Decimals of the currency's minor unit, from ISO 4217 (List One, else List Three).

    Raises:
        KeyError: ``code`` is no ISO 4217 currency.
    """
    digits = _current().get(code)
    if digits is not None:
        return digits
    return historic()[code].minor_units


def currency_problem(code: str, on: date) -> str | None:
    """Why ``code`` cannot price an order dated ``on``, or ``None`` when it can."""
    if code in _current():
        return None
    old = historic().get(code)
    if old is None:
        return f"must be an ISO 4217 currency code, got '{code}'"
    if on < old.legal_tender_from:
        return (f"{code} became legal tender on {old.legal_tender_from.isoformat()}; "
                f"the order is dated {on.isoformat()}")
    if on >= old.legal_tender_to:
        last = old.legal_tender_to - timedelta(days=1)
        return (f"{code} was legal tender until {last.isoformat()} (ISO 4217 List Three); "
                f"the order is dated {on.isoformat()}")
    return None
