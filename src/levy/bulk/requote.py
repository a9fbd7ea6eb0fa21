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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import TypeAdapter, ValidationError

from levy.bulk.table import FALLBACK_COLUMN, Grouped, Sorted, group, order_dict, order_keys, sort_orders
from levy.engine import Engine
from levy.errors import FieldError, InvalidOrder, internal_error_body
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
                except Exception as exc:  # noqa: BLE001 - as levy quote: one order's bug must not stop the table
                    summary.errors += 1
                    row = error_row(order_id, internal_error_body(engine.order_id_of(order), exc))
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
    except Exception as exc:  # noqa: BLE001 - as levy quote: one order's bug must not stop the table
        summary.errors += 1
        return error_row(engine.order_id_of(payload), internal_error_body(engine.order_id_of(payload), exc))
    summary.decided += 1
    return decision_row(decision)


def _slow(engine: Engine, done: Sorted, groups: np.ndarray, summary: Summary) -> dict[int, tuple]:
    """Decide the orders ``groups`` (of ``done``) one by one: output row by group number."""
    if len(groups) == 0:
        return {}
    sizes = done.ends - done.starts
    wanted = np.zeros(len(sizes), dtype=bool)
    wanted[groups] = True
    rows = np.repeat(wanted, sizes)
    sub = done.table.filter(pa.array(rows))
    original = sub.column("__row").to_numpy()
    grouped = group(sub.drop_columns(["__row", "__line"]), rows=original)
    by_first_row = {int(r): g for g, r in zip(groups, done.first_row[groups])}
    out = {}
    for first_row, row in zip(np.sort(grouped.first_row), requote_rows(engine, grouped, summary)):
        out[by_first_row[int(first_row)]] = row
    return out


def requote(engine: Engine, table: pa.Table) -> tuple[pa.Table, Summary]:
    """Decide every order of a bulk table (``levy.bulk.table.read_table``); one row per order.

    Vectorised: sorting, grouping, the table's own checks, each order's key (its fields but its
    id) and the assembly of the output. ``Engine.quote`` decides one order per distinct key;
    the other orders of that key take its row under their own id, once the contract's own
    ``order_id`` validator accepts the id. Orders of a key whose decision was an error, orders
    with table errors, ``order_json`` fall-backs and refused ids are each done one by one.
    """
    started = time.perf_counter()
    summary = Summary()
    done = sort_orders(table)
    count = len(done.starts)
    keys = order_keys(done)
    if FALLBACK_COLUMN in table.column_names:
        fallback = pc.is_valid(done.table.column(FALLBACK_COLUMN)).to_numpy(zero_copy_only=False)
        keys[fallback[done.starts]] = -1
    if done.problems:
        keys[np.fromiter(done.problems, dtype=np.int64)] = -1
    ids = done.table.column("order_id").take(pa.array(done.starts)).to_pylist()
    keys[_refused_ids(ids)] = -1
    shared = np.flatnonzero(keys >= 0)
    _, first_of_key = np.unique(keys[shared], return_index=True)
    own = np.flatnonzero(keys < 0)
    rows = _slow(engine, done, np.concatenate((own, shared[first_of_key])), summary)
    # A key whose first order got an error: its other orders are decided one by one (an
    # error names its order).
    failed_keys = {int(keys[g]) for g in shared[first_of_key] if rows[int(g)][-1] is not None}
    if failed_keys:
        again = np.array([g for g in shared if int(keys[g]) in failed_keys and int(g) not in rows], dtype=np.int64)
        rows.update(_slow(engine, done, again, summary))
    source = np.full(count, -1, dtype=np.int64)
    decided = np.fromiter(rows, dtype=np.int64, count=len(rows))
    position = np.empty(count, dtype=np.int64)
    position[decided] = np.arange(len(decided))
    source[decided] = position[decided]
    key_row = np.full(int(keys.max()) + 1 if len(shared) else 0, -1, dtype=np.int64)
    key_row[keys[shared[first_of_key]]] = position[shared[first_of_key]]
    reused = np.flatnonzero(source < 0)
    source[reused] = key_row[keys[reused]]
    summary.reused += len(reused)
    summary.orders += len(reused)
    summary.lines += int((done.ends - done.starts)[reused].sum())
    decided_table = pa.table(dict(zip(OUTPUT_COLUMNS, map(list, zip(*rows.values())))) if rows
                             else {c: [] for c in OUTPUT_COLUMNS}, schema=OUTPUT_SCHEMA)
    order = np.argsort(done.first_row, kind="stable")
    result = decided_table.take(pa.array(source[order]))
    out_ids = [rows[g][0] if g in rows else ids[g] for g in order.tolist()]
    result = result.set_column(0, "order_id", pa.array(out_ids, pa.string()))
    reasons = summary.reasons
    for reason, n in zip(*np.unique(np.asarray(result.column("reason").fill_null("").to_numpy(zero_copy_only=False)),
                                    return_counts=True)):
        if reason:
            reasons[str(reason)] = int(n)
    summary.seconds = time.perf_counter() - started
    return result, summary


_ORDER_IDS = TypeAdapter(list[Annotated[(_ORDER_ID_FIELD.annotation, *_ORDER_ID_FIELD.metadata)] | None])


def _refused_ids(ids: list[Any]) -> np.ndarray:
    """Positions of ids the contract's ``order_id`` rules refuse (absent ones included)."""
    bad = [i for i, value in enumerate(ids) if value is None]
    try:
        _ORDER_IDS.validate_python(ids)
    except ValidationError as exc:
        bad.extend(int(err["loc"][0]) for err in exc.errors(include_url=False) if err["loc"])
    return np.array(sorted(set(bad)), dtype=np.int64)
