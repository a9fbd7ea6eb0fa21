"""Replaying a committed order (``levy replay``, :meth:`levy.ledger.store.Ledger.replay`).

The engine quotes the stored order again with the ECB rates the decision recorded, and the two
decisions are compared path by path; the stored amount rows must add up to the stored totals.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from levy.engine import Engine
from levy.fx import EcbRates, recorded_legs
from levy.ledger.amounts import from_minor
from levy.ledger.errors import UnknownOrder
from levy.ledger.records import ReplayResult
from levy.ledger.schema import decision_charges, decision_lines, decisions, orders


class Replaying:
    """The replay of :class:`levy.ledger.store.Ledger` (which provides ``engine`` and ``_read``)."""

    engine: Engine
    _read: Callable[[], Connection]

    def replay(self, order_id: str, *, engine: Engine | None = None) -> ReplayResult:
        """Re-run the engine on the stored order and compare with the stored decision.

        The engine quotes with the ECB rates the decision recorded (``facts.threshold.fx_legs``
        and the customs-rate legs of its duties and fees, ``facts.charge_fx_legs``, pinned over
        the engine's history), so rates imported since (``levy fx import``, a
        same-day correction by the ECB) do not make a sound decision look different; the rates
        and rules of ``rates/`` are the engine's own, so a change there does show.

        Args:
            order_id: the committed order.
            engine: the engine to replay with (default: the ledger's).

        Raises:
            UnknownOrder: no such order.
        """
        with self._read() as conn:
            row = conn.execute(
                select(orders.c.payload, orders.c.minor_units, decisions.c.decision_json,
                       decisions.c.net_total_minor, decisions.c.vat_total_minor, decisions.c.gross_total_minor)
                .join(decisions, decisions.c.order_id == orders.c.order_id).where(orders.c.order_id == order_id)
            ).one_or_none()
            if row is None:
                raise UnknownOrder(order_id, "UNKNOWN_ORDER", f"order {order_id} is not in the ledger",
                                   rule="replay reads a committed order")
            sums = conn.execute(
                select(func.sum(decision_lines.c.net_minor), func.sum(decision_lines.c.vat_minor),
                       func.sum(decision_lines.c.gross_minor)).where(decision_lines.c.order_id == order_id)
            ).one()
            charge_sums = dict(conn.execute(
                select(decision_charges.c.kind, func.sum(decision_charges.c.gross_minor))
                .where(decision_charges.c.order_id == order_id).group_by(decision_charges.c.kind)
            ).all())
        payload = json.loads(row.payload)
        payload.pop("payment", None)
        stored = json.loads(row.decision_json)
        replayed = json.loads(_pinned(engine or self.engine, stored).quote(payload).model_dump_json())
        versions = ("engine_version", "rates_version")
        differences = [
            d for d in _diff(stored, replayed)
            if d["path"] not in ("facts.engine_version", "facts.rates_version")
        ]
        problems = []
        # the amount rows must add up to the stored totals (they are what reports will sum)
        for name, got, want in zip(("net", "vat", "gross"), sums,
                                   (row.net_total_minor, row.vat_total_minor, row.gross_total_minor)):
            if int(got or 0) != want:
                problems.append(f"amount rows' {name} sum {from_minor(int(got or 0), row.minor_units)} "
                                f"!= decision {name}_total {from_minor(want, row.minor_units)}")
        # the duty and fee rows must add up to the stored decision's totals (contract v1.1)
        for kind, total in (("duty", "duty_total"), ("fee", "fee_total")):
            got = from_minor(int(charge_sums.get(kind) or 0), row.minor_units)
            want = Decimal(stored.get(total, "0"))
            if got != want:
                problems.append(f"{kind} rows' gross sum {got} != decision {total} {want}")
        return ReplayResult(
            order_id, differences,
            {k: stored["facts"][k] for k in versions}, {k: replayed["facts"][k] for k in versions},
            not problems, problems,
        )


def _pinned(engine: Engine, decision: Mapping[str, Any]) -> Engine:
    """``engine`` with the FX legs ``decision`` recorded pinned over its ECB history (the rest of
    the engine, its ratebook included, shared: nothing is reloaded)."""
    legs = recorded_legs(decision)
    if not legs:
        return engine
    replaying = copy.copy(engine)
    replaying.fx = EcbRates.pinned(legs, base=engine.fx)
    return replaying


def _diff(stored: Any, replayed: Any, path: str = "") -> list[dict[str, Any]]:
    """Paths where two JSON values differ (dotted, list indexes as numbers)."""
    if isinstance(stored, dict) and isinstance(replayed, dict):
        out = []
        for key in list(stored) + [k for k in replayed if k not in stored]:
            out += _diff(stored.get(key), replayed.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(stored, list) and isinstance(replayed, list) and len(stored) == len(replayed):
        out = []
        for i, (a, b) in enumerate(zip(stored, replayed)):
            out += _diff(a, b, f"{path}.{i}")
        return out
    if stored != replayed:
        return [{"path": path, "stored": stored, "replayed": replayed}]
    return []


__all__ = ["Replaying"]
