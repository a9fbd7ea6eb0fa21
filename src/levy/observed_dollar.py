"""Dólar observado (the Central Bank of Chile's observed dollar), as finance imports it.

Chile's VAT on low-value goods (``CL_LVG``) has a USD 500 limit; the ECB publishes no CLP rate,
and Chilean law converts foreign-currency amounts at the *dólar observado* the Banco Central de
Chile publishes each banking day (DL 825 and Res. Ex. SII N° 93/2025 refer to it). Finance
imports those rates as a CSV file, ``clp_observed_dollar.csv`` in the data directory
(``LEVY_DATA_DIR``)::

    date,clp_per_usd,source
    2025-10-24,951.20,https://si3.bcentral.cl/Indicadoressiete/secure/Indicadoresdiarios.aspx

one row a publication day, dates ascending, ``clp_per_usd`` an exact decimal (CLP per USD).
An order placed on a day takes the latest rate on or before it, at most ``MAX_AGE_DAYS`` old
(weekends and holidays carry the last banking day's rate); otherwise the order is refused with
an error naming the date. The file is read again only when it changes.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from levy.errors import LevyError, NoFxRateError
from levy.fx.store import data_dir

FILE_NAME = "clp_observed_dollar.csv"
HEADER = ("date", "clp_per_usd", "source")
SOURCE = "Banco Central de Chile dólar observado"
MAX_AGE_DAYS = 4
"""A Friday rate still serves the Monday after a holiday weekend; older is no rate."""


class ObservedDollarFileError(LevyError):
    """The observed-dollar file is malformed; names ``file:line:column``."""


class NoObservedDollarRate(NoFxRateError):
    """No observed-dollar rate is held for an order's date."""

    def __init__(self, on: date, path: Path) -> None:
        self.currency, self.on = "CLP", on
        LevyError.__init__(
            self,
            f"no Central Bank of Chile observed dollar (dólar observado) rate held for {on.isoformat()} "
            f"(or the {MAX_AGE_DAYS} days before) in {path}: CLP orders to Chile need it; "
            "import the rates as described in the README (Chile: dólar observado)",
        )


@dataclass(frozen=True, slots=True)
class ObservedDollar:
    """One publication: ``clp_per_usd`` CLP buy one USD on ``on``."""

    on: date
    clp_per_usd: Decimal
    source: str


def rates_path() -> Path:
    """Where the imported rates live: ``<data dir>/clp_observed_dollar.csv``."""
    return data_dir() / FILE_NAME


def read_rates(path: Path) -> tuple[ObservedDollar, ...]:
    """Read and validate the file.

    Raises:
        ObservedDollarFileError: naming file:line:column of the first defect.
    """
    rows: list[ObservedDollar] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        if header != HEADER:
            raise ObservedDollarFileError(f"{path}:1:1: header must be {','.join(HEADER)}")
        for line, record in enumerate(reader, start=2):
            if len(record) != len(HEADER):
                raise ObservedDollarFileError(f"{path}:{line}:1: expected {len(HEADER)} columns")
            try:
                on = date.fromisoformat(record[0])
            except ValueError:
                raise ObservedDollarFileError(f"{path}:{line}:1: date must be YYYY-MM-DD") from None
            try:
                rate = Decimal(record[1])
            except InvalidOperation:
                rate = Decimal(0)
            if not rate.is_finite() or rate <= 0:
                raise ObservedDollarFileError(f"{path}:{line}:2: clp_per_usd must be a positive decimal")
            if not record[2].strip():
                raise ObservedDollarFileError(f"{path}:{line}:3: source must name where the rate comes from")
            if rows and on <= rows[-1].on:
                raise ObservedDollarFileError(f"{path}:{line}:1: dates must ascend ({on} after {rows[-1].on})")
            rows.append(ObservedDollar(on, rate, record[2].strip()))
    return tuple(rows)


@lru_cache(maxsize=4)
def _loaded(path: str, mtime_ns: int) -> tuple[tuple[date, ...], tuple[ObservedDollar, ...]]:
    rows = read_rates(Path(path))
    return tuple(r.on for r in rows), rows


def observed_dollar(on: date, path: Path | None = None) -> ObservedDollar:
    """The rate that converts an order placed on ``on``.

    Raises:
        NoObservedDollarRate: none held on or up to ``MAX_AGE_DAYS`` before ``on``.
        ObservedDollarFileError: the file is malformed.
    """
    path = path or rates_path()
    try:
        days, rows = _loaded(str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise NoObservedDollarRate(on, path) from None
    i = bisect_right(days, on) - 1
    if i < 0 or on - days[i] > timedelta(days=MAX_AGE_DAYS):
        raise NoObservedDollarRate(on, path)
    return rows[i]
