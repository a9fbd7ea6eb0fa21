"""Issue 18: the contract's bounds, enforced where an order enters, each refusal naming its field."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from levy import InvalidOrder
from levy.engine import parse_order
from levy.models import MAX_JSON_DEPTH, MAX_ORDER_BYTES, Order


def errors_of(order) -> dict[str, str]:
    with pytest.raises(InvalidOrder) as caught:
        parse_order(order if isinstance(order, (bytes, str)) else json.dumps(order))
    return {f["loc"]: f["msg"] for f in caught.value.body()["error"]["fields"]}


def line(**changes) -> dict:
    return {"sku": "SKU-1", "quantity": 1, "unit_price": "100.00", "category": "general"} | changes


@pytest.mark.parametrize(
    ("change", "loc", "msg_part"),
    [
        ({"price": "1" + "0" * 30}, "lines.0.unit_price", "at most 15 digits before the point"),
        ({"price": "1" + "0" * 15}, "lines.0.unit_price", "at most 15 digits before the point"),
        ({"shipping": "9" * 16 + ".00"}, "shipping", "at most 15 digits"),
        ({"price": "١٢.٥٠"}, "lines.0.unit_price", "ASCII digits"),
        ({"shipping": "１２"}, "shipping", "ASCII digits"),
        ({"price": "12.5000000000000000"}, "lines.0.unit_price", "15 after"),
        ({"price": "1.005"}, "lines.0.unit_price", "more decimals than EUR allows (2)"),
        ({"lines": [line(quantity=0)]}, "lines.0.quantity", "greater than or equal to 1"),
        ({"lines": [line(quantity=1_000_001)]}, "lines.0.quantity", "less than or equal to 1000000"),
        ({"lines": [line()] * 1001}, "lines", "at most 1000 lines"),
        ({"placed_at": "9999-12-31T23:00:00-14:00"}, "placed_at", "between 2000-01-01 and 2100-12-31"),
        ({"placed_at": "9000-06-01T10:00:00+00:00"}, "placed_at", "between 2000-01-01 and 2100-12-31"),
        ({"placed_at": "2101-01-01T00:00:00+00:00"}, "placed_at", "between 2000-01-01 and 2100-12-31"),
        ({"placed_at": "1999-12-31T23:59:59+00:00"}, "placed_at", "between 2000-01-01 and 2100-12-31"),
        ({"placed_at": "0001-01-01T00:00:00+14:00"}, "placed_at", "between 2000-01-01 and 2100-12-31"),
        ({"order_id": "\ud800X"}, "order_id", "lone surrogate"),
        ({"seller": {"id": "S\udfff", "country": "CN"}}, "seller.id", "lone surrogate"),
        ({"lines": [line(sku="\ud83d")]}, "lines.0.sku", "lone surrogate"),
        ({"postal": "1\udc00"}, "ship_to.postal_code", "lone surrogate"),
        ({"vat": "DE\ud800"}, "buyer.vat_number", "lone surrogate"),
    ],
    ids=repr,
)
def test_out_of_bounds_is_refused_naming_the_field(make_order, change, loc, msg_part):
    fields = errors_of(make_order(**change))
    assert loc in fields, fields
    assert msg_part in fields[loc]


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "loc"),
    [("1999-12-31", "2026-12-31", "buyer.exemption.valid_from"),
     ("2026-01-01", "2101-01-01", "buyer.exemption.valid_to")],
)
def test_voucher_dates_out_of_range(make_order, valid_from, valid_to, loc):
    voucher = {"certificate_id": "EX-1", "country": "DE", "valid_from": valid_from, "valid_to": valid_to}
    assert "between 2000-01-01 and 2100-12-31" in errors_of(make_order(exemption=voucher))[loc]


@pytest.mark.parametrize(
    "placed_at",
    ["2000-01-01T00:00:00+14:00", "2000-01-01T00:00:00+00:00", "2100-12-31T23:59:59-12:00"],
)
def test_dates_on_the_bounds_are_accepted(make_order, placed_at):
    assert parse_order(json.dumps(make_order(placed_at=placed_at))).placed_at.year in (2000, 2100)


@pytest.mark.parametrize(("valid_from", "valid_to"), [("2000-01-01", "2100-12-31")])
def test_voucher_dates_on_the_bounds_are_accepted(make_order, valid_from, valid_to):
    voucher = {"certificate_id": "EX-1", "country": "DE", "valid_from": valid_from, "valid_to": valid_to}
    order = parse_order(json.dumps(make_order(exemption=voucher)))
    assert order.buyer.exemption.valid_to.year == 2100


def test_lone_surrogate_escape_in_json_text_names_the_field(make_order):
    text = json.dumps(make_order(order_id="ID"))  # ensure_ascii: "\ud800" stays an escape
    assert errors_of(text.replace('"ID"', '"\\ud800ID"')) == {"order_id": "must be valid UTF-8 text (holds a lone surrogate)"}


def test_deep_nesting_is_refused_before_parsing():
    deep = '{"order_id": "X", "buyer": ' + "[" * 1000 + "]" * 1000 + "}"
    assert errors_of(deep) == {"(order)": f"nests arrays and objects deeper than {MAX_JSON_DEPTH} levels"}
    brackets_in_text = json.dumps({"order_id": "[" * 100})  # inside a string: not nesting
    assert "(order)" not in errors_of(brackets_in_text)


def test_oversized_order_is_refused(make_order):
    text = json.dumps(make_order(order_id="BIG", padding="x" * MAX_ORDER_BYTES))
    assert errors_of(text) == {"(order)": f"is longer than {MAX_ORDER_BYTES} bytes of JSON"}


def test_schema_publishes_the_bounds():
    schema = Order.model_json_schema()
    props, defs = schema["properties"], schema["$defs"]
    assert props["shipping"]["pattern"] == r"^[0-9]{1,15}(\.[0-9]{1,15})?$"
    assert (props["placed_at"]["formatMinimum"], props["placed_at"]["formatMaximum"]) == ("2000-01-01", "2100-12-31")
    assert defs["Line"]["properties"]["quantity"]["maximum"] == 1_000_000
    assert props["lines"]["maxItems"] == 1000
    assert defs["Exemption"]["properties"]["valid_to"]["formatMaximum"] == "2100-12-31"


def test_year_9000_costs_no_time(engine, make_order):
    start = time.process_time()
    with pytest.raises(InvalidOrder):
        engine.quote(make_order(currency="USD", placed_at="9000-06-01T10:00:00+00:00"))
    assert time.process_time() - start < 0.1


def test_largest_order_is_exact_and_never_in_exponent_notation(engine, make_order):
    lines = [line(sku=f"S{i}", quantity=1_000_000, unit_price="999999999999999.99") for i in range(1000)]
    decision = engine.quote(make_order(lines=lines, shipping="999999999999999.99"))
    body = decision.model_dump_json()
    assert "E+" not in body and "e+" not in body
    price = Decimal("999999999999999.99")
    assert json.loads(body)["net_total"] == format(price * 1_000_000 * 1000 + price, "f")
    assert decision.gross_total == decision.net_total + decision.vat_total


def test_price_that_once_printed_in_exponent_notation_is_refused(engine, make_order):
    """A 28-digit price used to come back as ``"net_total": "9.999...E+28"``."""
    with pytest.raises(InvalidOrder) as caught:
        engine.quote(make_order(price="9" * 28, lines=[line(unit_price="9" * 28, quantity=10)]))
    assert caught.value.fields[0].loc == "lines.0.unit_price"
