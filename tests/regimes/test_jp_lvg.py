"""JP_LVG (Japan, consumption tax on low-value goods from abroad, from 2028-04-01): to the yen.

10 % standard, 8 % food; the limit is JPY 10,000 or less per item (excluding tax). JPY has no
minor unit, so every amount is whole yen.
"""

from __future__ import annotations

from datetime import date

import pytest

from levy import Reason

from regime_contract import RegimeContract, order

T_NUMBER = "T5835678256246"
VOUCHER_JP = {"certificate_id": "EX-JP-1", "country": "JP", "valid_from": "2028-01-01", "valid_to": "2028-12-31"}


def jp(**changes) -> dict:
    """A JPY order from China to Tokyo on 2028-04-01 (the first day)."""
    return order(**{"to": "JP", "postal": "100-0001", "currency": "JPY", "price": "5000",
                    "placed_at": "2028-04-01T09:00:00+09:00", **changes})


def line(sku: str, price: str, quantity: int = 1, category: str = "general") -> dict:
    return {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}


class TestJPLvg(RegimeContract):
    COUNTRY = "JP"
    POSTAL = "100-0001"
    CURRENCY = "JPY"
    START = date(2028, 4, 1)
    COLLECTING_ORDER = jp()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: jp(),
        Reason.OFFLINE_PAYMENT: jp(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: jp(placed_at="2028-03-31T23:59:00+09:00"),
        Reason.ABOVE_THRESHOLD: jp(price="10001"),
        Reason.B2B_VALID_VAT_NUMBER: jp(vat=T_NUMBER),
        Reason.EXEMPTION_CERTIFICATE: jp(exemption=VOUCHER_JP),
        Reason.EXCISE_GOODS: jp(category="excise_alcohol"),
        Reason.SELLER_LIABLE: jp(ship_from="JP"),
    }
    EXPECTED_REASONS = frozenset(Reason) - {Reason.DEEMED_SUPPLIER_LOCAL_STOCK, Reason.SPECIAL_TERRITORY}


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["vat_total"], d["gross_total"], d["warnings"]


IMPORT = (True, "JP_LVG", "DEEMED_SUPPLIER_IMPORT")

SCENARIOS = [
    # id | order | collect, scheme, reason, vat_total, gross_total, warnings
    ("day-before-start-tokyo", jp(placed_at="2028-03-31T23:59:59+09:00"), (False, None, "DESTINATION_NOT_COVERED", "0", "5000", [])),
    ("utc-date-is-still-march", jp(placed_at="2028-03-31T20:00:00+00:00"), (False, None, "DESTINATION_NOT_COVERED", "0", "5000", [])),
    ("start-day", jp(placed_at="2028-04-01T00:00:00+09:00"), (*IMPORT, "500", "5500", [])),
    ("item-at-10000", jp(price="10000"), (*IMPORT, "1000", "11000", [])),
    ("item-at-10001", jp(price="10001"), (False, None, "ABOVE_THRESHOLD", "0", "10001", [])),
    ("per-item-not-per-order", jp(lines=[line("A", "9999", 3)]), (*IMPORT, "3000", "32997", [])),
    ("food-8", jp(lines=[line("TEA", "1234", 1, "food")]), (*IMPORT, "99", "1333", [])),
    ("mixed-rates-and-shipping", jp(lines=[line("A", "10000", 2), line("F", "1234", 1, "food")], shipping="500"), (*IMPORT, "2148", "23882", [])),
    ("t-number-b2b", jp(vat=T_NUMBER), (False, None, "B2B_VALID_VAT_NUMBER", "0", "5000", [])),
    ("t-number-bad-check-digit", jp(vat="T2835678256246"), (*IMPORT, "500", "5500", ["VAT_NUMBER_INVALID"])),
    ("bare-corporate-number-b2b", jp(vat="5-8356-7825-6246"), (False, None, "B2B_VALID_VAT_NUMBER", "0", "5000", [])),
    ("prices-include-tax", jp(price="11000", prices_include_vat=True), (*IMPORT, "1000", "11000", [])),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


def test_usd_order_converts_at_the_ecb_rate(quote):
    """USD orders: the per-item test crosses USD -> JPY through the euro (ECB)."""
    d = quote(jp(currency="USD", price="10.00", placed_at="2028-04-03T09:00:00+09:00"))
    assert (d["collect"], d["reason"], d["vat_total"], d["gross_total"]) == (True, "DEEMED_SUPPLIER_IMPORT", "1.00", "11.00")
    assert d["facts"]["threshold"]["limit_currency"] == "JPY" and d["facts"]["threshold"]["within"] is True
