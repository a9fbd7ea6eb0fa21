"""Hypothesis strategies for hostile input: orders (valid ones broken in one or more places)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from conftest import build_order

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
"""A fixed, small budget: the same examples every run (derandomized), no time-based failures."""

HOSTILE_TEXT = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["", " ", "\ud800", "\x00", "١٢.٥٠", "1e999", "NaN", "-0", "9" * 40, "0x10",
                     "1" + "0" * 30, "12.505", "\u202e", "A" * 70, "../../etc/passwd"]),
)
HOSTILE_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
              st.floats(allow_nan=True, allow_infinity=True), HOSTILE_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)
DATES = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:00:00-14:00", "0001-01-01T00:00:00+14:00", "2000-01-01T00:00:00+14:00",
                     "2100-12-31T23:59:59-12:00", "2026-02-30T10:00:00+00:00"]),
)
PATHS = [
    ("order_id",), ("placed_at",), ("channel",), ("currency",), ("seller", "id"), ("seller", "country"),
    ("ship_from",), ("ship_to", "country"), ("ship_to", "postal_code"), ("buyer", "id"), ("buyer", "vat_number"),
    ("buyer", "exemption"), ("lines", 0, "sku"), ("lines", 0, "quantity"), ("lines", 0, "unit_price"),
    ("lines", 0, "category"), ("lines",), ("shipping",), ("prices_include_vat",), ("surprise",),
]


def _set(order: dict, path: tuple, value) -> None:
    target = order
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@st.composite
def valid_orders(draw) -> dict:
    """Orders that fit the contract, varied where the decision changes."""
    return build_order(
        order_id=draw(st.from_regex(r"[A-Z]{1,3}-[0-9]{1,8}", fullmatch=True)),
        to=draw(st.sampled_from(["DE", "FR", "NO", "GB", "CH", "AU", "US", "ES"])),
        price=draw(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(str)),
        currency=draw(st.sampled_from(["EUR", "USD", "GBP"])),
        placed_at=draw(st.sampled_from(["2026-10-15T12:00:00+02:00", "2021-07-01T00:00:00+00:00",
                                        "2030-06-01T10:00:00-05:00"])),
    )


@st.composite
def hostile_orders(draw) -> str:
    """A valid order broken in one to three fields, or not an order at all, as JSON text."""
    kind = draw(st.sampled_from(["fields", "fields", "fields", "dates", "raw", "deep"]))
    if kind == "raw":
        return draw(st.one_of(st.text(max_size=60), st.sampled_from(["null", "[]", "{", '"x"', "1e400"])))
    if kind == "deep":
        depth = draw(st.integers(min_value=17, max_value=3000))
        return '{"order_id": "D", "lines": ' + "[" * depth + "]" * depth + "}"
    order = draw(valid_orders())
    if kind == "dates":
        order["placed_at"] = draw(DATES)
        if draw(st.booleans()):
            order["placed_at"] = draw(HOSTILE_VALUE)
    else:
        for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=3, unique=True)):
            _set(order, path, draw(HOSTILE_VALUE))
    return json.dumps(order, ensure_ascii=draw(st.booleans()))
