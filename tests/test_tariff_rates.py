"""Rates keyed by tariff (CN) code: ``lines[].hs_code`` selects the rate where the law defines it.

Austria's 4.9 % on the staple foods of Anlage 3 (UStG 1994 § 10 Abs. 1a, BGBl. I Nr. 37/2026)
applies to supplies from 2026-07-01; before, and for goods outside the list, the category rate
(food 10 %) applies. Orders: EUR, from China to Vienna (an IOSS import), amounts to the cent.
"""

from __future__ import annotations

from datetime import date

import pytest

from conftest import build_order
from levy import InvalidOrder
from levy.engine import parse_order
from levy.ledger.amounts import amount_rows

BGBL = "https://www.ris.bka.gv.at/eli/bgbl/I/2026/37"


def line(sku: str, price: str, category: str = "food", hs_code: str | None = None, quantity: int = 1) -> dict:
    out = {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}
    if hs_code is not None:
        out["hs_code"] = hs_code
    return out


def vienna(day: str, *lines: dict, to: str = "AT", postal: str = "1010", **changes) -> dict:
    return build_order(to=to, postal=postal, placed_at=f"{day}T12:00:00+02:00", lines=list(lines), **changes)


def rated(d: dict) -> list[tuple[str, str, str]]:
    return [(x["sku"], x["rate_percent"], x["vat"]) for x in d["lines"]]


CASES = [
    # id, day, line, (rate, vat) on a net of 10.00 (or 100.00 where stated)
    ("milk-by-cn-2026-07-01", "2026-07-01", line("MILK", "10.00", hs_code="0401 10 10"), ("4.9", "0.49")),
    ("milk-by-cn-2026-06-30", "2026-06-30", line("MILK", "10.00", hs_code="0401 10 10"), ("10", "1.00")),
    ("milk-without-code-2026-07-01", "2026-07-01", line("MILK", "10.00"), ("10", "1.00")),
    ("rice-tagged-general-still-4.9", "2026-07-01", line("RICE", "10.00", "general", "1006.30.98"), ("4.9", "0.49")),
    ("rice-tagged-general-2026-06-30", "2026-06-30", line("RICE", "10.00", "general", "1006.30.98"), ("20", "2.00")),
    ("bread-8-digit-code", "2026-07-01", line("BREAD", "3.50", hs_code="19059030"), ("4.9", "0.17")),
    ("pastry-other-1905-subheading", "2026-07-01", line("CROISSANT", "3.50", hs_code="19059045"), ("10", "0.35")),
    ("cheese-not-on-the-list", "2026-07-01", line("CHEESE", "10.00", hs_code="040690"), ("10", "1.00")),
    ("onions-heading-0703", "2026-07-01", line("ONION", "100.00", hs_code="0703 10 19"), ("4.9", "4.90")),
    ("onion-sets-excluded", "2026-07-01", line("SETS", "100.00", hs_code="0703 10 11"), ("10", "10.00")),
    ("truffles-excluded", "2026-07-01", line("TRUFFLE", "100.00", hs_code="0709 55 00"), ("10", "10.00")),
    ("eggs-10-digit-taric", "2026-07-01", line("EGGS", "10.00", hs_code="0407210090"), ("4.9", "0.49")),
    ("staple-food-category-without-code", "2026-07-01", line("FLOUR", "10.00", "staple_food"), ("4.9", "0.49")),
]


