"""The VAT on recharged duties and fees, as amount rows of the return (issue 12).

The duty itself is customs debt (Union Customs Code Art. 77) and stays out of every VAT return
(``levy.reports.charges`` writes it to ``CHARGES-P.csv``). The VAT the platform collects on
recharging it is VAT on its own supply: VAT Directive Art. 78(a) puts "taxes, duties, levies and
charges" into the taxable amount of the goods (``rates/charge_vat.csv``). So the return declares,
per country of consumption and rate, the charge's **net** as taxable amount and its **VAT**,
folded into the order's sale row at that rate (the grain stays one row per order and rate,
``levy.reports.schema``).

* **Rate**: a charge is taxed at the rates of the goods it covers (its SKUs' decision lines,
  ``levy.landed.charge_vat``). Over one rate, all of it goes to that rate; over several, the net
  is shared in proportion to the goods' nets at each rate and the VAT in proportion to each
  share's VAT at its rate, both by largest remainder, so the shares add up to the cent.
* Charges that carry no VAT (``vat=none``, or a platform that collects none) are no taxable
  amount of the return and are left out, like a shipping row outside the base.
* **Refunds** (Art. 369t(2), Art. 90): a full refund (``refunds.mode = 'full'``) returns what is
  left of the payment, duties and fees with their VAT included (``outside_base_minor``), so it
  reverses every charge's net and VAT in the month it is recorded, on that refund's row.
  Refunds of an amount or of lines return goods only (``levy.ledger.amounts``): the duty stays
  due and its VAT unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import Connection, String, func, select

from levy.ledger.schema import decision_charges, decision_lines, decisions, orders, refunds
from levy.reports.schema import ReportError

COLUMNS = ["scheme", "original_period", "tax_country", "rate_percent", "currency", "order_id",
           "refund_id", "net_minor", "vat_minor"]
"""One charge-VAT amount row per order (or refund) and rate."""


class ChargeWithoutGoods(ReportError):
    """A charge with VAT names no goods line of its order (its rate cannot be known)."""


def _month(conn: Connection, column):
    if conn.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM", type_=String)
    return func.substr(column, 1, 7, type_=String)


def _largest_remainder(total: int, weights: list[Decimal]) -> list[int]:
    """Share ``total`` minor units in proportion to ``weights`` (sum of shares == total)."""
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        return [total] + [0] * (len(weights) - 1)
    sign = -1 if total < 0 else 1
    exact = [abs(total) * w / weight_sum for w in weights]
    shares = [int(e) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: abs(total) - sum(shares)]:
        shares[i] += 1
    return [sign * s for s in shares]


def split_by_rate(net: int, vat: int, goods: dict[str, int]) -> list[tuple[str, int, int]]:
    """``(rate_percent, net, vat)`` shares of one charge over its goods' rates (module doc).

    >>> split_by_rate(300, 57, {"19": 10000})
    [('19', 300, 57)]
    >>> split_by_rate(300, 42, {"19": 5000, "7": 5000})
    [('19', 150, 31), ('7', 150, 11)]
    """
    rates = sorted(goods)
    if len(rates) == 1:
        return [(rates[0], net, vat)]
    nets = _largest_remainder(net, [Decimal(goods[r]) for r in rates])
    vats = _largest_remainder(vat, [Decimal(n) * Decimal(r) for n, r in zip(nets, rates)])
    return [(r, n, v) for r, n, v in zip(rates, nets, vats) if n or v]


def _rows(conn: Connection, charged, keys: list) -> pd.DataFrame:
    """Split the charges of the ``charged`` query (which selects ``keys`` then the charge's
    order id, SKUs, net and VAT) by rate, summed per key and rate."""
    charges = conn.execute(charged).all()
    if not charges:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c.endswith("_minor") else object)
                             for c in COLUMNS})
    order_ids = sorted({row.order_id for row in charges})
    goods: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    dl = decision_lines.c
    for start in range(0, len(order_ids), 500):  # bound the IN list
        for oid, sku, rate, net in conn.execute(
            select(dl.order_id, dl.sku, dl.rate_percent, dl.net_minor)
            .where(dl.kind == "line", dl.order_id.in_(order_ids[start:start + 500]))
        ):
            by_rate = goods[oid].setdefault(sku, {})
            by_rate[rate] = by_rate.get(rate, 0) + int(net)
    summed: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for row in charges:
        covered: dict[str, int] = defaultdict(int)
        for sku in row.skus.split(";"):
            for rate, net in goods[row.order_id].get(sku, {}).items():
                covered[rate] += net
        if not covered:
            raise ChargeWithoutGoods(
                f"order {row.order_id}: charge {row.code} with VAT covers SKUs {row.skus!r} that "
                "match no goods line of the order, so the rate of its VAT is unknown")
        for rate, net, vat in split_by_rate(int(row.net_minor), int(row.vat_minor), covered):
            key = (*(getattr(row, k) for k in keys), row.order_id, rate)
            summed[key][0] += net
            summed[key][1] += vat
    names = [k for k in COLUMNS if k not in ("net_minor", "vat_minor", "rate_percent")]
    frame = pd.DataFrame(
        [dict(zip([*keys, "order_id", "rate_percent"], key), net_minor=n, vat_minor=v)
         for key, (n, v) in summed.items()])
    for name in names:
        if name not in frame:
            frame[name] = None
    return frame[COLUMNS].astype({"net_minor": "int64", "vat_minor": "int64"})


def _charge_columns():
    c = decision_charges.c
    return [c.order_id, c.code, c.skus, c.net_minor, c.vat_minor]


def sold(conn: Connection, period: str, first: date, last: date) -> pd.DataFrame:
    """Charge VAT of the collected orders paid in ``[first, last]`` (positive), per order and
    rate; ``original_period`` is ``period``."""
    c = decision_charges.c
    query = (
        select(decisions.c.scheme, decisions.c.tax_country, orders.c.currency, *_charge_columns())
        .select_from(decision_charges.join(orders, orders.c.order_id == c.order_id)
                     .join(decisions, decisions.c.order_id == c.order_id))
        .where(decisions.c.collect.is_(True), decisions.c.scheme.is_not(None), c.vat_minor != 0,
               orders.c.paid_on >= first, orders.c.paid_on <= last)
        .order_by(c.order_id, c.position)
    )
    frame = _rows(conn, query, ["scheme", "tax_country", "currency"])
    frame["original_period"] = period
    return frame


def refunded(conn: Connection, first: date, last: date) -> pd.DataFrame:
    """Charge VAT given back by the full refunds recorded in ``[first, last]`` (positive here,
    negated by the callers), per refund and rate, with the month the order was paid in."""
    c = decision_charges.c
    query = (
        select(decisions.c.scheme, decisions.c.tax_country, orders.c.currency,
               _month(conn, orders.c.paid_on).label("original_period"), refunds.c.refund_id,
               *_charge_columns())
        .select_from(refunds.join(decision_charges, c.order_id == refunds.c.order_id)
                     .join(orders, orders.c.order_id == refunds.c.order_id)
                     .join(decisions, decisions.c.order_id == refunds.c.order_id))
        .where(decisions.c.collect.is_(True), decisions.c.scheme.is_not(None), c.vat_minor != 0,
               refunds.c.mode == "full", refunds.c.refunded_on >= first,
               refunds.c.refunded_on <= last)
        .order_by(refunds.c.refund_id, c.position)
    )
    return _rows(conn, query, ["scheme", "tax_country", "currency", "original_period",
                               "refund_id"])


__all__ = ["COLUMNS", "ChargeWithoutGoods", "refunded", "sold", "split_by_rate"]
