"""Write examples/platform_orders.jsonl: paid orders on both platforms with discounts and gift
certificates, for ``make demo``. The payments are computed from the engine's quotes and the
platform rules (``rates/platforms/``), so the file follows a rates change when regenerated:

    .venv/bin/python scripts/make_platform_examples.py
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from levy import Engine
from levy.ledger.payments import default_book

OUT = Path(__file__).resolve().parents[1] / "examples" / "platform_orders.jsonl"


def order(oid: str, placed: str, platform: str, currency: str, to: str, postal: str, lines: list,
          discounts: list | None = None, shipping: str = "0.00") -> dict:
    return {
        "order_id": oid, "placed_at": placed, "channel": "online", "currency": currency,
        "seller": {"id": "S-4242", "country": "CN"}, "ship_from": "CN",
        "ship_to": {"country": to, "postal_code": postal}, "buyer": {"id": f"B-{oid[-4:]}"},
        "lines": lines, "shipping": shipping, "platform": platform, "discounts": discounts or [],
    }


def line(sku: str, price: str, category: str = "general", quantity: int = 1) -> dict:
    return {"sku": sku, "quantity": quantity, "unit_price": price, "category": category}


ORDERS = [
    # A seller coupon of 10.00 on a 60.00 line: taxed on 50.00.
    (order("AE-2026-900001", "2026-09-03T10:00:00+02:00", "aliexpress", "EUR", "DE", "10115",
           [line("JACKET-60", "60.00")], [{"code": "STORE10", "funded_by": "seller", "amount": "10.00",
                                           "skus": ["JACKET-60"]}]), ["visa"]),
    # The same with a platform coupon: the deemed supplier's own reduction (Art. 73, 79(b)).
    (order("AE-2026-900002", "2026-09-04T11:00:00+02:00", "aliexpress", "EUR", "FR", "75001",
           [line("JACKET-60", "60.00")], [{"code": "ALI10", "funded_by": "platform", "amount": "10.00"}]),
     ["visa"]),
    # A whole-order seller coupon shared pro rata, paid with a gift certificate and a card.
    (order("AE-2026-900003", "2026-09-05T09:30:00+02:00", "aliexpress", "USD", "ES", "28001",
           [line("LAMP-1", "40.00"), line("BOOK-9", "20.00", "books")],
           [{"code": "SEPT5", "funded_by": "seller", "amount": "5.00"}], "4.00"),
     ["gift_certificate:20.00", "visa"]),
    # Paid with a gift certificate alone.
    (order("AE-2026-900004", "2026-09-06T15:00:00+02:00", "aliexpress", "EUR", "PL", "00-001",
           [line("CASE-3", "12.00")]), ["gift_certificate"]),
    # Western Union at 20 USD and more.
    (order("AE-2026-900005", "2026-09-07T08:00:00+02:00", "aliexpress", "USD", "IT", "00118",
           [line("WATCH-25", "25.00")]), ["western_union"]),
    # alibaba.com: PayPal, a platform coupon.
    (order("AE-2026-900006", "2026-09-08T13:00:00+02:00", "alibaba.com", "EUR", "NL", "1012",
           [line("DRONE-1", "90.00")], [{"code": "TA15", "funded_by": "platform", "amount": "15.00"}]),
     ["paypal"]),
    # Refused on purpose: Western Union below 20 USD on AliExpress.
    (order("AE-2026-900007", "2026-09-09T18:00:00+02:00", "aliexpress", "USD", "AT", "1010",
           [line("CABLE-2", "12.00")]), ["western_union"]),
]


def payment(engine: Engine, raw: dict, methods: list[str]) -> dict:
    decision = engine.quote(raw)
    terms = default_book().terms(raw["platform"], decision.rates_as_of)
    accepted = (datetime.fromisoformat(raw["placed_at"]) + timedelta(hours=1)).isoformat()
    tenders, left = [], decision.landed_total  # what the buyer owes (contract v1.1)
    for spec in methods:
        code, _, amount = spec.partition(":")
        if amount:
            tenders.append({"method": code, "amount": amount, "certificate_id": f"GC-{raw['order_id'][-4:]}"})
            left -= Decimal(amount)
            continue
        method = terms.methods[code]
        fee = method.fee(left, raw["currency"])
        tender = {"method": code, "amount": str(left + fee)}
        if code == "gift_certificate":
            tender["certificate_id"] = f"GC-{raw['order_id'][-4:]}"
        tenders.append(tender)
    if len(tenders) == 1 and "certificate_id" not in tenders[0]:
        return {**tenders[0], "currency": raw["currency"], "accepted_at": accepted}
    return {"currency": raw["currency"], "accepted_at": accepted, "tenders": tenders}


def main() -> None:
    engine = Engine()
    with OUT.open("w") as out:
        for raw, methods in ORDERS:
            out.write(json.dumps({**raw, "payment": payment(engine, raw, methods)}, separators=(",", ":")) + "\n")
    print(f"wrote {len(ORDERS)} orders to {OUT}")


if __name__ == "__main__":
    main()
