"""Discounts (contract v1.1): seller coupons reduce the taxable amount and the intrinsic value;
platform coupons follow each regime's row in rates/platform_discounts.csv."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from levy.discounts import DiscountRules, share
from levy.errors import InvalidOrder, RatesDataError
from tests.conftest import build_order

LINE_60 = [{"sku": "A", "quantity": 1, "unit_price": "60.00", "category": "general"}]


def seller(amount: str, skus=None) -> dict:
    return {"code": "S-COUPON", "funded_by": "seller", "amount": amount, **({"skus": skus} if skus else {})}


def platform(amount: str, skus=None) -> dict:
    return {"code": "P-COUPON", "funded_by": "platform", "amount": amount, **({"skus": skus} if skus else {})}


def _sums_hold(d: dict) -> None:
    for line in d["lines"]:
        assert Decimal(line["gross"]) == Decimal(line["net"]) + Decimal(line["vat"])
    assert Decimal(d["gross_total"]) == Decimal(d["net_total"]) + Decimal(d["vat_total"])


def test_no_discount_shows_zero(quote):
    d = quote(build_order(lines=LINE_60))
    assert d["lines"][0]["discount"] == "0.00"
    assert d["lines"][0]["net"] == "60.00"


def test_seller_coupon_of_10_on_a_60_line_is_taxed_on_50(quote):
    d = quote(build_order(lines=LINE_60, discounts=[seller("10.00", ["A"])]))
    assert d["reason"] == "DEEMED_SUPPLIER_IMPORT"
    assert d["lines"] == [{"sku": "A", "net": "50.00", "rate_percent": "19", "vat": "9.50",
                           "gross": "59.50", "discount": "10.00"}]
    assert (d["net_total"], d["vat_total"], d["gross_total"]) == ("50.00", "9.50", "59.50")
    assert "Art. 79(b)" in d["explanation"]
    assert d["facts"]["threshold"]["value"] == "50.00"  # intrinsic value after the seller's coupon


def test_platform_coupon_under_ioss_reduces_the_deemed_suppliers_taxable_amount(quote):
    # Art. 14a + 73: the deemed supplier obtains 50.00 from the buyer and nothing from anyone else;
    # its own coupon is a price reduction (Art. 79(b); C-126/88 Boots).
    d = quote(build_order(lines=LINE_60, discounts=[platform("10.00")]))
    assert d["lines"][0] == {"sku": "A", "net": "50.00", "rate_percent": "19", "vat": "9.50",
                             "gross": "59.50", "discount": "10.00"}
    assert "Art. 73" in d["explanation"] and "Boots" in d["explanation"]
    assert d["facts"]["threshold"]["value"] == "60.00"  # the seller's price is unchanged


def test_platform_coupon_is_third_party_consideration_when_the_platform_is_not_the_supplier(quote):
    d = quote(build_order(lines=LINE_60, to="US", discounts=[platform("10.00")]))
    assert d["reason"] == "DESTINATION_NOT_COVERED"
    assert d["lines"][0]["net"] == "60.00" and d["lines"][0]["discount"] == "0.00"
    assert "Elida Gibbs" in d["explanation"]
    d = quote(build_order(lines=LINE_60, to="US", discounts=[seller("10.00")]))
    assert d["lines"][0]["net"] == "50.00" and d["lines"][0]["discount"] == "10.00"


@pytest.mark.parametrize(
    "discount, reason",
    [(seller("10.00"), "DEEMED_SUPPLIER_IMPORT"), (platform("10.00"), "ABOVE_THRESHOLD")],
    ids=["seller-brings-155-under-150", "platform-leaves-the-price-at-155"],
)
def test_threshold_tests_the_price_after_the_sellers_discount_only(quote, discount, reason):
    d = quote(build_order(price="155.00", discounts=[discount]))
    assert d["reason"] == reason


def test_whole_order_coupon_is_shared_pro_rata_and_rounded_per_line(quote):
    lines = [{"sku": "A", "quantity": 1, "unit_price": "60.00", "category": "general"},
             {"sku": "B", "quantity": 1, "unit_price": "30.00", "category": "books"}]
    d = quote(build_order(lines=lines, shipping="5.00", discounts=[seller("10.00")]))
    assert [(x["net"], x["discount"], x["vat"]) for x in d["lines"]] == [
        ("53.33", "6.67", "10.13"), ("26.67", "3.33", "1.87")]
    _sums_hold(d)


def test_stacked_discounts_add_per_line(quote):
    d = quote(build_order(lines=LINE_60, discounts=[seller("10.00"), platform("5.00", ["A"])]))
    assert (d["lines"][0]["net"], d["lines"][0]["discount"]) == ("45.00", "15.00")


def test_tax_inclusive_price_with_a_seller_coupon(quote):
    # 59.50 paid including 19 %: VAT 59.50 x 19 / 119 = 9.50, net 50.00.
    d = quote(build_order(price="71.40", prices_include_vat=True, discounts=[seller("11.90")]))
    assert (d["lines"][0]["net"], d["lines"][0]["vat"], d["lines"][0]["discount"]) == (
        "50.00", "9.50", "11.90")


def test_regime_without_a_row_keeps_the_platforms_subsidy_and_says_so(quote):
    d = quote(build_order(currency="NOK", to="NO", postal="0150", price="600.00",
                          discounts=[platform("100.00")]))
    assert d["reason"] == "DEEMED_SUPPLIER_IMPORT"
    assert d["lines"][0]["net"] == "600.00" and d["lines"][0]["discount"] == "0.00"
    assert "states no rule for no_voec" in d["explanation"]


@pytest.mark.parametrize(
    "discounts, loc",
    [([seller("60.01")], "discounts.0.amount"),
     ([seller("40.00"), platform("20.01")], "discounts.1.amount"),
     ([seller("1.00", ["NOPE"])], "discounts.0.skus"),
     ([seller("1.001")], "discounts.0.amount"),
     ([{"code": "X", "funded_by": "buyer", "amount": "1.00"}], "discounts.0.funded_by")],
    ids=["above-line", "stacked-above-line", "unknown-sku", "sub-cent", "funder"],
)
def test_bad_discounts_name_the_field(engine, discounts, loc):
    with pytest.raises(InvalidOrder) as err:
        engine.quote(build_order(lines=LINE_60, discounts=discounts))
    assert loc in [f.loc for f in err.value.fields]


def test_share_sums_exactly_in_every_minor_unit():
    assert share(Decimal("1000"), [Decimal(1)] * 3, "JPY") == [Decimal(334), Decimal(333), Decimal(333)]
    assert share(Decimal("0.010"), [Decimal(1), Decimal(1)], "KWD") == [Decimal("0.005"), Decimal("0.005")]
    assert share(Decimal("0.01"), [Decimal(0), Decimal(0)], "USD") == [Decimal("0.01"), Decimal("0.00")]


def test_eu_rule_starts_with_the_deemed_supplier_regime():
    rules = DiscountRules()
    assert rules.rule("eu", date(2021, 6, 30)) is None
    assert rules.rule("eu", date(2021, 7, 1)).treatment == "reduces"


def test_loader_names_file_line_and_column(tmp_path):
    path = tmp_path / "platform_discounts.csv"
    path.write_text("regime,treatment,law,valid_from,valid_to,source,retrieved,note\n"
                    "eu,reduces,Art. 73,2021-07-01,,https://x,2026-12-01,\n"
                    "uk_marketplace,halves,s19,2021-01-01,,https://y,2026-12-01,\n")
    with pytest.raises(RatesDataError, match=r"platform_discounts.csv:3:treatment"):
        DiscountRules(tmp_path)
    path.write_text("regime,treatment,law,valid_from,valid_to,source,retrieved,note\n"
                    "eu,reduces,Art. 73,2021-07-01,,https://x,2026-12-01,\n"
                    "eu,included,Art. 73,2021-01-01,,https://x,2026-12-01,\n")
    with pytest.raises(RatesDataError, match=r"platform_discounts.csv:3:valid_from"):
        DiscountRules(tmp_path)
