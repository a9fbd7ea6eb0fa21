"""Hostile orders (JSON text), one per kind of input that once crashed, stalled or misprinted."""

from __future__ import annotations

import json

from conftest import build_order


def _text(**changes) -> str:
    return json.dumps(build_order(**changes), ensure_ascii=False)


def hostile_orders() -> list[str]:
    """Each is answered with an error object naming the problem, never a traceback."""
    line = {"sku": "S", "quantity": 1, "unit_price": "1.00", "category": "general"}
    surrogate = json.dumps(build_order(order_id="ID")).replace('"ID"', '"\\ud800ID"')
    return [
        _text(order_id="H-price", price="1" + "0" * 30),
        _text(order_id="H-9999", placed_at="9999-12-31T23:00:00-14:00"),
        _text(order_id="H-9000", currency="USD", placed_at="9000-06-01T10:00:00+00:00"),
        _text(order_id="H-arabic", price="١٢.٥٠"),
        _text(order_id="H-qty", lines=[dict(line, quantity=10**7)]),
        _text(order_id="H-lines", lines=[line] * 1001),
        '{"order_id": "H-deep", "buyer": ' + "[" * 1000 + "]" * 1000 + "}",
        surrogate,
        '{"order_id": "H-num", "placed_at": 1e400}',
        "[1, 2, 3]",
        "null",
        '"just a string"',
        '{"order_id": "H-trunc", "lines": [',
        "\x00\x01\x02",
        _text(order_id="H-exp", price="9" * 28),
        _text(order_id="H-neg", shipping="-0.00"),
        _text(order_id="H-huge-int", lines=[dict(line, quantity=10**400)]),
    ]
