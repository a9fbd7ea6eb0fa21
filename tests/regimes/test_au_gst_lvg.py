"""AU_GST_LVG (GST Act 1999 Subdiv 84-C): scenarios with amounts to the cent.

GST 10 % (basic food GST-free). An order is one consignment: its customs value (line nets,
transport excluded) must be AUD 1,000 or less. USD orders use the ECB rates of 2026-10-15
(1 EUR = 1.1208 USD = 1.6218 AUD, so 1 AUD = 0.691084 USD): USD 691.08 -> AUD 999.99,
USD 691.09 -> AUD 1,000.01.
"""

from __future__ import annotations

from datetime import date

import pytest

from levy import Reason

from regime_contract import RegimeContract, order

VOUCHER_AU = {"certificate_id": "EX-AU-2026-9", "country": "AU", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
ABN = "51 824 753 556"


def au(**changes) -> dict:
    """An AUD order from China to Sydney on 2026-10-15."""
    return order(**{"to": "AU", "postal": "2000", "currency": "AUD", **changes})


def line(sku: str, price: str, quantity: int = 1, category: str = "general") -> dict:
    return {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}


class TestAUGstLvg(RegimeContract):
    COUNTRY = "AU"
    POSTAL = "2000"
    CURRENCY = "AUD"
    START = date(2018, 7, 1)
    COLLECTING_ORDER = au()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: au(),
        Reason.OFFLINE_PAYMENT: au(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: au(placed_at="2018-06-30T12:00:00+10:00"),
        Reason.SPECIAL_TERRITORY: au(postal="2899"),
        Reason.ABOVE_THRESHOLD: au(price="1000.01"),
        Reason.B2B_VALID_VAT_NUMBER: au(vat=ABN),
        Reason.EXEMPTION_CERTIFICATE: au(exemption=VOUCHER_AU),
        Reason.EXCISE_GOODS: au(category="excise_tobacco"),
        Reason.SELLER_LIABLE: au(ship_from="AU"),
    }
    # Offshore supplies only: no DEEMED_SUPPLIER_LOCAL_STOCK.
    EXPECTED_REASONS = frozenset(Reason) - {Reason.DEEMED_SUPPLIER_LOCAL_STOCK}


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["tax_country"], d["vat_total"], d["gross_total"], d["warnings"]


LVG = (True, "AU_GST_LVG", "DEEMED_SUPPLIER_IMPORT", "AU")


def nothing(reason: str, gross: str, warnings=()) -> tuple:
    return (False, None, reason, None, "0.00", gross, list(warnings))


SCENARIOS = [
    # id, order, (collect, scheme, reason, tax_country, vat_total, gross_total, warnings)
    ("import-100", au(), (*LVG, "10.00", "110.00", [])),
    ("at-limit-1000.00", au(price="1000.00"), (*LVG, "100.00", "1100.00", [])),
    ("above-1000.01", au(price="1000.01"), nothing("ABOVE_THRESHOLD", "1000.01")),
    # rules.md 9.4 #29: two A$600 items in one consignment (A$1,200) are taxed at the border.
    ("two-items-600-one-consignment", au(lines=[line("A", "600.00"), line("B", "600.00")]), nothing("ABOVE_THRESHOLD", "1200.00")),
    ("shipping-outside-customs-value", au(price="1000.00", shipping="20.00"), (*LVG, "102.00", "1122.00", [])),
    ("basic-food-gst-free", au(price="50.00", category="food"), (*LVG, "0.00", "50.00", [])),
    ("books-taxable", au(category="books"), (*LVG, "10.00", "110.00", [])),
    # Food 0 % + general 10 %; shipping 10 shared 50:50 -> 0.50.
    ("mixed-rates-shipping-pro-rata", au(lines=[line("FOOD", "100.00", category="food"), line("GEN", "100.00")], shipping="10.00"),
     (*LVG, "10.50", "220.50", [])),
    ("usd-below-691.08", au(currency="USD", price="691.08"), (*LVG, "69.11", "760.19", [])),
    ("usd-above-691.09", au(currency="USD", price="691.09"), nothing("ABOVE_THRESHOLD", "691.09")),
    # Tax-inclusive: GST = one eleventh of the price; the limit tests the GST-exclusive value.
    ("inclusive-1100.00-net-1000.00", au(price="1100.00", prices_include_vat=True), (*LVG, "100.00", "1100.00", [])),
    ("inclusive-1100.01-net-1000.01", au(price="1100.01", prices_include_vat=True), nothing("ABOVE_THRESHOLD", "1100.01")),
    # 730.95 / 11 = 66.45; 120.50 / 11 = 10.9545 -> 10.95.
    ("inclusive-two-lines", au(lines=[line("A", "730.95"), line("B", "120.50")], prices_include_vat=True), (*LVG, "77.40", "851.45", [])),
    ("tobacco-excluded", au(category="excise_tobacco"), nothing("EXCISE_GOODS", "100.00")),
    ("alcohol-in-mixed-order", au(lines=[line("GEN", "100.00"), line("WINE", "20.00", category="excise_alcohol")]), nothing("EXCISE_GOODS", "120.00")),
    ("local-stock-seller-liable", au(ship_from="AU"), nothing("SELLER_LIABLE", "100.00")),
    ("import-australian-seller-still-collected", au(seller_country="AU"), (*LVG, "10.00", "110.00", [])),
    ("abn", au(vat=ABN), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("abn-above-threshold-is-above", au(price="2000.00", vat=ABN), nothing("ABOVE_THRESHOLD", "2000.00")),
    ("abn-invalid", au(vat="51 824 753 557"), (*LVG, "10.00", "110.00", ["VAT_NUMBER_INVALID"])),
    ("eu-number-other-country", au(vat="DE136695976"), (*LVG, "10.00", "110.00", ["VAT_NUMBER_OTHER_COUNTRY"])),
    ("voucher-valid", au(exemption=VOUCHER_AU), nothing("EXEMPTION_CERTIFICATE", "100.00")),
    ("voucher-other-country", au(exemption={**VOUCHER_AU, "country": "NZ"}), (*LVG, "10.00", "110.00", ["EXEMPTION_OTHER_COUNTRY"])),
    ("offline", au(channel="offline"), nothing("OFFLINE_PAYMENT", "100.00")),
    ("not-covered-2018-06-30", au(placed_at="2018-06-30T23:30:00+10:00"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("covered-2018-07-01", au(placed_at="2018-07-01T00:30:00+10:00"), (*LVG, "10.00", "110.00", [])),
    ("norfolk-island-outside", au(postal="2899"), nothing("SPECIAL_TERRITORY", "100.00")),
    ("christmas-island-outside", au(postal="6798"), nothing("SPECIAL_TERRITORY", "100.00")),
    ("cocos-islands-outside", au(postal="6799"), nothing("SPECIAL_TERRITORY", "100.00")),
    ("norfolk-country-not-covered", au(to="NF", postal="2899"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("perth-inside", au(postal="6000"), (*LVG, "10.00", "110.00", [])),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


def test_explanation_names_the_cross_rate_through_eur(quote):
    d = quote(au(currency="USD", price="691.08"))
    assert "AUD 999.99 (USD 691.08 at the ECB rate of 2026-10-15, 1 AUD = 0.691084 USD; <= AUD 1000)" in d["explanation"]
    assert "collects Australia's GST under AU_GST_LVG" in d["explanation"]
    assert d["facts"]["threshold"]["basis"] == "consignment"


def test_abn_is_named_in_the_explanation(quote):
    d = quote(au(vat=ABN))
    assert "valid Australia ABN (51824753556)" in d["explanation"]
    assert "LCR 2018/1" in d["facts"]["rule"]
