"""Return folders: ``OUT/<scheme>/<period>/``, one per return, a person can read.

* ``README.md``: what the return is, its totals, when it is due, and what every column of the
  files means (:data:`COLUMNS`);
* ``by-country.csv``, ``corrections.csv``, ``by-currency.csv``: the machine column names (the
  contract of the files), amounts as plain decimal text with the currency's minor-unit decimals
  (``"1234.50"``, JPY ``"1200"``), ``\\n`` line ends, so the same data always gives the same bytes;
* the same three tables as ``.parquet``, amounts as ``decimal128`` (exact);
* ``<scheme>-<period>.xlsx``: the workbook for people (:mod:`levy.reports.workbook`);
* ``<tax>-by-country.png``: the period's tax by country of consumption.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd

from levy.money import minor_units
from levy.reports.build import BY_COUNTRY, BY_CURRENCY, CORRECTIONS, MonthlyReport, SchemeReport
from levy.reports.periods import due_date, filing_facts, tax_name
from levy.reports.workbook import write_chart, write_xlsx

AMOUNT_PREFIXES = ("taxable_amount", "vat_amount")


COLUMNS: dict[str, str] = {
    "scheme": "the scheme's code (EU_IOSS, EU_OSS, UK_MARKETPLACE...)",
    "period": "the return's period: YYYY-MM (monthly schemes) or YYYY-Qn (quarterly)",
    "original_period": "the period the corrected orders were paid in (corrections, by currency)",
    "tax_country": "ISO 3166-1 alpha-2 code of the country of consumption",
    "rate_percent": "the rate applied, in percent, as the contract writes it (\"19\", \"5.5\")",
    "currency": "ISO 4217 code of the orders' currency",
    "taxable_amount": "taxable amount in the order currency (by currency)",
    "vat_amount": "tax in the order currency (by currency)",
    "orders": "orders paid in the period at that rate (corrections: none)",
    "fx_date": "the day of the ECB rate used (empty: no conversion)",
    "ecb_rate": "ECB reference rate of the order currency, units per euro",
    "ecb_rate_<filing>": "ECB reference rate of the filing currency, units per euro",
    "taxable_amount_<filing>": "taxable amount in the filing currency, rounded half-up to its minor unit",
    "vat_amount_<filing>": "tax in the filing currency, rounded half-up to its minor unit",
}
"""The machine columns of the CSV and Parquet files (``<filing>`` is the filing currency's
code in lower case, e.g. ``taxable_amount_eur``)."""


def stem(report: SchemeReport) -> str:
    return f"{report.scheme}-{report.period}"


def return_dir(out: Path | str, scheme: str, period: str) -> Path:
    """``OUT/<scheme>/<period>``: where a return's files go."""
    return Path(out) / scheme / period