@pytest.mark.parametrize(("day", "line_", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_austrian_staple_foods_by_cn_code(quote, day, line_, expected):
    d = quote(vienna(day, line_))
    assert (d["collect"], d["scheme"], d["tax_country"]) == (True, "EU_IOSS", "AT")
    assert (d["lines"][0]["rate_percent"], d["lines"][0]["vat"]) == expected


def test_mixed_order_rates_each_line_and_shares_shipping(quote):
    """Milk 4.9 % by code, cheese 10 %, a toy 20 %; shipping 6.00 follows the goods pro rata:
    6 x (10 x 4.9 + 10 x 10 + 10 x 20) / (30 x 100) = 0.698 -> 0.70."""
    d = quote(vienna("2026-07-01", line("MILK", "10.00", hs_code="040120"), line("CHEESE", "10.00"),
                     line("TOY", "10.00", "general"), shipping="6.00"))
    assert rated(d) == [("MILK", "4.9", "0.49"), ("CHEESE", "10", "1.00"), ("TOY", "20", "2.00")]
    assert (d["shipping"]["vat"], d["vat_total"], d["gross_total"]) == ("0.70", "4.19", "40.19")
    facts = {f["category"]: (f["rate_percent"], f["valid_from"], f["source"]) for f in d["facts"]["rates"]}
    assert facts["cn:040120"] == ("4.9", "2026-07-01", BGBL)
    assert facts["food"][0] == "10" and facts["general"][0] == "20"


def test_prices_including_vat_extract_at_the_tariff_rate(quote):
    """104.90 gross at 4.9 %: VAT = 104.90 x 4.9 / 104.9 = 4.90, net 100.00."""
    d = quote(vienna("2026-07-01", line("BUTTER", "104.90", hs_code="040510"), prices_include_vat=True))
    assert (d["lines"][0]["net"], d["lines"][0]["vat"], d["gross_total"]) == ("100.00", "4.90", "104.90")


def test_other_countries_ignore_austrian_codes(quote):
    d = quote(vienna("2026-07-01", line("MILK", "10.00", hs_code="040110"), to="DE", postal="10115"))
    assert (d["tax_country"], d["lines"][0]["rate_percent"], d["lines"][0]["vat"]) == ("DE", "7", "0.70")


def test_german_addressed_jungholz_takes_the_austrian_tariff_rate(quote):
    d = quote(vienna("2026-07-01", line("MILK", "10.00", hs_code="040110"), to="DE", postal="87491"))
    assert (d["tax_country"], d["lines"][0]["rate_percent"], d["lines"][0]["vat"]) == ("AT", "4.9", "0.49")


@pytest.mark.parametrize(
    ("code", "ok"),
    [("040110", "040110"), ("0401 10 10", "04011010"), ("0401.10.10.00", "0401101000"),
     ("0401", None), ("04011010001", None), ("0401-10", None), ("", None), ("04O110", None)],
)
def test_hs_code_is_6_to_10_digits_after_spaces_and_dots(code, ok):
    raw = vienna("2026-07-01", line("MILK", "10.00", hs_code=code))
    if ok is None:
        with pytest.raises(InvalidOrder) as caught:
            parse_order(raw)
        assert [f.loc for f in caught.value.fields] == ["lines.0.hs_code"]
        assert "6 to 10 digits" in caught.value.fields[0].msg
    else:
        assert parse_order(raw).lines[0].hs_code == ok


def test_ledger_rows_replay_the_tariff_row(engine):
    """The ledger's amount rows carry the rate row each line used: the tariff row for the milk."""
    order = parse_order(vienna("2026-07-01", line("MILK", "10.00", hs_code="040110"), line("CHEESE", "10.00")))
    rows = amount_rows(order, engine.quote(order), 2)
    got = [(r.sku, r.rate_percent, r.rate_valid_from, r.rate_source, r.vat) for r in rows if r.kind == "line"]
    assert got[0] == ("MILK", "4.9", date(2026, 7, 1), BGBL, 49)
    assert got[1][:3] == ("CHEESE", "10", date(2021, 7, 1)) and got[1][4] == 100


def test_book_prefers_the_longest_prefix(engine):
    book = engine.book
    assert book.tariff_rate("AT", "0709550000", date(2026, 7, 1)).cn_prefix == "07095500"
    assert book.tariff_rate("AT", "0709990000", date(2026, 7, 1)).cn_prefix == "0709"
    assert book.tariff_rate("AT", "0709990000", date(2026, 6, 30)) is None
    assert book.tariff_rate("LV", "0401100000", date(2026, 7, 1)) is None
