"""``levy requote``: decide every order of a bulk table, equal by construction to ``Engine.quote``.

How it stays the same as checkout: every decision is made by ``Engine.quote`` itself, never by a
second implementation of the rules. What makes it fast is that the engine is a pure function of
the order (``levy.engine``: no I/O, no state between calls) in which ``order_id`` is only copied
into the decision: two orders whose every other field is equal get the same decision. So the
table is grouped once (``levy.bulk.table``, vectorised), each order's fields form a key, and each
distinct key is decided once; an order whose key was seen reuses that decision under its own id
(its id still passes the contract's own validator first). Errors are never reused: they name the
order. Orders carrying ``order_json`` (fields the columns cannot express) are decided from it,
one by one, and counted as fall-backs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import pyarrow as pa
from pydantic import TypeAdapter, ValidationError

from levy.bulk.table import FALLBACK_COLUMN, Grouped, group, order_dict
from levy.engine import Engine
from levy.errors import FieldError, InvalidOrder
from levy.models import Decision, Order

OUTPUT_SCHEMA = pa.schema([
    ("order_id", pa.string()), ("collect", pa.bool_()), ("scheme", pa.string()),
    ("reason", pa.string()), ("tax_country", pa.string()), ("currency", pa.string()),
    ("net_total", pa.string()), ("vat_total", pa.string()), ("gross_total", pa.string()),
    ("duty_total", pa.string()), ("fee_total", pa.string()), ("landed_total", pa.string()),
    ("warnings", pa.string()), ("error", pa.string()),
])
"""One row per order (contract v1.1 "Bulk order table"); money is the decision's decimal text."""
OUTPUT_COLUMNS = tuple(OUTPUT_SCHEMA.names)

_ORDER_ID_FIELD = Order.model_fields["order_id"]
_ORDER_ID = TypeAdapter(Annotated[(_ORDER_ID_FIELD.annotation, *_ORDER_ID_FIELD.metadata)])
"""The contract's own ``order_id`` rules (length, printable), taken from the model's field."""


@dataclass(slots=True)
class Summary:
    """What ``levy requote`` did, printed on stderr."""

    orders: int = 0
    lines: int = 0
    decided: int = 0
    """Distinct orders decided by ``Engine.quote``."""
    reused: int = 0
    """Orders whose decision equals one already made for the same fields (only the id differs)."""
    fallbacks: int = 0
    """Orders decided from ``order_json`` (fields the table's columns cannot express)."""
    errors: int = 0
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        rate = self.orders / self.seconds if self.seconds else 0.0
        return {"orders": self.orders, "lines": self.lines, "decided": self.decided,
                "reused": self.reused, "fallbacks": self.fallbacks, "errors": self.errors,
                "seconds": round(self.seconds, 3), "orders_per_second": round(rate)}


def decision_row(decision: Decision) -> tuple:
    """The bulk output row of a decision: the same text ``levy quote`` prints for each field."""
    return (decision.order_id, decision.collect,
            None if decision.scheme is None else str(decision.scheme), str(decision.reason),
            decision.tax_country, decision.currency, str(decision.net_total),
            str(decision.vat_total), str(decision.gross_total), str(decision.duty_total),
            str(decision.fee_total), str(decision.landed_total), ";".join(decision.warnings), None)


def error_row(order_id: Any, body: dict) -> tuple:
    """An invalid order: only its id and the error object, JSON-encoded as ``levy quote`` prints it."""
    return (order_id if isinstance(order_id, str) else None, None, None, None, None, None, None,
            None, None, None, None, None, None,
            json.dumps(body, ensure_ascii=False, separators=(",", ":")))


def _table_error(order_id: Any, fields: list[str]) -> dict:
    msg = {name: "must number the order's lines 0, 1, 2, ... once each" if name == "line_no"
           else "must be the same on every line of the order" for name in fields}
    return InvalidOrder([FieldError(name, msg[name]) for name in fields],
                        order_id if isinstance(order_id, str) else None).body()


def _key(columns: dict[str, list[Any]], start: int, end: int) -> tuple:
    """Every field of the order but its id: the engine's decision depends on nothing else."""
    c = columns
    head = tuple(c[name][start] for name in (
        "placed_at", "channel", "currency", "seller_country", "ship_from", "ship_to_country",
        "ship_to_postal_code", "buyer_vat_number", "exemption_certificate_id", "exemption_country",
        "exemption_valid_from", "exemption_valid_to", "prices_include_vat", "shipping"))
    return head + tuple((c["sku"][j], c["quantity"][j], c["unit_price"][j], c["category"][j],
                         c["hs_code"][j]) for j in range(start, end))


def requote_rows(engine: Engine, grouped: Grouped, summary: Summary) -> Iterator[tuple]:
    """Output rows, one per order, in the order of the orders' first lines in the input."""
    columns = grouped.columns
    memo: dict[tuple, tuple] = {}
    fallback = columns.get(FALLBACK_COLUMN)
    reasons = summary.reasons
    for g in grouped.first_row.argsort(kind="stable"):
        start, end = int(grouped.starts[g]), int(grouped.ends[g])
        order_id = columns["order_id"][start]
        summary.orders += 1
        summary.lines += end - start
        if fallback is not None and fallback[start] is not None:
            summary.fallbacks += 1
            row = _quote(engine, fallback[start], order_id, summary)
        elif bad := grouped.problems.get(int(g)):
            summary.errors += 1
            row = error_row(order_id, _table_error(order_id, bad))
        else:
            key = _key(columns, start, end)
            cached = memo.get(key)
            if cached is not None and _valid_id(order_id):
                summary.reused += 1
                row = (order_id, *cached)
            else:
                order = order_dict(columns, start, end)
                try:
                    decision = engine.quote(order)
                except InvalidOrder as exc:
                    summary.errors += 1
                    row = error_row(order_id, exc.body())
                else:
                    summary.decided += 1
                    row = decision_row(decision)
                    memo[key] = row[1:]
        if row[3] is not None:
            reasons[row[3]] = reasons.get(row[3], 0) + 1
        yield row


def _valid_id(order_id: Any) -> bool:
    try:
        _ORDER_ID.validate_python(order_id)
    except ValidationError:
        return False
    return True


def _quote(engine: Engine, payload: str, order_id: Any, summary: Summary) -> tuple:
    try:
        decision = engine.quote(payload)
    except InvalidOrder as exc:
        summary.errors += 1
        return error_row(exc.order_id or order_id, exc.body())
    summary.decided += 1
    return decision_row(decision)


def requote(engine: Engine, table: pa.Table) -> tuple[pa.Table, Summary]:
    """Decide every order of a bulk table (``levy.bulk.table.read_table``); one row per order."""
    started = time.perf_counter()
    summary = Summary()
    grouped = group(table)
    columns: list[list[Any]] = [[] for _ in OUTPUT_COLUMNS]
    for row in requote_rows(engine, grouped, summary):
        for out, value in zip(columns, row):
            out.append(value)
    result = pa.table(dict(zip(OUTPUT_COLUMNS, columns)), schema=OUTPUT_SCHEMA)
    summary.seconds = time.perf_counter() - started
    return result, summary
