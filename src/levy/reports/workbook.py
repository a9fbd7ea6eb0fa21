"""The return as a person reads it: one Excel workbook and one chart per scheme and period.

The CSV and Parquet files keep the machine column names (the contract of those files,
documented in the folder's README); the workbook shows the same tables with human headers,
country names beside the codes, amounts as numbers in the currency's number format (ISO 4217
minor unit), rates as numbers, dates as dates, a totals row equal to the return's total, an
autofilter and a frozen header. Chart titles name the tax (VAT, GST, MVA...) and the period.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from levy.countries import country_name
from levy.money import minor_units
from levy.reports.build import BY_COUNTRY, BY_CURRENCY, CORRECTIONS, SchemeReport
from levy.reports.periods import tax_name

SHEET_TITLES = {BY_COUNTRY: "By country", CORRECTIONS: "Corrections", BY_CURRENCY: "By currency"}
"""Sheet names of the three tables (after the ``Summary`` sheet)."""
DATE_FORMAT = "yyyy-mm-dd"
RATE_FORMAT = "0.0##"
BOLD = Font(bold=True)


def number_format(currency: str) -> str:
    """The Excel number format of an amount in ``currency``: thousands separator, the ISO 4217
    minor unit's decimals, the code after the number (``#,##0.00 "EUR"``; JPY ``#,##0 "JPY"``)."""
    decimals = minor_units(currency)
    return "#,##0" + ("." + "0" * decimals if decimals else "") + f' "{currency}"'


def human_header(column: str, report: SchemeReport) -> str:
    """A column's header in the workbook (the machine name stays in CSV and Parquet)."""
    tax = tax_name(report.scheme)
    filing = report.currency
    fixed = {
        "scheme": "Scheme", "period": "Period", "original_period": "Original period",
        "tax_country": "Country code", "rate_percent": "Rate (%)", "currency": "Order currency",
        "orders": "Orders paid", "fx_date": "ECB rate date",
        "taxable_amount": "Taxable amount (order currency)", "vat_amount": f"{tax} (order currency)",
        "ecb_rate": "ECB rate (units per EUR)", f"ecb_rate_{filing.lower()}": f"ECB rate of {filing} (units per EUR)",
        f"taxable_amount_{filing.lower()}": f"Taxable amount ({filing})",
        f"vat_amount_{filing.lower()}": f"{tax} ({filing})",
    }
    return fixed.get(column, column.replace("_", " ").capitalize())


def _cell_value(column: str, value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    if column == "rate_percent" or column.startswith("ecb_rate"):
        return Decimal(str(value))
    if column == "fx_date":
        return date.fromisoformat(str(value))
    return value


def _write_table(sheet: Worksheet, table: pd.DataFrame, report: SchemeReport) -> None:
    columns = list(table.columns)
    headers: list[str] = []
    layout: list[str] = []  # the machine column behind each sheet column ("country" is added)
    for column in columns:
        headers.append(human_header(column, report))
        layout.append(column)
        if column == "tax_country":
            headers.append("Country")
            layout.append("country")
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = BOLD
    for row in table.itertuples(index=False, name=None):
        values = dict(zip(columns, row))
        out = []
        for column in layout:
            if column == "country":
                out.append(country_name(values["tax_country"]))
            else:
                out.append(_cell_value(column, values[column]))
        sheet.append(out)
    last_data = sheet.max_row
    taxable, vat = report.amount_columns
    totals_row = ["Total"] + [None] * (len(layout) - 1)
    for index, column in enumerate(layout):
        if column in (taxable, vat):
            totals_row[index] = sum(table[column], Decimal(0)) if len(table) else Decimal(0)
        elif column == "orders":
            totals_row[index] = int(table["orders"].sum()) if len(table) else 0
    sheet.append(totals_row)
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for index, column in enumerate(layout, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(headers[index - 1]) + 2)
        for row_index in range(2, sheet.max_row + 1):
            cell = sheet.cell(row_index, index)
            if column in (taxable, vat):
                cell.number_format = number_format(report.currency)
            elif column in ("taxable_amount", "vat_amount") and row_index <= last_data:
                cell.number_format = number_format(values_currency(sheet, layout, row_index))
            elif column == "rate_percent" or column.startswith("ecb_rate"):
                cell.number_format = RATE_FORMAT if column == "rate_percent" else "0.0000####"
            elif column == "fx_date":
                cell.number_format = DATE_FORMAT
            elif column == "orders":
                cell.number_format = "#,##0"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(layout))}{max(last_data, 1)}"


