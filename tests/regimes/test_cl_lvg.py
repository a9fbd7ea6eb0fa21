"""CL_LVG (Chile, IVA on low-value goods sold remotely, from 2025-10-25): amounts to the cent.

19 % IVA on every category; the limit is USD 500 per consignment (transport excluded),
inclusive. USD orders need no conversion; CLP orders are converted at the Central Bank of
Chile's observed dollar imported into the data directory (here 950.00 CLP per USD on
2025-10-24, a Friday, serving the weekend, and 940.50 on 2025-10-27).
"""

from __future__ import annotations

from datetime import date

import pytest

from levy import Reason
from levy.errors import InvalidOrder
from levy.observed_dollar import FILE_NAME, ObservedDollarFileError, observed_dollar

from regime_contract import RegimeContract, order

RUT = "76.086.428-5"
VOUCHER_CL = {"certificate_id": "EX-CL-1", "country": "CL", "valid_from": "2025-01-01", "valid_to": "2026-12-31"}
RATES = "date,clp_per_usd,source\n2025-10-24,950.00,BCCh test\n2025-10-27,940.50,BCCh test\n"


def cl(**changes) -> dict:
    """A USD order from China to Santiago on 2025-10-25 (the first day)."""
    return order(**{"to": "CL", "postal": "8320000", "currency": "USD", "placed_at": "2025-10-25T10:00:00-03:00", **changes})


class TestCLLvg(RegimeContract):
    COUNTRY = "CL"
    POSTAL = "8320000"
    CURRENCY = "USD"
    START = date(2025, 10, 25)
    COLLECTING_ORDER = cl()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: cl(),
        Reason.OFFLINE_PAYMENT: cl(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: cl(placed_at="2025-10-24T23:59:00-03:00"),
        Reason.ABOVE_THRESHOLD: cl(price="500.01"),
        Reason.B2B_VALID_VAT_NUMBER: cl(vat=RUT),
        Reason.EXEMPTION_CERTIFICATE: cl(exemption=VOUCHER_CL),
        Reason.EXCISE_GOODS: cl(category="excise_tobacco"),
        Reason.SELLER_LIABLE: cl(ship_from="CL"),
    }
    EXPECTED_REASONS = frozenset(Reason) - {Reason.DEEMED_SUPPLIER_LOCAL_STOCK, Reason.SPECIAL_TERRITORY}


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["vat_total"], d["gross_total"], d["warnings"]


IMPORT = (True, "CL_LVG", "DEEMED_SUPPLIER_IMPORT")

