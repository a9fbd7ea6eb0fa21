"""Ledger queries for the monthly returns (collection lines and the ledger's own totals).

The IOSS return (VAT Directive Art. 369t) declares, per country of consumption and rate, the
supplies whose VAT became chargeable in the month, that is those whose payment the platform
accepted in it (Art. 66a), and corrects earlier months for the refunds recorded since
(Art. 369t(2)). This module reads both from the ledger, in minor units, with SQL that runs the
same on SQLite and PostgreSQL:

* :meth:`LedgerQueries.collection_lines`: the report's input (``levy.reports.schema``).
  **Sales**: orders x decisions x decision lines of the orders the platform collects
  (``decisions.collect``) whose payment date ``orders.paid_on`` (``payment.accepted_at``'s
  calendar date in its own offset) falls in the month, one row per order and rate.
  **Refunds**: refund lines whose refund date ``refunds.refunded_on`` falls in the month, one
  row per refund and rate, negated, with ``original_period`` the month the order was paid in;
* :meth:`LedgerQueries.totals` and :meth:`LedgerQueries.order_totals`: the ledger's own sums
  per (scheme, original period, country, rate, currency), with the distinct orders paid, and
  per order (what ``levy.reports.reconcile`` checks the report against);
* :meth:`LedgerQueries.unbalanced`: orders and refunds whose amount rows do not add up to the
  totals the ledger recorded for them (the decision's ``net_total``/``vat_total``, the refund's
  ``net``/``vat``). The report and the totals above both sum amount rows, so a row changed
  behind the ledger's back (its triggers refuse UPDATE, but a superuser can drop them) would
  move both alike: this check is what catches it.

Rows at a 0 % rate (the tax base, documented in README "Monthly reports"):

* a **line** at 0 % is a zero-rated supply (books in Ireland or the UK, children's clothing,
  food): it is reported, at rate ``0``, with its taxable amount and no VAT, in every scheme.
  Art. 369t asks for the value of the supplies "broken down by rate" and a zero rate is a
  rate; for the UK return zero-rated sales belong in the total sales box anyway;
* a **shipping** row at 0 % is reported only when goods of the same order are zero-rated too
  (shipping follows the goods, contract): it is then the zero-rated share of the transport.
  Otherwise the charge was left out of the tax base (Malaysia's LVG sales tax is levied on the
  goods' value without transport and insurance, ``levy.regimes.my_lvg``): it is not a taxable
  amount at any rate and is left out of the lines, of the totals and of refunds alike.

Every query of one report runs in one read transaction (:func:`reading`, repeatable read on
PostgreSQL, a WAL snapshot on SQLite), so orders committed while a report runs change neither
its lines nor the totals it is checked against.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, String, and_, exists, func, literal, not_, or_, select
from sqlalchemy.orm import aliased

from levy.ledger import charge_vat
from levy.ledger.schema import decision_lines, decisions, orders, refund_lines, refunds
from levy.reports.schema import LINE_COLUMNS, ReportError, period_end

if TYPE_CHECKING:  # pragma: no cover
    from levy.ledger.store import Ledger

GROUP = ("scheme", "original_period", "tax_country", "rate_percent", "currency")
"""The grain of the ledger's totals (``levy.reports.reconcile.GROUP``)."""
CHUNK_ROWS = 200_000
"""Collection lines per chunk when they are streamed out of the database."""
ZERO_RATE = "0"
"""How the contract (and ``decision_lines.rate_percent``) writes a 0 % rate."""


def month_bounds(period: str) -> tuple[date, date]:
    """``"2026-09"`` -> (2026-09-01, 2026-09-30): the first and last day, both inclusive."""
    end = period_end(period)  # ReportError for anything but YYYY-MM
    return end.replace(day=1), end


@contextmanager
def reading(ledger: Ledger) -> Iterator[LedgerQueries]:
    """The queries of one report or export, in one consistent read transaction.

    Args:
        ledger: an open :class:`levy.ledger.store.Ledger`.
    """
    conn = ledger.db.connect()
    try:
        if conn.dialect.name == "postgresql":
            # READ COMMITTED would let each statement see the commits made since the first.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        else:
            conn = conn.execution_options(levy_read=True)  # BEGIN (deferred), not IMMEDIATE
        with conn.begin():
            yield LedgerQueries(conn)
    finally:
        conn.close()


