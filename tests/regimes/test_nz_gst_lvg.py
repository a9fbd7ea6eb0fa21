"""NZ_GST_LVG (GST Act 1985 s.4B, s.8(3)(ab), s.60C): scenarios with amounts to the cent.

GST 15 % on every category. The limit is NZD 1,000 or less *per item* (s.4B(1)(e)). EUR orders
use the ECB rate of 2026-10-15: 1 EUR = 2.0012 NZD (EUR 499.70 -> NZD 1,000.00, EUR 499.71 ->
NZD 1,000.02).
"""

from __future__ import annotations

from datetime import date

import pytest

from levy import Reason

from regime_contract import RegimeContract, order

VOUCHER_NZ = {"certificate_id": "EX-NZ-2026-4", "country": "NZ", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
IRD = "49-098-576"


def nz(**changes) -> dict:
    """An NZD order from China to Auckland on 2026-10-15."""
    return order(**{"to": "NZ", "postal": "1010", "currency": "NZD", **changes})


def line(sku: str, price: str, quantity: int = 1, category: str = "general") -> dict:
    return {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}


class TestNZGstLvg(RegimeContract):
    COUNTRY = "NZ"
    POSTAL = "1010"
    CURRENCY = "NZD"
    START = date(2019, 12, 1)
    COLLECTING_ORDER = nz()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: nz(),
        Reason.OFFLINE_PAYMENT: nz(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: nz(placed_at="2019-11-30T12:00:00+13:00"),
        Reason.ABOVE_THRESHOLD: nz(price="1000.01"),
        Reason.B2B_VALID_VAT_NUMBER: nz(vat=IRD),
        Reason.EXEMPTION_CERTIFICATE: nz(exemption=VOUCHER_NZ),
        Reason.EXCISE_GOODS: nz(category="excise_alcohol"),
        Reason.SELLER_LIABLE: nz(ship_from="NZ"),
    }
    # Imports by non-residents only; Tokelau, Niue and the Cook Islands have ISO codes of their own.
    EXPECTED_REASONS = frozenset(Reason) - {Reason.DEEMED_SUPPLIER_LOCAL_STOCK, Reason.SPECIAL_TERRITORY}


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["tax_country"], d["vat_total"], d["gross_total"], d["warnings"]


LVG = (True, "NZ_GST_LVG", "DEEMED_SUPPLIER_IMPORT", "NZ")


def nothing(reason: str, gross: str, warnings=()) -> tuple:
    return (False, None, reason, None, "0.00", gross, list(warnings))


SCENARIOS = [
    # id, order, (collect, scheme, reason, tax_country, vat_total, gross_total, warnings)
    ("import-100", nz(), (*LVG, "15.00", "115.00", [])),
    ("item-at-limit-1000.00", nz(price="1000.00"), (*LVG, "150.00", "1150.00", [])),
    ("item-above-1000.01", nz(price="1000.01"), nothing("ABOVE_THRESHOLD", "1000.01")),
    # Per item: three items of NZD 600 (1,800 in all) are each low-value goods.
    ("three-lines-600-per-item", nz(lines=[line("A", "600.00"), line("B", "600.00"), line("C", "600.00")]), (*LVG, "270.00", "2070.00", [])),
    ("three-units-600-per-item", nz(lines=[line("A", "600.00", 3)]), (*LVG, "270.00", "2070.00", [])),
    # One item above NZD 1,000 takes the whole order out (modelled: one order, one decision).
    ("one-item-above-whole-order-above", nz(lines=[line("EBIKE", "1892.90"), line("BELL", "10.00")]), nothing("ABOVE_THRESHOLD", "1902.90")),
    ("shipping-outside-customs-value", nz(price="1000.00", shipping="20.00"), (*LVG, "153.00", "1173.00", [])),
    ("food-15", nz(price="50.00", category="food"), (*LVG, "7.50", "57.50", [])),
    ("eur-at-499.70", nz(currency="EUR", price="499.70"), (*LVG, "74.96", "574.66", [])),
    ("eur-above-499.71", nz(currency="EUR", price="499.71"), nothing("ABOVE_THRESHOLD", "499.71")),
    # Tax-inclusive: GST = gross x 15 / 115; the limit tests the GST-exclusive value (s.10B).
    ("inclusive-1150.00-net-1000.00", nz(price="1150.00", prices_include_vat=True), (*LVG, "150.00", "1150.00", [])),
    ("inclusive-1150.01-net-1000.01", nz(price="1150.01", prices_include_vat=True), nothing("ABOVE_THRESHOLD", "1150.01")),
    ("inclusive-with-shipping", nz(price="115.00", shipping="23.00", prices_include_vat=True), (*LVG, "18.00", "138.00", [])),
    ("alcohol-excluded", nz(category="excise_alcohol"), nothing("EXCISE_GOODS", "100.00")),
    ("tobacco-excluded-before-threshold", nz(category="excise_tobacco", price="5000.00"), nothing("EXCISE_GOODS", "5000.00")),
    ("local-stock-seller-liable", nz(ship_from="NZ"), nothing("SELLER_LIABLE", "100.00")),
    ("resident-seller-abroad-seller-liable", nz(seller_country="NZ"), nothing("SELLER_LIABLE", "100.00")),
    ("ird-number", nz(vat=IRD), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("ird-number-prefixed", nz(vat="NZ 49-098-576"), nothing("B2B_VALID_VAT_NUMBER", "100.00")),
    ("ird-number-invalid", nz(vat="49-098-577"), (*LVG, "15.00", "115.00", ["VAT_NUMBER_INVALID"])),
    ("ird-above-threshold-is-above", nz(price="1500.00", vat=IRD), nothing("ABOVE_THRESHOLD", "1500.00")),
    ("voucher-valid", nz(exemption=VOUCHER_NZ), nothing("EXEMPTION_CERTIFICATE", "100.00")),
    ("voucher-expired", nz(exemption={**VOUCHER_NZ, "valid_to": "2026-10-14"}), (*LVG, "15.00", "115.00", ["EXEMPTION_NOT_IN_FORCE"])),
    ("offline", nz(channel="offline"), nothing("OFFLINE_PAYMENT", "100.00")),
    ("not-covered-2019-11-30", nz(placed_at="2019-11-30T23:30:00+13:00"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("covered-2019-12-01-local-time", nz(placed_at="2019-12-01T00:30:00+13:00"), (*LVG, "15.00", "115.00", [])),
    ("tokelau-not-covered", nz(to="TK", postal=None), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("cook-islands-not-covered", nz(to="CK", postal=None), nothing("DESTINATION_NOT_COVERED", "100.00")),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


def test_item_threshold_names_the_dearest_item_and_the_ecb_rate(quote):
    d = quote(nz(currency="EUR", lines=[line("CASE", "12.00", 2), line("LAPTOP", "499.70")]))
    assert "dearest item (LAPTOP, per unit)" in d["explanation"]
    assert "NZD 1000.00 (EUR 499.70 at the ECB rate of 2026-10-15, 1 NZD = 0.4997 EUR; <= NZD 1000)" in d["explanation"]
    assert d["facts"]["threshold"]["basis"] == "item"


def test_gst_number_is_named_in_the_explanation(quote):
    assert "valid New Zealand GST (IRD) number (49098576)" in quote(nz(vat=IRD))["explanation"]
