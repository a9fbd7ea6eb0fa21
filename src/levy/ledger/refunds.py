"""Life-cycle events and refunds of committed orders (``levy event``, ``levy refund``).

An event follows the platform's escrow life cycle (:mod:`levy.ledger.lifecycle`); a refund is
split between net and VAT at the original rates (:mod:`levy.ledger.amounts`) and corrects the
VAT collected (VAT Directive Art. 90); idempotent on ``refund_id``. PostgreSQL locks the order's
row (``SELECT ... FOR UPDATE``) for both; SQLite's ``BEGIN IMMEDIATE`` holds the write lock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy import Engine as DbEngine
from sqlalchemy.exc import IntegrityError, OperationalError

from levy.ledger import lifecycle
from levy.ledger.amounts import Component, from_minor, plan_amount, plan_full, plan_lines, to_minor
from levy.ledger.db import RETRIES, now, retryable
from levy.ledger.errors import LedgerError, RefundRefused, UnknownOrder
from levy.ledger.payments import default_book, platform_of, refund_to_tenders
from levy.ledger.records import Result, canonical_json, sha256_hex
from levy.ledger.schema import (
    decision_lines,
    events,
    orders,
    payment_tenders,
    payments,
    refund_lines,
    refund_tenders,
    refunds,
)


class Correcting:
    """Events and refunds of :class:`levy.ledger.store.Ledger` (which provides ``db``)."""

    db: DbEngine

    def _lock_order(self, conn: Connection, order_id: str):
        row = conn.execute(
            select(orders.c.order_id, orders.c.status, orders.c.currency, orders.c.minor_units,
                   orders.c.paid_at).where(orders.c.order_id == order_id).with_for_update()
        ).one_or_none()
        if row is None:
            raise UnknownOrder(order_id, "UNKNOWN_ORDER",
                               f"order {order_id} is not in the ledger (commit it first: levy commit)",
                               rule="events and refunds follow a committed order")
        return row

    @staticmethod
    def _terms(conn: Connection, order_id: str, at: datetime):
        """The order's platform rules on ``at``'s date (``rates/platforms/``)."""
        payload = conn.execute(select(orders.c.payload).where(orders.c.order_id == order_id)).scalar_one()
        return default_book().terms(platform_of(payload), at.date())

    @staticmethod
    def _log(conn: Connection, order_id: str) -> list[lifecycle.Logged]:
        return [lifecycle.Logged(k, at) for k, at in conn.execute(
            select(events.c.kind, events.c.at).where(events.c.order_id == order_id).order_by(events.c.seq)
        )]

    @staticmethod
    def _append_event(conn: Connection, order_id: str, seq: int, kind: str, at: datetime,
                      status: str, details: dict[str, Any] | None = None) -> None:
        conn.execute(events.insert(), {
            "order_id": order_id, "seq": seq, "kind": kind, "at": at, "recorded_at": now(),
            "details": canonical_json({**(details or {}), "order_status": status}),
        })
        conn.execute(update(orders).where(orders.c.order_id == order_id).values(status=status))

    def event(self, order_id: str, kind: str, at: datetime | None = None) -> Result:
        """Record a life-cycle event (``shipped``, ``completed``, ``dispute``, ``closed``).

        Raises:
            UnknownOrder, LifecycleRefused: naming the order and the rule.
        """
        at = _aware(at or now(), "--at")
        for attempt in range(RETRIES):
            try:
                with self.db.begin() as conn:
                    order = self._lock_order(conn, order_id)
                    log = self._log(conn, order_id)
                    logged_kind = lifecycle.EVENTS.get(kind, kind)
                    if lifecycle.is_repeat(log, logged_kind, at):
                        return Result(order_id, "unchanged", {
                            "order_id": order_id, "status": "unchanged", "event": kind, "at": at.isoformat(),
                            "order_status": order.status,
                            "message": f"order {order_id}: {kind} at {at.isoformat()} is already the latest event",
                        })
                    status = lifecycle.next_status(order_id, order.status, log, kind, at,
                                                   self._terms(conn, order_id, at))
                    self._append_event(conn, order_id, len(log) + 1, logged_kind, at, status)
                return Result(order_id, "recorded", {
                    "order_id": order_id, "status": "recorded", "event": kind, "at": at.isoformat(),
                    "order_status": status,
                })
            except (IntegrityError, OperationalError) as exc:
                if attempt + 1 < RETRIES and (isinstance(exc, IntegrityError) or retryable(exc)):
                    continue  # another process appended first: read the log again
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    # ---- refunds ------------------------------------------------------------------------------

    def refund(
        self, order_id: str, refund_id: str, *, full: bool = False, amount: Decimal | str | None = None,
        lines: Mapping[str, int] | None = None, at: datetime | None = None,
    ) -> Result:
        """Refund in full, a gross amount, or units of lines; split between net and VAT at the
        original rates. Idempotent on ``refund_id``.

        Raises:
            UnknownOrder, RefundRefused: naming the order and the rule.
        """
        modes = [m for m, given in (("full", full), ("amount", amount is not None), ("lines", bool(lines))) if given]
        if len(modes) != 1:
            raise RefundRefused(order_id, "REFUND_MODE", f"order {order_id}: give exactly one of --full, "
                                "--amount or --lines", rule="one refund mode")
        if not refund_id or len(refund_id) > 64 or not refund_id.isprintable():
            raise RefundRefused(order_id, "REFUND_ID", f"order {order_id}: --refund-id must be 1 to 64 "
                                "printable characters", rule="refund ids")
        mode = modes[0]
        request: dict[str, Any] = {"order_id": order_id, "mode": mode}
        if mode == "amount":
            try:
                amount = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
            except ArithmeticError:
                amount = None
            if amount is None or not amount.is_finite() or amount <= 0:
                raise RefundRefused(order_id, "REFUND_AMOUNT", f"order {order_id}: --amount must be a "
                                    "decimal number > 0 in the order's currency",
                                    rule="refund amounts are in the order's currency")
            request["amount"] = str(amount)
        elif mode == "lines":
            wanted = {}
            for sku, qty in lines.items():
                if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                    raise RefundRefused(order_id, "REFUND_QUANTITY", f"order {order_id}: quantity of "
                                        f"{sku!r} must be a whole number >= 1, got {qty!r}",
                                        rule="a line refund returns whole units")
                wanted[sku] = qty
            request["lines"] = dict(sorted(wanted.items()))
        request_json = canonical_json(request)
        digest = sha256_hex(request_json)
        at = _aware(at or now(), "--at")
        for attempt in range(RETRIES):
            try:
                with self.db.begin() as conn:
                    done = conn.execute(select(refunds).where(refunds.c.refund_id == refund_id)).one_or_none()
                    if done is not None:
                        return self._refund_again(conn, done, order_id, refund_id, digest)
                    order = self._lock_order(conn, order_id)
                    return self._refund_new(conn, order, refund_id, mode, request, request_json, digest, at)
            except (IntegrityError, OperationalError) as exc:
                if attempt + 1 < RETRIES and (isinstance(exc, IntegrityError) or retryable(exc)):
                    continue  # the same refund id (or an event) was written concurrently: look again
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _refund_again(self, conn: Connection, done, order_id: str, refund_id: str, digest: str) -> Result:
        if done.request_sha256 != digest:
            raise RefundRefused(
                order_id, "REFUND_CONFLICT",
                f"refund {refund_id} was already recorded with another request ({done.request}); "
                "a refund id names one refund",
                rule="idempotent on refund_id", stored_request=json.loads(done.request),
            )
        body = self._refund_body(conn, refund_id)
        body.update(status="unchanged", message=f"refund {refund_id} is already recorded: nothing changed")
        return Result(order_id, "unchanged", body)

    def _components(self, conn: Connection, order_id: str) -> list[Component]:
        refunded = (
            select(refund_lines.c.decision_line_id,
                   func.sum(refund_lines.c.net_minor).label("net"),
                   func.sum(refund_lines.c.vat_minor).label("vat"),
                   func.sum(refund_lines.c.gross_minor).label("gross"),
                   func.sum(func.coalesce(refund_lines.c.quantity, 0)).label("qty"))
            .join(refunds, refunds.c.refund_id == refund_lines.c.refund_id)
            .where(refunds.c.order_id == order_id)
            .group_by(refund_lines.c.decision_line_id)
        )
        taken = {r.decision_line_id: r for r in conn.execute(refunded)}
        out = []
        for r in conn.execute(select(decision_lines).where(decision_lines.c.order_id == order_id)
                              .order_by(decision_lines.c.position)):
            t = taken.get(r.id)
            out.append(Component(
                r.id, r.kind, r.sku, r.quantity, r.rate_percent, r.net_minor, r.vat_minor, r.gross_minor,
                int(t.net) if t else 0, int(t.vat) if t else 0, int(t.gross) if t else 0, int(t.qty) if t else 0,
            ))
        return out

    def _refund_new(self, conn: Connection, order, refund_id: str, mode: str, request: dict,
                    request_json: str, digest: str, at: datetime) -> Result:
        order_id, cur, digits = order.order_id, order.currency, order.minor_units
        log = self._log(conn, order_id)
        lifecycle.check_refund(order_id, order.status, log, at, self._terms(conn, order_id, at))
        components = self._components(conn, order_id)
        paid = conn.execute(select(payments.c.amount_minor).where(payments.c.order_id == order_id)).scalar_one()
        refunded_before = int(conn.execute(  # PostgreSQL sums integers as NUMERIC (a Decimal): back to int
            select(func.coalesce(func.sum(refunds.c.amount_minor), 0)).where(refunds.c.order_id == order_id)
        ).scalar_one())
        if mode == "full":
            shares = plan_full(components)
            amount = paid - refunded_before
        elif mode == "amount":
            value = Decimal(request["amount"])
            if not value.is_finite() or value <= 0 or -value.as_tuple().exponent > digits:
                raise RefundRefused(order_id, "REFUND_AMOUNT", f"order {order_id}: --amount must be a decimal "
                                    f"> 0 with at most {digits} decimals for {cur}, got {request['amount']}",
                                    rule="refund amounts are in the order's currency")
            shares = plan_amount(order_id, components, to_minor(value, digits), cur, digits)
            amount = sum(s.gross for s in shares)
        else:
            shares = plan_lines(order_id, components, request["lines"])
            amount = sum(s.gross for s in shares)
        goods = sum(s.gross for s in shares)
        if amount <= 0 and not shares:
            raise RefundRefused(order_id, "NOTHING_TO_REFUND",
                                f"order {order_id}: nothing is left to refund", rule="refunds never exceed what was paid")
        if refunded_before + amount > paid:
            raise RefundRefused(
                order_id, "REFUND_EXCEEDS_PAID",
                f"order {order_id}: refund of {from_minor(amount, digits)} {cur} would bring the refunds "
                f"to {from_minor(refunded_before + amount, digits)} {cur}, more than the "
                f"{from_minor(paid, digits)} {cur} paid",
                rule="refunds never exceed what was paid", paid=str(from_minor(paid, digits)),
                refunded=str(from_minor(refunded_before, digits)), requested=str(from_minor(amount, digits)),
                currency=cur,
            )
        net = sum(s.net for s in shares)
        vat = sum(s.vat for s in shares)
        conn.execute(refunds.insert(), {
            "refund_id": refund_id, "order_id": order_id, "mode": mode, "request": request_json,
            "request_sha256": digest, "at": at, "refunded_on": at.date(), "amount_minor": amount,
            "net_minor": net, "vat_minor": vat, "outside_base_minor": amount - goods, "recorded_at": now(),
        })
        if shares:
            conn.execute(refund_lines.insert(), [
                {"refund_id": refund_id, "decision_line_id": s.component.id, "quantity": s.quantity,
                 "net_minor": s.net, "vat_minor": s.vat, "gross_minor": s.gross}
                for s in shares
            ])
        left = sum(c.rem_gross for c in components) - goods
        self._refund_tenders(conn, order_id, refund_id, amount)
        status = lifecycle.after_refund(order.status, fully_refunded=left == 0, log=log)
        self._append_event(conn, order_id, len(log) + 1, "refunded", at, status, {
            "refund_id": refund_id, "mode": mode, "amount": str(from_minor(amount, digits)),
            "vat": str(from_minor(vat, digits)),
        })
        body = self._refund_body(conn, refund_id)
        body["status"] = "recorded"
        return Result(order_id, "recorded", body)

    @staticmethod
    def _refund_tenders(conn: Connection, order_id: str, refund_id: str, amount: int) -> None:
        """The refund goes back to the payment's tenders in proportion to what each paid."""
        tenders = conn.execute(
            select(payment_tenders.c.position, payment_tenders.c.method, payment_tenders.c.amount_minor)
            .where(payment_tenders.c.order_id == order_id).order_by(payment_tenders.c.position)
        ).all()
        taken = dict(conn.execute(
            select(refund_tenders.c.position, func.sum(refund_tenders.c.amount_minor))
            .join(refunds, refunds.c.refund_id == refund_tenders.c.refund_id)
            .where(refunds.c.order_id == order_id).group_by(refund_tenders.c.position)
        ).all())
        parts = refund_to_tenders([t.amount_minor for t in tenders],
                                  [int(taken.get(t.position, 0)) for t in tenders], amount)
        conn.execute(refund_tenders.insert(), [
            {"refund_id": refund_id, "position": t.position, "method": t.method, "amount_minor": part}
            for t, part in zip(tenders, parts)
        ])

    def _refund_body(self, conn: Connection, refund_id: str) -> dict[str, Any]:
        r = conn.execute(
            select(refunds, orders.c.currency, orders.c.minor_units, orders.c.status.label("order_status"))
            .join(orders, orders.c.order_id == refunds.c.order_id).where(refunds.c.refund_id == refund_id)
        ).one()
        d = r.minor_units

        def m(value: int) -> str:
            return str(from_minor(value, d))

        rows = conn.execute(
            select(refund_lines, decision_lines.c.sku, decision_lines.c.kind, decision_lines.c.rate_percent)
            .join(decision_lines, decision_lines.c.id == refund_lines.c.decision_line_id)
            .where(refund_lines.c.refund_id == refund_id).order_by(decision_lines.c.position)
        )
        totals = conn.execute(
            select(func.sum(refunds.c.amount_minor), payments.c.amount_minor)
            .join(payments, payments.c.order_id == refunds.c.order_id)
            .where(refunds.c.order_id == r.order_id).group_by(payments.c.amount_minor)
        ).one()
        return {
            "order_id": r.order_id, "refund_id": refund_id, "status": None, "mode": r.mode,
            "at": r.at.isoformat(), "currency": r.currency, "amount": m(r.amount_minor), "net": m(r.net_minor),
            "vat": m(r.vat_minor), "outside_vat_base": m(r.outside_base_minor),
            "lines": [{"sku": x.sku if x.kind == "line" else "(shipping)", "rate_percent": x.rate_percent,
                       "quantity": x.quantity, "net": m(x.net_minor), "vat": m(x.vat_minor),
                       "gross": m(x.gross_minor)} for x in rows],
            "refunded_total": m(int(totals[0])), "paid": m(totals[1]), "order_status": r.order_status,
            "tenders": [{"method": t.method, "amount": m(t.amount_minor)} for t in conn.execute(
                select(refund_tenders.c.method, refund_tenders.c.amount_minor)
                .where(refund_tenders.c.refund_id == refund_id).order_by(refund_tenders.c.position))],
        }


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise LedgerError(None, "INVALID_TIME", f"{name} {value.isoformat()} must carry its UTC offset",
                          rule="times carry their offset")
    return value



__all__ = ["Correcting"]
