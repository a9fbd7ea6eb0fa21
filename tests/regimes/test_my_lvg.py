"""MY_LVG (sales tax on low value goods, from 2024-01-01): scenarios with amounts to the cent.

Sales tax 10 % on every category, on the goods only: transport is outside the base, so the
shipping line always carries 0.00. The limit is MYR 500 or less per item. USD orders use the ECB
rates of 2026-10-15 (1 EUR = 1.1208 USD = 4.5757 MYR): USD 122.47 -> MYR 499.99,
USD 122.48 -> MYR 500.03.
"""

from __future__ import annotations

from datetime import date

import pytest

from levy import Reason

from regime_contract import RegimeContract, order

VOUCHER_MY = {"certificate_id": "EX-MY-2026-8", "country": "MY", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}


def my(**changes) -> dict:
    """An MYR order from China to Kuala Lumpur on 2026-10-15."""
    return order(**{"to": "MY", "postal": "50450", "currency": "MYR", **changes})


def line(sku: str, price: str, quantity: int = 1, category: str = "general") -> dict:
    return {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}


class TestMYLvg(RegimeContract):
    COUNTRY = "MY"
    POSTAL = "50450"
    CURRENCY = "MYR"
    START = date(2024, 1, 1)
    COLLECTING_ORDER = my()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: my(),
        Reason.OFFLINE_PAYMENT: my(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: my(placed_at="2023-12-31T12:00:00+08:00"),
        Reason.ABOVE_THRESHOLD: my(price="500.01"),
        Reason.EXEMPTION_CERTIFICATE: my(exemption=VOUCHER_MY),
        Reason.EXCISE_GOODS: my(category="excise_tobacco"),
        Reason.SELLER_LIABLE: my(ship_from="MY"),
    }
    # Imports only, no special territory, no business-buyer exclusion found.
    EXPECTED_REASONS = frozenset(Reason) - {
        Reason.DEEMED_SUPPLIER_LOCAL_STOCK, Reason.SPECIAL_TERRITORY, Reason.B2B_VALID_VAT_NUMBER,
    }


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["tax_country"], d["vat_total"], d["gross_total"], d["warnings"]


LVG = (True, "MY_LVG", "DEEMED_SUPPLIER_IMPORT", "MY")


def nothing(reason: str, gross: str, warnings=()) -> tuple:
    return (False, None, reason, None, "0.00", gross, list(warnings))


SCENARIOS = [
    # id, order, (collect, scheme, reason, tax_country, vat_total, gross_total, warnings)
    ("import-100", my(), (*LVG, "10.00", "110.00", [])),
    ("shipping-outside-base", my(shipping="20.00"), (*LVG, "10.00", "130.00", [])),
    ("item-at-limit-500.00", my(price="500.00"), (*LVG, "50.00", "550.00", [])),
    ("item-above-500.01", my(price="500.01"), nothing("ABOVE_THRESHOLD", "500.01")),
    # 3 x 167.99 = 503.97 -> 50.397 -> 50.40; 146.49 -> 14.649 -> 14.65; shipping 24.95 untaxed.
    ("per-item-order-above-500-in-all", my(lines=[line("DRYER", "167.99", 3), line("IRON", "146.49")], shipping="24.95"),
     (*LVG, "65.05", "740.46", [])),
    ("one-item-above-whole-order-above", my(lines=[line("VACUUM", "812.90"), line("BAG", "10.00")], shipping="34.90"), nothing("ABOVE_THRESHOLD", "857.80")),
    ("books-10", my(category="books"), (*LVG, "10.00", "110.00", [])),
    ("food-10", my(category="food"), (*LVG, "10.00", "110.00", [])),
    ("usd-at-122.47", my(currency="USD", price="122.47"), (*LVG, "12.25", "134.72", [])),
    ("usd-above-122.48", my(currency="USD", price="122.48"), nothing("ABOVE_THRESHOLD", "122.48")),
    # Tax-inclusive: tax = gross x 10 / 110; shipping carries no tax to extract.
    ("inclusive-550.00-net-500.00", my(price="550.00", prices_include_vat=True), (*LVG, "50.00", "550.00", [])),
    ("inclusive-550.01-net-500.01", my(price="550.01", prices_include_vat=True), nothing("ABOVE_THRESHOLD", "550.01")),
    ("inclusive-shipping-untaxed", my(price="110.00", shipping="20.00", prices_include_vat=True), (*LVG, "10.00", "130.00", [])),
    ("tobacco-excluded", my(category="excise_tobacco"), nothing("EXCISE_GOODS", "100.00")),
    ("liquor-excluded", my(category="excise_alcohol", price="50.00"), nothing("EXCISE_GOODS", "50.00")),
    ("local-stock-seller-liable", my(ship_from="MY"), nothing("SELLER_LIABLE", "100.00")),
    ("import-malaysian-seller-still-collected", my(seller_country="MY"), (*LVG, "10.00", "110.00", [])),
    ("buyer-number-changes-nothing", my(vat="201901000001"), (*LVG, "10.00", "110.00", [])),
    ("voucher-valid", my(exemption=VOUCHER_MY), nothing("EXEMPTION_CERTIFICATE", "100.00")),
    ("voucher-expired", my(exemption={**VOUCHER_MY, "valid_to": "2026-10-14"}), (*LVG, "10.00", "110.00", ["EXEMPTION_NOT_IN_FORCE"])),
    ("offline", my(channel="offline"), nothing("OFFLINE_PAYMENT", "100.00")),
    ("not-covered-2023-12-31", my(placed_at="2023-12-31T23:30:00+08:00"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("covered-2024-01-01", my(placed_at="2024-01-01T00:30:00+08:00"), (*LVG, "10.00", "110.00", [])),
    ("labuan-is-malaysia", my(postal="87000"), (*LVG, "10.00", "110.00", [])),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


@pytest.mark.parametrize("inclusive", [False, True], ids=["exclusive", "inclusive"])
def test_shipping_is_never_taxed(quote, inclusive):
    d = quote(my(price="110.00", shipping="20.00", prices_include_vat=inclusive))
    assert d["shipping"] == {"net": "20.00", "vat": "0.00", "gross": "20.00"}


def test_explanation_names_the_item_the_rate_and_the_tax(quote):
    d = quote(my(currency="USD", lines=[line("CASE", "3.00", 5), line("WATCH", "122.47")]))
    assert "dearest item (WATCH, per unit)" in d["explanation"]
    assert "MYR 499.99 (USD 122.47 at the ECB rate of 2026-10-15, 1 MYR = 0.244946 USD; <= MYR 500)" in d["explanation"]
    assert "collects Malaysia's sales tax under MY_LVG" in d["explanation"]
