"""The bulk order table of contract v1.1 (one row per order line), read and grouped with Arrow.

Reading and grouping are vectorised: every column is read as text (or its native integer /
boolean type from Parquet), rows are sorted by ``(order_id, line_no)`` once, and each order is a
slice ``[start, end)`` of the sorted table found from the positions where ``order_id`` changes.
Orders then go to the engine one by one as plain dicts (``levy.bulk.requote``).

An optional ``order_json`` column (an addition, not in the contract's list) carries an order the
table's columns cannot express (discounts, a platform, a buyer's Art. 3(1) status): when it is
set, that order is decided from the JSON alone (a counted fall-back).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ORDER_COLUMNS = (
    "order_id", "placed_at", "channel", "currency", "seller_country", "ship_from",
    "ship_to_country", "ship_to_postal_code", "buyer_vat_number", "exemption_certificate_id",
    "exemption_country", "exemption_valid_from", "exemption_valid_to", "prices_include_vat",
    "shipping",
)
"""Order-level columns: the same value repeats on every line of an order."""
LINE_COLUMNS = ("line_no", "sku", "quantity", "unit_price", "category", "hs_code")
COLUMNS = ORDER_COLUMNS + LINE_COLUMNS
"""The contract's columns, in its order."""
FALLBACK_COLUMN = "order_json"
BULK_SELLER_ID = "bulk"
"""The table has no seller id (it decides nothing); orders are built with this one."""

_INT_COLUMNS = ("line_no", "quantity")
_BOOL_COLUMNS = ("prices_include_vat",)


class TableError(ValueError):
    """The file is not a bulk order table (unreadable, or a required column is missing)."""


@dataclass(frozen=True, slots=True)
class Grouped:
    """The table sorted by (order_id, line_no), as Python lists, with each order's row slice."""

    columns: dict[str, list[Any]]
    starts: np.ndarray
    ends: np.ndarray
    first_row: np.ndarray
    """Each order's smallest original row number: output keeps the input's order of orders."""
    problems: dict[int, list[str]]
    """Orders (by group number) whose table rows disagree: the fields to name in their error."""


def read_table(path: str | Path) -> pa.Table:
    """Read a Parquet or CSV bulk table; CSV cells are read as text (empty means absent)."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".csv", ".txt") or path.name.lower().endswith(".csv.gz"):
            from pyarrow import csv  # only CSV tables need the reader

            head = path.open("rb").readline().decode("utf-8", "replace").strip().split(",")
            table = csv.read_csv(path, convert_options=csv.ConvertOptions(
                column_types={name.strip('"'): pa.string() for name in head},
                strings_can_be_null=True, quoted_strings_can_be_null=False))
        else:
            import pyarrow.parquet as pq  # Parquet tables only

            table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise TableError(f"{path}: cannot read the table: {exc}") from None
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise TableError(f"{path}: missing columns: {', '.join(missing)}")
    return table


def _as_python(column: pa.ChunkedArray, name: str) -> list[Any]:
    """A column as Python values: text stays text (never float), empty text is absent."""
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return column.to_pylist()
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        if pa.types.is_floating(kind) and name not in _INT_COLUMNS:
            raise TableError(f"column {name}: floating point is not allowed for money or text; "
                             "store decimal text")
        column = column.cast(pa.string())
    column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    values = column.to_pylist()
    if name in _INT_COLUMNS:
        return [_int_text(v) for v in values]
    if name in _BOOL_COLUMNS:
        return [_bool_text(v) for v in values]
    return values


def _int_text(value: str | None) -> Any:
    """Whole-number text to int; anything else stays text so the order's error names the field."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.lstrip("-").isdigit():
        return int(text)
    return value


def _bool_text(value: str | None) -> Any:
    if value is None:
        return None
    return {"true": True, "false": False}.get(value.strip().lower(), value)


@dataclass(frozen=True, slots=True)
class Sorted:
    """The table sorted by (order_id, line_no, input row), each order a slice ``[start, end)``."""

    table: pa.Table
    starts: np.ndarray
    ends: np.ndarray
    first_row: np.ndarray
    problems: dict[int, list[str]]


