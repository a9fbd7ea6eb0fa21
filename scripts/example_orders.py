"""Building blocks of the example batch: the catalogue files and the seeded random choices.

``scripts/make_examples.py`` drives them. Everything it draws goes through one
``random.Random(seed)`` in a fixed order, so the order of the calls below IS the output: moving a
call (or a row of a catalogue file) changes ``examples/orders.jsonl``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from levy.models import Order
from levy.money import quantize_minor

CATALOGUE = Path(__file__).resolve().parent.parent / "examples" / "catalogue"


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def load_catalogue(folder: Path = CATALOGUE) -> dict:
    """mix.json and scenarios.json, plus the CSV tables, in file order (the order matters)."""

    def _rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    data = json.loads((folder / "mix.json").read_text(encoding="utf-8"))
    data["scenarios"] = json.loads((folder / "scenarios.json").read_text(encoding="utf-8"))
    data["products"] = [
        (r["sku_prefix"], r["name"], r["category"], _number(r["eur_low"]),
         _number(r["eur_high"]), tuple(r["variants"].split()))
        for r in _rows("products.csv")]
    data["postcodes"] = {}
    for r in _rows("postcodes.csv"):
        data["postcodes"].setdefault(r["destination"], []).append(r["postal_code"])
    data["per_eur"] = {r["currency"]: _number(r["approx_per_eur"]) for r in _rows("currencies.csv")}
    data["vat_numbers"] = [(r["group"], r["as_typed"], r["destination"])
                           for r in _rows("vat_numbers.csv")]
    data["exemptions"] = _rows("exemptions.csv")
    data["special_territories"] = _rows("special_territories.csv")
    return data


def verify_vat_numbers(cat: dict) -> None:
    """Stop unless every buyer VAT number is what vat_numbers.csv says it is."""
    prefix = cat["vat_prefix"]
    eu_prefixes = {prefix.get(cc, cc) for cc in cat["eu_member_states"]}
    problems = []
    for kind, number, dest in cat["vat_numbers"]:
        compact = "".join(ch for ch in number if ch.isalnum()).upper()
        typed_prefix = compact[:2] in eu_prefixes
        full = compact if typed_prefix else prefix.get(dest, dest) + compact
        own = full[:2] == prefix.get(dest, dest)
        if kind == "b2b_valid" and not (eu_vat.is_valid(full) and own):
            problems.append(f"{number!r} is not a valid VAT number of {dest}")
        elif kind == "b2b_other_state" and not (typed_prefix and eu_vat.is_valid(full) and not own):
            problems.append(f"{number!r} is not a valid VAT number of a state other than {dest}")
        elif kind == "b2b_invalid":
            try:
                eu_vat.validate(full)
                problems.append(f"{number!r} passes stdnum but is listed as b2b_invalid")
            except InvalidChecksum:
                pass
            except StdnumError as exc:
                problems.append(f"{number!r} fails for another reason than its checksum: {exc}")
    if problems:
        raise SystemExit("vat_numbers.csv: VAT number check failed:\n  " + "\n  ".join(problems))


def money(amount: Decimal, currency: str) -> str:
    """A decimal string with exactly the currency's ISO 4217 minor units ("12.50", JPY "1980")."""
    return str(quantize_minor(amount, currency))


