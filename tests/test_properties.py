"""Properties over generated orders (hypothesis): the invariants of every decision."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CURRENCIES = {"EUR": 2, "USD": 2, "JPY": 0, "GBP": 2, "PLN": 2, "SEK": 2, "HUF": 2}
CATEGORIES = ["general", "books", "food", "staple_food", "childrens_clothing", "medical", "excise_alcohol"]
DESTINATIONS = [("DE", "10115"), ("FR", "75001"), ("ES", "35001"), ("ES", "28001"), ("PT", "9000-018"),
                ("MC", "98000"), ("IT", "00100"), ("FI", "22100"), ("FI", "00100"), ("US", "10001"),
                ("SE", "11122"), ("NL", "1011 AB"), ("HU", "1051"), ("CZ", "11000"), ("RO", "010011")]
ORIGINS = ["CN", "US", "DE", "PL", "GB", "FR"]


def money(digits: int):
    return st.decimals(min_value=0, max_value=Decimal(400), places=digits, allow_nan=False,
                       allow_infinity=False).map(lambda d: format(d, "f"))


@st.composite
def orders(draw):
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    digits = CURRENCIES[currency]
    country, postal = draw(st.sampled_from(DESTINATIONS))
    lines = [
        {"sku": f"L{i}", "quantity": draw(st.integers(1, 5)), "unit_price": draw(money(digits)),
         "category": draw(st.sampled_from(CATEGORIES))}
        for i in range(draw(st.integers(1, 4)))
    ]
    day = draw(st.dates(min_value=__import__("datetime").date(2021, 6, 1),
                        max_value=__import__("datetime").date(2026, 12, 31)))
    order = {
        "order_id": "H-1", "placed_at": f"{day}T12:00:00+01:00",
        "channel": draw(st.sampled_from(["online", "online", "online", "offline"])),
        "currency": currency, "seller": {"id": "S", "country": draw(st.sampled_from(["CN", "DE", "US"]))},
        "ship_from": draw(st.sampled_from(ORIGINS)), "ship_to": {"country": country, "postal_code": postal},
        "buyer": {"id": "B"}, "lines": lines, "shipping": draw(money(digits)),
        "prices_include_vat": draw(st.booleans()),
    }
    if draw(st.booleans()):
        order["buyer"]["vat_number"] = draw(st.sampled_from(["DE136695976", "DE136695977", "FR40303265045", "x"]))
    return order


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=orders())
def test_invariants(engine, order):
    decision = engine.quote(order)
    d = json.loads(decision.model_dump_json())
    digits = CURRENCIES[order["currency"]]
    amounts = [*d["lines"], d["shipping"]]
    for a in amounts:
        net, vat, gross = (Decimal(a[k]) for k in ("net", "vat", "gross"))
        assert gross == net + vat
        assert vat >= 0
        for text in (a["net"], a["vat"], a["gross"]):
            assert len(text.partition(".")[2]) == digits
    assert Decimal(d["net_total"]) == sum(Decimal(a["net"]) for a in amounts)
    assert Decimal(d["vat_total"]) == sum(Decimal(a["vat"]) for a in amounts)
    assert Decimal(d["gross_total"]) == Decimal(d["net_total"]) + Decimal(d["vat_total"])
    if d["collect"]:
        assert d["scheme"] and d["tax_country"]
        if order["prices_include_vat"]:  # the buyer pays exactly the stated prices
            stated = sum(Decimal(l["unit_price"]) * l["quantity"] for l in order["lines"]) + Decimal(order["shipping"])
            assert Decimal(d["gross_total"]) == stated
    else:
        assert d["scheme"] is None and d["tax_country"] is None
        assert Decimal(d["vat_total"]) == 0 and all(l["rate_percent"] == "0" for l in d["lines"])
    # the same order always gives the same decision
    assert engine.quote(json.dumps(order)).model_dump_json() == decision.model_dump_json()
