"""The ledger (what was actually collected: paid orders, their life cycle and refunds).

``Ledger(url)`` opens (and migrates, :mod:`levy.ledger.db`) a database and offers the library
API under the ``levy commit | event | refund | replay | totals`` commands. Its parts, one module
each along the seams of the work:

* :meth:`Ledger.commit` (:mod:`levy.ledger.commit`) quotes each order with the engine, applies
  the platform's payment rules and records the paid order with its decision, its facts, its
  amount rows, its payment and its first events, idempotent on ``order_id``, in crash-safe chunks;
* :meth:`Ledger.event` and :meth:`Ledger.refund` (:mod:`levy.ledger.refunds`) follow the escrow
  life cycle and split refunds between net and VAT at the original rates;
* :meth:`Ledger.replay` (:mod:`levy.ledger.replay`) re-runs the engine on the stored order;
* :meth:`Ledger.totals`, :meth:`Ledger.counts` and :meth:`Ledger.status` (here) read what is stored.

SQLite runs in WAL mode with ``synchronous=FULL`` and ``BEGIN IMMEDIATE`` write transactions;
PostgreSQL locks an order's row (``SELECT ... FOR UPDATE``) for events and refunds.

>>> import tempfile
>>> paid = {"order_id": "DOC-1", "placed_at": "2026-09-14T10:00:00+02:00", "currency": "EUR",
...         "seller": {"id": "S-1", "country": "CN"}, "ship_from": "CN",
...         "ship_to": {"country": "DE", "postal_code": "10115"}, "buyer": {"id": "B-1"},
...         "lines": [{"sku": "MUG-1", "quantity": 1, "unit_price": "18.90", "category": "general"}],
...         "shipping": "0.00", "payment": {"method": "paypal", "amount": "26.84", "currency": "EUR",
...                                         "accepted_at": "2026-09-14T10:05:00+02:00"}}
>>> with tempfile.TemporaryDirectory() as tmp, Ledger(f"{tmp}/ledger.db") as ledger:
...     [(r.status, r.body["vat_total"]) for r in ledger.commit([paid])]
[('recorded', '3.59')]
"""

from __future__ import annotations

from sqlalchemy import func, select

from levy.engine import Engine
from levy.ledger.amounts import from_minor
from levy.ledger.commit import CHUNK_SIZE, Bulk, Committing
from levy.ledger.db import DEFAULT_URL, make_engine, resolve_url, upgrade
from levy.ledger.errors import UnknownOrder
from levy.ledger.records import PaidOrder, ReplayResult, Result, TotalsRow
from levy.ledger.refunds import Correcting
from levy.ledger.replay import Replaying
from levy.ledger.schema import (
    decision_lines,
    decisions,
    events,
    orders,
    payments,
    refund_lines,
    refunds,
    metadata,
)


class Ledger(Committing, Correcting, Replaying):
    """A ledger database, migrated to the newest schema when opened.

    Args:
        url: SQLAlchemy URL or SQLite path (default ``LEVY_DATABASE_URL`` or ``levy.db``).
        engine: the quoting engine (default: a new :class:`levy.Engine`, built on first use).
    """

    def __init__(self, url: str | None = None, *, engine: Engine | None = None) -> None:
        self.url = resolve_url(url)
        self.db = make_engine(self.url)
        upgrade(self.db)
        self._engine = engine
        self._sqlite = self.db.dialect.name == "sqlite"
        self._bulk = Bulk(self.db.dialect.name, "qmark" if self._sqlite else "format")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine()
        return self._engine

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _read(self):
        """A read-only connection (SQLite: a deferred transaction that blocks no writer)."""
        return self.db.connect().execution_options(levy_read=True)

    # ---- queries ------------------------------------------------------------------------------

    def totals(self) -> list[TotalsRow]:
        """Charged, refunded and collected amounts by (tax country, scheme, currency)."""
        key = (decisions.c.tax_country, decisions.c.scheme, orders.c.currency, orders.c.minor_units)
        charged = (
            select(*key, func.count().label("n"),
                   func.sum(decisions.c.net_total_minor), func.sum(decisions.c.vat_total_minor),
                   func.sum(decisions.c.gross_total_minor), func.sum(payments.c.fee_minor),
                   func.sum(payments.c.amount_minor))
            .select_from(orders.join(decisions, decisions.c.order_id == orders.c.order_id)
                         .join(payments, payments.c.order_id == orders.c.order_id))
            .group_by(*key)
        )
        refunded = (
            select(*key, func.sum(refunds.c.amount_minor), func.sum(refunds.c.net_minor),
                   func.sum(refunds.c.vat_minor))
            .select_from(refunds.join(orders, orders.c.order_id == refunds.c.order_id)
                         .join(decisions, decisions.c.order_id == orders.c.order_id))
            .group_by(*key)
        )
        with self._read() as conn:
            back = {tuple(r[:4]): r[4:] for r in conn.execute(refunded)}
            out = []
            for r in conn.execute(charged):
                country, scheme, cur, d = r[:4]
                n, net, vat, gross, fees, paid = r[4:]
                ref = back.get((country, scheme, cur, d), (0, 0, 0))
                m = [from_minor(int(v or 0), d) for v in (net, vat, gross, fees, paid, *ref)]
                out.append(TotalsRow(country, scheme, cur, n, *m))
        out.sort(key=lambda t: (t.tax_country is None, t.tax_country or "", t.scheme or "", t.currency))
        return out

    def counts(self) -> dict[str, int]:
        """Rows per table (for checks and tests)."""
        with self._read() as conn:
            return {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables
            }

    def status(self, order_id: str) -> str:
        """The order's current life-cycle state."""
        with self._read() as conn:
            value = conn.execute(select(orders.c.status).where(orders.c.order_id == order_id)).scalar_one_or_none()
        if value is None:
            raise UnknownOrder(order_id, "UNKNOWN_ORDER", f"order {order_id} is not in the ledger",
                               rule="a committed order")
        return value


__all__ = [
    "CHUNK_SIZE", "DEFAULT_URL", "Ledger", "PaidOrder", "ReplayResult", "Result", "TotalsRow", "make_engine",
    "resolve_url",
]
