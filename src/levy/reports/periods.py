"""Return periods: what each scheme files, when, and a quarter read as its three months.

:func:`filing_facts` is the one place the reports ask a scheme how it files (period, filing
currency, due date, where its conversion rate comes from): the regime registry
(``levy.regimes.filing``), where each regime module declares its ``FILINGS``.

A quarterly return is made of the lines of its three months. :class:`ReturnLines` and
:class:`ReturnTotals` wrap a monthly lines source and a monthly ledger side so that the rest of
the pipeline (aggregate, build, reconcile) sees one period: sales get the quarter as their
period; a refund gets the quarter it was recorded in as its period and the quarter its order
was paid in as its original period. A refund of an order paid in the same quarter therefore
nets into that quarter's figures, and a refund of an earlier quarter becomes a correction of
that quarter, converted at that quarter's rate (VAT Directive Art. 369f and 369t(2); the same
rule a month applies, Art. 369t(2) for IOSS).

References:
    https://eur-lex.europa.eu/eli/dir/2006/112/oj (Art. 369f: Union scheme, calendar quarter,
    return due by the end of the following month; Art. 369h(2): conversion at the ECB rate of
    the period's last day or the next publication; Art. 369s: IOSS, monthly, due by the end of
    the following month; Art. 369t(2): amendments in a subsequent return)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

import pandas as pd

from levy.regimes import FilingFacts, filing, filings
from levy.reports.aggregate import Progress
from levy.reports.schema import (
    AMOUNT_COLUMNS,
    KEY_COLUMNS,
    ReportError,
    filing_currency,
    is_quarter,
    last_day,
    months_of,
    period_of,
    quarter_of,
)

PeriodKind = Literal["month", "quarter"]


TAX_NAMES: dict[str, str] = {
    "NO_VOEC": "MVA",  # merverdiavgift (merverdiavgiftsloven)
    "AU_GST_LVG": "GST", "NZ_GST_LVG": "GST", "SG_GST_LVG": "GST",
    "MY_LVG": "sales tax",  # Sales Tax Act 2018 (low value goods)
    "CL_LVG": "IVA",  # impuesto al valor agregado (Ley 21.713)
    "JP_LVG": "consumption tax",
}
"""The tax's name where it is not "VAT"."""


def tax_name(scheme: str) -> str:
    """``"VAT"``, ``"GST"``, ``"MVA"``...: how the scheme's return names its tax."""
    return TAX_NAMES.get(scheme, "VAT")


def filing_facts(scheme: str) -> FilingFacts:
    """How ``scheme`` files its returns: period, currency, due day, FX source and law, as its
    regime module declares them (``levy.regimes.filing``).

    Raises:
        ReportError: an unknown scheme (names the known ones).
    """
    filing_currency(scheme)  # ReportError naming the known schemes
    return filing(scheme)


def known_schemes() -> list[str]:
    return sorted(str(s) for s in filings())


def period_kind(period: str) -> PeriodKind:
    return "quarter" if is_quarter(period) else "month"


def filing_period(scheme: str, day: date) -> str:
    """The return period of ``scheme`` that ``day`` falls in (``2026-08-14`` -> ``2026-Q3``
    for the OSS, ``2026-08`` for the IOSS)."""
    month = period_of(day)
    return quarter_of(month) if filing_facts(scheme).period == "quarter" else month


def check_scheme_period(scheme: str, period: str) -> None:
    """Refuse a period the scheme does not file for: a quarter for a monthly scheme, a month
    for a quarterly one.

    Raises:
        ReportError: says which period the scheme files and gives the one to ask for.
    """
    facts = filing_facts(scheme)
    if period_kind(period) == facts.period:
        return
    months = months_of(period)
    if facts.period == "quarter":
        raise ReportError(f"{scheme} files quarterly returns: ask for --period {quarter_of(months[0])}, the "
                          f"quarter {period} falls in ({facts.law})")
    raise ReportError(f"{scheme} files monthly returns: ask for one month of {period} at a time, "
                      f"{months[0]} to {months[-1]} ({facts.law})")


