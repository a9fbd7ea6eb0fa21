"""Amount rows and refund splits (levy.ledger.amounts): exact integer minor units."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import build_order
from hypothesis import given, settings
from hypothesis import strategies as st

from levy.engine import parse_order
from levy.ledger.amounts import (
    Component,
    allocate,
    amount_rows,
    plan_amount,
    plan_full,
    plan_lines,
    split_gross,
)
from levy.ledger.errors import RefundRefused


@pytest.mark.parametrize(
    "total, weights, shares",
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (568, [2500, 3000], [258, 310]),
        (1, [0, 0], [1, 0]),
        (0, [5, 7], [0, 0]),
        (10, [1, 0, 1], [5, 0, 5]),
        (7, [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")], [3, 2, 2]),
        (2, [1, 1, 1], [1, 1, 0]),
    ],
    ids=["thirds", "pro-rata", "all-zero-weights", "zero-total", "zero-weight-gets-nothing",
         "decimal-weights", "ties-go-first"],
)
def test_allocate_largest_remainder(total, weights, shares):
    assert allocate(total, weights) == shares


@pytest.mark.parametrize(
    "gross, rate, rem_net, rem_vat, expected",
    [
        (2675, "7", 2500, 175, (2500, 175)),        # the whole row: exactly what remains
        (1000, "19", 3000, 570, (840, 160)),        # 1000 x 19/119 = 159.66 -> 160
        (1000, "7", 2500, 175, (935, 65)),          # 65.42 -> 65
        (1000, "0", 1000, 0, (1000, 0)),
        (100, "25.5", 400, 2, (98, 2)),             # 20.32 capped at the 2 cents left
        (100, "19", 10, 500, (10, 90)),             # net capped at what is left: the rest is VAT
    ],
    ids=["whole-row", "19pct", "7pct", "zero-rate", "vat-capped", "net-capped"],
)
def test_split_gross_at_the_rate(gross, rate, rem_net, rem_vat, expected):
    assert split_gross(gross, Decimal(rate), rem_net=rem_net, rem_vat=rem_vat) == expected


def rows_of(engine, **changes):
    order = parse_order(build_order(**changes))
    decision = engine.quote(order)
    return decision, amount_rows(order, decision, 2)


def test_amount_rows_of_a_mixed_rate_order_cut_shipping_per_rate(engine):
    lines = [{"sku": "BOOK-1", "quantity": 2, "unit_price": "12.50", "category": "books"},
             {"sku": "TOY-7", "quantity": 1, "unit_price": "30.00", "category": "general"}]
    decision, rows = rows_of(engine, lines=lines, shipping="5.00")
    assert (str(decision.shipping.net), str(decision.shipping.vat)) == ("5.00", "0.68")
    got = [(r.kind, r.sku, r.rate_percent, r.net, r.vat, r.gross) for r in rows]
    assert got == [
        ("line", "BOOK-1", "7", 2500, 175, 2675),
        ("line", "TOY-7", "19", 3000, 570, 3570),
        # 5.00 shared 25:30 -> 2.27 | 2.73; VAT 0.68 shared 25x7 : 30x19 -> 0.16 | 0.52
        ("shipping", None, "7", 227, 16, 243),
        ("shipping", None, "19", 273, 52, 325),
    ]
    assert rows[0].rate_source and rows[0].rate_valid_from is not None and rows[0].tax_area == "DE"
    assert sum(r.vat for r in rows) == 813 and str(decision.vat_total) == "8.13"


def test_amount_rows_of_an_order_with_nothing_collected(engine):
    decision, rows = rows_of(engine, price="200.00", shipping="9.99")  # above EUR 150
    assert decision.reason == "ABOVE_THRESHOLD"
    assert [(r.kind, r.rate_percent, r.net, r.vat, r.rate_source) for r in rows] == [
        ("line", "0", 20000, 0, None), ("shipping", "0", 999, 0, None)]


def test_amount_rows_of_prices_including_vat(engine):
    lines = [{"sku": "A", "quantity": 1, "unit_price": "10.70", "category": "books"},
             {"sku": "B", "quantity": 1, "unit_price": "11.90", "category": "general"}]
    decision, rows = rows_of(engine, lines=lines, shipping="4.99", prices_include_vat=True)
    assert sum(r.gross for r in rows) == int(decision.gross_total * 100)
    assert sum(r.vat for r in rows) == int(decision.vat_total * 100)
    ship = [r for r in rows if r.kind == "shipping"]
    assert sum(r.gross for r in ship) == 499 and [r.rate_percent for r in ship] == ["7", "19"]


def components() -> list[Component]:
    return [
        Component(1, "line", "BOOK-1", 2, "7", 2500, 175, 2675),
        Component(2, "line", "TOY-7", 1, "19", 3000, 570, 3570),
        Component(3, "shipping", None, None, "7", 227, 16, 243),
        Component(4, "shipping", None, None, "19", 273, 52, 325),
    ]


def take(comps: list[Component], shares) -> None:
    for s in shares:
        c = s.component
        c.refunded_net += s.net
        c.refunded_vat += s.vat
        c.refunded_gross += s.gross
        c.refunded_quantity += s.quantity or 0


def test_plan_amount_pro_rata_to_the_cent():
    shares = plan_amount("A-1", components(), 1000, "USD", 2)
    # 10.00 over 26.75 | 35.70 | 2.43 | 3.25 (of 68.13) is 3.9263 | 5.2400 | 0.3567 | 0.4770: the
    # floors 3.92 | 5.23 | 0.35 | 0.47 plus the 3 cents left to the largest remainders (.998,
    # .703, .667) give 3.92 | 5.24 | 0.36 | 0.48; each split at its rate: VAT 3.92 x 7/107 = 0.2564,
    # 5.24 x 19/119 = 0.8366, 0.36 x 7/107 = 0.0236, 0.48 x 19/119 = 0.0766
    assert [(s.component.id, s.net, s.vat) for s in shares] == [
        (1, 366, 26), (2, 440, 84), (3, 34, 2), (4, 40, 8)]
    assert sum(s.gross for s in shares) == 1000


def test_plan_lines_then_the_rest_exactly():
    comps = components()
    first = plan_lines("A-1", comps, {"BOOK-1": 1})
    assert [(s.quantity, s.net, s.vat) for s in first] == [(1, 1250, 88)]  # 13.38: 0.8753 -> 0.88
    take(comps, first)
    second = plan_lines("A-1", comps, {"BOOK-1": 1})
    assert [(s.quantity, s.net, s.vat) for s in second] == [(1, 1250, 87)]  # what remains


@pytest.mark.parametrize(
    "wanted, code",
    [({"NOPE": 1}, "UNKNOWN_SKU"), ({"BOOK-1": 3}, "REFUND_QUANTITY_EXCEEDED")],
    ids=["unknown-sku", "too-many-units"],
)
def test_plan_lines_refusals(wanted, code):
    with pytest.raises(RefundRefused) as caught:
        plan_lines("A-1", components(), wanted)
    assert caught.value.code == code and "order A-1" in str(caught.value)


def test_plan_amount_above_what_remains_is_refused():
    with pytest.raises(RefundRefused) as caught:
        plan_amount("A-1", components(), 6814, "USD", 2)
    assert caught.value.code == "REFUND_EXCEEDS_REMAINING"
    assert caught.value.details["remaining"] == "68.13"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(1, 3000).map(lambda a: ("amount", a)),
                          st.sampled_from(["BOOK-1", "TOY-7"]).map(lambda s: ("lines", s))), max_size=6))
def test_any_refund_sequence_then_full_gives_back_exactly_the_decision(steps):
    comps = components()
    for kind, value in steps:
        try:
            shares = (plan_amount("A-1", comps, value, "USD", 2) if kind == "amount"
                      else plan_lines("A-1", comps, {value: 1}))
        except RefundRefused:
            continue
        for s in shares:  # never more than the row had, never negative
            assert 0 <= s.net <= s.component.rem_net and 0 <= s.vat <= s.component.rem_vat
        take(comps, shares)
    take(comps, plan_full(comps))
    for c in comps:
        assert (c.refunded_net, c.refunded_vat, c.refunded_gross) == (c.net, c.vat, c.gross)
