"""NO_VOEC (merverdiavgiftsloven § 3-1(2), § 11-2): scenarios with amounts to the cent.

Rates: 25 % general, 0 % books. The limit is "below NOK 3,000" per item (exclusive). EUR orders
use the ECB rate of 2026-10-15: 1 EUR = 10.652 NOK, so NOK 3,000 = EUR 281.637
(EUR 281.63 -> NOK 2,999.92, EUR 281.64 -> NOK 3,000.03).
"""

from __future__ import annotations

from datetime import date

import pytest

from levy import Reason

from regime_contract import RegimeContract, order

VOUCHER_NO = {"certificate_id": "EX-NO-2026-3", "country": "NO", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}


def no(**changes) -> dict:
    """A NOK order from China to Oslo on 2026-10-15."""
    return order(**{"to": "NO", "postal": "0150", "currency": "NOK", **changes})


def line(sku: str, price: str, quantity: int = 1, category: str = "general") -> dict:
    return {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}


class TestNoVoec(RegimeContract):
    COUNTRY = "NO"
    POSTAL = "0150"
    CURRENCY = "NOK"
    START = date(2020, 4, 1)
    COLLECTING_ORDER = no()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: no(),
        Reason.OFFLINE_PAYMENT: no(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: no(placed_at="2020-03-31T12:00:00+00:00"),
        Reason.SPECIAL_TERRITORY: no(postal="9170"),
        Reason.ABOVE_THRESHOLD: no(price="3000.00"),
        Reason.B2B_VALID_VAT_NUMBER: no(vat="NO 974 760 673 MVA"),
        Reason.EXEMPTION_CERTIFICATE: no(exemption=VOUCHER_NO),
        Reason.EXCISE_GOODS: no(category="food"),
        Reason.SELLER_LIABLE: no(ship_from="NO"),
    }
    # VOEC covers imports only: no DEEMED_SUPPLIER_LOCAL_STOCK.
    EXPECTED_REASONS = frozenset(Reason) - {Reason.DEEMED_SUPPLIER_LOCAL_STOCK}


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["tax_country"], d["vat_total"], d["gross_total"], d["warnings"]


VOEC = (True, "NO_VOEC", "DEEMED_SUPPLIER_IMPORT", "NO")


def nothing(reason: str, gross: str, warnings=()) -> tuple:
    return (False, None, reason, None, "0.00", gross, list(warnings))