class Gen:
    """All random choices go through one ``random.Random(seed)``, in a fixed order."""

    def __init__(self, cat: dict) -> None:
        self.cat = cat
        self.per_eur = cat["per_eur"]
        self.rng = random.Random(cat["seed"])
        self.sellers = self._make_sellers()
        self.buyers_by_country: dict[str, list[str]] = {}
        self.used_buyer_ids: set[str] = set()

    def _make_sellers(self) -> dict[str, list[dict]]:
        sellers: dict[str, list[dict]] = {}
        used: set[str] = set()
        for country, n in self.cat["sellers_per_country"].items():
            sellers[country] = []
            while len(sellers[country]) < n:
                sid = f"S-{self.rng.randint(1000000, 2999999)}"
                if sid not in used:
                    used.add(sid)
                    sellers[country].append({"id": sid, "country": country})
        return sellers

    def seller(self, country: str) -> dict:
        return dict(self.rng.choice(self.sellers[country]))

    def buyer(self, country: str, repeat_ok: bool = True) -> dict:
        rng = self.rng
        known = self.buyers_by_country.setdefault(country, [])
        if repeat_ok and known and rng.random() < 0.12:
            return {"id": rng.choice(known)}
        while True:
            bid = f"B-{rng.randint(100000, 9999999)}"
            if bid not in self.used_buyer_ids:
                self.used_buyer_ids.add(bid)
                known.append(bid)
                return {"id": bid}

    def postcode(self, key: str) -> str:
        return self.rng.choice(self.cat["postcodes"][key])

    def placed_at(self, period: str = "recent", *, date: dt.date | None = None,
                  hour: int | None = None, offset: str | None = None) -> str:
        rng = self.rng
        if date is None:
            lo, hi = (dt.date.fromisoformat(d) for d in self.cat[period])
            date = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
        if hour is None:
            hour = rng.choices(range(24), weights=self.cat["hour_weights"])[0]
        if offset is None:
            offsets = self.cat["offset_weights"]
            offset = rng.choices(list(offsets), weights=list(offsets.values()))[0]
        t = dt.time(hour, rng.randint(0, 59), rng.randint(0, 59))
        return f"{date.isoformat()}T{t.isoformat()}{offset}"

    def period(self, recent_share: float = 0.74) -> str:
        return "recent" if self.rng.random() < recent_share else "historic"

    def nice_price(self, eur: float, currency: str) -> Decimal:
        """A shop-like price (3.99, 24.90, 349.00, 4990.00, 1980) near ``eur`` in ``currency``."""
        rng = self.rng
        v = eur * self.per_eur[currency]
        if currency in ("JPY", "HUF"):
            if v >= 1000:
                p = math.ceil(v / 100) * 100 - (20 if currency == "JPY" else 10)
            else:
                p = max(98, math.ceil(v / 10) * 10 - (2 if currency == "JPY" else 1))
            return Decimal(p)
        if currency in ("CZK", "SEK", "NOK", "DKK", "CNY"):
            whole = max(9, math.ceil(v))
            ending = rng.choice(("9", "9.90", "0", "5"))
            if ending in ("9", "9.90"):
                whole = whole - whole % 10 + 9
                return Decimal(str(whole - 9)) + Decimal(ending)
            if ending == "5":
                return Decimal(whole - whole % 5 + 5)
            return Decimal(whole)
        whole = math.floor(v)
        cents = rng.choice(("0.99", "0.90", "0.50", "0.00", "0.49", "0.95", "0.99", "0.90"))
        p = Decimal(whole) + Decimal(cents)
        return p if p >= Decimal("0.49") else Decimal("0.99")

    def shipping(self, currency: str, free_share: float = 0.42) -> Decimal:
        rng = self.rng
        if rng.random() < free_share:
            return Decimal(0)
        eur = rng.choice((1.99, 2.99, 3.50, 4.99, 5.00, 6.99, 7.50, 9.99, 12.00, 14.99))
        if currency == "JPY":
            return Decimal(rng.choice((300, 500, 800, 1200, 1500, 2000)))
        if currency == "EUR":
            return Decimal(str(eur)).quantize(Decimal("0.01"))
        return self.nice_price(min(eur, 13.5), currency)

    def line(self, currency: str, category: str, *, min_eur: float = 0, max_eur: float = 1e9,
             quantity: int | None = None, wholesale: bool = False) -> dict:
        rng = self.rng
        prefix, _name, cat, lo, hi, variants = rng.choice(
            [p for p in self.cat["products"] if p[2] == category and p[4] > min_eur
             and p[3] < max_eur])
        eur = rng.uniform(max(lo, min_eur), min(hi, max_eur))
        price = self.nice_price(eur, currency)
        if quantity is None:
            if wholesale:
                quantity = rng.choice((10, 12, 20, 24, 30, 50, 100) if eur < 15 else (2, 3, 5, 10))
            elif eur < 8:
                quantity = rng.choices((1, 2, 3, 4, 5), weights=(45, 25, 15, 8, 7))[0]
            elif eur < 40:
                quantity = rng.choices((1, 2, 3), weights=(75, 20, 5))[0]
            else:
                quantity = 1
        sku = f"{prefix}-{rng.randint(1000, 9999)}-{rng.choice(variants)}"
        return {"sku": sku, "quantity": quantity, "unit_price": price, "category": cat}

    def lines(self, currency: str, *, n: int | None = None, above: float | None = None,
              below: float | None = None, limit_currency: str = "EUR", per_item: bool = False,
              categories: dict | None = None, force: list = (), wholesale: bool = False,
              max_item_eur: float | None = None) -> list[dict]:
        """1 to 5 lines; ``below``/``above`` keep the goods value (or, with ``per_item``, the
        dearest unit) clear of a limit stated in ``limit_currency`` (at most 92 %, at least
        108 % of it). ``force`` lines come first (before shuffling)."""
        rng = self.rng
        weights = categories or self.cat["category_weights"]
        if max_item_eur is None:
            max_item_eur = below * 0.85 / self.per_eur[limit_currency] if below else 1e9
        for _attempt in range(2000):
            count = n or rng.choices((1, 2, 3, 4, 5), weights=(46, 25, 15, 9, 5))[0]
            out = [self.line(currency, cat, wholesale=wholesale, **kw) for cat, kw in force]
            while len(out) < count:
                cat = rng.choices(list(weights), weights=list(weights.values()))[0]
                out.append(self.line(currency, cat, wholesale=wholesale, max_eur=max_item_eur))
            if len({ln["sku"] for ln in out}) != len(out):
                continue
            if per_item:
                metric = max(ln["unit_price"] for ln in out)
            else:
                metric = sum(ln["unit_price"] * ln["quantity"] for ln in out)
            metric_lim = float(metric) / self.per_eur[currency] * self.per_eur[limit_currency]
            if below is not None and metric_lim > below * 0.92:
                continue
            if above is not None and metric_lim < above * 1.08:
                continue
            rng.shuffle(out)
            return out
        raise SystemExit(f"could not build lines in {currency} (above={above}, below={below})")

    def weighted(self, weights: dict[str, int], dest: str = "") -> str:
        """One key drawn by weight; "LOCAL" stands for the destination's own currency (EUR)."""
        local = self.cat["local_currency"].get(dest, "EUR")
        keys = [local if k == "LOCAL" else k for k in weights]
        return self.rng.choices(keys, weights=list(weights.values()))[0]

    def eu_currency(self, dest: str) -> str:
        if dest in self.cat["local_currency"]:
            return self.weighted(self.cat["eu_currency_weights_with_local"], dest)
        return self.weighted(self.cat["eu_currency_weights"])

    def import_origin(self) -> tuple[dict, str]:
        """Seller and dispatch country of an import into the EU (a few EU sellers import from
        their Chinese suppliers: EU-CN)."""
        kind = self.weighted(self.cat["import_origin_weights"])
        if kind == "CN-HK":
            return self.seller("CN"), "HK"
        if kind == "EU-CN":
            return self.seller(self.rng.choice(("DE", "PL"))), "CN"
        return self.seller(kind), kind