def sort_orders(table: pa.Table, rows: np.ndarray | None = None) -> Sorted:
    """Sort by (order_id, line_no) and find each order's slice, vectorised.

    ``rows`` numbers the input rows (default 0, 1, ...). Rows without an ``order_id`` each form
    an order of their own (its error names the field).
    """
    n = table.num_rows
    rows = np.arange(n, dtype=np.int64) if rows is None else rows
    table = table.append_column("__row", pa.array(rows, pa.int64()))
    line_no = table.column("line_no")
    if not pa.types.is_integer(line_no.type):  # CSV text: sort by its number where it is one
        as_int = pc.cast(pc.if_else(pc.match_substring_regex(line_no, r"^\s*\d{1,9}\s*$"),
                                    pc.utf8_trim_whitespace(line_no), None), pa.int64())
        table = table.append_column("__line", as_int)
    else:
        table = table.append_column("__line", line_no.cast(pa.int64()))
    order_id = table.column("order_id")
    if not (pa.types.is_string(order_id.type) or pa.types.is_large_string(order_id.type)):
        table = table.set_column(table.column_names.index("order_id"), "order_id",
                                 order_id.cast(pa.string()))
    order = pc.sort_indices(table, sort_keys=[("order_id", "ascending", "at_end"), ("__line", "ascending", "at_end"),
                                              ("__row", "ascending", "at_end")])
    table = table.take(order)
    ids = table.column("order_id").combine_chunks()
    if n == 0:
        starts = np.zeros(0, dtype=np.int64)
    else:
        changed = pc.not_equal(ids.slice(1), ids.slice(0, n - 1))
        # A null id never equals its neighbour: each such row is its own order.
        changed = pc.fill_null(changed, True).to_numpy(zero_copy_only=False)
        starts = np.concatenate(([0], np.flatnonzero(changed) + 1)).astype(np.int64)
    ends = np.append(starts[1:], n).astype(np.int64)
    row_numbers = table.column("__row").to_numpy()
    first_row = np.minimum.reduceat(row_numbers, starts) if n else row_numbers
    return Sorted(table, starts, ends, first_row, _problems(table, starts, ends))


def group(table: pa.Table, rows: np.ndarray | None = None) -> Grouped:
    """``sort_orders``, with the columns as Python values for building orders."""
    done = sort_orders(table, rows)
    names = [c for c in COLUMNS] + ([FALLBACK_COLUMN] if FALLBACK_COLUMN in table.column_names else [])
    columns = {name: _as_python(done.table.column(name), name) for name in names}
    return Grouped(columns, done.starts, done.ends, done.first_row, done.problems)


_KEY_COLUMNS = tuple(c for c in COLUMNS if c not in ("order_id", "line_no"))
_SEPARATORS = "[\x1e\x1f]"


def order_keys(done: Sorted) -> np.ndarray:
    """One integer per order: equal integers mean equal fields apart from ``order_id`` (so equal
    contract orders but for their id); -1 where that cannot be told by text (a separator
    character inside a value). Vectorised: each line's fields joined, then each order's lines."""
    table, n = done.table, done.table.num_rows
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    texts, unsafe = [], np.zeros(n, dtype=bool)
    for name in _KEY_COLUMNS:
        column = table.column(name)
        if pa.types.is_floating(column.type):  # refused with a named error by the order path
            return np.full(len(done.starts), -1, dtype=np.int64)
        column = pc.fill_null(column.cast(pa.string()), "")
        unsafe |= pc.match_substring_regex(column, _SEPARATORS).to_numpy(zero_copy_only=False)
        texts.append(column)
    line_text = pc.binary_join_element_wise(*texts, "\x1f").combine_chunks()
    offsets = pa.array(np.append(done.starts, n).astype(np.int32))
    order_text = pc.binary_join(pa.ListArray.from_arrays(offsets, line_text), "\x1e")
    keys = pc.dictionary_encode(order_text).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    keys[np.logical_or.reduceat(unsafe, done.starts)] = -1
    return keys


