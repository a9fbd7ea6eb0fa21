"""UK_MARKETPLACE (VATA 1994 s.5A; Northern Ireland s.5B): scenarios with amounts to the cent.

Expected amounts are worked out by hand from the rates (GB 20 %; books, basic food and young
children's clothing 0 %) and, for EUR orders, the ECB rate of 2026-10-15: 1 EUR = 0.8461 GBP,
so GBP 135 = EUR 159.556 (EUR 159.56 -> GBP 135.00, EUR 159.57 -> GBP 135.01).
"""

from __future__ import annotations

from datetime import date

import pytest

from levy import Reason

from regime_contract import RegimeContract, order

VOUCHER_GB = {"certificate_id": "EX-GB-2026-7", "country": "GB", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}


def gb(**changes) -> dict:
    """A GBP order from China to London on 2026-10-15 (``conftest.build_order`` shortcuts)."""
    return order(**{"to": "GB", "postal": "SW1A 1AA", "currency": "GBP", **changes})


def ni(**changes) -> dict:
    """The same to Belfast (``BT`` postcode: tax area GB-NIR)."""
    return gb(**{"postal": "BT7 1NN", **changes})


def line(sku: str, price: str, quantity: int = 1, category: str = "general") -> dict:
    return {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}


class TestUKMarketplace(RegimeContract):
    COUNTRY = "GB"
    POSTAL = "SW1A 1AA"
    CURRENCY = "GBP"
    START = date(2021, 1, 1)
    COLLECTING_ORDER = gb()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: gb(),
        Reason.DEEMED_SUPPLIER_LOCAL_STOCK: gb(ship_from="GB"),
        Reason.OFFLINE_PAYMENT: gb(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: gb(placed_at="2020-12-31T12:00:00+00:00"),
        Reason.SPECIAL_TERRITORY: gb(postal="JE2 3AB"),
        Reason.ABOVE_THRESHOLD: gb(price="135.01"),
        Reason.B2B_VALID_VAT_NUMBER: gb(vat="GB980780684"),
        Reason.EXEMPTION_CERTIFICATE: gb(exemption=VOUCHER_GB),
        Reason.EXCISE_GOODS: gb(category="excise_alcohol"),
        Reason.SELLER_LIABLE: gb(ship_from="GB", seller_country="GB"),
    }
    EXPECTED_REASONS = frozenset(Reason)


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["tax_country"], d["vat_total"], d["gross_total"], d["warnings"]


IMPORT = (True, "UK_MARKETPLACE", "DEEMED_SUPPLIER_IMPORT", "GB")
LOCAL = (True, "UK_MARKETPLACE", "DEEMED_SUPPLIER_LOCAL_STOCK", "GB")


def nothing(reason: str, gross: str, warnings=()) -> tuple:
    return (False, None, reason, None, "0.00", gross, list(warnings))


