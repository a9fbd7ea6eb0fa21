"""Territories an outside check found wrong: Jungholz and Mittelberg, the UK Sovereign Base Areas.

* Jungholz (AT 6691, DE 87491) and Mittelberg/Kleinwalsertal (AT 6991-6993, DE 87567-87569) are
  Austrian VAT territory (UStG 1994 § 1 Abs. 2) and take Austria's ordinary rates: § 10 Abs. 4's
  19 % is read as a rate for suppliers established there, which a platform is not (rates/README.md).
* Akrotiri and Dhekelia (GB-addressed BFPO 57/58, BF1 2AT/2AU) are taxed as Cyprus from
  2021-07-01 (VAT Directive Art. 7); between the end of the Brexit transition and then they are
  outside both VAT areas' platform rules.

Orders: EUR 100.00 net from China (an IOSS import), amounts to the cent.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import build_order


def eu_order(to: str, postal: str, day: str = "2026-10-15", category: str = "general", **changes) -> dict:
    return build_order(to=to, postal=postal, placed_at=f"{day}T12:00:00+00:00", category=category, **changes)


def outcome(d: dict) -> tuple:
    return (d["collect"], d["scheme"], d["reason"], d["tax_country"], d["facts"]["territory"],
            d["lines"][0]["rate_percent"], d["vat_total"], d["gross_total"])


def ioss(country: str, territory: str | None, rate: str) -> tuple:
    vat = Decimal(rate).quantize(Decimal("0.01"))  # on EUR 100.00 the VAT is the rate itself
    return (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", country, territory, rate, str(vat), str(100 + vat))


JUNGHOLZ_DE = "Jungholz (Austria, German postcode)"
KWT_DE = "Mittelberg (Kleinwalsertal, Austria, German postcodes)"

CASES = [
    # id, order, expected
    ("jungholz-de-postcode-taxed-as-at", eu_order("DE", "87491"), ioss("AT", JUNGHOLZ_DE, "20")),
    ("riezlern-de-postcode", eu_order("DE", "87567"), ioss("AT", KWT_DE, "20")),
    ("hirschegg-de-postcode", eu_order("DE", "87568"), ioss("AT", KWT_DE, "20")),
    ("mittelberg-de-postcode-with-space", eu_order("DE", "87 569"), ioss("AT", KWT_DE, "20")),
    ("oberstdorf-side-87566-stays-de", eu_order("DE", "87566"), ioss("DE", None, "19")),
    ("87570-stays-de", eu_order("DE", "87570"), ioss("DE", None, "19")),
    ("87490-stays-de", eu_order("DE", "87490"), ioss("DE", None, "19")),
    ("87492-stays-de", eu_order("DE", "87492"), ioss("DE", None, "19")),
    ("jungholz-at-postcode", eu_order("AT", "6691"), ioss("AT", "Jungholz", "20")),
    ("riezlern-at-postcode", eu_order("AT", "6991"), ioss("AT", "Mittelberg (Kleinwalsertal)", "20")),
    ("mittelberg-at-postcode", eu_order("AT", "6993"), ioss("AT", "Mittelberg (Kleinwalsertal)", "20")),
    ("6990-plain-austria", eu_order("AT", "6990"), ioss("AT", None, "20")),
    ("6994-plain-austria", eu_order("AT", "6994"), ioss("AT", None, "20")),
    ("jungholz-books-at-reduced-rate", eu_order("DE", "87491", category="books"), ioss("AT", JUNGHOLZ_DE, "10")),
    # Austria's staple-food rate reaches the German-addressed Austrian villages too, both sides of the date
    ("jungholz-staple-food-2026-06-30", eu_order("DE", "87491", "2026-06-30", "staple_food"), ioss("AT", JUNGHOLZ_DE, "10")),
    ("jungholz-staple-food-2026-07-01", eu_order("DE", "87491", "2026-07-01", "staple_food"), ioss("AT", JUNGHOLZ_DE, "4.9")),
    # the Sovereign Base Areas, GB-addressed
    ("akrotiri-bfpo-57", eu_order("GB", "BFPO 57"), ioss("CY", "Sovereign Base Areas of Akrotiri and Dhekelia", "19")),
    ("dhekelia-bfpo-58", eu_order("GB", "BFPO 58"), ioss("CY", "Sovereign Base Areas of Akrotiri and Dhekelia", "19")),
    ("akrotiri-bf1-2at", eu_order("GB", "BF1 2AT"), ioss("CY", "Sovereign Base Areas of Akrotiri and Dhekelia", "19")),
    ("dhekelia-bf1-2au-lower-case", eu_order("GB", "bf1 2au"), ioss("CY", "Sovereign Base Areas of Akrotiri and Dhekelia", "19")),
    ("sba-books-cyprus-3", eu_order("GB", "BFPO 57", category="books"), ioss("CY", "Sovereign Base Areas of Akrotiri and Dhekelia", "3")),
    ("sba-books-2023-07-20-cyprus-5", eu_order("GB", "BFPO 57", "2023-07-20", "books"),
     ioss("CY", "Sovereign Base Areas of Akrotiri and Dhekelia", "5")),
    ("sba-first-day-2021-07-01", eu_order("GB", "BFPO 57", "2021-07-01"), ioss("CY", "Sovereign Base Areas of Akrotiri and Dhekelia", "19")),
    ("sba-2021-06-30-outside", eu_order("GB", "BFPO 57", "2021-06-30"),
     (False, None, "SPECIAL_TERRITORY", None, "Sovereign Base Areas of Akrotiri and Dhekelia", "0", "0.00", "100.00")),
    ("sba-2021-01-01-outside", eu_order("GB", "BFPO 58", "2021-01-01"),
     (False, None, "SPECIAL_TERRITORY", None, "Sovereign Base Areas of Akrotiri and Dhekelia", "0", "0.00", "100.00")),
    ("bfpo-2020-12-31-no-regime-yet", eu_order("GB", "BFPO 57", "2020-12-31"),
     (False, None, "DESTINATION_NOT_COVERED", None, None, "0", "0.00", "100.00")),
]


@pytest.mark.parametrize(("order_", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_territory(quote, order_, expected):
    assert outcome(quote(order_)) == expected


def test_other_bfpo_numbers_stay_british(quote):
    """Only the Cyprus BFPO numbers move: BFPO 56 is no SBA address, so the UK rules apply."""
    d = quote(eu_order("GB", "BFPO 56", currency="GBP"))
    assert (d["scheme"], d["tax_country"], d["vat_total"], d["gross_total"]) == ("UK_MARKETPLACE", "GB", "20.00", "120.00")


def test_the_explanation_names_the_austrian_village(quote):
    d = quote(eu_order("DE", "87567"))
    assert "Austria (Mittelberg (Kleinwalsertal, Austria, German postcodes))" in d["explanation"]
    assert d["facts"]["tax_area"] == "AT"
