"""Return folders: exact CSV text, Parquet decimals, the README, the workbook a person reads
(human headers, numbers, dates, country names, totals, filter, frozen header, charts), the PNG."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from reports.report_helpers import GOLDEN_PERIOD, TableRates, make_lines

from levy.reports import FrameLines, make_report, write_report
from levy.reports.writers import COLUMNS

TABLES = ("by-country", "corrections", "by-currency")


QUARTER = "2026-Q3"


@pytest.fixture(scope="module")
def files(golden_lines, ecb, tmp_path_factory):
    """September 2026 (the monthly EU_IOSS) and 2026-Q3 (the quarterly schemes)."""
    month, _ = make_report(FrameLines(golden_lines), GOLDEN_PERIOD, fx=ecb)
    quarter, _ = make_report(FrameLines(golden_lines), QUARTER, fx=ecb)
    out = tmp_path_factory.mktemp("files")
    paths = write_report(month, out) + write_report(quarter, out)
    month.schemes.update(quarter.schemes)
    return month, out, paths


def period_of(scheme):
    return GOLDEN_PERIOD if scheme == "EU_IOSS" else QUARTER


def folder(out, scheme, period=None):
    return out / scheme / (period or period_of(scheme))


def test_each_return_gets_its_own_folder(files):
    report, out, paths = files
    for scheme in report.schemes:
        where = folder(out, scheme)
        for table in TABLES:
            assert where / f"{table}.csv" in paths
            assert where / f"{table}.parquet" in paths
        assert where / f"{scheme}-{period_of(scheme)}.xlsx" in paths
        assert where / "README.md" in paths
    assert folder(out, "NO_VOEC") / "mva-by-country.png" in paths
    assert folder(out, "UK_MARKETPLACE") / "vat-by-country.png" in paths
    assert len(paths) == 9 * len(report.schemes)
    assert sorted(p.name for p in out.iterdir()) == sorted(report.schemes)


def test_readme_says_the_total_the_due_date_and_every_column(files):
    report, out, _ = files
    text = (folder(out, "EU_IOSS") / "README.md").read_text(encoding="utf-8")
    due = report.schemes["EU_IOSS"].totals()["vat_due"]
    assert f"**VAT due: {due:,.2f} EUR.**" in text
    assert "Due: 2026-10-31 (the last day of the month after the period; VAT Directive Art. 369s" in text
    for column in COLUMNS:
        assert f"| `{column}` |" in text


def test_csv_amounts_carry_the_currency_minor_unit(files):
    _, out, _ = files
    by_currency = pd.read_csv(folder(out, "EU_IOSS") / "by-currency.csv", dtype=str)
    jpy = by_currency[by_currency["currency"] == "JPY"]
    eur = by_currency[by_currency["currency"] == "EUR"]
    assert len(jpy) and jpy["taxable_amount"].str.fullmatch(r"-?\d+").all()
    assert eur["taxable_amount"].str.fullmatch(r"-?\d+\.\d\d").all()
    assert by_currency["taxable_amount_eur"].str.fullmatch(r"-?\d+\.\d\d").all()
    assert not by_currency["taxable_amount_eur"].str.startswith("-0.00").any()


@pytest.mark.parametrize("table", TABLES)
def test_parquet_holds_the_same_exact_decimals_as_the_csv(files, table):
    _, out, _ = files
    parquet = pq.read_table(folder(out, "UK_MARKETPLACE") / f"{table}.parquet")
    text = pd.read_csv(folder(out, "UK_MARKETPLACE") / f"{table}.csv", dtype=str, keep_default_na=False)
    assert parquet.column_names == list(text.columns)
    for name in parquet.column_names:
        values = parquet.column(name).to_pylist()
        if name.startswith(("taxable_amount", "vat_amount")):
            assert pa.types.is_decimal(parquet.schema.field(name).type)
            assert values == [Decimal(v) for v in text[name]]
        elif name == "orders":
            assert values == [int(v) for v in text[name]]
        else:
            assert values == list(text[name])


def _sheet_rows(sheet):
    header = [c.value for c in sheet[1]]
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=2)]
    return header, rows[:-1], rows[-1]


def test_workbook_sheets_headers_numbers_and_totals(files):
    report, out, _ = files
    scheme = report.schemes["EU_IOSS"]
    book = load_workbook(folder(out, "EU_IOSS") / f"EU_IOSS-{GOLDEN_PERIOD}.xlsx")
    assert book.sheetnames == ["Summary", "By country", "Corrections", "By currency"]
    sheet = book["By country"]
    header, rows, total = _sheet_rows(sheet)
    assert header == ["Scheme", "Period", "Country code", "Country", "Rate (%)", "Taxable amount (EUR)",
                      "VAT (EUR)", "Orders paid"]
    vat = header.index("VAT (EUR)")
    assert all(isinstance(r[vat].value, (int, float)) for r in rows)
    assert all(r[vat].number_format == '#,##0.00 "EUR"' for r in rows)
    assert [Decimal(str(r[vat].value)).quantize(Decimal("0.01")) for r in rows] == list(scheme.by_country["vat_amount_eur"])
    assert {r[2].value: r[3].value for r in rows}["DE"] == "Germany"
    assert all(isinstance(r[header.index("Rate (%)")].value, (int, float)) for r in rows)
    assert total[0].value == "Total"
    assert round(Decimal(str(total[vat].value)), 2) == scheme.totals()["vat"]
    assert total[header.index("Orders paid")].value == scheme.totals()["orders"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:H{len(rows) + 1}"
    assert sheet._charts and sheet._charts[0].title is not None
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows() if row[0].value}
    totals = scheme.totals()
    assert round(Decimal(str(summary["VAT due"].value)), 2) == totals["vat_due"] == totals["vat"] + totals["corrections_vat"]
    assert summary["VAT due"].number_format == '#,##0.00 "EUR"'
    assert summary["Orders paid in the period"].value == totals["orders"]


def test_workbook_dates_are_dates_and_order_currencies_keep_their_format(files):
    _, out, _ = files
    book = load_workbook(folder(out, "EU_IOSS") / f"EU_IOSS-{GOLDEN_PERIOD}.xlsx")
    header, rows, total = _sheet_rows(book["By currency"])
    fx_date, currency = header.index("ECB rate date"), header.index("Order currency")
    amount = header.index("Taxable amount (order currency)")
    converted = [r for r in rows if r[currency].value != "EUR"]
    assert converted and all(isinstance(r[fx_date].value, dt.datetime) for r in converted)
    assert all(r[fx_date].number_format == "yyyy-mm-dd" for r in converted)
    jpy = [r for r in rows if r[currency].value == "JPY"]
    assert jpy and all(r[amount].number_format == '#,##0 "JPY"' for r in jpy)
    assert all(isinstance(r[header.index("ECB rate (units per EUR)")].value, (int, float)) for r in rows)
    eur_total = header.index("VAT (EUR)")
    assert round(Decimal(str(total[eur_total].value)), 2) == sum(
        (Decimal(str(r[eur_total].value)) for r in rows), Decimal(0)).quantize(Decimal("0.01"))


def _title_text(chart) -> str:
    return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))


def test_a_gst_return_says_gst_and_its_period(tmp_path):
    rates = TableRates({("AUD", "2026-09-30"): "1.7000"})
    lines = make_lines(("AU_GST_LVG", "2026-09", "2026-09", "sale", "AU", "10", "AUD", "A1", 10000, 1000),
                       ("AU_GST_LVG", "2026-09", "2026-09", "sale", "AU", "10", "AUD", "A2", 5050, 505))
    report, _ = make_report(FrameLines(lines), QUARTER, fx=rates)
    write_report(report, tmp_path)
    book = load_workbook(tmp_path / "AU_GST_LVG" / QUARTER / f"AU_GST_LVG-{QUARTER}.xlsx")
    header, rows, total = _sheet_rows(book["By country"])
    assert "GST (AUD)" in header and rows[0][header.index("Country")].value == "Australia"
    assert total[header.index("GST (AUD)")].value == 15.05
    assert total[header.index("GST (AUD)")].number_format == '#,##0.00 "AUD"'


def test_a_chart_with_two_countries_names_the_tax_and_period(files):
    _, out, _ = files
    book = load_workbook(folder(out, "NO_VOEC") / f"NO_VOEC-{QUARTER}.xlsx")
    charts = book["By country"]._charts
    assert len(charts) == 1
    assert _title_text(charts[0]) == f"MVA by country of consumption, NO_VOEC {QUARTER}"


def test_chart_is_a_png_with_one_bar_per_country(files):
    report, out, _ = files
    from PIL import Image

    image = Image.open(folder(out, "EU_IOSS") / "vat-by-country.png")
    assert image.format == "PNG"
    countries = report.schemes["EU_IOSS"].by_country["tax_country"].nunique()
    # The figure grows with the number of countries (0.45 inch each at 110 dpi, 3 inches at least).
    assert image.size[1] == int(round(110 * max(3.0, 0.45 * countries + 1.6)))