SCENARIOS = [
    # id, order, (collect, scheme, reason, tax_country, vat_total, gross_total, warnings)
    ("import-100", gb(), (*IMPORT, "20.00", "120.00", [])),
    ("import-at-limit-135.00", gb(price="135.00"), (*IMPORT, "27.00", "162.00", [])),
    ("import-above-135.01", gb(price="135.01"), nothing("ABOVE_THRESHOLD", "135.01")),
    # Transport shown separately is outside the intrinsic value but inside the base (20 % of 10).
    ("shipping-outside-intrinsic-value", gb(price="135.00", shipping="10.00"), (*IMPORT, "29.00", "174.00", [])),
    # rules.md 9.3 #20: two items of GBP 80 in one consignment: the limit is per consignment.
    ("two-items-80-consignment-160", gb(lines=[line("A", "80.00"), line("B", "80.00")]), nothing("ABOVE_THRESHOLD", "160.00")),
    # Books 0 % + general 20 %; shipping 10.00 shared 20:80 -> 10 x 80 % x 20 % = 1.60.
    ("mixed-rates-shipping-pro-rata", gb(lines=[line("BOOK", "20.00", category="books"), line("TOY", "80.00")], shipping="10.00"),
     (*IMPORT, "17.60", "127.60", [])),
    ("food-zero-rated", gb(price="50.00", category="food"), (*IMPORT, "0.00", "50.00", [])),
    ("childrens-clothing-zero-rated", gb(price="30.00", category="childrens_clothing"), (*IMPORT, "0.00", "30.00", [])),
    ("medical-standard-rated", gb(price="10.00", category="medical"), (*IMPORT, "2.00", "12.00", [])),
    ("eur-at-limit-159.56", gb(currency="EUR", price="159.56"), (*IMPORT, "31.91", "191.47", [])),
    ("eur-above-159.57", gb(currency="EUR", price="159.57"), nothing("ABOVE_THRESHOLD", "159.57")),
    # Tax-inclusive: VAT = gross x 20 / 120; the threshold tests the extracted net.
    ("inclusive-162.00-net-135.00", gb(price="162.00", prices_include_vat=True), (*IMPORT, "27.00", "162.00", [])),
    ("inclusive-162.01-net-135.01", gb(price="162.01", prices_include_vat=True), nothing("ABOVE_THRESHOLD", "162.01")),
    ("inclusive-with-shipping", gb(price="120.00", shipping="12.00", prices_include_vat=True), (*IMPORT, "22.00", "132.00", [])),
    ("local-stock-any-value", gb(ship_from="GB", price="2500.00"), (*LOCAL, "500.00", "3000.00", [])),
    ("local-stock-isle-of-man-warehouse", gb(ship_from="IM"), (*LOCAL, "20.00", "120.00", [])),
    ("seller-liable-uk-seller", gb(ship_from="GB", seller_country="GB"), nothing("SELLER_LIABLE", "100.00")),
    ("seller-liable-isle-of-man-seller", gb(ship_from="GB", seller_country="IM"), nothing("SELLER_LIABLE", "100.00")),
    ("import-from-eu-is-import", gb(ship_from="DE", seller_country="DE"), (*IMPORT, "20.00", "120.00", [])),
    ("import-uk-seller-still-collected", gb(seller_country="GB"), (*IMPORT, "20.00", "120.00", [])),
    ("import-from-jersey-is-import", gb(ship_from="JE"), (*IMPORT, "20.00", "120.00", [])),
    ("excise-alcohol", gb(category="excise_alcohol"), nothing("EXCISE_GOODS", "100.00")),
    ("excise-before-threshold", gb(category="excise_tobacco", price="500.00"), nothing("EXCISE_GOODS", "500.00")),
    ("excise-local-stock", gb(ship_from="GB", category="excise_alcohol"), nothing("EXCISE_GOODS", "100.00")),
    ("b2b-gb-prefixed", gb(vat="GB980780684"), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("b2b-unprefixed-spaces", gb(vat="980 7806 84"), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("b2b-local-stock-s5a-1a", gb(ship_from="GB", vat="GB980780684"), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("b2b-above-threshold-is-above", gb(price="500.00", vat="GB980780684"), nothing("ABOVE_THRESHOLD", "500.00")),
    ("vat-number-invalid", gb(vat="GB980780685"), (*IMPORT, "20.00", "120.00", ["VAT_NUMBER_INVALID"])),
    ("vat-number-eu", gb(vat="DE136695976"), (*IMPORT, "20.00", "120.00", ["VAT_NUMBER_OTHER_COUNTRY"])),
    ("voucher-valid", gb(exemption=VOUCHER_GB), nothing("EXEMPTION_CERTIFICATE", "100.00")),
    ("voucher-other-country", gb(exemption={**VOUCHER_GB, "country": "FR"}), (*IMPORT, "20.00", "120.00", ["EXEMPTION_OTHER_COUNTRY"])),
    ("offline", gb(channel="offline"), nothing("OFFLINE_PAYMENT", "100.00")),
    ("not-covered-2020-12-31", gb(placed_at="2020-12-31T23:30:00+00:00"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("covered-2021-01-01-local-time", gb(placed_at="2021-01-01T00:30:00+01:00"), (*IMPORT, "20.00", "120.00", [])),
    ("jersey-postcode-outside", gb(postal="JE2 3AB"), nothing("SPECIAL_TERRITORY", "100.00")),
    ("guernsey-postcode-outside", gb(postal="GY1 1AA"), nothing("SPECIAL_TERRITORY", "100.00")),
    ("jersey-country-not-covered", gb(to="JE", postal="JE2 3AB"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("isle-of-man-taxed-as-gb", gb(to="IM", postal="IM1 1AA"), (*IMPORT, "20.00", "120.00", [])),
    # Northern Ireland: UK rates, EU rules for goods (Windsor Framework).
    ("ni-import-from-china", ni(), (*IMPORT, "20.00", "120.00", [])),
    ("ni-import-above-135.01", ni(price="135.01"), nothing("ABOVE_THRESHOLD", "135.01")),
    ("ni-union-goods-overseas-seller-any-value", ni(ship_from="DE", price="2500.00"), (*LOCAL, "500.00", "3000.00", [])),
    ("ni-union-goods-from-france", ni(ship_from="FR"), (*LOCAL, "20.00", "120.00", [])),
    ("ni-eu-seller-distance-sale", ni(ship_from="DE", seller_country="DE"), nothing("SELLER_LIABLE", "100.00")),
    ("ni-gb-stock-overseas-seller-para-4a", ni(ship_from="GB"), (*LOCAL, "20.00", "120.00", [])),
    ("ni-gb-stock-uk-seller", ni(ship_from="GB", seller_country="GB"), nothing("SELLER_LIABLE", "100.00")),
    ("ni-gb-stock-eu-seller", ni(ship_from="GB", seller_country="DE"), nothing("SELLER_LIABLE", "100.00")),
    ("ni-xi-number", ni(vat="XI980780684"), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    # 17.95 children's clothing at 0 % + 3 x 3.00 at 20 % = 1.80.
    ("ni-mixed-categories", ni(lines=[line("KID", "17.95", category="childrens_clothing"), line("GEN", "3.00", 3)]),
     (*IMPORT, "1.80", "28.75", [])),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


def test_explanation_names_the_ecb_conversion(quote):
    d = quote(gb(currency="EUR", price="159.56"))
    assert "GBP 135.00 (EUR 159.56 at the ECB rate of 2026-10-15, 1 GBP = 1.181893 EUR; <= GBP 135)" in d["explanation"]
    t = d["facts"]["threshold"]
    assert (t["name"], t["basis"], t["limit"], t["converted_value"], t["within"]) == (
        "uk_consignment_threshold_gbp", "consignment", "135", "135.00", True)


@pytest.mark.parametrize(
    ("order_", "rule", "phrase"),
    [
        (gb(), "VATA 1994 s.5A(1)(c)(i) and (3)", "Imported consignment worth GBP 100.00 (<= GBP 135)"),
        (gb(ship_from="GB"), "VATA 1994 s.5A(1)(c)(ii)", "outside the UK"),
        (ni(), "Northern Ireland", "collects United Kingdom (Northern Ireland)'s VAT"),
        (ni(ship_from="DE"), "Sch 9ZC paras 1B and 4A", "outside the UK and the EU"),
        (gb(vat="GB980780684"), "s.5A(1A)", "valid United Kingdom VAT number (GB980780684)"),
    ],
    ids=["gb-import", "gb-local-stock", "ni-import", "ni-union-goods", "b2b"],
)
def test_rule_and_explanation(quote, order_, rule, phrase):
    d = quote(order_)
    assert rule in d["facts"]["rule"]
    assert phrase in d["explanation"]


def test_northern_ireland_has_its_own_tax_area_and_uk_rates(quote):
    d = quote(ni())
    assert (d["facts"]["tax_area"], d["facts"]["territory"], d["tax_country"]) == ("GB-NIR", "Northern Ireland", "GB")
    assert d["lines"][0]["rate_percent"] == "20"


def test_isle_of_man_is_in_the_uk_vat_area(quote):
    d = quote(gb(to="IM", postal="IM1 1AA"))
    assert (d["facts"]["tax_area"], d["facts"]["territory"]) == ("GB", "Isle of Man")
