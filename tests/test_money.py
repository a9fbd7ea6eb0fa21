"""Money: Decimal only, half-up to the ISO 4217 minor unit, gross == net + vat."""

from __future__ import annotations

from decimal import Decimal

import pytest

from levy.money import format_rate, minor_units, quantize_minor


@pytest.mark.parametrize(("currency", "digits"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("HUF", 2), ("ISK", 0), ("IDR", 2), ("CLP", 0), ("BGN", 2), ("HRK", 2)])
def test_minor_units_come_from_the_library(currency, digits):
    # The contract pins USD 2, JPY 0, KWD 3: ISO 4217 minor units (CLDR display digits say 0 for
    # HUF and IDR); BGN and HRK come from ISO 4217 List Three (rates/historic_currencies.csv).
    assert minor_units(currency) == digits


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [("0.005", "EUR", "0.01"), ("0.0049", "EUR", "0.00"), ("2.675", "EUR", "2.68"), ("47.5", "JPY", "48"),
     ("46.5", "JPY", "47"), ("0.7085", "KWD", "0.709"), ("0.7084", "KWD", "0.708")],
)
def test_half_up(amount, currency, rounded):
    assert str(quantize_minor(Decimal(amount), currency)) == rounded


@pytest.mark.parametrize(("rate", "text"), [("19", "19"), ("25.50", "25.5"), ("5.5", "5.5"), ("0.00", "0"), ("7.0", "7")])
def test_rate_format(rate, text):
    assert format_rate(Decimal(rate)) == text


def eu_stocked(make_order, currency, lines, shipping="0", include=False, to="DE", postal="10115"):
    """Goods in the destination country, seller outside the EU: always collected, no FX."""
    order = make_order(currency=currency, ship_from=to, to=to, postal=postal, shipping=shipping,
                       prices_include_vat=include)
    order["lines"] = [
        {"sku": f"L{i}", "quantity": q, "unit_price": p, "category": c} for i, (q, p, c) in enumerate(lines)
    ]
    return order


def test_half_cent_line_rounds_up(quote, make_order):
    # 0.50 x 19 % = 0.095 -> 0.10; 0.10 x 5 % ... in DE books 7 %: 0.50 x 7 % = 0.035 -> 0.04
    d = quote(eu_stocked(make_order, "EUR", [(1, "0.50", "general"), (1, "0.50", "books")]))
    assert [(l["vat"], l["gross"]) for l in d["lines"]] == [("0.10", "0.60"), ("0.04", "0.54")]
    assert (d["vat_total"], d["gross_total"]) == ("0.14", "1.14")


def test_jpy_has_no_minor_unit(quote, make_order):
    # 250 x 19 % = 47.5 -> 48; 1,250 x 7 % = 87.5 -> 88; shipping 500 shared 250:1250 -> 500 x (250x19 + 1250x7) / 1500 / 100 = 45
    d = quote(eu_stocked(make_order, "JPY", [(1, "250", "general"), (1, "1250", "books")], shipping="500"))
    assert [l["vat"] for l in d["lines"]] == ["48", "88"]
    assert d["shipping"] == {"net": "500", "vat": "45", "gross": "545"}
    assert (d["net_total"], d["vat_total"], d["gross_total"]) == ("2000", "181", "2181")


def test_kwd_has_three_decimals(quote, make_order):
    # Goods already in the EU need no EUR conversion, so a currency the ECB does not publish works.
    d = quote(eu_stocked(make_order, "KWD", [(1, "10.125", "books")], shipping="1.000"))
    assert d["lines"][0] == {"sku": "L0", "net": "10.125", "rate_percent": "7", "vat": "0.709", "gross": "10.834", "discount": "0.000"}
    assert d["shipping"] == {"net": "1.000", "vat": "0.070", "gross": "1.070"}
    assert d["gross_total"] == "11.904"


def test_shipping_follows_the_goods_pro_rata_rounded_once(quote, make_order):
    # 10.00 shipping over 30.00 @19 % and 10.00 @7 %: 10 x (30x19 + 10x7) / 40 / 100 = 1.60
    d = quote(eu_stocked(make_order, "EUR", [(1, "30.00", "general"), (1, "10.00", "books")], shipping="10.00"))
    assert d["shipping"] == {"net": "10.00", "vat": "1.60", "gross": "11.60"}


def test_shipping_of_free_goods_is_shared_equally(quote, make_order):
    d = quote(eu_stocked(make_order, "EUR", [(1, "0.00", "general"), (1, "0.00", "books")], shipping="10.00"))
    assert d["shipping"]["vat"] == "1.30"  # 10 x (19 + 7) / 2 / 100


def test_tax_inclusive_prices_extract_the_vat(quote, make_order):
    # 119.00 incl. 19 % -> VAT 19.00, net 100.00; 10.70 incl. 7 % -> VAT 0.70; shipping 5.95 incl.:
    # shared 100:10 -> 5.95 x (100 x 19/119 + 10 x 7/107) / 110 = 0.9013... -> 0.90
    d = quote(eu_stocked(make_order, "EUR", [(1, "119.00", "general"), (1, "10.70", "books")],
                         shipping="5.95", include=True))
    assert [(l["net"], l["vat"], l["gross"]) for l in d["lines"]] == [("100.00", "19.00", "119.00"), ("10.00", "0.70", "10.70")]
    assert d["shipping"] == {"net": "5.05", "vat": "0.90", "gross": "5.95"}
    assert d["gross_total"] == "135.65"


def test_tax_inclusive_extraction_rounds_half_up(quote, make_order):
    # 10.00 incl. 19 %: 10 x 19 / 119 = 1.5966 -> 1.60, net 8.40
    d = quote(eu_stocked(make_order, "EUR", [(1, "10.00", "general")], include=True))
    assert (d["lines"][0]["net"], d["lines"][0]["vat"]) == ("8.40", "1.60")


def test_not_collected_inclusive_amounts_are_taken_as_net(quote, make_order):
    order = eu_stocked(make_order, "EUR", [(1, "119.00", "general")], include=True)
    order["channel"] = "offline"
    d = quote(order)
    assert d["lines"][0] == {"sku": "L0", "net": "119.00", "rate_percent": "0", "vat": "0.00", "gross": "119.00", "discount": "0.00"}
    assert d["gross_total"] == "119.00"
