"""Reconciliation of a monthly report with the ledger, in the order currencies, to the cent.

Before any file is written, the report's by-currency totals (the amounts the return converts)
are compared with totals the ledger computes by itself, from its own tables, per scheme,
original period, country, rate and order currency: taxable amount, VAT and the number of
orders paid. Any difference stops the report, and for each group that differs the two sides are
compared order by order, so the error names the orders that explain it (a line missing from an
export, an amount changed, a refund counted twice...).

The ledger side is anything with the two methods of :class:`LedgerTotals`; ``levy.ledger``
provides it for the database (``levy.ledger.queries``: SQL sums over the stored amount rows)
and ``levy export`` keeps a snapshot of it beside the exported lines
(``levy.reports.export.SnapshotTotals``), so a report made from Parquet is checked too.

A ledger side may also answer ``unbalanced(period)``: the orders (and refunds) whose amount
rows do not add up to the totals the ledger recorded for them. The report and the ledger's
group totals both sum those rows, so a row changed behind the ledger's back moves both alike;
this is the check that catches it, and it stops the report the same way, naming the order.
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

    # Optional: ``unbalanced(period) -> pd.DataFrame`` with columns ``order_id, refund_id,
    # scheme, currency, rows_net, rows_vat, recorded_net, recorded_vat`` (module docstring).


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


def _money(amount: int, currency: str) -> str:
    """Minor units as the currency writes them, exactly: ``1612`` EUR -> ``"16.12"``, JPY ``"100"``."""
    return format(Decimal(int(amount)).scaleb(-minor_units(currency)), "f")


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

        def money(v: int) -> str:
            return _money(v, cur)

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


@dataclass(frozen=True, slots=True)
class Imbalance:
    """An order, or a refund of it, whose amount rows do not add up to what the ledger recorded
    for it (the decision's totals, the refund's net and VAT)."""

    order_id: str
    refund_id: str | None
    currency: str
    rows: tuple[int, int]
    """(net, VAT) of the amount rows, minor units."""
    recorded: tuple[int, int]
    """(net, VAT) the decision (or the refund) recorded."""

    def describe(self) -> str:
        def money(v: int) -> str:
            return _money(v, self.currency)

        if self.refund_id:
            what, whose = f"order {self.order_id}, refund {self.refund_id}", "refund"
        else:
            what, whose = f"order {self.order_id}", "decision"
        parts = [f"{name}: rows {money(self.rows[i])} {self.currency}, {whose} {money(self.recorded[i])} "
                 f"{self.currency}" for name, i in (("taxable", 0), ("VAT", 1)) if self.rows[i] != self.recorded[i]]
        return f"{what}: its amount rows do not add up to the {whose}'s totals ({'; '.join(parts)})"


class ReconciliationError(ReportError):
    """The report does not add up to the ledger; ``differences`` holds every group and order,
    ``imbalances`` every order whose amount rows do not add up to its recorded totals."""

    def __init__(self, period: str, differences: list[GroupDifference],
                 imbalances: list[Imbalance] | None = None) -> None:
        self.period = period
        self.differences = differences
        self.imbalances = list(imbalances or ())
        parts = []
        if differences:
            parts.append(
                f"the {period} report does not reconcile with the ledger in {len(differences)} "
                f"group{'s' if len(differences) != 1 else ''} (order currency, to the cent):\n"
                + "\n".join("  " + d.describe() for d in differences)
            )
        if self.imbalances:
            n = len(self.imbalances)
            parts.append(
                f"the ledger does not add up for {n} order{'s' if n != 1 else ''} of {period} (its amount "
                "rows differ from the totals it recorded: changed outside levy?):\n"
                + "\n".join("  " + i.describe() for i in self.imbalances)
            )
        super().__init__("\n".join(parts) + "\nno file was written")

    @property
    def order_ids(self) -> list[str]:
        return sorted({o.order_id for d in self.differences for o in d.orders}
                      | {i.order_id for i in self.imbalances})


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
        ReconciliationError: a group differs in taxable amount, VAT or orders, or the ledger's
            amount rows do not add up to its recorded totals for an order of the report.
    """
    imbalances = _imbalances(report, ledger)
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
    if differences or imbalances:
        raise ReconciliationError(report.period, differences, imbalances)
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for r in ours.itertuples(index=False):
        net, vat = totals.get((r.scheme, r.currency), (0, 0))
        totals[(r.scheme, r.currency)] = (net + r.net_minor, vat + r.vat_minor)
    return Reconciliation(report.period, len(merged), dict(sorted(totals.items())))


def imbalances_of(frame: pd.DataFrame, schemes: set[str] | None = None) -> list[Imbalance]:
    """The rows of an ``unbalanced(period)`` frame as :class:`Imbalance` (of ``schemes`` only)."""
    if schemes is not None:
        frame = frame[frame["scheme"].isin(schemes)]
    return [
        Imbalance(str(r.order_id), None if pd.isna(r.refund_id) else str(r.refund_id), str(r.currency),
                  (int(r.rows_net), int(r.rows_vat)), (int(r.recorded_net), int(r.recorded_vat)))
        for r in frame.itertuples(index=False)
    ]


def _imbalances(report: MonthlyReport, ledger: LedgerTotals) -> list[Imbalance]:
    check = getattr(ledger, "unbalanced", None)
    return imbalances_of(check(report.period), set(report.schemes)) if check is not None else []


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