def due_date(scheme: str, period: str) -> date:
    """When the return of ``scheme`` for ``period`` is due.

    >>> due_date("EU_IOSS", "2026-11"), due_date("EU_OSS", "2026-Q4")
    (datetime.date(2026, 12, 31), datetime.date(2027, 1, 31))
    """
    return filing_facts(scheme).due(last_day(period))


def periods_between(scheme: str, first: date, last: date) -> list[str]:
    """Every return period of ``scheme`` that ends between ``first`` and ``last``, in order."""
    out: list[str] = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        period = filing_period(scheme, date(year, month, 1))
        end = last_day(period)
        if first <= end <= last and period not in out:
            out.append(period)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


# ---- a return's period read as its months -------------------------------------------------


def _relabel(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    """Month labels -> the return's period (sales and refunds recorded in it), and each
    original month -> the period of the same kind it falls in."""
    if not is_quarter(period) or frame.empty:
        return frame
    frame = frame.copy()
    frame["period"] = period
    frame["original_period"] = frame["original_period"].map(quarter_of)
    return frame


def _sum(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.groupby(keys, sort=True, dropna=False)[values].sum().reset_index()


def _original_months(period: str, group: Mapping[str, str]) -> list[str]:
    original = group.get("original_period", period)
    return list(months_of(original)) if is_quarter(period) else [original]


class ReturnLines:
    """A monthly lines source (``FrameLines``, ``ParquetLines``, ``DaskLines``, ``LedgerLines``)
    read for a return's period, month or quarter."""

    def __init__(self, source) -> None:
        self.source = source
        self.engine = getattr(source, "engine", "pandas")

    def aggregate(self, period: str, progress: Progress | None = None) -> pd.DataFrame:
        if not is_quarter(period):
            return self.source.aggregate(period, progress=progress)
        frames, offset = [], 0
        for month in months_of(period):
            seen = {"done": 0}

            def step(done: int, total: int, offset=offset, seen=seen) -> None:
                seen["done"] = done
                if progress:
                    progress(offset + done, offset + (total or done))

            frames.append(self.source.aggregate(month, progress=step))
            offset += seen["done"]
        agg = _relabel(pd.concat(frames, ignore_index=True), period)
        return _sum(agg, list(KEY_COLUMNS), [*AMOUNT_COLUMNS, "rows"])

    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame:
        if not is_quarter(period):
            return self.source.order_totals(period, group)
        frames = [self.source.order_totals(month, {**group, "original_period": original})
                  for month in months_of(period) for original in _original_months(period, group)
                  if original <= month]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=["order_id", *AMOUNT_COLUMNS])
        return _sum(pd.concat(frames, ignore_index=True), ["order_id"],
                    [c for c in frames[0].columns if c != "order_id"])


class ReturnTotals:
    """A ledger side (``LedgerQueries``, ``SnapshotTotals``) read for a return's period."""

    def __init__(self, ledger) -> None:
        self.ledger = ledger
        if hasattr(ledger, "unbalanced"):
            self.unbalanced = self._unbalanced

    def totals(self, period: str) -> pd.DataFrame:
        if not is_quarter(period):
            return self.ledger.totals(period)
        frame = pd.concat([self.ledger.totals(m) for m in months_of(period)], ignore_index=True)
        frame = frame.assign(original_period=frame["original_period"].map(quarter_of)) if len(frame) else frame
        keys = ["scheme", "original_period", "tax_country", "rate_percent", "currency"]
        return _sum(frame, keys, ["net_minor", "vat_minor", "orders"])

    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame:
        return ReturnLines(self.ledger).order_totals(period, group)

    def _unbalanced(self, period: str) -> pd.DataFrame:
        frames = [self.ledger.unbalanced(m) for m in months_of(period)]
        return pd.concat(frames, ignore_index=True)

    def manifest(self, period: str):
        return [self.ledger.manifest(m) for m in months_of(period)]

