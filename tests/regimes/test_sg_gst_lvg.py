"""SG_GST_LVG (OVR for low-value goods, from 2023-01-01): scenarios with amounts to the cent.

GST 8 % in 2023, 9 % from 2024-01-01, on every category. The limit is SGD 400 or less per item
(entry value, s.18A). USD orders use the ECB rates of 2026-10-15 (1 EUR = 1.1208 USD =
1.4379 SGD, so 1 SGD = 0.77947 USD): USD 311.79 -> SGD 400.00, USD 311.80 -> SGD 400.02.
"""

from __future__ import annotations

from datetime import date

import pytest

from levy import Reason

from regime_contract import RegimeContract, order

VOUCHER_SG = {"certificate_id": "EX-SG-2026-5", "country": "SG", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
UEN = "197401143C"


def sg(**changes) -> dict:
    """An SGD order from China to Singapore on 2026-10-15."""
    return order(**{"to": "SG", "postal": "018956", "currency": "SGD", **changes})


def line(sku: str, price: str, quantity: int = 1, category: str = "general") -> dict:
    return {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}


class TestSGGstLvg(RegimeContract):
    COUNTRY = "SG"
    POSTAL = "018956"
    CURRENCY = "SGD"
    START = date(2023, 1, 1)
    COLLECTING_ORDER = sg()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: sg(),
        Reason.OFFLINE_PAYMENT: sg(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: sg(placed_at="2022-12-31T12:00:00+08:00"),
        Reason.ABOVE_THRESHOLD: sg(price="400.01"),
        Reason.B2B_VALID_VAT_NUMBER: sg(vat=UEN),
        Reason.EXEMPTION_CERTIFICATE: sg(exemption=VOUCHER_SG),
        Reason.EXCISE_GOODS: sg(category="excise_alcohol"),
        Reason.SELLER_LIABLE: sg(ship_from="SG"),
    }
    EXPECTED_REASONS = frozenset(Reason) - {Reason.DEEMED_SUPPLIER_LOCAL_STOCK, Reason.SPECIAL_TERRITORY}


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["tax_country"], d["vat_total"], d["gross_total"], d["warnings"]


LVG = (True, "SG_GST_LVG", "DEEMED_SUPPLIER_IMPORT", "SG")


def nothing(reason: str, gross: str, warnings=()) -> tuple:
    return (False, None, reason, None, "0.00", gross, list(warnings))


SCENARIOS = [
    # id, order, (collect, scheme, reason, tax_country, vat_total, gross_total, warnings)
    ("import-100", sg(), (*LVG, "9.00", "109.00", [])),
    ("item-at-limit-400.00", sg(price="400.00"), (*LVG, "36.00", "436.00", [])),
    ("item-above-400.01", sg(price="400.01"), nothing("ABOVE_THRESHOLD", "400.01")),
    # rules.md 9.4 #28: item S$390 + S$20 shipping: value 390 <= 400; GST 9 % on 410.
    ("rules-28-item-390-shipping-20", sg(price="390.00", shipping="20.00"), (*LVG, "36.90", "446.90", [])),
    ("two-units-300-per-item", sg(lines=[line("A", "300.00", 2)]), (*LVG, "54.00", "654.00", [])),
    ("one-item-above-whole-order-above", sg(lines=[line("LAPTOP", "933.49"), line("BAG", "20.00")]), nothing("ABOVE_THRESHOLD", "953.49")),
    ("books-9", sg(category="books"), (*LVG, "9.00", "109.00", [])),
    # Rate change 8 -> 9 % on 2024-01-01, read in the offset placed_at carries.
    ("rate-8-on-2023-12-31", sg(placed_at="2023-12-31T23:30:00+08:00"), (*LVG, "8.00", "108.00", [])),
    ("rate-9-on-2024-01-01", sg(placed_at="2024-01-01T00:30:00+08:00"), (*LVG, "9.00", "109.00", [])),
    ("2023-at-limit-400.00", sg(price="400.00", placed_at="2023-06-01T12:00:00+08:00"), (*LVG, "32.00", "432.00", [])),
    ("usd-at-311.79", sg(currency="USD", price="311.79"), (*LVG, "28.06", "339.85", [])),
    ("usd-above-311.80", sg(currency="USD", price="311.80"), nothing("ABOVE_THRESHOLD", "311.80")),
    # Tax-inclusive: GST = gross x 9 / 109 (x 8 / 108 in 2023); the limit tests the net.
    ("inclusive-436.00-net-400.00", sg(price="436.00", prices_include_vat=True), (*LVG, "36.00", "436.00", [])),
    ("inclusive-436.01-net-400.01", sg(price="436.01", prices_include_vat=True), nothing("ABOVE_THRESHOLD", "436.01")),
    ("inclusive-2023-432.00", sg(price="432.00", prices_include_vat=True, placed_at="2023-06-01T12:00:00+08:00"), (*LVG, "32.00", "432.00", [])),
    ("inclusive-with-shipping", sg(price="109.00", shipping="21.80", prices_include_vat=True), (*LVG, "10.80", "130.80", [])),
    ("dutiable-liquor-excluded", sg(category="excise_alcohol"), nothing("EXCISE_GOODS", "100.00")),
    ("local-stock-seller-liable", sg(ship_from="SG"), nothing("SELLER_LIABLE", "100.00")),
    ("import-singapore-seller-still-collected", sg(seller_country="SG"), (*LVG, "9.00", "109.00", [])),
    ("uen-local-company", sg(vat=UEN), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("uen-other-entity", sg(vat="S16FC0121D"), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("uen-invalid", sg(vat="197401143D"), (*LVG, "9.00", "109.00", ["VAT_NUMBER_INVALID"])),
    # M-form GST numbers have no stdnum check: collected with a warning (module docstring).
    ("m-number-not-recognised", sg(vat="M90312345X"), (*LVG, "9.00", "109.00", ["VAT_NUMBER_INVALID"])),
    ("uen-above-threshold-is-above", sg(price="450.00", vat=UEN), nothing("ABOVE_THRESHOLD", "450.00")),
    ("voucher-valid", sg(exemption=VOUCHER_SG), nothing("EXEMPTION_CERTIFICATE", "100.00")),
    ("voucher-other-country", sg(exemption={**VOUCHER_SG, "country": "MY"}), (*LVG, "9.00", "109.00", ["EXEMPTION_OTHER_COUNTRY"])),
    ("offline", sg(channel="offline"), nothing("OFFLINE_PAYMENT", "100.00")),
    ("not-covered-2022-12-31", sg(placed_at="2022-12-31T23:30:00+08:00"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("covered-2023-01-01", sg(placed_at="2023-01-01T00:30:00+08:00"), (*LVG, "8.00", "108.00", [])),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


def test_item_threshold_names_the_dearest_item_and_the_ecb_rate(quote):
    d = quote(sg(currency="USD", lines=[line("CABLE", "5.00", 4), line("PHONE", "311.79")]))
    assert "dearest item (PHONE, per unit)" in d["explanation"]
    assert "SGD 400.00 (USD 311.79 at the ECB rate of 2026-10-15, 1 SGD = 0.77947 USD; <= SGD 400)" in d["explanation"]
    assert "collects Singapore's GST under SG_GST_LVG" in d["explanation"]


@pytest.mark.parametrize(("placed_at", "rate"), [("2023-12-31T12:00:00+08:00", "8"), ("2024-01-01T12:00:00+08:00", "9")], ids=["2023", "2024"])
def test_rate_fact_names_the_row(quote, placed_at, rate):
    d = quote(sg(placed_at=placed_at))
    (fact,) = d["facts"]["rates"]
    assert (fact["tax_area"], fact["rate_percent"]) == ("SG", rate)
    assert d["lines"][0]["rate_percent"] == rate
