"""``GET /v1/reports/{scheme}/{period}``: the by-country return as JSON, or CSV on request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from levy.api.reports import wants_csv

PERIOD = "2026-09"


@pytest.fixture(scope="module")
def finance(server):
    with server.client("finance") as client:
        yield client


@pytest.fixture(scope="module")
def expected(report_lines, engine):
    """The same month made in-process by ``levy.reports`` from the same export."""
    from levy.reports.aggregate import ParquetLines
    from levy.reports.run import make_report
    from levy.reports.writers import table_csv

    def make(scheme: str):
        report, _ = make_report(ParquetLines(report_lines), PERIOD, fx=engine.fx, schemes=[scheme])
        return report.schemes[scheme], table_csv(report.schemes[scheme].by_country)

    return make


@pytest.mark.parametrize("scheme", ["EU_IOSS", "UK_MARKETPLACE"])
def test_json_rows_are_the_by_country_table(finance, expected, scheme):
    response = finance.get(f"/v1/reports/{scheme}/{PERIOD}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    report, _ = expected(scheme)
    taxable, vat = report.amount_columns
    assert (body["scheme"], body["period"], body["currency"], body["reconciled"]) == \
        (scheme, PERIOD, report.currency, False)
    table = report.by_country
    assert len(body["rows"]) == len(table) > 0
    for row, want in zip(body["rows"], table.itertuples(index=False)):
        assert (row["tax_country"], row["rate_percent"], row[taxable], row[vat], row["orders"]) == \
            (want.tax_country, want.rate_percent, format(getattr(want, taxable), "f"),
             format(getattr(want, vat), "f"), int(want.orders))
    # Totals are the sums of the rows, to the cent, as strings.
    assert Decimal(body["totals"]["vat"]) == sum(Decimal(r[vat]) for r in body["rows"])
    assert body["totals"]["orders"] == sum(r["orders"] for r in body["rows"])
    assert body["totals"]["vat"] == format(report.totals()["vat"], "f")


def test_csv_is_the_file_levy_report_writes(finance, expected):
    response = finance.get(f"/v1/reports/EU_OSS/{PERIOD}", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'inline; filename="EU_OSS-{PERIOD}-by-country.csv"'
    assert response.text == expected("EU_OSS")[1]
    assert response.text.splitlines()[0] == "scheme,period,tax_country,rate_percent,taxable_amount_eur,vat_amount_eur,orders"


def test_a_scheme_without_collections_gets_a_nil_return(finance):
    body = finance.get(f"/v1/reports/MY_LVG/{PERIOD}").json()
    assert (body["currency"], body["rows"], body["totals"]["vat_due"]) == ("MYR", [], "0.00")


@pytest.mark.parametrize(("path", "headers", "status", "message"), [
    (f"/v1/reports/XX_VAT/{PERIOD}", {}, 404, "no scheme 'XX_VAT'; schemes are EU_IOSS, EU_OSS"),
    ("/v1/reports/EU_IOSS/2026-13", {}, 422, "period '2026-13' is not a month written YYYY-MM"),
    ("/v1/reports/EU_IOSS/September", {}, 422, "period 'September' is not a month written YYYY-MM"),
    (f"/v1/reports/EU_IOSS/{PERIOD}", {"Accept": "application/xml"}, 406,
     "this report is served as application/json or text/csv"),
    ("/v1/reports/EU_IOSS", {}, 404, "no such resource: GET /v1/reports/EU_IOSS"),
], ids=["unknown-scheme", "month-13", "not-a-period", "xml-only", "no-period"])
def test_refusals_name_the_problem(finance, path, headers, status, message):
    response = finance.get(path, headers=headers)
    assert response.status_code == status
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize(("accept", "csv"), [
    (None, False), ("", False), ("*/*", False), ("application/json", False), ("text/csv", True),
    ("text/csv, application/json", True), ("application/json, text/csv", False),
    ("application/json;q=0.5, text/csv", True), ("text/*", True), ("text/csv;q=0, application/json", False),
    ("application/xml", None), ("text/html, image/png", None),
], ids=["none", "empty", "any", "json", "csv", "csv-first", "json-first", "csv-by-weight", "text-any",
        "csv-refused", "xml", "html-png"])
def test_accept_negotiation(accept, csv):
    assert wants_csv(accept) is csv
