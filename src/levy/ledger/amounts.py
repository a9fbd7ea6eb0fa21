"""Ledger amounts (a decision's amount rows, and refunds split at the original rates).

All arithmetic here is on integers in the currency's minor unit, with exact fractions in
between and one half-up rounding at the end of each step, so a sum of rows is always the total
it was cut from.

* :func:`amount_rows` turns a decision into one row per line plus the shipping charge cut per
  rate: the contract taxes shipping at the lines' rates pro rata to their nets and rounds its VAT
  once; the ledger shares that rounded VAT between the rates present (largest remainder) so every
  row carries a single rate, as the IOSS return reports by rate.
* :func:`plan_full`, :func:`plan_amount` and :func:`plan_lines` split a refund between net and
  VAT, per row, at the row's rate: VAT = gross x rate / (100 + rate), half-up, never more than
  what is left of the row's VAT or net; the last part of a row refunds exactly what remains.

>>> allocate(100, [1, 1, 1])
[34, 33, 33]
>>> split_gross(2675, Decimal("7"), rem_net=2500, rem_vat=175)
(2500, 175)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from math import floor, gcd, prod

from levy.ledger.errors import RefundRefused
from levy.models import Decision, Order

HUNDRED = Fraction(100)


def to_minor(amount: Decimal, digits: int) -> int:
    """``Decimal('25.00')``, 2 -> 2500. Amounts are already rounded to the minor unit.

    Exact integer arithmetic on the decimal's ratio (three times faster than ``scaleb``; the
    commit path calls it for every amount of every order).

    >>> to_minor(Decimal("25.00"), 2), to_minor(Decimal("1500"), 0), to_minor(Decimal("-0.709"), 3)
    (2500, 1500, -709)
    """
    numerator, denominator = amount.as_integer_ratio()
    scaled = numerator * 10**digits
    if scaled % denominator:
        raise ValueError(f"{amount} has more than {digits} decimals")
    return scaled // denominator


def from_minor(value: int, digits: int) -> Decimal:
    """2500, 2 -> ``Decimal('25.00')``."""
    return Decimal(value).scaleb(-digits)


def half_up(value: Fraction) -> int:
    """Round half away from zero to an integer (the contract's half-up rounding)."""
    if value >= 0:
        return floor(value + Fraction(1, 2))
    return -floor(-value + Fraction(1, 2))


def allocate(total: int, weights: Sequence[int | Fraction | Decimal]) -> list[int]:
    """Share ``total`` minor units in proportion to ``weights`` (largest remainder, ties to the
    first); equal shares when every weight is zero. The shares always sum to ``total``."""
    n = len(weights)
    if n == 0:
        return []
    if not all(type(w) is int for w in weights):
        # bring rational weights to one denominator: the shares only depend on the ratios
        fractions = [Fraction(w) for w in weights]
        denominator = 1
        for f in fractions:
            denominator = denominator * f.denominator // gcd(denominator, f.denominator)
        weights = [int(f * denominator) for f in fractions]
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights, weight_sum = [1] * n, n
    # integer arithmetic: share_i = total * w_i / W = quotient_i + remainder_i / W
    parts = [divmod(total * w, weight_sum) for w in weights]
    shares = [q for q, _ in parts]
    rest = total - sum(shares)
    if rest:
        for i in sorted(range(n), key=lambda i: (-parts[i][1], i))[:rest]:
            shares[i] += 1
    return shares


def split_gross(gross: int, rate: Decimal, *, rem_net: int, rem_vat: int) -> tuple[int, int]:
    """Split a gross refund share of one row into (net, VAT) at the row's rate.

    VAT = gross x rate / (100 + rate), rounded half-up, then kept within what is left of the
    row's VAT and net (rounding must never refund a cent the row did not charge).
    """
    if gross == rem_net + rem_vat:
        return rem_net, rem_vat
    r = Fraction(rate)
    vat = min(max(half_up(gross * r / (HUNDRED + r)), 0), rem_vat)
    net = gross - vat
    if net > rem_net:
        net, vat = rem_net, gross - rem_net
    return net, vat


# --- a decision's amount rows -----------------------------------------------------------------


@dataclass(slots=True)
class AmountRow:
    """One row of ``decision_lines`` (amounts in minor units)."""

    position: int
    kind: str
    sku: str | None
    category: str | None
    quantity: int | None
    tax_area: str | None
    rate_percent: str
    rate_valid_from: date | None
    rate_source: str | None
    net: int
    vat: int
    gross: int


def amount_rows(order: Order, decision: Decision, digits: int) -> list[AmountRow]:
    """The decision's lines, then its shipping charge cut per rate; sums equal the totals."""
    facts = {fact.category: fact for fact in decision.facts.rates} if decision.collect else {}
    tax_area = decision.facts.tax_area if decision.collect else None
    rows: list[AmountRow] = []
    for i, (line, out) in enumerate(zip(order.lines, decision.lines)):
        fact = _line_fact(facts, line)
        rows.append(AmountRow(
            i, "line", out.sku, line.category.value, line.quantity,
            fact.tax_area if fact else tax_area, out.rate_percent,
            fact.valid_from if fact else None, fact.source if fact else None,
            to_minor(out.net, digits), to_minor(out.vat, digits), to_minor(out.gross, digits),
        ))
    rows.extend(_shipping_rows(order, decision, rows, digits))
    return rows


def _line_fact(facts: dict, line):
    """The rate fact a line used: the tariff-code row (``cn:<prefix>``, longest prefix) where the
    law keyed its rate on the line's ``hs_code``, else its category's row."""
    if line.hs_code:
        for n in range(len(line.hs_code), 1, -1):
            if (fact := facts.get(f"cn:{line.hs_code[:n]}")) is not None:
                return fact
    return facts.get(line.category.value)


def _shipping_rows(order: Order, decision: Decision, lines: list[AmountRow], digits: int) -> list[AmountRow]:
    ship = decision.shipping
    net, vat, gross = (to_minor(a, digits) for a in (ship.net, ship.vat, ship.gross))
    if not (net or vat or gross):
        return []
    position = len(lines)
    # One group per rate among the lines, weighted by the lines' nets (equal when all are zero),
    # as the engine shares shipping (contract: "shipping follows the goods").
    groups: dict[str, list[AmountRow]] = {}
    weight_of: dict[str, int] = {}
    for row in lines:
        groups.setdefault(row.rate_percent, []).append(row)
        weight_of[row.rate_percent] = weight_of.get(row.rate_percent, 0) + row.net
    weights = list(weight_of.values())
    if not any(weights):
        weights = [len(rows) for rows in groups.values()]
    taxed = decision.collect and any(r != "0" for r in groups) and (
        vat != 0 or _rounds_to_zero(order, ship, [Decimal(r) for r in groups], weights, digits))
    if not taxed:
        area = decision.facts.tax_area if decision.collect else None
        return [AmountRow(position, "shipping", None, None, None, area, "0", None, None, net, vat, gross)]
    if len(groups) == 1:  # one rate: the whole charge at it
        (rate_text, rows), = groups.items()
        first = rows[0]
        return [AmountRow(position, "shipping", None, None, None, first.tax_area, rate_text,
                          first.rate_valid_from, first.rate_source, net, vat, gross)]
    # The stated charge (net, or gross when prices include VAT) is shared like the engine shares
    # it; the once-rounded VAT goes to each rate in proportion to its exact share.
    ratios = [_ratio(r) for r in groups]  # rate = n / d, exactly
    if order.prices_include_vat:
        # weight_k x r_k / (100 + r_k) = w_k n_k / (100 d_k + n_k), over one common denominator
        bases = [100 * d + n for n, d in ratios]
        common = prod(bases)
        grosses = allocate(gross, weights)
        vats = allocate(vat, [w * n * (common // b) for w, (n, _), b in zip(weights, ratios, bases)])
        nets = [g - v for g, v in zip(grosses, vats)]
    else:
        common = prod(d for _, d in ratios)
        nets = allocate(net, weights)
        vats = allocate(vat, [w * n * (common // d) for w, (n, d) in zip(weights, ratios)])
    out = []
    for k, (rate_text, rows) in enumerate(groups.items()):
        first = rows[0]
        out.append(AmountRow(
            position + k, "shipping", None, None, None, first.tax_area, rate_text,
            first.rate_valid_from, first.rate_source, nets[k], vats[k], nets[k] + vats[k],
        ))
    return out


@lru_cache(maxsize=512)
def _ratio(rate_text: str) -> tuple[int, int]:
    """A rate as an exact integer ratio: ``"25.5"`` -> (51, 2)."""
    return Decimal(rate_text).as_integer_ratio()


def _rounds_to_zero(order: Order, ship, rates: list[Decimal], weights: list[int], digits: int) -> bool:
    """Whether shipping taxed at these rates would carry VAT that rounds to zero (a few cents of
    transport), as opposed to shipping outside the tax base."""
    base = ship.gross if order.prices_include_vat else ship.net
    total = sum(weights)
    per_unit = sum(
        (Fraction(w) * Fraction(r) / ((HUNDRED + Fraction(r)) if order.prices_include_vat else HUNDRED)
         for w, r in zip(weights, rates)),
        Fraction(0),
    ) / total
    return half_up(Fraction(base) * per_unit * 10**digits) == 0


# --- refunds ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Component:
    """An amount row with what earlier refunds took from it (minor units)."""

    id: int
    kind: str
    sku: str | None
    quantity: int | None
    rate_percent: str
    net: int
    vat: int
    gross: int
    refunded_net: int = 0
    refunded_vat: int = 0
    refunded_gross: int = 0
    refunded_quantity: int = 0

    @property
    def rem_net(self) -> int:
        return self.net - self.refunded_net

    @property
    def rem_vat(self) -> int:
        return self.vat - self.refunded_vat

    @property
    def rem_gross(self) -> int:
        return self.gross - self.refunded_gross

    @property
    def rem_quantity(self) -> int | None:
        return None if self.quantity is None else self.quantity - self.refunded_quantity


@dataclass(slots=True)
class Share:
    """A refund's share of one component."""

    component: Component
    quantity: int | None
    net: int
    vat: int

    @property
    def gross(self) -> int:
        return self.net + self.vat


def plan_full(components: Sequence[Component]) -> list[Share]:
    """Everything that remains of every row (units included)."""
    return [Share(c, c.rem_quantity or None, c.rem_net, c.rem_vat) for c in components if c.rem_gross or c.rem_net]


def plan_amount(order_id: str, components: Sequence[Component], amount: int, currency: str, digits: int) -> list[Share]:
    """A gross amount shared pro rata to what remains of each row, then split at its rate.

    Raises:
        RefundRefused: the amount is more than what remains refundable of the goods and shipping.
    """
    remaining = sum(c.rem_gross for c in components)
    if amount > remaining:
        raise RefundRefused(
            order_id, "REFUND_EXCEEDS_REMAINING",
            f"order {order_id}: refund of {from_minor(amount, digits)} {currency} is more than the "
            f"{from_minor(remaining, digits)} {currency} of goods and shipping not yet refunded "
            "(the payment fee is returned only with --full)",
            rule="refunds never exceed what was paid", requested=str(from_minor(amount, digits)),
            remaining=str(from_minor(remaining, digits)), currency=currency,
        )
    live = [c for c in components if c.rem_gross > 0]
    shares = allocate(amount, [c.rem_gross for c in live])
    out = []
    for c, gross in zip(live, shares):
        if gross:
            net, vat = split_gross(gross, Decimal(c.rate_percent), rem_net=c.rem_net, rem_vat=c.rem_vat)
            out.append(Share(c, None, net, vat))
    return out


def plan_lines(order_id: str, components: Sequence[Component], wanted: Mapping[str, int]) -> list[Share]:
    """Units of lines by SKU; each unit refunds its share of the line's gross (the last units
    what remains), split at the line's rate. Several lines with one SKU are taken in order.

    Raises:
        RefundRefused: unknown SKU, or more units than remain unrefunded.
    """
    lines = [c for c in components if c.kind == "line"]
    out: list[Share] = []
    for sku, qty in wanted.items():
        matching = [c for c in lines if c.sku == sku]
        if not matching:
            raise RefundRefused(
                order_id, "UNKNOWN_SKU",
                f"order {order_id} has no line with SKU {sku!r}; its SKUs: "
                f"{', '.join(dict.fromkeys(c.sku for c in lines))}",
                rule="a line refund names SKUs of the order", sku=sku,
            )
        left = sum(c.rem_quantity for c in matching)
        if qty > left:
            raise RefundRefused(
                order_id, "REFUND_QUANTITY_EXCEEDED",
                f"order {order_id}: refund of {qty} x {sku} but only {left} of "
                f"{sum(c.quantity for c in matching)} units remain unrefunded",
                rule="a line refund never returns more units than were bought", sku=sku,
                requested=qty, remaining=left,
            )
        for c in matching:
            take = min(qty, c.rem_quantity)
            if take <= 0:
                continue
            qty -= take
            if take == c.rem_quantity:
                net, vat = c.rem_net, c.rem_vat
            else:
                gross = min(half_up(Fraction(c.gross * take, c.quantity)), c.rem_gross)
                net, vat = split_gross(gross, Decimal(c.rate_percent), rem_net=c.rem_net, rem_vat=c.rem_vat)
            out.append(Share(c, take, net, vat))
    return out


__all__ = [
    "AmountRow",
    "Component",
    "Share",
    "allocate",
    "amount_rows",
    "from_minor",
    "half_up",
    "plan_amount",
    "plan_full",
    "plan_lines",
    "split_gross",
    "to_minor",
]
