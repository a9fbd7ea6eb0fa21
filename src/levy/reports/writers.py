"""Report files: CSV (the golden, exact form), Parquet, one Excel workbook and a PNG chart.

For scheme ``S`` and period ``P`` the files in the output directory are:

* ``S-P-by-country.csv``, ``S-P-corrections.csv``, ``S-P-by-currency.csv``: amounts as plain
  decimal text with the currency's minor-unit decimals (``"1234.50"``, JPY ``"1200"``), ``\\n``
  line ends, so the same data always gives the same bytes;
* the same three tables as ``.parquet``, amounts as ``decimal128`` (exact);
* ``S-P.xlsx``: one sheet per table plus a ``summary`` sheet (amounts as numbers with the
  currency's decimals);
* ``S-P-vat-by-country.png``: VAT of the period by country of consumption.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pandas as pd

from levy.money import minor_units
from levy.reports.build import BY_COUNTRY, BY_CURRENCY, CORRECTIONS, TABLES, MonthlyReport, SchemeReport

AMOUNT_PREFIXES = ("taxable_amount", "vat_amount")


def stem(report: SchemeReport) -> str:
    return f"{report.scheme}-{report.period}"


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
        path = out / f"{stem(report)}-{name}.parquet"
        pq.write_table(_arrow_table(table, report), path)
        paths.append(path)
    return paths


def write_csv(report: SchemeReport, out: Path) -> list[Path]:
    paths = []
    for name, table in report.tables().items():
        path = out / f"{stem(report)}-{name}.csv"
        path.write_text(table_csv(table), encoding="utf-8", newline="")
        paths.append(path)
    return paths


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def write_xlsx(report: SchemeReport, out: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    filing_decimals = minor_units(report.currency)
    totals = report.totals()
    summary = workbook.create_sheet("summary")
    summary.append(["scheme", report.scheme])
    summary.append(["period", report.period])
    summary.append(["filing currency", report.currency])
    summary.append([])
    summary.append(["total", "amount"])
    for label, key in (
        ("taxable amount of the period", "taxable"), ("VAT of the period", "vat"),
        ("corrections of earlier periods: taxable amount", "corrections_taxable"),
        ("corrections of earlier periods: VAT", "corrections_vat"), ("VAT due", "vat_due"),
    ):
        summary.append([label, totals[key]])
        summary.cell(summary.max_row, 2).number_format = _number_format(filing_decimals)
    summary.append(["orders paid in the period", totals["orders"]])
    for cell in summary["A"]:
        cell.font = bold
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 18
    for name in TABLES:
        table = report.tables()[name]
        sheet = workbook.create_sheet(name)
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = bold
        for row in table.itertuples(index=False, name=None):
            sheet.append([v if isinstance(v, (Decimal, int)) else _text(v) for v in row])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(column) + 2)
            if not _is_amount(column):
                continue
            for row_index in range(2, sheet.max_row + 1):
                cell = sheet.cell(row_index, index)
                currency = report.currency
                if name == BY_CURRENCY and column in ("taxable_amount", "vat_amount"):
                    currency = sheet.cell(row_index, list(table.columns).index("currency") + 1).value
                cell.number_format = _number_format(minor_units(currency))
        sheet.freeze_panes = "A2"
    path = out / f"{stem(report)}.xlsx"
    workbook.save(path)
    return path


def write_chart(report: SchemeReport, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from levy.context import country_name

    _, vat_col = report.amount_columns
    table = report.by_country
    per_country: dict[str, Decimal] = {}
    for country, amount in zip(table["tax_country"], table[vat_col]):
        per_country[country] = per_country.get(country, Decimal(0)) + amount
    ordered = sorted(per_country.items(), key=lambda kv: (kv[1], kv[0]))
    height = max(3.0, 0.45 * len(ordered) + 1.6)
    fig, ax = plt.subplots(figsize=(9, height))
    if ordered:
        labels = [f"{country_name(c)} ({c})" for c, _ in ordered]
        values = [float(v) for _, v in ordered]  # drawing only; the files keep exact decimals
        bars = ax.barh(labels, values, color="#2f6b9a")
        decimals = minor_units(report.currency)
        ax.bar_label(bars, labels=[f"{v:,.{decimals}f}" for _, v in ordered], padding=3, fontsize=8)
        ax.margins(x=0.15)
    else:
        ax.text(0.5, 0.5, "No collections in this period (nil return)", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_title(f"{report.scheme} {report.period}: VAT collected by country of consumption")
    ax.set_xlabel(f"VAT ({report.currency}), orders paid in {report.period}, net of refunds")
    ax.set_ylabel("Country of consumption")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    fig.tight_layout()
    path = out / f"{stem(report)}-vat-by-country.png"
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


def write_report(report: MonthlyReport, out: Path | str) -> list[Path]:
    """Write every scheme's files into ``out`` (created if needed); returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for scheme in report.schemes.values():
        paths += write_csv(scheme, out)
        paths += write_parquet(scheme, out)
        paths.append(write_xlsx(scheme, out))
        paths.append(write_chart(scheme, out))
    return paths


__all__ = ["write_report", "table_csv", "BY_COUNTRY", "CORRECTIONS", "BY_CURRENCY"]