def values_currency(sheet: Worksheet, layout: list[str], row_index: int) -> str:
    return sheet.cell(row_index, layout.index("currency") + 1).value


def _summary(workbook: Workbook, report: SchemeReport) -> Worksheet:
    tax = tax_name(report.scheme)
    totals = report.totals()
    sheet = workbook.create_sheet("Summary")
    for label, value in (("Scheme", report.scheme), ("Period", report.period),
                         ("Filing currency", report.currency), ("Tax", tax)):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["Total", f"Amount ({report.currency})"])
    money_rows = (
        ("Taxable amount of the period", "taxable"), (f"{tax} of the period", "vat"),
        ("Corrections of earlier periods: taxable amount", "corrections_taxable"),
        (f"Corrections of earlier periods: {tax}", "corrections_vat"), (f"{tax} due", "vat_due"),
    )
    for label, key in money_rows:
        sheet.append([label, totals[key]])
        sheet.cell(sheet.max_row, 2).number_format = number_format(report.currency)
    sheet.append(["Orders paid in the period", totals["orders"]])
    sheet.cell(sheet.max_row, 2).number_format = "#,##0"
    for cell in sheet["A"]:
        cell.font = BOLD
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 22
    return sheet


def chart_title(report: SchemeReport) -> str:
    """``"VAT by country of consumption, EU_OSS 2026-Q3"`` (GST, MVA... per scheme)."""
    return f"{tax_name(report.scheme)} by country of consumption, {report.scheme} {report.period}"


def _bar_chart(sheet: Worksheet, report: SchemeReport) -> None:
    """A bar chart of the by-country sheet's tax column (data rows only, not the totals)."""
    header = [c.value for c in sheet[1]]
    rows = sheet.max_row - 1  # the totals row is last
    if rows < 2:
        return
    tax_col = header.index(human_header(report.amount_columns[1], report)) + 1
    chart = BarChart()
    chart.type = "bar"
    chart.title = chart_title(report)
    chart.y_axis.title = f"{tax_name(report.scheme)} ({report.currency})"
    chart.x_axis.title = "Country of consumption"
    chart.add_data(Reference(sheet, min_col=tax_col, min_row=1, max_row=rows), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=header.index("Country") + 1, min_row=2, max_row=rows))
    chart.height = max(7.5, 0.6 * rows + 3)
    chart.width = 18
    sheet.add_chart(chart, f"{get_column_letter(len(header) + 2)}2")


def write_xlsx(report: SchemeReport, path: Path) -> Path:
    """The workbook: ``Summary``, then one sheet per table, each with its totals row."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _summary(workbook, report)
    for name, table in report.tables().items():
        sheet = workbook.create_sheet(SHEET_TITLES[name])
        _write_table(sheet, table, report)
        if name == BY_COUNTRY:
            _bar_chart(sheet, report)
    workbook.save(path)
    return path


def write_chart(report: SchemeReport, path: Path) -> Path:
    """A PNG of the period's tax by country of consumption (drawing only: floats are fine)."""
    import matplotlib  # deferred: matplotlib loads only when a report is written

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    tax = tax_name(report.scheme)
    _, vat_col = report.amount_columns
    table = report.by_country
    per_country: dict[str, Decimal] = {}
    for country, amount in zip(table["tax_country"], table[vat_col]):
        per_country[country] = per_country.get(country, Decimal(0)) + amount
    ordered = sorted(per_country.items(), key=lambda kv: (kv[1], kv[0]))
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.45 * len(ordered) + 1.6)))
    if ordered:
        bars = ax.barh([f"{country_name(c)} ({c})" for c, _ in ordered], [float(v) for _, v in ordered],
                       color="#2f6b9a")
        decimals = minor_units(report.currency)
        ax.bar_label(bars, labels=[f"{v:,.{decimals}f}" for _, v in ordered], padding=3, fontsize=8)
        ax.margins(x=0.15)
    else:
        ax.text(0.5, 0.5, "No collections in this period (nil return)", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_title(chart_title(report))
    ax.set_xlabel(f"{tax} ({report.currency}), orders paid in {report.period}, net of refunds")
    ax.set_ylabel("Country of consumption")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path
