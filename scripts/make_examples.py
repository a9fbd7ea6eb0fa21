#!/usr/bin/env python3
"""Example orders (the bundled batch of realistic marketplace traffic).

Writes ``examples/orders.jsonl`` (or ``--out PATH``): 300 orders in the checkout contract's order
shape, one compact JSON object per line, in the order the platform accepted the payments. What
goes into them (products, sellers, postcodes, VAT numbers, rough prices per currency, the mix of
scenarios) is data in ``examples/catalogue/``; this script and ``scripts/example_orders.py`` only
draw from it with ``random.Random(2026)``, so the file comes out the same byte for byte.

Before writing, every buyer VAT number is checked with python-stdnum (valid ones must be valid
for their country, bad ones must fail on their checksum) and every order is validated with
``levy.models.Order``, the engine's own model; the first problem stops the run, naming it.
Amounts carry the currency's ISO 4217 minor units from ``levy.money``.

Run from the repository root: ``make examples`` (or ``.venv/bin/python scripts/make_examples.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

from example_orders import (CATALOGUE, Gen, load_catalogue, number_in_payment_order, order,
                            validated_lines, verify_vat_numbers)

ROOT = Path(__file__).resolve().parent.parent


def eu_imports(gen: Gen, count: int) -> list[dict]:
    """B2C imports into the 27 member states: most <= EUR 150, some above, a few excise."""
    rng, cat, plan = gen.rng, gen.cat, gen.cat["scenarios"]["eu_imports"]
    weights = cat["eu_weights"]
    eu = cat["eu_member_states"]
    dests = eu + rng.choices(list(weights), weights=list(weights.values()), k=count - len(eu))
    rng.shuffle(dests)
    idx = list(range(count))
    n_high = plan["above_150"]
    specials = rng.sample(idx, n_high + len(plan["excise"]))
    high = set(specials[:n_high])
    excise_cat = dict(zip(sorted(specials[n_high:]), plan["excise"], strict=True))
    rest = [i for i in idx if i not in high and i not in excise_cat]
    incl_vat = set(rng.sample(rest, plan["prices_include_vat"]))
    rest = [i for i in rest if i not in incl_vat]
    explicit_false = set(rng.sample(rest, plan["prices_include_vat_false"]))
    no_channel = set(rng.sample(rest, plan["channel_omitted"]))
    no_shipping = set(rng.sample(rest, plan["shipping_omitted"]))
    local_left = {cc: plan["local_currency_at_least"] for cc in cat["local_currency"]}
    foreign = dict(zip(rng.sample(rest, len(plan["foreign_currencies"])),
                       plan["foreign_currencies"], strict=True))
    out = []
    for i, dest in enumerate(dests):
        seller, ship_from = gen.import_origin()
        currency = gen.eu_currency(dest)
        if local_left.get(dest) and i not in incl_vat:
            local_left[dest] -= 1
            currency = cat["local_currency"][dest]
        elif i in foreign:
            currency = foreign[i]
        if i in high:
            lines = gen.lines(currency, above=150,
                              force=[("general", {"min_eur": 140, "max_eur": 480})])
        elif i in excise_cat:
            force = [(excise_cat[i], {"quantity": rng.choice((1, 2))})]
            lines = gen.lines(currency, below=150, n=rng.choice((1, 2)), force=force)
        else:
            lines = gen.lines(currency, below=150)
        placed_at = gen.placed_at(gen.period())
        postal, buyer = gen.postcode(dest), gen.buyer(dest)
        out.append(order(
            "eu_import", placed_at=placed_at, channel=None if i in no_channel else "online",
            currency=currency, seller=seller, ship_from=ship_from, country=dest,
            postal_code=postal, buyer=buyer, lines=lines,
            shipping=None if i in no_shipping else gen.shipping(currency),
            prices_include_vat=True if i in incl_vat else (False if i in explicit_false else None)))
    # Pinned cases replace the first plain CN -> destination order (see scenarios.json "why").
    used = set()
    for spec in plan["pinned"]:
        k = next((k for k, item in enumerate(out) if k not in used and k not in high
                  and k not in excise_cat and "prices_include_vat" not in item["order"]
                  and item["order"]["ship_to"]["country"] == spec["dest"]
                  and item["order"]["seller"]["country"] == "CN"
                  and item["order"]["ship_from"] == "CN"), None)
        if k is None:
            raise SystemExit(f"scenarios.json: no order to pin {spec['placed_at']} on")
        used.add(k)
        o, currency = out[k]["order"], spec["currency"]
        lines = ([ln | {"unit_price": Decimal(ln["unit_price"])} for ln in spec["lines"]]
                 if "lines" in spec else gen.lines(currency, below=150))
        ship = Decimal(spec["shipping"]) if "shipping" in spec else gen.shipping(currency)
        out[k] = order("eu_import", placed_at=spec["placed_at"], currency=currency,
                       seller=o["seller"], ship_from="CN", country=spec["dest"],
                       postal_code=o["ship_to"]["postal_code"], buyer=o["buyer"], lines=lines,
                       shipping=ship)
    return out


def eu_stocked(gen: Gen) -> list[dict]:
    """Goods already in an EU warehouse: non-EU sellers (OSS deemed supply) and EU sellers."""
    rng, cat, plan = gen.rng, gen.cat, gen.cat["scenarios"]["eu_stocked"]
    sellers = [cc for cc, n in plan["sellers"].items() for _ in range(n)]
    high = set(rng.sample(range(len(sellers)), plan["above_150"]))
    out = []
    for i, seller_country in enumerate(sellers):
        seller = gen.seller(seller_country)
        if seller_country in cat["eu_member_states"]:
            ship_from = seller_country if rng.random() < 0.7 else rng.choice(("PL", "CZ", "DE"))
        else:
            ship_from = rng.choice(plan["warehouses"])
        dest = ship_from if rng.random() < 0.4 else gen.weighted(cat["eu_weights"])
        currency = gen.weighted(plan["currency_weights"], dest)
        if i in high:
            lines = gen.lines(currency, above=150,
                              force=[("general", {"min_eur": 140, "max_eur": 480})])
        else:
            lines = gen.lines(currency, below=150)
        placed_at = gen.placed_at(gen.period(0.8))
        postal, buyer = gen.postcode(dest), gen.buyer(dest)
        out.append(order(
            "eu_stocked", placed_at=placed_at, currency=currency, seller=seller,
            ship_from=ship_from, country=dest, postal_code=postal, buyer=buyer, lines=lines,
            shipping=gen.shipping(currency, 0.5)))
    return out


def b2b(gen: Gen) -> list[dict]:
    """Business buyers: valid numbers of the destination, bad checksums, other member states."""
    rng, plan = gen.rng, gen.cat["scenarios"]["b2b"]
    specs = gen.cat["vat_numbers"]
    valid_idx = [i for i, spec in enumerate(specs) if spec[0] == "b2b_valid"]
    high = set(rng.sample(valid_idx, plan["above_150"]))
    stocked = set(rng.sample([i for i in valid_idx if i not in high], plan["from_eu_stock"]))
    out = []
    for i, (group, number, dest) in enumerate(specs):
        if i in stocked:
            seller, ship_from = gen.seller("CN"), rng.choice(plan["eu_warehouses"])
        else:
            seller = gen.seller(rng.choice(plan["sellers"]))
            ship_from = "HK" if seller["country"] == "HK" else "CN"
        currency = gen.weighted(plan["currency_weights"], dest)
        if i in high:
            lines = gen.lines(currency, above=150, categories=plan["categories"],
                              wholesale=True, max_item_eur=40)
        else:
            n = rng.choice((1, 1, 2, 3))
            lines = gen.lines(currency, below=150, categories=plan["categories"], n=n)
        buyer = gen.buyer(dest, repeat_ok=False) | {"vat_number": number}
        placed_at = gen.placed_at(gen.period(0.8))
        out.append(order(
            group, placed_at=placed_at, currency=currency, seller=seller,
            ship_from=ship_from, country=dest, postal_code=gen.postcode(dest), buyer=buyer,
            lines=lines, shipping=gen.shipping(currency, 0.3)))
    return out


def exemptions(gen: Gen) -> list[dict]:
    """Buyers with an exemption voucher (charities, diplomatic missions, schools)."""
    rng, plan = gen.rng, gen.cat["scenarios"]["exemptions"]
    out = []
    for row in gen.cat["exemptions"]:
        dest, currency = row["destination"], rng.choice(plan["currencies"])
        buyer = gen.buyer(dest, repeat_ok=False)
        buyer["exemption"] = {
            "certificate_id": f"EX-{row['voucher_country']}-{row['valid_from'][:4]}-"
                              f"{rng.randint(1, 9999):04d}",
            "country": row["voucher_country"],
            "valid_from": row["valid_from"], "valid_to": row["valid_to"]}
        hour, offset = rng.randint(9, 17), rng.choice(plan["offsets"])
        placed_at = gen.placed_at(date=dt.date.fromisoformat(row["placed_on"]), hour=hour,
                                  offset=offset)
        seller, postal = gen.seller("CN"), gen.postcode(dest)
        lines = gen.lines(currency, below=150, categories=plan["categories"])
        out.append(order(row["group"], placed_at=placed_at, currency=currency, seller=seller,
                         ship_from="CN", country=dest, postal_code=postal, buyer=buyer,
                         lines=lines, shipping=gen.shipping(currency)))
    return out


def special_territories(gen: Gen) -> list[dict]:
    """Addresses whose postal code puts them outside (or, for MC/Azores/Madeira, inside) EU VAT."""
    out = []
    for row in gen.cat["special_territories"]:
        country = row["country"]
        currency = gen.rng.choice(gen.cat["scenarios"]["special_territory_currencies"])
        seller, ship_from = gen.import_origin()
        placed_at, buyer = gen.placed_at(gen.period(0.85)), gen.buyer(country)
        lines = gen.lines(currency, below=150)
        out.append(order(row["group"], placed_at=placed_at, currency=currency, seller=seller,
                         ship_from=ship_from, country=country, postal_code=row["postal_code"],
                         buyer=buyer, lines=lines, shipping=gen.shipping(currency)))
    return out


def offline(gen: Gen) -> list[dict]:
    """Orders paid outside the platform (bank transfer, T/T); every other one wholesale."""
    rng, plan = gen.rng, gen.cat["scenarios"]["offline"]
    out = []
    for k, dest in enumerate(plan["destinations"]):
        currency = rng.choice(plan["currencies"])
        lines = (gen.lines(currency, above=150, wholesale=True, max_item_eur=40) if k % 2 == 0
                 else gen.lines(currency, below=150))
        placed_at = gen.placed_at(gen.period(0.8))
        seller, postal = gen.seller(rng.choice(plan["sellers"])), gen.postcode(dest)
        out.append(order("offline", placed_at=placed_at, channel="offline", currency=currency,
                         seller=seller, ship_from="CN", country=dest, postal_code=postal,
                         buyer=gen.buyer(dest), lines=lines, shipping=gen.shipping(currency, 0.3)))
    return out


def non_eu(gen: Gen) -> list[dict]:
    """GB, NO, CH, AU, NZ, SG, MY and US/CA/BR, as listed in scenarios.json "non_eu"."""
    out = []
    for spec in gen.cat["scenarios"]["non_eu"]:
        for _ in range(spec.get("repeat", 1)):
            currency, country = spec["currency"], spec["country"]
            lines = gen.lines(currency, **spec["lines"])
            ship_from = spec.get("ship_from", "CN")
            seller = gen.seller(spec["seller"]) if "seller" in spec else None
            placed_at = None
            if "placed" in spec:
                placed_at = gen.placed_at(date=dt.date.fromisoformat(spec["placed"]["date"]),
                                          offset=spec["placed"]["offset"])
            if seller is None:
                seller = gen.seller(gen.rng.choice(gen.cat["scenarios"]["non_eu_sellers"]))
                ship_from = "HK" if seller["country"] == "HK" else ship_from
            placed_at = placed_at or gen.placed_at(spec.get("period") or gen.period(0.85))
            postal = spec.get("postal_code") or gen.postcode(country)
            buyer = gen.buyer(country)
            out.append(order(spec["group"], placed_at=placed_at, currency=currency,
                             seller=seller, ship_from=ship_from, country=country,
                             postal_code=postal, buyer=buyer, lines=lines,
                             shipping=gen.shipping(currency),
                             prices_include_vat=spec.get("prices_include_vat")))
    return out


def build(cat: dict) -> list[dict]:
    verify_vat_numbers(cat)
    gen = Gen(cat)
    items = (eu_stocked(gen) + b2b(gen) + exemptions(gen) + special_territories(gen)
             + offline(gen) + non_eu(gen))
    items = eu_imports(gen, cat["total"] - len(items)) + items
    number_in_payment_order(items, gen.rng)
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "examples" / "orders.jsonl")
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE)
    args = parser.parse_args()
    cat = load_catalogue(args.catalogue)
    items = build(cat)
    text = "".join(validated_lines(cat, items))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8", newline="\n")
    print(f"{len(items)} orders written to {args.out}\n\nBy group:")
    for group, n in Counter(item["group"] for item in items).most_common():
        print(f"  {n:4d}  {group}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