SCENARIOS = [
    # id | order | collect, scheme, reason, vat_total, gross_total, warnings
    ("day-before-start", cl(placed_at="2025-10-24T23:59:59-03:00"), (False, None, "DESTINATION_NOT_COVERED", "0.00", "100.00", [])),
    ("start-day-local-time", cl(placed_at="2025-10-25T00:00:00-03:00"), (*IMPORT, "19.00", "119.00", [])),
    ("date-read-in-the-offset-given", cl(placed_at="2025-10-25T01:00:00+00:00"), (*IMPORT, "19.00", "119.00", [])),
    ("at-usd-500", cl(price="500.00"), (*IMPORT, "95.00", "595.00", [])),
    ("one-cent-above", cl(price="500.01"), (False, None, "ABOVE_THRESHOLD", "0.00", "500.01", [])),
    ("two-items-make-the-consignment", cl(lines=[
        {"sku": "A", "quantity": 2, "unit_price": "250.01", "category": "general"}]), (False, None, "ABOVE_THRESHOLD", "0.00", "500.02", [])),
    ("shipping-outside-the-limit-taxed-with-goods", cl(price="499.99", shipping="30.00"), (*IMPORT, "100.70", "630.69", [])),
    ("food-is-19", cl(price="12.34", category="food"), (*IMPORT, "2.34", "14.68", [])),
    ("rut-b2b", cl(vat=RUT), (False, None, "B2B_VALID_VAT_NUMBER", "0.00", "100.00", [])),
    ("rut-bad-check-digit", cl(vat="76.086.428-4"), (*IMPORT, "19.00", "119.00", ["VAT_NUMBER_INVALID"])),
    ("above-before-rut", cl(price="600.00", vat=RUT), (False, None, "ABOVE_THRESHOLD", "0.00", "600.00", [])),
    ("prices-include-iva", cl(price="119.00", prices_include_vat=True), (*IMPORT, "19.00", "119.00", [])),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


@pytest.fixture
def observed(tmp_path, monkeypatch):
    monkeypatch.setenv("LEVY_DATA_DIR", str(tmp_path))
    (tmp_path / FILE_NAME).write_text(RATES, encoding="utf-8")
    return tmp_path


CLP = [
    # id | placed_at | CLP price | collect, reason, vat_total, gross_total, USD value tested
    ("clp-at-limit", "2025-10-25T12:00:00-03:00", "475000", (True, "DEEMED_SUPPLIER_IMPORT", "90250", "565250", "500.00")),
    ("clp-rounds-to-the-limit", "2025-10-25T12:00:00-03:00", "475004", (True, "DEEMED_SUPPLIER_IMPORT", "90251", "565255", "500.00")),
    ("clp-half-cent-above", "2025-10-25T12:00:00-03:00", "475005", (False, "ABOVE_THRESHOLD", "0", "475005", "500.01")),
    ("monday-rate", "2025-10-27T12:00:00-03:00", "470250", (True, "DEEMED_SUPPLIER_IMPORT", "89348", "559598", "500.00")),
    ("monday-rate-above", "2025-10-27T12:00:00-03:00", "470255", (False, "ABOVE_THRESHOLD", "0", "470255", "500.01")),
]


@pytest.mark.parametrize(("placed_at", "price", "expected"), [c[1:] for c in CLP], ids=[c[0] for c in CLP])
def test_clp_orders_convert_at_the_observed_dollar(quote, observed, placed_at, price, expected):
    d = quote(cl(currency="CLP", price=price, placed_at=placed_at))
    t = d["facts"]["threshold"]
    assert (d["collect"], d["reason"], d["vat_total"], d["gross_total"], t["converted_value"]) == expected
    assert t["fx_source"].startswith("Banco Central de Chile dólar observado")
    assert "Central Bank of Chile observed dollar" in d["explanation"]


def test_clp_before_start_needs_no_rate(quote, observed):
    d = quote(cl(currency="CLP", price="1000", placed_at="2025-10-24T12:00:00-03:00"))
    assert (d["reason"], d["vat_total"]) == ("DESTINATION_NOT_COVERED", "0")


def test_clp_without_a_rate_names_the_date(engine, observed):
    with pytest.raises(InvalidOrder) as caught:
        engine.quote(cl(currency="CLP", price="1000", placed_at="2025-11-03T12:00:00-03:00"))
    (field,) = caught.value.body()["error"]["fields"]
    assert field["loc"] == "currency" and "dólar observado" in field["msg"] and "2025-11-03" in field["msg"]


def test_clp_without_any_file_names_the_date(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("LEVY_DATA_DIR", str(tmp_path))
    with pytest.raises(InvalidOrder) as caught:
        engine.quote(cl(currency="CLP", price="1000"))
    assert "2025-10-25" in caught.value.body()["error"]["fields"][0]["msg"]


def test_other_currencies_are_refused(engine):
    with pytest.raises(InvalidOrder) as caught:
        engine.quote(cl(currency="EUR"))
    (field,) = caught.value.body()["error"]["fields"]
    assert field["loc"] == "currency" and "USD or CLP, not EUR" in field["msg"]


@pytest.mark.parametrize("text, where", [
    ("day,rate,source\n", ":1:1"),
    ("date,clp_per_usd,source\n2025-10-24,abc,x\n", ":2:2"),
    ("date,clp_per_usd,source\n2025-10-24,950,\n", ":2:3"),
    ("date,clp_per_usd,source\n2025-10-24,950,x\n2025-10-24,951,x\n", ":3:1"),
])
def test_a_bad_rates_file_names_file_line_column(tmp_path, text, where):
    path = tmp_path / FILE_NAME
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ObservedDollarFileError, match=where):
        observed_dollar(date(2025, 10, 25), path)
