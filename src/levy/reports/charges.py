"""Customs duties and fees of a return period, in a file of their own (contract v1.1, issue 12).

The EU flat duty (Council Regulation (EU) 2026/382) is customs debt: the declarant pays it at
import (Union Customs Code Art. 77), not through the IOSS VAT return; fees are owed to whoever the
law names. So they are never summed into a scheme's return: ``levy report`` writes them to
``CHARGES-P.csv`` beside the returns, one row per (kind, code, country, currency) of the orders
paid in the month (the same orders, by ``orders.paid_on``, as the returns), amounts as exact
decimals in the order currency. Refunds of charges are not netted here (a refund returns them
outside the goods' VAT base; see README). The VAT on them (``vat``) is also declared in the
scheme's return, with the goods (``levy.ledger.charge_vat``, Art. 78(a)).

Columns: ``kind`` (``duty``/``fee``), ``code``, ``country``, ``currency``, ``orders``,
``charges`` (rows: tariff lines for the duty), ``net`` (the customs debt or fee), ``vat`` (the
VAT the law puts on the recharge, ``rates/charge_vat.csv``), ``gross``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, func, select

from levy.ledger.amounts import from_minor
from levy.ledger.schema import decision_charges, orders
from levy.reports.schema import last_day, months_of, period_end
from levy.reports.writers import table_csv

COLUMNS = ["kind", "code", "country", "currency", "orders", "charges", "net", "vat", "gross"]


def charges_table(conn: Connection, period: str) -> pd.DataFrame:
    """The period's (month or quarter) duties and fees summed per (kind, code, country,
    currency), exact decimals.

    >>> from sqlalchemy import create_engine
    >>> from levy.ledger.schema import metadata
    >>> db = create_engine("sqlite://"); metadata.create_all(db)
    >>> with db.connect() as conn:
    ...     len(charges_table(conn, "2026-Q3")), len(charges_table(conn, "2026-09"))
    (0, 0)
    """
    first = period_end(months_of(period)[0]).replace(day=1)
    last = last_day(period)
    c = decision_charges.c
    query = (
        select(c.kind, c.code, c.country, orders.c.currency, orders.c.minor_units,
               func.count(func.distinct(c.order_id)), func.count(), func.sum(c.net_minor),
               func.sum(c.vat_minor), func.sum(c.gross_minor))
        .select_from(decision_charges.join(orders, orders.c.order_id == c.order_id))
        .where(orders.c.paid_on >= first, orders.c.paid_on <= last)
        .group_by(c.kind, c.code, c.country, orders.c.currency, orders.c.minor_units)
        .order_by(c.kind, c.code, c.country, orders.c.currency)
    )
    rows = []
    for kind, code, country, currency, digits, n_orders, n, net, vat, gross in conn.execute(query):
        rows.append([kind, code, country, currency, int(n_orders), int(n),
                     *(from_minor(int(v), digits) for v in (net, vat, gross))])
    return pd.DataFrame(rows, columns=COLUMNS).astype({"orders": "int64", "charges": "int64"})


def write_charges(table: pd.DataFrame, period: str, out: Path | str) -> Path:
    """Write ``CHARGES-P.csv`` into ``out`` (created if needed)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"CHARGES-{period}.csv"
    path.write_text(table_csv(table), encoding="utf-8")
    return path


def total(table: pd.DataFrame, column: str = "gross") -> Decimal:
    return sum(table[column], Decimal(0))


__all__ = ["COLUMNS", "charges_table", "write_charges", "total"]