SCENARIOS = [
    # id, order, (collect, scheme, reason, tax_country, vat_total, gross_total, warnings)
    ("import-100", no(), (*VOEC, "25.00", "125.00", [])),
    ("item-below-2999.99", no(price="2999.99"), (*VOEC, "750.00", "3749.99", [])),
    ("item-at-3000.00-is-above", no(price="3000.00"), nothing("ABOVE_THRESHOLD", "3000.00")),
    # rules.md 9.4 #26: two items of NOK 2,000 (4,000 in all) both stay in VOEC: per item.
    ("two-units-2000-per-item", no(lines=[line("LAMP", "2000.00", 2)]), (*VOEC, "1000.00", "5000.00", [])),
    ("two-lines-2000-per-item", no(lines=[line("A", "2000.00"), line("B", "2000.00")]), (*VOEC, "1000.00", "5000.00", [])),
    # One item at NOK 3,200 takes the whole order out (modelled: one order, one decision).
    ("one-item-3200-whole-order-above", no(lines=[line("BIKE", "3200.00"), line("BELL", "100.00")]), nothing("ABOVE_THRESHOLD", "3300.00")),
    # Shipping is outside the item test but inside the base: 749.9975 -> 750.00, 500 x 25 % = 125.
    ("shipping-outside-test-inside-base", no(price="2999.99", shipping="500.00"), (*VOEC, "875.00", "4374.99", [])),
    ("books-zero-rated-in-voec", no(lines=[line("BK-1", "455.00", category="books"), line("BK-2", "180.00", 2, "books")], shipping="89.90"),
     (*VOEC, "0.00", "904.90", [])),
    # Books 0 % + general 25 %, shipping 20 shared 50:50 -> 20 x 50 % x 25 % = 2.50.
    ("mixed-rates-shipping-pro-rata", no(lines=[line("BK", "100.00", category="books"), line("GEN", "100.00")], shipping="20.00"),
     (*VOEC, "27.50", "247.50", [])),
    ("eur-below-281.63", no(currency="EUR", price="281.63"), (*VOEC, "70.41", "352.04", [])),
    ("eur-above-281.64", no(currency="EUR", price="281.64"), nothing("ABOVE_THRESHOLD", "281.64")),
    # Tax-inclusive: VAT = gross x 25 / 125 (749.998 -> 750.00), net 2,999.99 is below the limit.
    ("inclusive-3749.99-net-2999.99", no(price="3749.99", prices_include_vat=True), (*VOEC, "750.00", "3749.99", [])),
    ("inclusive-3750.00-net-3000.00", no(price="3750.00", prices_include_vat=True), nothing("ABOVE_THRESHOLD", "3750.00")),
    ("inclusive-with-shipping", no(price="125.00", shipping="25.00", prices_include_vat=True), (*VOEC, "30.00", "150.00", [])),
    ("food-excluded", no(category="food"), nothing("EXCISE_GOODS", "100.00")),
    ("staple-food-excluded", no(category="staple_food"), nothing("EXCISE_GOODS", "100.00")),
    ("medicines-excluded", no(category="medical"), nothing("EXCISE_GOODS", "100.00")),
    ("alcohol-excluded", no(category="excise_alcohol"), nothing("EXCISE_GOODS", "100.00")),
    ("food-in-mixed-order-excludes-all", no(lines=[line("GEN", "100.00"), line("TEA", "50.00", category="food")]), nothing("EXCISE_GOODS", "150.00")),
    ("local-stock-seller-liable", no(ship_from="NO"), nothing("SELLER_LIABLE", "100.00")),
    ("import-norwegian-seller-still-voec", no(seller_country="NO"), (*VOEC, "25.00", "125.00", [])),
    ("b2b-mva", no(vat="NO 974 760 673 MVA"), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("b2b-organisation-number", no(vat="974760673"), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("b2b-above-threshold-is-above", no(price="5000.00", vat="974760673"), nothing("ABOVE_THRESHOLD", "5000.00")),
    ("organisation-number-invalid", no(vat="974760674"), (*VOEC, "25.00", "125.00", ["VAT_NUMBER_INVALID"])),
    ("eu-number-other-country", no(vat="DE136695976"), (*VOEC, "25.00", "125.00", ["VAT_NUMBER_OTHER_COUNTRY"])),
    ("voucher-valid", no(exemption=VOUCHER_NO), nothing("EXEMPTION_CERTIFICATE", "100.00")),
    ("voucher-expired", no(exemption={**VOUCHER_NO, "valid_to": "2026-10-14"}), (*VOEC, "25.00", "125.00", ["EXEMPTION_NOT_IN_FORCE"])),
    ("offline", no(channel="offline"), nothing("OFFLINE_PAYMENT", "100.00")),
    ("not-covered-2020-03-31", no(placed_at="2020-03-31T23:30:00+02:00"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("covered-2020-04-01", no(placed_at="2020-04-01T00:30:00+02:00"), (*VOEC, "25.00", "125.00", [])),
    ("svalbard-outside", no(postal="9170"), nothing("SPECIAL_TERRITORY", "100.00")),
    ("jan-mayen-outside", no(postal="8099"), nothing("SPECIAL_TERRITORY", "100.00")),
    ("svalbard-country-not-covered", no(to="SJ", postal="9170"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("tromso-inside", no(postal="9008"), (*VOEC, "25.00", "125.00", [])),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


def test_item_threshold_names_the_dearest_item_and_the_ecb_rate(quote):
    d = quote(no(currency="EUR", lines=[line("CABLE", "9.00", 3), line("DRILL", "281.63")]))
    assert "dearest item (DRILL, per unit)" in d["explanation"]
    assert "NOK 2999.92 (EUR 281.63 at the ECB rate of 2026-10-15, 1 NOK = 0.093879 EUR; < NOK 3000)" in d["explanation"]
    t = d["facts"]["threshold"]
    assert (t["basis"], t["value"], t["converted_value"], t["inclusive"], t["within"]) == ("item", "281.63", "2999.92", False, True)


def test_excluded_goods_are_named(quote):
    d = quote(no(lines=[line("TEA", "50.00", category="food"), line("PILLS", "20.00", category="medical")]))
    assert "TEA: foodstuffs" in d["explanation"] and "PILLS: medicines" in d["explanation"]
    assert "§ 3-1(2)" in d["facts"]["rule"]


def test_organisation_number_is_named_in_the_explanation(quote):
    assert "valid Norway organisation number (974760673MVA)" in quote(no(vat="NO974760673MVA"))["explanation"]