class LedgerQueries:
    """The report's queries over one connection (see :func:`reading`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    # ---- building blocks ----------------------------------------------------------------------

    def _month_of(self, column):
        """``YYYY-MM`` of a date column, in SQL."""
        if self.dialect == "postgresql":
            return func.to_char(column, "YYYY-MM", type_=String)
        return func.substr(column, 1, 7, type_=String)  # SQLite keeps dates as ISO text

    @staticmethod
    def _in_base(row):
        """SQL: the amount row belongs to the tax base (module docstring: a 0 % shipping row
        belongs only when goods of its order are zero-rated too)."""
        goods = aliased(decision_lines)
        zero_rated_goods = exists(
            select(literal(1)).where(
                goods.c.order_id == row.c.order_id,
                goods.c.kind == "line",
                goods.c.rate_percent == ZERO_RATE,
            )
        )
        return not_(
            and_(row.c.kind == "shipping", row.c.rate_percent == ZERO_RATE, not_(zero_rated_goods))
        )

    def _collected(self, dl) -> list:
        """Amount rows of orders the platform collects on, inside the tax base."""
        return [decisions.c.collect.is_(True), decisions.c.scheme.is_not(None), self._in_base(dl)]

    @staticmethod
    def _in_group(dl, group: Mapping[str, str]) -> list:
        """Rows of one report group: scheme, tax country, rate and order currency."""
        return [
            decisions.c.scheme == group["scheme"],
            decisions.c.tax_country == group["tax_country"],
            dl.c.rate_percent == group["rate_percent"],
            orders.c.currency == group["currency"],
        ]

    def _sales(self, period: str, group: Mapping[str, str] | None = None):
        """Per order and rate: the collected orders paid in ``period``."""
        first, last = month_bounds(period)
        dl = decision_lines
        conditions = [*self._collected(dl), orders.c.paid_on >= first, orders.c.paid_on <= last]
        if group is not None:
            if group["original_period"] != period:
                return None  # sales of the period are their own original period
            conditions += self._in_group(dl, group)
        return (
            select(
                decisions.c.scheme.label("scheme"),
                literal(period, String).label("period"),
                literal(period, String).label("original_period"),
                literal("sale", String).label("kind"),
                decisions.c.tax_country.label("tax_country"),
                dl.c.rate_percent.label("rate_percent"),
                orders.c.currency.label("currency"),
                orders.c.order_id.label("order_id"),
                func.sum(dl.c.net_minor).label("net_minor"),
                func.sum(dl.c.vat_minor).label("vat_minor"),
            )
            .select_from(
                dl.join(orders, orders.c.order_id == dl.c.order_id).join(
                    decisions, decisions.c.order_id == dl.c.order_id
                )
            )
            .where(*conditions)
            .group_by(
                decisions.c.scheme,
                decisions.c.tax_country,
                orders.c.currency,
                orders.c.order_id,
                dl.c.rate_percent,
            )
        )

    def _refunds(self, period: str, group: Mapping[str, str] | None = None):
        """Per refund and rate: the refunds recorded in ``period`` (positive here; negated by
        the callers), with the month their order was paid in."""
        first, last = month_bounds(period)
        dl, rl = decision_lines, refund_lines
        original = self._month_of(orders.c.paid_on)
        conditions = [*self._collected(dl), refunds.c.refunded_on >= first, refunds.c.refunded_on <= last]
        if group is not None:
            conditions += [*self._in_group(dl, group), original == group["original_period"]]
        return (
            select(
                decisions.c.scheme.label("scheme"),
                literal(period, String).label("period"),
                original.label("original_period"),
                literal("refund", String).label("kind"),
                decisions.c.tax_country.label("tax_country"),
                dl.c.rate_percent.label("rate_percent"),
                orders.c.currency.label("currency"),
                orders.c.order_id.label("order_id"),
                func.sum(rl.c.net_minor).label("net_minor"),
                func.sum(rl.c.vat_minor).label("vat_minor"),
                refunds.c.refund_id.label("refund_id"),
            )
            .select_from(
                rl.join(refunds, refunds.c.refund_id == rl.c.refund_id)
                .join(dl, dl.c.id == rl.c.decision_line_id)
                .join(orders, orders.c.order_id == refunds.c.order_id)
                .join(decisions, decisions.c.order_id == refunds.c.order_id)
            )
            .where(*conditions)
            .group_by(
                decisions.c.scheme,
                decisions.c.tax_country,
                orders.c.currency,
                orders.c.order_id,
                orders.c.paid_on,
                refunds.c.refund_id,
                dl.c.rate_percent,
            )
        )

    # ---- collection lines ---------------------------------------------------------------------

    def count_lines(self, period: str) -> int:
        """How many collection lines :meth:`collection_lines` yields for ``period``."""
        total = 0
        for query in (self._sales(period), self._refunds(period)):
            total += self.conn.execute(
                select(func.count()).select_from(query.subquery())
            ).scalar_one()
        return int(total)

    def count_orders(self, period: str) -> int:
        """How many collected orders were paid in ``period`` (each once, whatever its rates)."""
        first, last = month_bounds(period)
        query = (
            select(func.count(func.distinct(orders.c.order_id)))
            .select_from(orders.join(decisions, decisions.c.order_id == orders.c.order_id))
            .where(
                decisions.c.collect.is_(True),
                decisions.c.scheme.is_not(None),
                orders.c.paid_on >= first,
                orders.c.paid_on <= last,
            )
        )
        return int(self.conn.execute(query).scalar_one())

    def collection_lines(
        self,
        period: str,
        *,
        group: Mapping[str, str] | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> Iterator[pd.DataFrame]:
        """The month's collection lines, in chunks of at most ``chunk_rows`` (sales, then
        refunds, each ordered by order id and rate): columns ``LINE_COLUMNS``, amounts int64,
        refunds negative.

        Args:
            period: ``YYYY-MM``.
            group: only the lines of one ``GROUP`` (to explain a difference).
            chunk_rows: lines per chunk (the database streams them).
        """
        sales = self._sales(period, group)
        queries = [(sales, 1)] if sales is not None else []
        queries.append((self._refunds(period, group), -1))
        for query, sign in queries:
            # The VAT on recharged duties and fees joins the row of its order (or refund) and
            # rate (``levy.ledger.charge_vat``): the grain stays one row per order and rate.
            pending = self._charge_amounts(period, sign, group)
            ordered = query.order_by(
                "order_id", "rate_percent", *(["refund_id"] if sign < 0 else [])
            )
            result = self.conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(
                ordered
            )
            for rows in result.partitions(chunk_rows):
                keys = [(r.refund_id if sign < 0 else r.order_id, r.rate_percent) for r in rows]
                frame = pd.DataFrame(
                    [tuple(r)[: len(LINE_COLUMNS)] for r in rows], columns=list(LINE_COLUMNS)
                )
                frame = frame.astype({"net_minor": "int64", "vat_minor": "int64"})
                if pending:
                    extra = [pending.pop(k, (None, 0, 0)) for k in keys]
                    frame["net_minor"] += [e[1] for e in extra]
                    frame["vat_minor"] += [e[2] for e in extra]
                if sign < 0:
                    frame["net_minor"] = -frame["net_minor"]
                    frame["vat_minor"] = -frame["vat_minor"]
                yield frame
            if pending and sign > 0:  # cannot happen: a charge's rate is one of its goods' rates
                raise ReportError(f"charge VAT of {sorted(pending)[:5]} found no sale row of "
                                  "its order at its rate")
            if pending:  # a full refund that gave back only charges (the goods went before)
                yield pd.DataFrame([row for row, _net, _vat in pending.values()],
                                   columns=list(LINE_COLUMNS))

    def _charge_amounts(self, period: str, sign: int, group: Mapping[str, str] | None) -> dict:
        """Charge VAT rows of the month, by (order id, rate) for sales or (refund id, rate) for
        refunds: ``(collection line with amounts negated as the sign asks, net, vat)``."""
        first, last = month_bounds(period)
        frame = (charge_vat.sold(self.conn, period, first, last) if sign > 0
                 else charge_vat.refunded(self.conn, first, last))
        if group is not None:
            for column in GROUP:
                frame = frame[frame[column] == group[column]]
        kind = "sale" if sign > 0 else "refund"
        out = {}
        for r in frame.itertuples(index=False):
            line = (r.scheme, period, r.original_period, kind, r.tax_country, r.rate_percent,
                    r.currency, r.order_id, sign * int(r.net_minor), sign * int(r.vat_minor))
            out[(r.refund_id if sign < 0 else r.order_id, r.rate_percent)] = (
                line, int(r.net_minor), int(r.vat_minor))
        return out

    # ---- the ledger's own totals --------------------------------------------------------------

    def totals(self, period: str) -> pd.DataFrame:
        """The ledger's sums for the month, per ``GROUP``, in minor units, straight from SQL.

        Returns:
            Columns ``GROUP`` + ``net_minor, vat_minor, orders``: the sales paid in ``period``
            (``orders`` = distinct orders paid at that rate) plus the refunds recorded in it
            (negative; ``orders`` 0), summed per group.
        """
        first, last = month_bounds(period)
        dl, rl = decision_lines, refund_lines
        key = (decisions.c.scheme, decisions.c.tax_country, dl.c.rate_percent, orders.c.currency)
        sold = (
            select(
                *key,
                func.sum(dl.c.net_minor),
                func.sum(dl.c.vat_minor),
                func.count(func.distinct(orders.c.order_id)),
            )
            .select_from(
                dl.join(orders, orders.c.order_id == dl.c.order_id).join(
                    decisions, decisions.c.order_id == dl.c.order_id
                )
            )
            .where(
                decisions.c.collect.is_(True),
                decisions.c.scheme.is_not(None),
                orders.c.paid_on >= first,
                orders.c.paid_on <= last,
                self._in_base(dl),
            )
            .group_by(*key)
        )
        original = self._month_of(orders.c.paid_on)
        refunded = (
            select(*key, original, func.sum(rl.c.net_minor), func.sum(rl.c.vat_minor))
            .select_from(
                rl.join(refunds, refunds.c.refund_id == rl.c.refund_id)
                .join(dl, dl.c.id == rl.c.decision_line_id)
                .join(orders, orders.c.order_id == refunds.c.order_id)
                .join(decisions, decisions.c.order_id == refunds.c.order_id)
            )
            .where(
                decisions.c.collect.is_(True),
                decisions.c.scheme.is_not(None),
                refunds.c.refunded_on >= first,
                refunds.c.refunded_on <= last,
                self._in_base(dl),
            )
            .group_by(*key, original)
        )
        rows = [
            (scheme, period, country, rate, cur, int(net), int(vat), int(n))
            for scheme, country, rate, cur, net, vat, n in self.conn.execute(sold)
        ] + [
            (scheme, month, country, rate, cur, -int(net), -int(vat), 0)
            for scheme, country, rate, cur, month, net, vat in self.conn.execute(refunded)
        ]
        rows += [(r.scheme, r.original_period, r.tax_country, r.rate_percent, r.currency,
                  sign * int(r.net_minor), sign * int(r.vat_minor), 0)
                 for sign, charged in ((1, charge_vat.sold(self.conn, period, first, last)),
                                       (-1, charge_vat.refunded(self.conn, first, last)))
                 for r in charged.itertuples(index=False)]  # VAT on duties and fees
        frame = pd.DataFrame(rows, columns=list(GROUP) + ["net_minor", "vat_minor", "orders"])
        frame = frame.astype({"net_minor": "int64", "vat_minor": "int64", "orders": "int64"})
        return (
            frame.groupby(list(GROUP), sort=True)[["net_minor", "vat_minor", "orders"]]
            .sum()
            .reset_index()
        )

    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame:
        """Per order, what :meth:`totals` added up for one group: columns ``order_id,
        net_minor, vat_minor`` (a sale and its refunds of the same month on one row)."""
        frames = list(self.collection_lines(period, group=group))
        lines = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=list(LINE_COLUMNS))
        )
        return _per_order(lines, ["order_id"])

    def group_order_totals(self, period: str) -> pd.DataFrame:
        """:meth:`order_totals` of every group at once (the export's snapshot): columns
        ``GROUP`` + ``order_id, net_minor, vat_minor``."""
        frames = list(self.collection_lines(period))
        lines = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=list(LINE_COLUMNS))
        )
        return _per_order(lines, [*GROUP, "order_id"])

    # ---- integrity ----------------------------------------------------------------------------

    def unbalanced(self, period: str) -> pd.DataFrame:
        """Orders paid in ``period`` (collected) whose amount rows do not add up to their
        decision's totals, and refunds recorded in it whose rows do not add up to the refund.

        Returns:
            Columns ``order_id, refund_id`` (``None`` for an order), ``scheme``, ``currency``,
            ``rows_net, rows_vat`` (the sums of the rows), ``recorded_net, recorded_vat``;
            empty when everything adds up.
        """
        first, last = month_bounds(period)
        dl, rl = decision_lines, refund_lines
        row_net = func.coalesce(func.sum(dl.c.net_minor), 0)
        row_vat = func.coalesce(func.sum(dl.c.vat_minor), 0)
        sales = (
            select(
                orders.c.order_id,
                literal(None, String),
                decisions.c.scheme,
                orders.c.currency,
                row_net,
                row_vat,
                decisions.c.net_total_minor,
                decisions.c.vat_total_minor,
            )
            .select_from(
                orders.join(decisions, decisions.c.order_id == orders.c.order_id).outerjoin(
                    dl, dl.c.order_id == orders.c.order_id
                )
            )
            .where(
                decisions.c.collect.is_(True), orders.c.paid_on >= first, orders.c.paid_on <= last
            )
            .group_by(
                orders.c.order_id,
                decisions.c.scheme,
                orders.c.currency,
                decisions.c.net_total_minor,
                decisions.c.vat_total_minor,
            )
            .having(
                or_(row_net != decisions.c.net_total_minor, row_vat != decisions.c.vat_total_minor)
            )
        )
        ref_net = func.coalesce(func.sum(rl.c.net_minor), 0)
        ref_vat = func.coalesce(func.sum(rl.c.vat_minor), 0)
        back = (
            select(
                refunds.c.order_id,
                refunds.c.refund_id,
                decisions.c.scheme,
                orders.c.currency,
                ref_net,
                ref_vat,
                refunds.c.net_minor,
                refunds.c.vat_minor,
            )
            .select_from(
                refunds.join(orders, orders.c.order_id == refunds.c.order_id)
                .join(decisions, decisions.c.order_id == refunds.c.order_id)
                .outerjoin(rl, rl.c.refund_id == refunds.c.refund_id)
            )
            .where(
                decisions.c.collect.is_(True),
                refunds.c.refunded_on >= first,
                refunds.c.refunded_on <= last,
            )
            .group_by(
                refunds.c.order_id,
                refunds.c.refund_id,
                decisions.c.scheme,
                orders.c.currency,
                refunds.c.net_minor,
                refunds.c.vat_minor,
            )
            .having(or_(ref_net != refunds.c.net_minor, ref_vat != refunds.c.vat_minor))
        )
        rows = [tuple(r) for query in (sales, back) for r in self.conn.execute(query)]
        columns = [
            "order_id",
            "refund_id",
            "scheme",
            "currency",
            "rows_net",
            "rows_vat",
            "recorded_net",
            "recorded_vat",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        for column in columns[4:]:
            frame[column] = frame[column].astype("int64")
        return frame.sort_values(["order_id", "refund_id"], na_position="first").reset_index(
            drop=True
        )


def _per_order(lines: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum lines per ``keys`` (amounts int64, sorted)."""
    if lines.empty:
        frame = pd.DataFrame(columns=[*keys, "net_minor", "vat_minor"])
        return frame.astype({"net_minor": "int64", "vat_minor": "int64"})
    work = lines[[*keys, "net_minor", "vat_minor"]].astype(
        {"net_minor": "int64", "vat_minor": "int64"}
    )
    return work.groupby(keys, sort=True)[["net_minor", "vat_minor"]].sum().reset_index()


__all__ = ["CHUNK_ROWS", "GROUP", "LedgerQueries", "month_bounds", "reading"]
