"""Reconciliation of a monthly report with the ledger, in the order currencies, to the cent.

Before any file is written, the report's by-currency totals (the amounts the return converts)
are compared with totals the ledger computes by itself, from its own tables, per scheme,
original period, country, rate and order currency: taxable amount, VAT and the number of
orders paid. Any difference stops the report, and for each group that differs the two sides are
compared order by order, so the error names the orders that explain it (a line missing from an
export, an amount changed, a refund counted twice...).

The ledger side is anything with the two methods of :class:`LedgerTotals`; ``levy.ledger``
provides it for the database (SQL sums over the stored amount rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

import pandas as pd

from levy.money import format_rate, minor_units
from levy.reports.build import MonthlyReport
from levy.reports.schema import ReportError

GROUP = ("scheme", "original_period", "tax_country", "rate_percent", "currency")
"""The grain of the check: one by-currency row of a report."""
SHOWN_ORDERS = 20
"""How many explaining order ids an error message lists per group (all are on the error)."""


class LedgerTotals(Protocol):
    """The ledger's own totals for a month (amounts in minor units, refunds negative)."""

    def totals(self, period: str) -> pd.DataFrame:
        """Columns ``GROUP`` + ``net_minor, vat_minor, orders`` for the sales paid in ``period``
        and the refunds recorded in it; ``orders`` counts the orders paid in the period at that
        rate (0 for the refunds of earlier periods)."""
        ...

    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame:
        """Columns ``order_id, net_minor, vat_minor``: per order, what ``totals`` added up for
        one group."""
        ...


class LinesOrders(Protocol):
    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame: ...


@dataclass(frozen=True, slots=True)
class OrderDifference:
    order_id: str
    report: tuple[int, int] | None
    """(net, VAT) in minor units in the report's lines; ``None``: not there."""
    ledger: tuple[int, int] | None
    lines: int = 1
    """How many sale lines of the group the report counted for the order."""


@dataclass(slots=True)
class GroupDifference:
    group: dict[str, str]
    report: tuple[int, int, int]
    """(net, VAT, orders) of the report, minor units."""
    ledger: tuple[int, int, int]
    orders: list[OrderDifference] = field(default_factory=list)

    def describe(self) -> str:
        g = self.group
        cur = g["currency"]
        digits = minor_units(cur)

        def money(v: int) -> str:
            return f"{v / 10**digits:.{digits}f}" if digits else str(v)

        label = f"{g['scheme']} {g['original_period']} {g['tax_country']} {g['rate_percent']}% {cur}"
        parts = []
        for name, i in (("taxable", 0), ("VAT", 1)):
            if self.report[i] != self.ledger[i]:
                parts.append(f"{name} report {money(self.report[i])} vs ledger {money(self.ledger[i])}")
        if self.report[2] != self.ledger[2]:
            parts.append(f"orders report {self.report[2]} vs ledger {self.ledger[2]}")
        ids = [o.order_id for o in self.orders]
        shown = ", ".join(ids[:SHOWN_ORDERS]) + (f" and {len(ids) - SHOWN_ORDERS} more" if len(ids) > SHOWN_ORDERS else "")
        return f"{label}: {'; '.join(parts)}; orders explaining it: {shown or 'none found'}"


class ReconciliationError(ReportError):
    """The report does not add up to the ledger; ``differences`` holds every group and order."""

    def __init__(self, period: str, differences: list[GroupDifference]) -> None:
        self.period = period
        self.differences = differences
        lines = "\n".join("  " + d.describe() for d in differences)
        super().__init__(
            f"the {period} report does not reconcile with the ledger in {len(differences)} "
            f"group{'s' if len(differences) != 1 else ''} (order currency, to the cent); no file "
            f"was written:\n{lines}"
        )

    @property
    def order_ids(self) -> list[str]:
        return sorted({o.order_id for d in self.differences for o in d.orders})


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What was checked: groups compared and the totals per scheme and order currency."""

    period: str
    groups: int
    totals: dict[tuple[str, str], tuple[int, int]]
    """(scheme, currency) -> (net, VAT) in minor units, equal on both sides."""


def _to_minor(amount, currency: str) -> int:
    scaled = amount.scaleb(minor_units(currency))
    value = int(scaled)
    if value != scaled:
        raise ReportError(f"{amount} {currency} has more decimals than the currency's minor unit")
    return value


def report_totals(report: MonthlyReport) -> pd.DataFrame:
    """The report's by-currency amounts back in minor units, per ``GROUP``."""
    rows = []
    for scheme in report.schemes.values():
        for r in scheme.by_currency.itertuples(index=False):
            rows.append({
                "scheme": r.scheme, "original_period": r.original_period, "tax_country": r.tax_country,
                "rate_percent": r.rate_percent, "currency": r.currency,
                "net_minor": _to_minor(r.taxable_amount, r.currency),
                "vat_minor": _to_minor(r.vat_amount, r.currency), "orders": int(r.orders),
            })
    return pd.DataFrame(rows, columns=list(GROUP) + ["net_minor", "vat_minor", "orders"])