def order(group: str, *, placed_at: str, currency: str, seller: dict, ship_from: str,
          country: str, postal_code: str, buyer: dict, lines: list[dict],
          shipping: Decimal | None, channel: str | None = "online",
          prices_include_vat: bool | None = None) -> dict:
    """One order in the contract's field order; ``group`` is kept aside for the summary only."""
    o: dict = {"order_id": None, "placed_at": placed_at}
    if channel is not None:
        o["channel"] = channel
    o |= {"currency": currency, "seller": seller, "ship_from": ship_from,
          "ship_to": {"country": country, "postal_code": postal_code}, "buyer": buyer}
    o["lines"] = [{"sku": ln["sku"], "quantity": ln["quantity"],
                   "unit_price": money(ln["unit_price"], currency), "category": ln["category"]}
                  for ln in lines]
    if shipping is not None:
        o["shipping"] = money(shipping, currency)
    if prices_include_vat is not None:
        o["prices_include_vat"] = prices_include_vat
    return {"group": group, "order": o}


def number_in_payment_order(items: list[dict], rng: random.Random) -> None:
    """Sort as the payments were accepted and give order numbers that rise with time within
    each year, with gaps (other orders of the platform in between)."""
    items.sort(key=lambda it: dt.datetime.fromisoformat(it["order"]["placed_at"])
               .astimezone(dt.UTC))
    counters: dict[str, int] = {}
    for item in items:
        year = item["order"]["placed_at"][:4]
        if year not in counters:
            counters[year] = rng.randint(1000, 9000)
        counters[year] += rng.randint(1, 2400)
        item["order"]["order_id"] = f"AE-{year}-{counters[year]:06d}"


def validated_lines(cat: dict, items: list[dict]) -> list[str]:
    """Each order as its JSON line, after ``levy.models.Order`` accepted it; stops at a problem."""
    out = []
    for item in items:
        text = json.dumps(item["order"], ensure_ascii=False, separators=(",", ":"))
        try:
            Order.model_validate_json(text)
        except ValidationError as exc:
            raise SystemExit(f"order {item['order']['order_id']} ({item['group']}) is not a "
                             f"valid levy order:\n{exc}") from None
        out.append(text + "\n")
    orders = [item["order"] for item in items]
    dupes = [k for k, n in Counter(o["order_id"] for o in orders).items() if n > 1]
    missing = set(cat["eu_member_states"]) - {o["ship_to"]["country"] for o in orders}
    if dupes or missing or len(orders) != cat["total"]:
        raise SystemExit(f"batch: {len(orders)} orders (want {cat['total']}), duplicate ids "
                         f"{dupes}, member states without an order {sorted(missing)}")
    return out
