"""CH_PLATFORM (MWSTG Art. 20a, from 2025-01-01): scenarios with amounts to the cent.

Rates 8.1 % (general, children's clothing) and 2.6 % (books, food, medicines). No value limit,
no seller condition and no business-buyer carve-out, so no threshold and no FX is involved.
"""

from __future__ import annotations

from datetime import date

import pytest

from levy import Reason

from regime_contract import RegimeContract, order

VOUCHER_CH = {"certificate_id": "EX-CH-2026-1", "country": "CH", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}


def ch(**changes) -> dict:
    """A CHF order from China to Zurich on 2026-10-15."""
    return order(**{"to": "CH", "postal": "8001", "currency": "CHF", **changes})


def line(sku: str, price: str, quantity: int = 1, category: str = "general") -> dict:
    return {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}


class TestCHPlatform(RegimeContract):
    COUNTRY = "CH"
    POSTAL = "8001"
    CURRENCY = "CHF"
    START = date(2025, 1, 1)
    COLLECTING_ORDER = ch()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: ch(),
        Reason.DEEMED_SUPPLIER_LOCAL_STOCK: ch(ship_from="CH", seller_country="CH"),
        Reason.OFFLINE_PAYMENT: ch(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: ch(placed_at="2024-12-31T12:00:00+00:00"),
        Reason.SPECIAL_TERRITORY: ch(postal="7563"),
        Reason.EXEMPTION_CERTIFICATE: ch(exemption=VOUCHER_CH),
    }
    # Art. 20a: no value limit, any seller, any buyer, and no excise exclusion.
    EXPECTED_REASONS = frozenset(Reason) - {
        Reason.ABOVE_THRESHOLD, Reason.SELLER_LIABLE, Reason.B2B_VALID_VAT_NUMBER, Reason.EXCISE_GOODS,
    }


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["tax_country"], d["vat_total"], d["gross_total"], d["warnings"]


IMPORT = (True, "CH_PLATFORM", "DEEMED_SUPPLIER_IMPORT", "CH")
LOCAL = (True, "CH_PLATFORM", "DEEMED_SUPPLIER_LOCAL_STOCK", "CH")


def nothing(reason: str, gross: str, warnings=()) -> tuple:
    return (False, None, reason, None, "0.00", gross, list(warnings))


