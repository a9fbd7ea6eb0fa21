#!/usr/bin/env python3
"""Paid example orders (the sample batch for ``levy commit``).

Writes ``examples/paid_orders.jsonl`` from ``examples/orders.jsonl``: every order paid through
the platform (offline orders are left out: the platform never collects them) gets a ``payment``
object as the ledger expects it (``method``, ``amount``, ``currency``, ``accepted_at``):

* the amount is what the engine quotes (``landed_total``) plus the method's fee (PayPal 2.99 %),
  a few paid a little short, within the platform's 1 USD tolerance;
* the method is drawn from the platform's list (cards, PayPal where the currency allows it,
  Alipay, T/T, Western Union, ...);
* ``accepted_at`` falls a few minutes to three days after ``placed_at``, in the same offset;
* six payments are refused on purpose, two per rule: paid after the 20-day window
  (``PAYMENT_WINDOW_CLOSED``), more than 1 USD off the amount payable
  (``PAYMENT_AMOUNT_MISMATCH``) and PayPal in a currency PayPal does not take
  (``PAYPAL_CURRENCY_NOT_SUPPORTED``).

Every payment is run through the ledger's own payment rules before it is written: an accepted
one must pass, a deliberately refused one must fail with its code, or the script stops. The
output is deterministic (``random.Random(4)``); run it again after the rates or the engine
change, since the amounts follow the engine's decisions::

    .venv/bin/python scripts/make_payments.py
"""

from __future__ import annotations

import json
import random
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "examples" / "orders.jsonl"
OUT = ROOT / "examples" / "paid_orders.jsonl"

try:
    from levy import Engine
    from levy.engine import parse_order
    from levy.ledger.errors import PaymentRefused
    from levy.ledger.payments import METHODS, check_payment, parse_payment
    from levy.money import quantum
except ImportError:  # pragma: no cover - depends on the interpreter used
    sys.exit("make_payments.py needs the levy package: run it with the project venv "
             "(.venv/bin/python scripts/make_payments.py)")

WEIGHTS = {
    "paypal": 30, "visa": 20, "mastercard": 15, "maestro": 4, "alipay": 10, "tt": 6,
    "western_union": 3, "qiwi": 2, "webmoney": 2, "yandex": 2, "tef": 2,
}
"""How often each method is drawn (PayPal only where the currency allows it)."""
SHORT_PAID = 0.06
"""Share of payments a few minor units short of the amount payable (inside the tolerance)."""
REFUSALS = ("PAYMENT_WINDOW_CLOSED", "PAYMENT_AMOUNT_MISMATCH", "PAYPAL_CURRENCY_NOT_SUPPORTED")
PER_RULE = 2


def _payment(order_raw: dict, method: str, amount: Decimal, accepted_at) -> dict:
    return {"method": method, "amount": str(amount), "currency": order_raw["currency"],
            "accepted_at": accepted_at.isoformat()}


def build(engine: Engine | None = None) -> tuple[list[str], dict[str, str]]:
    """The output lines and the deliberately refused orders (order_id -> expected code)."""
    engine = engine or Engine()
    rng = random.Random(4)
    raws = [json.loads(line) for line in SOURCE.read_text().splitlines() if line.strip()]
    online = [r for r in raws if r.get("channel", "online") == "online"]
    paypal_currencies = METHODS["paypal"].currencies
    late = rng.sample([r["order_id"] for r in online if r["currency"] in paypal_currencies], PER_RULE)
    off = rng.sample([r["order_id"] for r in online if r["currency"] in ("EUR", "USD") and r["order_id"] not in late], PER_RULE)
    wrong_currency = rng.sample([r["order_id"] for r in online if r["currency"] not in paypal_currencies], PER_RULE)
    expected = {**{i: REFUSALS[0] for i in late}, **{i: REFUSALS[1] for i in off},
                **{i: REFUSALS[2] for i in wrong_currency}}

    lines = []
    for raw in online:
        order = parse_order(raw)
        decision = engine.quote(order)
        oid, cur = order.order_id, order.currency
        choices = [m for m in WEIGHTS if m != "paypal" or cur in paypal_currencies]
        method = rng.choices(choices, weights=[WEIGHTS[m] for m in choices])[0]
        accepted = order.placed_at + timedelta(minutes=rng.randint(3, 3 * 24 * 60))
        if oid in wrong_currency:
            method = "paypal"
        fee = METHODS[method].fee(decision.landed_total, cur)
        amount = decision.landed_total + fee
        if oid in late:
            accepted = order.placed_at + timedelta(days=20, hours=rng.randint(1, 200))
        elif oid in off:
            amount += Decimal("5.00")
        elif rng.random() < SHORT_PAID and amount > quantum(cur) * 50:
            amount -= quantum(cur) * rng.randint(1, 30)
        payment_raw = _payment(raw, method, amount, accepted)
        payment, errors = parse_payment(payment_raw, cur)
        if errors:
            sys.exit(f"{oid}: generated payment is invalid: {errors}")
        try:
            check_payment(order, decision, payment, engine.fx)
        except PaymentRefused as exc:
            if expected.get(oid) != exc.code:
                sys.exit(f"{oid}: payment refused with {exc.code} ({exc}), expected {expected.get(oid) or 'acceptance'}")
        else:
            if oid in expected:
                sys.exit(f"{oid}: payment accepted, expected {expected[oid]}")
        lines.append(json.dumps({**raw, "payment": payment_raw}, ensure_ascii=False, separators=(",", ":")))
    return lines, expected


def main() -> None:
    lines, expected = build()
    OUT.write_text("\n".join(lines) + "\n")
    methods = {}
    for line in lines:
        m = json.loads(line)["payment"]["method"]
        methods[m] = methods.get(m, 0) + 1
    print(f"wrote {len(lines)} paid orders to {OUT.relative_to(ROOT)}; methods: "
          + ", ".join(f"{m} {n}" for m, n in sorted(methods.items())))
    print("refused on purpose: " + ", ".join(f"{oid} ({code})" for oid, code in sorted(expected.items())))


if __name__ == "__main__":
    main()