def _text(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def table_csv(table: pd.DataFrame) -> str:
    """A table as the report's CSV text (exact decimals, ``\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(table.columns))
    for row in table.itertuples(index=False, name=None):
        writer.writerow([_text(v) for v in row])
    return buffer.getvalue()


def _is_amount(column: str) -> bool:
    return column.startswith(AMOUNT_PREFIXES)


def _arrow_table(table: pd.DataFrame, report: SchemeReport):
    import pyarrow as pa

    scales = [minor_units(report.currency)]
    if "currency" in table.columns and len(table):
        scales += [minor_units(c) for c in set(table["currency"])]
    scale = max(scales)
    arrays, names = [], []
    for column in table.columns:
        values = table[column].tolist()
        if _is_amount(column):
            arrays.append(pa.array(values, type=pa.decimal128(38, scale)))
        elif column == "orders":
            arrays.append(pa.array(values, type=pa.int64()))
        else:
            arrays.append(pa.array([_text(v) for v in values], type=pa.string()))
        names.append(column)
    return pa.Table.from_arrays(arrays, names=names)


def write_parquet(report: SchemeReport, out: Path) -> list[Path]:
    import pyarrow.parquet as pq

    paths = []
    for name, table in report.tables().items():
        path = out / f"{name}.parquet"
        pq.write_table(_arrow_table(table, report), path)
        paths.append(path)
    return paths


def write_csv(report: SchemeReport, out: Path) -> list[Path]:
    paths = []
    for name, table in report.tables().items():
        path = out / f"{name}.csv"
        path.write_text(table_csv(table), encoding="utf-8", newline="")
        paths.append(path)
    return paths


def readme(report: SchemeReport) -> str:
    """The folder's ``README.md``: the return in a few lines, then the files and their columns."""
    facts = filing_facts(report.scheme)
    tax, cur = tax_name(report.scheme), report.currency
    d = minor_units(cur)
    t = report.totals()
    due = due_date(report.scheme, report.period)
    lines = [
        f"# {report.scheme} {tax} return, {report.period}", "",
        f"- Filing currency: {cur}; converted at the {facts.fx_source}.",
        f"- Due: {due.isoformat()} ({facts.due_rule.text}; {facts.law}).",
        f"- Orders paid in the period: {t['orders']:,}.",
        f"- Taxable amount of the period: {t['taxable']:,.{d}f} {cur}; {tax}: {t['vat']:,.{d}f} {cur}.",
        f"- Corrections of earlier periods: taxable {t['corrections_taxable']:,.{d}f} {cur}; "
        f"{tax} {t['corrections_vat']:,.{d}f} {cur}.",
        f"- **{tax} due: {t['vat_due']:,.{d}f} {cur}.**", "",
        "## Files", "",
        f"- `{stem(report)}.xlsx`: the workbook (Summary, By country, Corrections, By currency).",
        f"- `{BY_COUNTRY}.csv` / `.parquet`: per country of consumption and rate, the period's sales net "
        "of its own refunds.",
        f"- `{CORRECTIONS}.csv` / `.parquet`: refunds of orders paid in earlier periods, by original period "
        "(VAT Directive Art. 369t(2)), converted at that period's rate.",
        f"- `{BY_CURRENCY}.csv` / `.parquet`: the same per order currency, with the ECB rates used.",
        f"- `{tax.lower().replace(' ', '-')}-by-country.png`: the chart.", "",
        "## Columns of the CSV and Parquet files", "",
        "| column | meaning |", "|---|---|",
        *(f"| `{name}` | {meaning} |" for name, meaning in COLUMNS.items()), "",
    ]
    return "\n".join(lines)


def write_return(report: SchemeReport, out: Path | str) -> list[Path]:
    """One return's folder, ``OUT/<scheme>/<period>/`` (created if needed)."""
    folder = return_dir(out, report.scheme, report.period)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "README.md"]
    paths[0].write_text(readme(report), encoding="utf-8", newline="")
    paths += write_csv(report, folder)
    paths += write_parquet(report, folder)
    paths.append(write_xlsx(report, folder / f"{stem(report)}.xlsx"))
    tax = tax_name(report.scheme).lower().replace(" ", "-")
    paths.append(write_chart(report, folder / f"{tax}-by-country.png"))
    return paths


def write_report(report: MonthlyReport, out: Path | str) -> list[Path]:
    """Write every scheme's return folder under ``out``; returns the paths written.

    All or nothing: the files are written under a hidden directory inside ``out`` and moved into
    place (a rename, which needs no space) only once every one is complete, so a full disk or a
    read-only directory leaves no half-written return behind.

    Raises:
        OSError: a file cannot be written; ``out`` holds what it held before.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".levy-report-", dir=out))
    try:
        staged: list[Path] = []
        for scheme in report.schemes.values():
            staged += write_return(scheme, staging)
        finals = [out / path.relative_to(staging) for path in staged]
        for final in finals:
            final.parent.mkdir(parents=True, exist_ok=True)
        for path, final in zip(staged, finals):
            os.replace(path, final)
        return finals
    finally:
        shutil.rmtree(staging, ignore_errors=True)


__all__ = ["write_report", "write_return", "return_dir", "readme", "table_csv", "COLUMNS",
           "BY_COUNTRY", "CORRECTIONS", "BY_CURRENCY"]
