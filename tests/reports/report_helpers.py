"""Helpers of the report tests: the ECB history, the golden lines, a fake rate table."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

from levy.fx import EcbRates, FxRate

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
GOLDEN_LINES = GOLDEN / "lines" / "collection-lines.csv"
GOLDEN_PERIOD = "2026-09"


class _PeriodEndFallback:
    """``EcbRates.period_end_rate`` for a checkout where fx.py does not have it yet (issue 8):
    the rate of the period's last day or of the next day the currency was published."""

    def __init__(self, rates: EcbRates) -> None:
        self.rates = rates

    def period_end_rate(self, currency: str, period_end: date) -> FxRate:
        if currency == "EUR":
            return FxRate("EUR", Decimal(1), period_end, "identity")
        for offset in range(10):
            day = period_end + timedelta(days=offset)
            rate = self.rates.rate(currency, day)
            if rate.on >= period_end:
                return rate
        raise LookupError(f"no ECB {currency} rate on or after {period_end}")


def packaged_rates():
    """The packaged ECB history alone (no user FX store): the same rates on every machine."""
    rates = EcbRates()
    return rates if hasattr(rates, "period_end_rate") else _PeriodEndFallback(rates)


class TableRates:
    """Fixed rates per (currency, period end): units of the currency per euro."""

    def __init__(self, table: dict[tuple[str, str], str]) -> None:
        self.table = {(c, date.fromisoformat(d)): Decimal(r) for (c, d), r in table.items()}
        self.asked: list[tuple[str, date]] = []

    def period_end_rate(self, currency: str, period_end: date) -> FxRate:
        self.asked.append((currency, period_end))
        if currency == "EUR":
            return FxRate("EUR", Decimal(1), period_end, "identity")
        return FxRate(currency, self.table[(currency, period_end)], period_end, "test table")


def read_lines(path: Path) -> pd.DataFrame:
    """Collection lines from CSV: text columns as text, amounts as int64."""
    return pd.read_csv(path, dtype=str, keep_default_na=False).astype({"net_minor": "int64", "vat_minor": "int64"})


def make_lines(*rows: tuple) -> pd.DataFrame:
    """Lines from tuples ``(scheme, period, original_period, kind, country, rate, currency,
    order_id, net_minor, vat_minor)``."""
    columns = ["scheme", "period", "original_period", "kind", "tax_country", "rate_percent",
               "currency", "order_id", "net_minor", "vat_minor"]
    return pd.DataFrame(list(rows), columns=columns).astype({"net_minor": "int64", "vat_minor": "int64"})


class DictLedger:
    """A stand-in for the ledger's totals, computed another way: plain dicts over the rows of
    a CSV read with the csv module (no pandas), counting distinct orders with sets."""

    def __init__(self, path: Path) -> None:
        import csv

        with open(path, newline="", encoding="utf-8") as f:
            self.rows = list(csv.DictReader(f))

    def _rows(self, period: str):
        for r in self.rows:
            if r["period"] == period:
                yield r

    def totals(self, period: str) -> pd.DataFrame:
        sums: dict[tuple, list] = {}
        for r in self._rows(period):
            key = (r["scheme"], r["original_period"], r["tax_country"], r["rate_percent"], r["currency"])
            entry = sums.setdefault(key, [0, 0, set()])
            entry[0] += int(r["net_minor"])
            entry[1] += int(r["vat_minor"])
            if r["kind"] == "sale":
                entry[2].add(r["order_id"])
        return pd.DataFrame(
            [(*k, n, v, len(o)) for k, (n, v, o) in sums.items()],
            columns=["scheme", "original_period", "tax_country", "rate_percent", "currency",
                     "net_minor", "vat_minor", "orders"],
        )

    def order_totals(self, period: str, group) -> pd.DataFrame:
        sums: dict[str, list[int]] = {}
        for r in self._rows(period):
            if all(r[k] == v for k, v in group.items()):
                entry = sums.setdefault(r["order_id"], [0, 0])
                entry[0] += int(r["net_minor"])
                entry[1] += int(r["vat_minor"])
        return pd.DataFrame([(o, n, v) for o, (n, v) in sums.items()], columns=["order_id", "net_minor", "vat_minor"])


def export_with_totals(lines: pd.DataFrame, root: Path, period: str = GOLDEN_PERIOD,
                       months: tuple[str, ...] = ()) -> Path:
    """``write_lines`` plus the ledger totals a report from Parquet is checked against, here
    those of :class:`DictLedger` over the golden lines (what ``levy export`` saves from SQL),
    for ``period`` and each of ``months``."""
    from levy.reports import write_lines
    from levy.reports.export import TOTAL_COLUMNS, write_snapshot

    write_lines(lines, root)
    for month_name in (period, *months):
        month = lines[lines["period"] == month_name]
        orders = month.groupby([*TOTAL_COLUMNS, "order_id"])[["net_minor", "vat_minor"]].sum().reset_index()
        write_snapshot(root, month_name, DictLedger(GOLDEN_LINES).totals(month_name), orders,
                       "tests: DictLedger over tests/golden/lines/collection-lines.csv")
    return root