SCENARIOS = [
    # id, order, (collect, scheme, reason, tax_country, vat_total, gross_total, warnings)
    ("import-100", ch(), (*IMPORT, "8.10", "108.10", [])),
    ("import-any-value-5000", ch(price="5000.00"), (*IMPORT, "405.00", "5405.00", [])),
    ("import-rounding-43.00", ch(price="43.00"), (*IMPORT, "3.48", "46.48", [])),
    ("books-2.6", ch(category="books"), (*IMPORT, "2.60", "102.60", [])),
    ("food-2.6", ch(category="food"), (*IMPORT, "2.60", "102.60", [])),
    ("medicines-2.6", ch(category="medical"), (*IMPORT, "2.60", "102.60", [])),
    ("childrens-clothing-8.1", ch(category="childrens_clothing"), (*IMPORT, "8.10", "108.10", [])),
    # 8.10 + 2.60; shipping 10 shared 50:50 -> 10 x (8.1 + 2.6) / 200 = 0.535 -> 0.54.
    ("mixed-rates-shipping-pro-rata", ch(lines=[line("GEN", "100.00"), line("BOOK", "100.00", category="books")], shipping="10.00"),
     (*IMPORT, "11.24", "221.24", [])),
    ("eur-order-no-conversion-needed", ch(currency="EUR"), (*IMPORT, "8.10", "108.10", [])),
    # Tax-inclusive: VAT = gross x 8.1 / 108.1 and x 2.6 / 102.6.
    ("inclusive-108.10", ch(price="108.10", prices_include_vat=True), (*IMPORT, "8.10", "108.10", [])),
    ("inclusive-books-102.60", ch(price="102.60", category="books", prices_include_vat=True), (*IMPORT, "2.60", "102.60", [])),
    ("inclusive-with-shipping", ch(price="54.05", shipping="10.81", prices_include_vat=True), (*IMPORT, "4.86", "64.86", [])),
    ("local-stock-swiss-seller", ch(ship_from="CH", seller_country="CH"), (*LOCAL, "8.10", "108.10", [])),
    ("local-stock-foreign-seller", ch(ship_from="CH"), (*LOCAL, "8.10", "108.10", [])),
    ("local-stock-liechtenstein-warehouse", ch(ship_from="LI", seller_country="LI"), (*LOCAL, "8.10", "108.10", [])),
    ("import-from-germany", ch(ship_from="DE", seller_country="DE"), (*IMPORT, "8.10", "108.10", [])),
    ("liechtenstein-taxed-as-ch", ch(to="LI", postal="9490"), (*IMPORT, "8.10", "108.10", [])),
    ("busingen-de-address-taxed-as-ch", ch(to="DE", postal="78266"), (*IMPORT, "8.10", "108.10", [])),
    ("busingen-swiss-address", ch(postal="8238"), (*IMPORT, "8.10", "108.10", [])),
    ("busingen-from-2025-01-01", ch(to="DE", postal="78266", placed_at="2025-01-01T00:30:00+01:00"), (*IMPORT, "8.10", "108.10", [])),
    ("samnaun-outside", ch(postal="7563"), nothing("SPECIAL_TERRITORY", "100.00")),
    ("samnaun-compatsch-outside", ch(postal="7562"), nothing("SPECIAL_TERRITORY", "100.00")),
    ("campione-legacy-postcode-outside", ch(postal="6911"), nothing("SPECIAL_TERRITORY", "100.00")),
    # Art. 20a has no excise exclusion: alcohol and tobacco at the normal rate (Art. 25(1)).
    ("excise-tobacco-8.1", ch(category="excise_tobacco"), (*IMPORT, "8.10", "108.10", [])),
    ("excise-alcohol-8.1", ch(category="excise_alcohol", price="39.90"), (*IMPORT, "3.23", "43.13", [])),
    ("excise-local-stock", ch(ship_from="CH", category="excise_alcohol"), (*LOCAL, "8.10", "108.10", [])),
    # wine 8.1 and bread 2.6, shipping 10 shared 50:50: 8.10 + 2.60 + 10 x 10.7 / 200 = 0.535 -> 0.54
    ("excise-beside-food", ch(lines=[line("WINE", "100.00", category="excise_alcohol"), line("BREAD", "100.00", category="food")],
                              shipping="10.00"), (*IMPORT, "11.24", "221.24", [])),
    ("excise-liechtenstein", ch(to="LI", postal="9490", category="excise_tobacco"), (*IMPORT, "8.10", "108.10", [])),
    ("business-buyer-still-collected", ch(vat="CHE-116.281.710 MWST"), (*IMPORT, "8.10", "108.10", [])),
    ("voucher-valid", ch(exemption=VOUCHER_CH), nothing("EXEMPTION_CERTIFICATE", "100.00")),
    ("voucher-not-yet-valid", ch(exemption={**VOUCHER_CH, "valid_from": "2026-10-16"}), (*IMPORT, "8.10", "108.10", ["EXEMPTION_NOT_IN_FORCE"])),
    ("offline", ch(channel="offline"), nothing("OFFLINE_PAYMENT", "100.00")),
    ("not-covered-2024-12-31", ch(placed_at="2024-12-31T23:30:00+01:00"), nothing("DESTINATION_NOT_COVERED", "100.00")),
    ("covered-2025-01-01-local-time", ch(placed_at="2025-01-01T00:30:00+01:00"), (*IMPORT, "8.10", "108.10", [])),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


def test_busingen_before_2025_is_outside_the_eu_vat_territory(quote):
    # Until the EU row closes on 2025-01-01 the address is outside the EU VAT territory (Art. 6(2)).
    d = quote(ch(to="DE", postal="78266", placed_at="2024-12-31T12:00:00+01:00"))
    assert (d["collect"], d["reason"], d["facts"]["territory"]) == (False, "SPECIAL_TERRITORY", "Büsingen am Hochrhein")


@pytest.mark.parametrize(
    ("order_", "territory"),
    [(ch(to="LI", postal="9490"), "Liechtenstein"), (ch(to="DE", postal="78266"), "Büsingen am Hochrhein")],
    ids=["LI", "Busingen"],
)
def test_customs_connected_areas_use_swiss_rates(quote, order_, territory):
    d = quote(order_)
    assert (d["facts"]["tax_area"], d["facts"]["territory"]) == ("CH", territory)
    assert d["lines"][0]["rate_percent"] == "8.1"


def test_no_threshold_is_tested(quote):
    d = quote(ch(currency="USD", price="9999.00"))
    assert (d["reason"], d["facts"]["threshold"]) == ("DEEMED_SUPPLIER_IMPORT", None)
    assert "any value" in d["explanation"] and "Art. 20a" in d["facts"]["rule"]


def test_business_number_is_mentioned_but_changes_nothing(quote):
    d = quote(ch(vat="CHE-116.281.710 MWST"))
    assert "does not change this" in d["explanation"] and "any buyer" in d["explanation"]


def test_excise_goods_are_collected_from_the_first_day(quote):
    """The excise rows start with the regime (2025-01-01); the day before, Switzerland is not covered."""
    before = quote(ch(category="excise_alcohol", placed_at="2024-12-31T23:30:00+01:00"))
    first = quote(ch(category="excise_alcohol", placed_at="2025-01-01T00:30:00+01:00"))
    assert (before["collect"], before["reason"], before["vat_total"]) == (False, "DESTINATION_NOT_COVERED", "0.00")
    assert (first["collect"], first["lines"][0]["rate_percent"], first["vat_total"], first["gross_total"]) == (
        True, "8.1", "8.10", "108.10")
    assert [(f["category"], f["rate_percent"], f["source"]) for f in first["facts"]["rates"]] == [
        ("excise_alcohol", "8.1", "https://www.fedlex.admin.ch/eli/cc/2009/615/de#art_25")]
