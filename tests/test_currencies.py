"""ISO 4217 from ISO: forint and rupiah have two decimals, the lev and the kuna price orders on
the dates they were legal tender, and exact money strings are accepted in any currency."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import build_order
from levy.currencies import ISO_4217_PUBLISHED, currency_problem, historic, is_known
from levy.errors import InvalidOrder


def _order(currency: str, placed_at: str, to: str, postal: str, price: str, shipping: str = "0",
           quantity: int = 1) -> dict:
    order = build_order(currency=currency, placed_at=placed_at, to=to, postal=postal, shipping=shipping)
    order["lines"] = [{"sku": "ITEM-1", "quantity": quantity, "unit_price": price, "category": "general"}]
    return order


# currency | placed_at | to | price x qty + shipping | rate | vat line + shipping | totals
CASES = [
    pytest.param("HUF", "2026-11-02T10:00:00+01:00", "HU", "1051", "12990.00", 2, "1500.00",
                 "27", ("7014.60", "405.00"), ("27480.00", "7419.60", "34899.60"), id="HUF-2-decimals"),
    pytest.param("IDR", "2026-10-01T10:00:00+07:00", "NL", "1012", "850000.00", 1, "0",
                 "21", ("178500.00", "0.00"), ("850000.00", "178500.00", "1028500.00"), id="IDR-2-decimals"),
    pytest.param("BGN", "2025-06-10T10:00:00+03:00", "BG", "1000", "50.00", 1, "4.99",
                 "20", ("10.00", "1.00"), ("54.99", "11.00", "65.99"), id="BGN-in-2025"),
    pytest.param("HRK", "2022-05-10T10:00:00+02:00", "HR", "10000", "200.00", 1, "15.00",
                 "25", ("50.00", "3.75"), ("215.00", "53.75", "268.75"), id="HRK-in-2022"),
]


@pytest.mark.parametrize(("currency", "placed_at", "to", "postal", "price", "qty", "shipping",
                          "rate", "vats", "totals"), CASES)
def test_orders_in_iso_currencies_are_decided_to_the_cent(quote, currency, placed_at, to, postal, price,
                                                          qty, shipping, rate, vats, totals):
    decision = quote(_order(currency, placed_at, to, postal, price, shipping, qty))
    assert (decision["collect"], decision["scheme"], decision["reason"]) == (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT")
    assert decision["lines"][0]["rate_percent"] == rate
    assert (decision["lines"][0]["vat"], decision["shipping"]["vat"]) == vats
    assert (decision["net_total"], decision["vat_total"], decision["gross_total"]) == totals
    assert decision["facts"]["threshold"]["fx_legs"][0]["currency"] == currency  # converted by the ECB rate


@pytest.mark.parametrize(("currency", "placed_at", "day"), [
    ("BGN", "2026-01-01T00:30:00+02:00", "2026-01-01"),   # the euro replaced the lev that day
    ("HRK", "2023-01-02T10:00:00+01:00", "2023-01-02"),   # the euro replaced the kuna on 2023-01-01
])
def test_withdrawn_currency_after_its_last_day_names_the_field_and_date(engine, currency, placed_at, day):
    with pytest.raises(InvalidOrder) as info:
        engine.quote(_order(currency, placed_at, "BG" if currency == "BGN" else "HR", "1000", "50.00"))
    (field,) = info.value.fields
    assert field.loc == "currency"
    assert currency in field.msg and day in field.msg and "legal tender until" in field.msg


def test_last_day_of_the_lev_is_still_accepted(quote):
    decision = quote(_order("BGN", "2025-12-31T23:30:00+02:00", "BG", "1000", "50.00"))
    assert (decision["vat_total"], decision["gross_total"]) == ("10.00", "60.00")


@pytest.mark.parametrize(("currency", "price", "net"), [("JPY", "100.00", "100"), ("HUF", "59922.00", "59922.00"),
                                                        ("EUR", "12.5000", "12.50")])
def test_exact_money_strings_are_accepted(quote, currency, price, net):
    decision = quote(_order(currency, "2026-10-01T10:00:00+02:00", "DE", "10115", price))
    assert decision["lines"][0]["net"] == net


@pytest.mark.parametrize(("currency", "price"), [("JPY", "100.50"), ("EUR", "1.005"), ("KWD", "1.0005")])
def test_digits_that_change_the_value_beyond_the_minor_unit_are_refused(engine, currency, price):
    with pytest.raises(InvalidOrder) as info:
        engine.quote(_order(currency, "2026-10-01T10:00:00+02:00", "DE", "10115", price))
    assert [f.loc for f in info.value.fields] == ["lines.0.unit_price"]
    assert f"than {currency} allows" in info.value.fields[0].msg


def test_codes_come_from_iso_lists_one_and_three():
    assert ISO_4217_PUBLISHED == date(2026, 1, 1)
    assert is_known("USD") and is_known("BGN") and is_known("HRK")
    assert not is_known("ABC") and not is_known("XAU")  # no minor unit: not a price currency
    assert currency_problem("ABC", date(2025, 1, 1)) == "must be an ISO 4217 currency code, got 'ABC'"
    assert {c.code: c.legal_tender_to for c in historic().values()} == {
        "HRK": date(2023, 1, 1), "BGN": date(2026, 1, 1)}
    assert all("ISO 4217 List Three" in c.source for c in historic().values())