def _ledger_frame(ledger: LedgerTotals, period: str, schemes: set[str]) -> pd.DataFrame:
    frame = ledger.totals(period)
    frame = frame[frame["scheme"].isin(schemes)].copy()
    frame["rate_percent"] = frame["rate_percent"].map(lambda r: format_rate(Decimal(str(r))))
    return (
        frame.groupby(list(GROUP), sort=True)[["net_minor", "vat_minor", "orders"]].sum().reset_index()
        if len(frame) else pd.DataFrame(columns=list(GROUP) + ["net_minor", "vat_minor", "orders"])
    )


def reconcile(report: MonthlyReport, ledger: LedgerTotals, lines: LinesOrders) -> Reconciliation:
    """Check the report against the ledger's totals; explain any difference order by order.

    Raises:
        ReconciliationError: a group differs in taxable amount, VAT or orders.
    """
    ours = report_totals(report)
    theirs = _ledger_frame(ledger, report.period, set(report.schemes))
    merged = ours.merge(theirs, on=list(GROUP), how="outer", suffixes=("_report", "_ledger"), indicator=False)
    for column in ("net_minor", "vat_minor", "orders"):
        for side in ("_report", "_ledger"):
            merged[column + side] = merged[column + side].fillna(0).astype("int64")
    differs = (
        (merged["net_minor_report"] != merged["net_minor_ledger"])
        | (merged["vat_minor_report"] != merged["vat_minor_ledger"])
        | (merged["orders_report"] != merged["orders_ledger"])
    )
    differences = []
    for r in merged[differs].sort_values(list(GROUP)).itertuples(index=False):
        group = {name: getattr(r, name) for name in GROUP}
        diff = GroupDifference(
            group,
            (r.net_minor_report, r.vat_minor_report, r.orders_report),
            (r.net_minor_ledger, r.vat_minor_ledger, r.orders_ledger),
        )
        diff.orders = _explain(report.period, group, ledger, lines)
        differences.append(diff)
    if differences:
        raise ReconciliationError(report.period, differences)
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for r in ours.itertuples(index=False):
        net, vat = totals.get((r.scheme, r.currency), (0, 0))
        totals[(r.scheme, r.currency)] = (net + r.net_minor, vat + r.vat_minor)
    return Reconciliation(report.period, len(merged), dict(sorted(totals.items())))


def _explain(period: str, group: dict[str, str], ledger: LedgerTotals, lines: LinesOrders) -> list[OrderDifference]:
    mine = lines.order_totals(period, group)
    theirs = ledger.order_totals(period, group)
    merged = mine.merge(theirs, on="order_id", how="outer", suffixes=("_report", "_ledger"))
    out = []
    for r in merged.sort_values("order_id").itertuples(index=False):
        report_side = None if pd.isna(r.net_minor_report) else (int(r.net_minor_report), int(r.vat_minor_report))
        ledger_side = None if pd.isna(r.net_minor_ledger) else (int(r.net_minor_ledger), int(r.vat_minor_ledger))
        count = int(r.sale_rows) if "sale_rows" in merged.columns and not pd.isna(r.sale_rows) else 1
        if report_side != ledger_side or count > 1:
            out.append(OrderDifference(str(r.order_id), report_side, ledger_side, count))
    return out
