"""The return's tables: conversion per (country, rate, currency), half-up, then added; filing
currencies; corrections at their original period's rate; same-period refunds netted."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from reports.report_helpers import TableRates, make_lines

from levy.reports import FILING_CURRENCIES, FrameLines, aggregate_frame, build_report
from levy.reports.build import build_scheme
from levy.reports.periods import ReturnLines, filing_period
from levy.reports.schema import ReportError, amount_columns, period_end
from levy.reports.writers import table_csv

P = "2026-09"
RATES = TableRates({
    ("USD", "2026-09-30"): "1.1000", ("GBP", "2026-09-30"): "0.8000", ("JPY", "2026-09-30"): "160",
    ("NOK", "2026-09-30"): "11.50", ("CHF", "2026-09-30"): "0.9400", ("AUD", "2026-09-30"): "1.7000",
    ("NZD", "2026-09-30"): "1.9000", ("SGD", "2026-09-30"): "1.5000", ("MYR", "2026-09-30"): "5.0000",
    ("USD", "2026-08-31"): "1.2500", ("GBP", "2026-08-31"): "0.8500",
})


def sale(order, net, vat, currency="EUR", country="DE", rate="19", scheme="EU_IOSS", period=P):
    return (scheme, period, period, "sale", country, rate, currency, order, net, vat)


def refund(order, net, vat, original=P, currency="EUR", country="DE", rate="19", scheme="EU_IOSS", period=P):
    return (scheme, period, original, "refund", country, rate, currency, order, -net, -vat)


def report(*rows, fx=RATES, scheme="EU_IOSS"):
    """The scheme's return for the period of its own kind holding September 2026 (a quarterly
    scheme reads the month as part of 2026-Q3)."""
    period = filing_period(scheme, date(2026, 9, 1))
    return build_scheme(ReturnLines(FrameLines(make_lines(*rows))).aggregate(period), scheme, period, fx)


def row(table, **match):
    hits = table
    for key, value in match.items():
        hits = hits[hits[key] == value]
    assert len(hits) == 1, hits
    return hits.iloc[0]


def test_each_currency_sum_is_converted_once_then_rounded_then_added():
    # Eleven USD orders of USD 0.01 each: converted one by one each is EUR 0.00909 -> 0.01, so
    # 0.11 in all; the return converts their sum, USD 0.11 -> EUR 0.10.
    r = report(
        *[sale(f"U{i}", 1, 1, currency="USD") for i in range(11)],  # USD 0.11 / 1.1 = EUR 0.10 exactly
        sale("E1", 1000, 190),                                       # EUR 10.00 / 1.90 as is
    )
    got = row(r.by_country, tax_country="DE", rate_percent="19")
    assert got["taxable_amount_eur"] == Decimal("10.10")
    assert got["vat_amount_eur"] == Decimal("2.00")  # 0.10 + 1.90; per line it would be 11 x 0.01 + 1.90 = 2.01
    assert got["orders"] == 12


@pytest.mark.parametrize(
    "currency, net_minor, expected",
    [
        ("USD", 11, "0.10"),     # 0.11 / 1.1 = 0.1 exactly
        ("USD", 1155, "10.50"),  # 11.55 / 1.1 = 10.5
        ("USD", 1, "0.01"),      # 0.00909... -> 0.01
        ("GBP", 4, "0.05"),      # 0.04 / 0.8 = 0.05
        ("GBP", 3, "0.04"),      # 0.0375 -> 0.04 (half-up)
        ("JPY", 8, "0.05"),      # JPY has no minor unit: 8 yen / 160 = 0.05
        ("JPY", 1, "0.01"),      # 0.00625 -> 0.01
        ("JPY", 4, "0.03"),      # 0.025 -> 0.03: exactly half a cent rounds up
        ("EUR", 12345, "123.45"),
    ],
    ids=["usd-exact", "usd-half-euro", "usd-tiny", "gbp-exact", "gbp-half-up", "jpy-exact", "jpy-tiny",
         "jpy-half-cent", "eur-identity"],
)
def test_conversion_into_euro_rounds_half_up_to_the_cent(currency, net_minor, expected):
    r = report(sale("A", net_minor, 0, currency=currency))
    assert row(r.by_currency, currency=currency)["taxable_amount_eur"] == Decimal(expected)


@pytest.mark.parametrize("scheme, currency", sorted(FILING_CURRENCIES.items()), ids=sorted(FILING_CURRENCIES))
def test_each_scheme_files_in_its_currency_and_names_its_columns(scheme, currency):
    r = report(sale("A", 1000, 100, currency="EUR", scheme=scheme, country="DE"), scheme=scheme)
    taxable, vat = amount_columns(currency)
    assert r.currency == currency
    assert list(r.by_country.columns) == ["scheme", "period", "tax_country", "rate_percent", taxable, vat, "orders"]
    assert list(r.corrections.columns) == ["scheme", "period", "original_period", "tax_country", "rate_percent", taxable, vat]
    expected = Decimal("10.00") * (Decimal(1) if currency == "EUR" else RATES.table[(currency, date(2026, 9, 30))])
    assert row(r.by_country, tax_country="DE")[taxable] == expected.quantize(Decimal("0.01"))


def test_a_return_in_sterling_crosses_through_the_euro():
    # USD 11.00 -> EUR 10.00 (1.1) -> GBP 8.00 (0.8); EUR 5.00 -> GBP 4.00; GBP 1.23 stays.
    r = report(sale("U", 1100, 220, currency="USD", scheme="UK_MARKETPLACE", country="GB", rate="20"),
               sale("E", 500, 100, currency="EUR", scheme="UK_MARKETPLACE", country="GB", rate="20"),
               sale("G", 123, 25, currency="GBP", scheme="UK_MARKETPLACE", country="GB", rate="20"),
               scheme="UK_MARKETPLACE")
    got = row(r.by_country, tax_country="GB")
    assert (got["taxable_amount_gbp"], got["vat_amount_gbp"]) == (Decimal("13.23"), Decimal("2.65"))
    usd = row(r.by_currency, currency="USD")
    assert (usd["ecb_rate"], usd["ecb_rate_gbp"], usd["fx_date"]) == ("1.1000", "0.8000", "2026-09-30")
    assert row(r.by_currency, currency="GBP")["fx_date"] == ""  # no conversion


def test_same_period_refunds_are_netted_and_orders_count_sales_only():
    r = report(sale("A", 10000, 1900), sale("B", 5000, 950), refund("B", 5000, 950), refund("A", 2000, 380))
    got = row(r.by_country, tax_country="DE")
    assert (got["taxable_amount_eur"], got["vat_amount_eur"], got["orders"]) == (Decimal("80.00"), Decimal("15.20"), 2)
    assert r.corrections.empty


def test_corrections_are_negative_by_original_period_at_that_periods_rate():
    fx = TableRates({("USD", "2026-09-30"): "1.1000", ("USD", "2026-08-31"): "1.2500", ("USD", "2026-07-31"): "1.0000"})
    r = report(
        sale("NEW", 2200, 418, currency="USD"),
        refund("OLD8", 2500, 475, original="2026-08", currency="USD"),   # USD 25.00 / 1.25 = EUR 20.00
        refund("OLD7", 1000, 190, original="2026-07", currency="USD"),   # USD 10.00 / 1.00
        refund("OLD7B", 100, 19, original="2026-07", country="FR", rate="20"),
        fx=fx,
    )
    corr = r.corrections
    assert list(zip(corr["original_period"], corr["tax_country"])) == [("2026-07", "DE"), ("2026-07", "FR"), ("2026-08", "DE")]
    assert row(corr, original_period="2026-08")["taxable_amount_eur"] == Decimal("-20.00")
    assert row(corr, original_period="2026-08")["vat_amount_eur"] == Decimal("-3.80")
    assert row(corr, original_period="2026-07", tax_country="DE")["taxable_amount_eur"] == Decimal("-10.00")
    assert row(r.by_country, tax_country="DE")["taxable_amount_eur"] == Decimal("20.00")
    assert ("USD", date(2026, 8, 31)) in fx.asked and ("USD", date(2026, 7, 31)) in fx.asked
    totals = r.totals()
    assert totals["vat_due"] == Decimal("3.80") - Decimal("3.80") - Decimal("1.90") - Decimal("0.19")


def test_rows_are_sorted_by_country_then_rate_from_the_highest():
    r = report(sale("A", 100, 7, rate="7"), sale("B", 100, 19), sale("C", 100, 20, country="AT", rate="20"),
               sale("D", 100, 10, country="AT", rate="10"), sale("E", 100, 5, country="FR", rate="5.5"))
    assert list(zip(r.by_country["tax_country"], r.by_country["rate_percent"])) == [
        ("AT", "20"), ("AT", "10"), ("DE", "19"), ("DE", "7"), ("FR", "5.5")]


def test_a_fully_refunded_group_reports_zero_not_minus_zero():
    r = report(sale("A", 1, 0, currency="USD"), refund("A", 1, 0, currency="USD"))
    text = table_csv(r.by_country)
    assert text.splitlines()[1] == "EU_IOSS,2026-09,DE,19,0.00,0.00,1"


def test_a_scheme_asked_for_with_no_lines_gets_a_nil_return():
    lines = ReturnLines(FrameLines(make_lines(sale("A", 100, 19))))
    quarter = build_report(lines.aggregate("2026-Q3"), "2026-Q3", RATES, schemes=["NO_VOEC"])
    nil = quarter.schemes["NO_VOEC"]
    assert table_csv(nil.by_country) == "scheme,period,tax_country,rate_percent,taxable_amount_nok,vat_amount_nok,orders\n"
    assert nil.totals()["vat_due"] == Decimal("0.00")


@pytest.mark.parametrize(("scheme", "period", "message"), [
    ("NO_VOEC", "2026-09", "NO_VOEC files quarterly returns: ask for --period 2026-Q3"),
    ("EU_OSS", "2026-07", "EU_OSS files quarterly returns: ask for --period 2026-Q3"),
    ("EU_IOSS", "2026-Q3", "EU_IOSS files monthly returns: ask for one month of 2026-Q3 at a time, 2026-07 to 2026-09"),
], ids=["voec-month", "oss-month", "ioss-quarter"])
def test_a_scheme_refuses_the_other_kind_of_period(scheme, period, message):
    with pytest.raises(ReportError, match=re.escape(message)):
        build_report(aggregate_frame(make_lines(sale("A", 100, 19))), period, RATES, schemes=[scheme])


def test_only_the_asked_period_is_reported():
    lines = make_lines(sale("A", 100, 19), sale("B", 900, 171, period="2026-10"), sale("C", 500, 95, period="2026-08"))
    month = build_report(aggregate_frame(lines), P, RATES)
    assert row(month.schemes["EU_IOSS"].by_country, tax_country="DE")["taxable_amount_eur"] == Decimal("1.00")


@pytest.mark.parametrize("period, last", [("2026-09", date(2026, 9, 30)), ("2028-02", date(2028, 2, 29)),
                                          ("2026-12", date(2026, 12, 31))], ids=["30-days", "leap", "december"])
def test_period_end_is_the_last_calendar_day(period, last):
    assert period_end(period) == last


@pytest.mark.parametrize("period", ["2026-9", "2026-13", "26-09", "", "0000-01"], ids=["one-digit", "month-13", "short-year", "empty", "year-0"])
def test_a_period_not_written_yyyy_mm_is_refused(period):
    with pytest.raises(ReportError, match="YYYY-MM"):
        build_report(aggregate_frame(make_lines(sale("A", 100, 19))), period, RATES)
