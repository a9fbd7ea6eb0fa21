"""Monthly collection reports (the IOSS return and its siblings, VAT Directive Art. 369t).

Finance files, every month and per scheme, what the platform collected per country of
consumption and rate, converted into the return's currency at the ECB rate of the period's
last day, with the refunds of earlier months as corrections. The pipeline:

1. collection lines (:mod:`levy.reports.schema`) come from the ledger, streamed out of its
   database (:mod:`levy.reports.ledger`, SQL in ``levy.ledger.queries``) or from a partitioned
   Parquet export with a snapshot of the ledger's totals (:mod:`levy.reports.export`);
2. :mod:`levy.reports.aggregate` sums them in one pass, on pandas or on a Dask cluster, into a
   few thousand integer totals;
3. :mod:`levy.reports.build` converts and rounds those totals into the return's tables;
4. :mod:`levy.reports.reconcile` checks them against the ledger's own totals, to the cent,
   and stops the report on any difference, naming the orders that explain it;
5. :mod:`levy.reports.writers` writes CSV, Parquet, an Excel workbook and a chart.

``levy report`` and ``levy export`` are the command-line entry points.

References:
    https://eur-lex.europa.eu/eli/dir/2006/112/oj (Art. 365, 366, 369s, 369t, 369u)
    https://eur-lex.europa.eu/eli/reg_impl/2011/282/oj (Art. 60, 61c)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DaskLines": "aggregate", "FrameLines": "aggregate", "ParquetLines": "aggregate",
    "aggregate_frame": "aggregate", "partial_aggregate": "aggregate",
    "MonthlyReport": "build", "SchemeReport": "build", "build_report": "build",
    "write_lines": "export", "export_period": "export", "write_snapshot": "export",
    "SnapshotTotals": "export",
    "LedgerLines": "ledger", "open_ledger": "ledger", "open_month": "ledger",
    "LedgerTotals": "reconcile", "ReconciliationError": "reconcile", "reconcile": "reconcile",
    "make_report": "run", "run_report": "run",
    "FILING_CURRENCIES": "schema", "LINE_COLUMNS": "schema", "LinesDataError": "schema",
    "ReportError": "schema", "period_end": "schema",
    "write_report": "writers",
}
"""Public names and their modules. Loaded on first use, so that ``levy.reports.commands`` (and
with it ``levy --help`` and ``levy quote``) never imports pandas."""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'levy.reports' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"levy.reports.{module}"), name)
    globals()[name] = value
    return value