def _present(target: dict, key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def order_dict(columns: Mapping[str, list[Any]], start: int, end: int) -> dict[str, Any]:
    """The contract's order (JSON shape) for rows ``[start, end)`` of the grouped table."""
    c = columns
    i = start
    order: dict[str, Any] = {}
    _present(order, "order_id", c["order_id"][i])
    _present(order, "placed_at", c["placed_at"][i])
    _present(order, "channel", c["channel"][i])
    _present(order, "currency", c["currency"][i])
    order["seller"] = {"id": BULK_SELLER_ID}
    _present(order["seller"], "country", c["seller_country"][i])
    _present(order, "ship_from", c["ship_from"][i])
    ship_to: dict[str, Any] = {}
    _present(ship_to, "country", c["ship_to_country"][i])
    _present(ship_to, "postal_code", c["ship_to_postal_code"][i])
    order["ship_to"] = ship_to
    buyer: dict[str, Any] = {}
    _present(buyer, "vat_number", c["buyer_vat_number"][i])
    exemption = {k: c[f"exemption_{k}"][i] for k in ("certificate_id", "country", "valid_from", "valid_to")
                 if c[f"exemption_{k}"][i] is not None}
    if exemption:
        buyer["exemption"] = exemption
    if buyer:
        order["buyer"] = buyer
    _present(order, "prices_include_vat", c["prices_include_vat"][i])
    _present(order, "shipping", c["shipping"][i])
    lines = []
    for j in range(start, end):
        line: dict[str, Any] = {}
        for name in ("sku", "quantity", "unit_price", "category", "hs_code"):
            _present(line, name, c[name][j])
        lines.append(line)
    order["lines"] = lines
    return order


def _problems(table: pa.Table, starts: np.ndarray, ends: np.ndarray) -> dict[int, list[str]]:
    """Order-level columns whose value differs between an order's lines, and a ``line_no`` that
    does not number the lines 0, 1, 2, ... (the table's own errors; the engine sees neither).
    Vectorised: each row is compared with its order's first row."""
    n = table.num_rows
    if n == 0:
        return {}
    sizes = ends - starts
    first = np.repeat(starts, sizes)
    bad: dict[int, list[str]] = {}
    for name in ORDER_COLUMNS[1:]:
        column = table.column(name).combine_chunks()
        head = column.take(pa.array(first))
        same = pc.fill_null(pc.equal(column, head), False)
        both_null = pc.and_(pc.is_null(column), pc.is_null(head))
        differs = pc.invert(pc.or_(same, both_null)).to_numpy(zero_copy_only=False)
        _mark(bad, name, differs, starts)
    position = np.arange(n, dtype=np.int64) - first
    line = pc.fill_null(table.column("__line").combine_chunks(), -1).to_numpy(zero_copy_only=False)
    _mark(bad, "line_no", line != position, starts)
    return bad


def _mark(bad: dict[int, list[str]], name: str, rows: np.ndarray, starts: np.ndarray) -> None:
    if rows.any():
        for g in np.flatnonzero(np.logical_or.reduceat(rows, starts)):
            bad.setdefault(int(g), []).append(name)


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def orders_to_table(orders: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Contract orders (JSON shape) to the bulk table; an order the columns cannot express
    (discounts, a platform, other buyer fields) also carries its JSON in ``order_json``."""
    rows: dict[str, list[Any]] = {name: [] for name in (*COLUMNS, FALLBACK_COLUMN)}
    expressible_buyer = {"id", "vat_number", "exemption"}
    expressible_order = {"order_id", "placed_at", "channel", "currency", "seller", "ship_from",
                         "ship_to", "buyer", "lines", "shipping", "prices_include_vat"}
    for order in orders:
        buyer = order.get("buyer") or {}
        exemption = buyer.get("exemption") or {}
        seller = order.get("seller") or {}
        ship_to = order.get("ship_to") or {}
        plain = (set(order) <= expressible_order and set(buyer) <= expressible_buyer
                 and all(set(line) <= {"sku", "quantity", "unit_price", "category", "hs_code"}
                         for line in order.get("lines") or []) and order.get("lines"))
        fallback = None if plain else json.dumps(order, ensure_ascii=False, separators=(",", ":"))
        for no, line in enumerate(order.get("lines") or [{}]):
            values = {
                "order_id": order.get("order_id"), "placed_at": order.get("placed_at"),
                "channel": order.get("channel"), "currency": order.get("currency"),
                "seller_country": seller.get("country"), "ship_from": order.get("ship_from"),
                "ship_to_country": ship_to.get("country"),
                "ship_to_postal_code": ship_to.get("postal_code"),
                "buyer_vat_number": buyer.get("vat_number"),
                "exemption_certificate_id": exemption.get("certificate_id"),
                "exemption_country": exemption.get("country"),
                "exemption_valid_from": exemption.get("valid_from"),
                "exemption_valid_to": exemption.get("valid_to"),
                "prices_include_vat": order.get("prices_include_vat"),
                "shipping": order.get("shipping"), "line_no": no, "sku": line.get("sku"),
                "quantity": line.get("quantity"), "unit_price": line.get("unit_price"),
                "category": line.get("category"), "hs_code": line.get("hs_code"),
                FALLBACK_COLUMN: fallback,
            }
            for name, value in values.items():
                if name in ("line_no",):
                    rows[name].append(value)
                elif name == "prices_include_vat":
                    rows[name].append(value if isinstance(value, bool) or value is None else str(value))
                else:
                    rows[name].append(_text(value))
    fields = [pa.field(n, pa.int64() if n == "line_no" else pa.string()) for n in rows]
    fields[COLUMNS.index("prices_include_vat")] = pa.field("prices_include_vat", pa.string())
    rows["prices_include_vat"] = [None if v is None else ("true" if v is True else "false" if v is False else v)
                                  for v in rows["prices_include_vat"]]
    return pa.table(rows, schema=pa.schema(fields))
