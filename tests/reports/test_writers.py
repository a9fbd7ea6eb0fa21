"""Report files: exact CSV text, Parquet decimals, the workbook's sheets, the chart."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from reports.report_helpers import GOLDEN_PERIOD

from levy.reports import FrameLines, make_report, write_report


@pytest.fixture(scope="module")
def files(golden_lines, ecb, tmp_path_factory):
    report, _ = make_report(FrameLines(golden_lines), GOLDEN_PERIOD, fx=ecb)
    out = tmp_path_factory.mktemp("files")
    return report, out, write_report(report, out)


def test_each_scheme_gets_csv_parquet_workbook_and_chart(files):
    report, out, paths = files
    for scheme in report.schemes:
        stem = f"{scheme}-{GOLDEN_PERIOD}"
        for table in ("by-country", "corrections", "by-currency"):
            assert out / f"{stem}-{table}.csv" in paths
            assert out / f"{stem}-{table}.parquet" in paths
        assert out / f"{stem}.xlsx" in paths
        assert out / f"{stem}-vat-by-country.png" in paths
    assert len(paths) == 8 * len(report.schemes)


def test_csv_amounts_carry_the_currency_minor_unit(files):
    _, out, _ = files
    by_currency = pd.read_csv(out / f"EU_IOSS-{GOLDEN_PERIOD}-by-currency.csv", dtype=str)
    jpy = by_currency[by_currency["currency"] == "JPY"]
    eur = by_currency[by_currency["currency"] == "EUR"]
    assert len(jpy) and jpy["taxable_amount"].str.fullmatch(r"-?\d+").all()
    assert eur["taxable_amount"].str.fullmatch(r"-?\d+\.\d\d").all()
    assert by_currency["taxable_amount_eur"].str.fullmatch(r"-?\d+\.\d\d").all()
    assert not by_currency["taxable_amount_eur"].str.startswith("-0.00").any()


@pytest.mark.parametrize("table", ["by-country", "corrections", "by-currency"])
def test_parquet_holds_the_same_exact_decimals_as_the_csv(files, table):
    _, out, _ = files
    stem = f"UK_MARKETPLACE-{GOLDEN_PERIOD}-{table}"
    parquet = pq.read_table(out / f"{stem}.parquet")
    text = pd.read_csv(out / f"{stem}.csv", dtype=str, keep_default_na=False)
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


def test_workbook_has_a_sheet_per_table_and_a_summary(files):
    report, out, _ = files
    scheme = report.schemes["EU_IOSS"]
    book = load_workbook(out / f"EU_IOSS-{GOLDEN_PERIOD}.xlsx")
    assert book.sheetnames == ["summary", "by-country", "corrections", "by-currency"]
    sheet = book["by-country"]
    header = [c.value for c in sheet[1]]
    assert header == list(scheme.by_country.columns)
    vat = header.index("vat_amount_eur") + 1
    cells = [sheet.cell(r, vat) for r in range(2, sheet.max_row + 1)]
    assert [Decimal(str(c.value)) for c in cells] == list(scheme.by_country["vat_amount_eur"])
    assert all(c.number_format == "#,##0.00" for c in cells)
    summary = {row[0].value: row[1].value for row in book["summary"].iter_rows() if row[0].value}
    totals = scheme.totals()
    assert Decimal(str(summary["VAT due"])) == totals["vat_due"] == totals["vat"] + totals["corrections_vat"]
    assert summary["orders paid in the period"] == totals["orders"]


def test_chart_is_a_png_with_one_bar_per_country(files):
    report, out, _ = files
    from PIL import Image

    image = Image.open(out / f"EU_IOSS-{GOLDEN_PERIOD}-vat-by-country.png")
    assert image.format == "PNG"
    countries = report.schemes["EU_IOSS"].by_country["tax_country"].nunique()
    # The figure grows with the number of countries (0.45 inch each at 110 dpi, 3 inches at least).
    assert image.size[1] == int(round(110 * max(3.0, 0.45 * countries + 1.6)))
