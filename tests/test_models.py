"""Bad input: every invalid order gets the contract's error object naming each field."""

from __future__ import annotations

import json

import pytest

from levy import InvalidOrder
from levy.engine import parse_order


def errors_of(order) -> dict[str, str]:
    with pytest.raises(InvalidOrder) as caught:
        parse_order(order)
    return {f["loc"]: f["msg"] for f in caught.value.body()["error"]["fields"]}


def without(order: dict, key: str) -> dict:
    return {k: v for k, v in order.items() if k != key}


@pytest.mark.parametrize(
    ("change", "loc", "msg_part"),
    [
        ({"price": 12.5}, "lines.0.unit_price", "not a JSON number"),
        ({"price": 12}, "lines.0.unit_price", "not a JSON number"),
        ({"price": "-1.00"}, "lines.0.unit_price", ">= 0"),
        ({"price": "1e3"}, "lines.0.unit_price", "decimal string"),
        ({"price": "abc"}, "lines.0.unit_price", "decimal string"),
        ({"price": "NaN"}, "lines.0.unit_price", "decimal string"),
        ({"shipping": 4.99}, "shipping", "not a JSON number"),
        ({"shipping": "-5"}, "shipping", ">= 0"),
        ({"currency": "XYZ"}, "currency", "ISO 4217"),
        ({"currency": 978}, "currency", "string"),
        ({"ship_from": "XX"}, "ship_from", "ISO 3166-1"),
        ({"to": "ZZ"}, "ship_to.country", "ISO 3166-1"),
        ({"seller_country": "EU"}, "seller.country", "ISO 3166-1"),
        ({"placed_at": "2026-13-02T10:00:00+01:00"}, "placed_at", "ISO 8601"),
        ({"placed_at": "yesterday"}, "placed_at", "ISO 8601"),
        ({"placed_at": "2026-11-02T10:00:00"}, "placed_at", "UTC offset"),
        ({"placed_at": 1793000000}, "placed_at", "ISO 8601"),
        ({"placed_at": "1793000000"}, "placed_at", "ISO 8601"),
        ({"placed_at": "2026-11-02"}, "placed_at", "UTC offset"),
        ({"channel": "phone"}, "channel", "must be one of 'online' or 'offline'"),
        ({"lines": []}, "lines", "at least one line"),
        ({"order_id": ""}, "order_id", "at least 1"),
        ({"order_id": "x" * 65}, "order_id", "at most 64"),
        ({"order_id": "A\tB"}, "order_id", "printable"),
        ({"category": "weapons"}, "lines.0.category", "must be one of"),
        ({"prices_include_vat": "yes"}, "prices_include_vat", "true or false"),
        ({"surprise": 1}, "surprise", "not a field of the contract"),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v),
)
def test_bad_field_is_named(make_order, change, loc, msg_part):
    fields = errors_of(make_order(**change))
    assert loc in fields, fields
    assert msg_part in fields[loc]


@pytest.mark.parametrize("key", ["order_id", "placed_at", "currency", "seller", "ship_from", "ship_to", "lines"])
def test_missing_required_field(make_order, key):
    assert errors_of(without(make_order(), key)) == {key: "is required"}


def test_quantity_must_be_a_positive_whole_number(make_order):
    for quantity, msg in [(0, "greater than or equal to 1"), (1.5, "whole number"), ("2", "whole number"), (True, "whole number")]:
        order = make_order()
        order["lines"][0]["quantity"] = quantity
        assert msg in errors_of(order)["lines.0.quantity"]


def test_every_offending_field_is_listed_at_once(make_order):
    order = make_order(price=1.5, currency="XYZ", ship_from="??")
    assert set(errors_of(order)) == {"lines.0.unit_price", "currency", "ship_from"}


@pytest.mark.parametrize(
    ("currency", "price", "ok"),
    [("JPY", "1500", True), ("JPY", "1500.5", False), ("EUR", "12.50", True), ("EUR", "12.505", False),
     ("KWD", "12.505", True), ("KWD", "12.5055", False)],
)
def test_amounts_may_not_exceed_the_currencys_minor_unit(make_order, currency, price, ok):
    order = make_order(currency=currency, price=price)
    if ok:
        assert parse_order(order).lines[0].unit_price == __import__("decimal").Decimal(price)
    else:
        assert "more decimals than" in errors_of(order)["lines.0.unit_price"]


def test_exemption_dates_must_be_ordered(make_order):
    voucher = {"certificate_id": "EX-1", "country": "DE", "valid_from": "2026-12-31", "valid_to": "2026-01-01"}
    assert "valid_to" in errors_of(make_order(exemption=voucher))["buyer.exemption"]


def test_malformed_exemption_date(make_order):
    voucher = {"certificate_id": "EX-1", "country": "DE", "valid_from": "2026-02-30", "valid_to": "2026-12-31"}
    assert errors_of(make_order(exemption=voucher)) == {"buyer.exemption.valid_from": "must be an ISO date YYYY-MM-DD"}


def test_exemption_dates_are_iso_text(make_order):
    voucher = {"certificate_id": "EX-1", "country": "DE", "valid_from": 1767225600, "valid_to": "2026-12-31"}
    assert errors_of(make_order(exemption=voucher)) == {"buyer.exemption.valid_from": "must be an ISO date YYYY-MM-DD"}


def test_invalid_json_and_non_object():
    assert errors_of(b"{not json") == {"(order)": "is not valid JSON"}
    assert errors_of(b"[1, 2]") == {"(order)": "must be a JSON object"}


def test_order_id_is_echoed_in_the_error(make_order):
    with pytest.raises(InvalidOrder) as caught:
        parse_order(json.dumps(make_order(order_id="AE-9", price=1.0)))
    assert caught.value.body()["order_id"] == "AE-9"


def test_lowercase_codes_are_normalised(make_order):
    order = parse_order(make_order(currency="usd", to="de"))
    assert (order.currency, order.ship_to.country) == ("USD", "DE")


def test_too_many_lines(make_order):
    order = make_order()
    order["lines"] = order["lines"] * 1001
    assert errors_of(order) == {"lines": "must hold at most 1000 lines"}
