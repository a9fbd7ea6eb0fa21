"""One return period's report (a month or a quarter), end to end: aggregate, build, reconcile,
then write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from levy.fx import default_rates
from levy.reports.aggregate import Progress
from levy.reports.build import MonthlyReport, PeriodEndRates, build_report
from levy.reports.reconcile import LedgerTotals, Reconciliation, reconcile
from levy.reports.periods import ReturnLines, ReturnTotals
from levy.reports.schema import check_return_period
from levy.reports.writers import write_report


@dataclass(slots=True)
class ReportRun:
    report: MonthlyReport
    reconciliation: Reconciliation | None
    paths: list[Path]


def make_report(
    lines, period: str, *, fx: PeriodEndRates | None = None, schemes: list[str] | None = None,
    ledger: LedgerTotals | None = None, progress: Progress | None = None,
) -> tuple[MonthlyReport, Reconciliation | None]:
    """Build a period's report from collection lines and, given a ledger, reconcile it.

    A quarter (``YYYY-Qn``) is read as its three months (:mod:`levy.reports.periods`); only the
    schemes that file quarterly are reported for it, and only monthly ones for a month.

    Args:
        lines: a source of collection lines (``FrameLines``, ``ParquetLines``, ``DaskLines``).
        period: ``YYYY-MM`` or ``YYYY-Qn``.
        fx: the ECB history; default ``levy.fx.default_rates()``.
        schemes: only these schemes (a scheme with no lines gets a nil return).
        ledger: the ledger's own totals (``levy.ledger.queries.LedgerQueries``, or
            ``levy.reports.export.SnapshotTotals`` for an export); ``None`` skips the
            reconciliation, which ``levy report`` never does.
        progress: called with (done, total) as the lines are read.

    Raises:
        ReconciliationError: the report does not add up to the ledger.
    """
    check_return_period(period)
    if fx is None:
        fx = default_rates()
    lines = ReturnLines(lines)
    agg = lines.aggregate(period, progress=progress)
    report = build_report(agg, period, fx, schemes)
    checked = reconcile(report, ReturnTotals(ledger), lines) if ledger is not None else None
    return report, checked


def run_report(lines, period: str, out: str | Path, **kwargs) -> ReportRun:
    """:func:`make_report`, then write the files (only once the reconciliation passed)."""
    report, checked = make_report(lines, period, **kwargs)
    return ReportRun(report, checked, write_report(report, out))
