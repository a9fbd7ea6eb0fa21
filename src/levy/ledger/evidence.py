"""Evidence about buyers' VAT numbers in the ledger (the ``vies_checks`` table).

An order decided ``B2B_VALID_VAT_NUMBER`` was left untaxed because its buyer gave a VAT number
that passed its checksum; only the member state's register, through VIES, says the number is
really registered (Implementing Regulation 282/2011 Art. 18(1)(a)). ``levy vies sweep`` records
each answer here, append-only, with its consultation number; ``levy vies report`` reads the
latest definite answer (``valid`` or ``invalid``) for each order's number. ``unknown`` answers
are kept as the record of the attempt and never count as evidence either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import orjson
from sqlalchemy import Engine, func, insert, select

from levy.identifiers import check_vat_number
from levy.ledger.schema import decisions, orders, vies_checks

B2B_REASON = "B2B_VALID_VAT_NUMBER"
DEFINITE = ("valid", "invalid")


@dataclass(frozen=True, slots=True)
class B2bOrder:
    """A committed order decided B2B, with its buyer's number as the ledger stored it."""

    order_id: str
    vat_number: str
    """Compact, with its prefix as VIES writes it (``EL`` for Greece) when it is an EU number."""
    destination: str
    placed_on: date
    paid_on: date
    payload: dict


@dataclass(frozen=True, slots=True)
class Evidence:
    """One stored VIES answer."""

    vat_number: str
    state: str
    checked_at: datetime
    consultation_number: str | None
    name: str | None
    error: str | None


def b2b_orders(db: Engine, *, paid_from: date | None = None, paid_to: date | None = None) -> Iterator[B2bOrder]:
    """Committed orders decided ``B2B_VALID_VAT_NUMBER``, optionally paid within [from, to]."""
    query = (
        select(orders.c.order_id, orders.c.payload, orders.c.placed_on, orders.c.paid_on)
        .join(decisions, decisions.c.order_id == orders.c.order_id)
        .where(decisions.c.reason == B2B_REASON)
        .order_by(orders.c.paid_on, orders.c.order_id)
    )
    if paid_from is not None:
        query = query.where(orders.c.paid_on >= paid_from)
    if paid_to is not None:
        query = query.where(orders.c.paid_on <= paid_to)
    with db.connect().execution_options(levy_read=True) as conn:
        rows = conn.execute(query).all()
    for order_id, payload, placed_on, paid_on in rows:
        order = orjson.loads(payload)
        destination = order["ship_to"]["country"]
        number = (order.get("buyer") or {}).get("vat_number") or ""
        yield B2bOrder(order_id, check_vat_number(number, destination).compact, destination,
                       placed_on, paid_on, order)


def latest_definite(db: Engine, numbers: Iterable[str]) -> dict[str, Evidence]:
    """The newest ``valid`` or ``invalid`` answer stored for each number (absent: none yet)."""
    wanted = sorted(set(numbers))
    found: dict[str, Evidence] = {}
    if not wanted:
        return found
    newest = (
        select(vies_checks.c.vat_number, func.max(vies_checks.c.id).label("id"))
        .where(vies_checks.c.state.in_(DEFINITE))
        .group_by(vies_checks.c.vat_number)
        .subquery()
    )
    with db.connect().execution_options(levy_read=True) as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = conn.execute(
                select(vies_checks.c.vat_number, vies_checks.c.state, vies_checks.c.checked_at,
                       vies_checks.c.consultation_number, vies_checks.c.name, vies_checks.c.error)
                .join(newest, newest.c.id == vies_checks.c.id)
                .where(vies_checks.c.vat_number.in_(chunk))
            ).all()
            for row in rows:
                found[row.vat_number] = Evidence(*row)
    return found


def record(db: Engine, answers: Iterable[tuple[object, int]]) -> int:
    """Append VIES answers (``levy.vies.client.Answer``-like objects with their attempt counts)
    in one transaction; returns how many rows were written."""
    now = datetime.now(UTC)
    rows = [
        {
            "vat_number": answer.vat_number,
            "state": answer.state,
            "checked_at": _aware(answer.checked_at),
            "consultation_number": answer.consultation_number,
            "name": answer.name,
            "address": answer.address,
            "error": answer.error,
            "attempts": attempts,
            "recorded_at": now,
        }
        for answer, attempts in answers
    ]
    if rows:
        with db.begin() as conn:
            conn.execute(insert(vies_checks), rows)
    return len(rows)


def _aware(text: str) -> datetime:
    """VIES's ``requestDate`` (``2026-05-19T12:25:12.544Z``, or a bare date) as an aware UTC time."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


__all__ = ["B2B_REASON", "B2bOrder", "Evidence", "b2b_orders", "latest_definite", "record"]
