"""The ledger (what was actually collected: paid orders, their life cycle and refunds).

``Ledger(url)`` opens (and migrates) a database and offers the library API under the ``levy
commit | event | refund | replay | totals`` commands:

* :meth:`Ledger.commit` quotes each order with the engine, applies the platform's payment rules
  (:mod:`levy.ledger.payments`) and records the paid order with its decision, its facts, its
  amount rows, its payment and its first events. Idempotent on ``order_id``: the same payload
  again is ``unchanged``; another payload for a committed order is a conflict.
* :meth:`Ledger.event` follows the escrow life cycle (:mod:`levy.ledger.lifecycle`).
* :meth:`Ledger.refund` splits a refund between net and VAT at the original rates
  (:mod:`levy.ledger.amounts`); idempotent on ``refund_id``.
* :meth:`Ledger.replay` re-runs the engine on the stored order and compares.
* :meth:`Ledger.totals` sums what was charged, refunded and collected.

Crash safety and concurrency: a batch is committed in chunks (1,000 orders by default), each
chunk in one transaction holding every row of its orders, so a process killed at any point
leaves each order fully recorded or absent, and a rerun records the rest. Orders are inserted
with ``INSERT ... ON CONFLICT (order_id) DO NOTHING`` in ``order_id`` order (no deadlock between
two committers), and one that another process recorded first is reported as ``unchanged`` (or a
conflict). SQLite runs in WAL mode with ``synchronous=FULL`` and ``BEGIN IMMEDIATE`` write
transactions; PostgreSQL locks an order's row (``SELECT ... FOR UPDATE``) for events and refunds.

>>> with Ledger("sqlite://") as ledger:  # doctest: +SKIP
...     [r.status for r in ledger.commit([line])]
['recorded']
"""

from __future__ import annotations

import copy
import hashlib
import json

import orjson
import os
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, create_engine, event, func, select, update
from sqlalchemy import Engine as DbEngine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from levy.engine import Engine, parse_order
from levy.errors import FieldError, InvalidOrder
from levy.fx import EcbRates, recorded_legs
from levy.ledger import lifecycle
from levy.ledger.amounts import (
    Component,
    amount_rows,
    from_minor,
    plan_amount,
    plan_full,
    plan_lines,
    to_minor,
)
from levy.ledger.errors import (
    LedgerError,
    OrderConflict,
    PaymentRefused,
    RefundRefused,
    UnknownOrder,
)
from levy.ledger.migrate import upgrade
from levy.ledger.payments import check_payment, parse_payment
from levy.ledger.schema import (
    decision_lines,
    decisions,
    events,
    orders,
    payments,
    refund_lines,
    refunds,
)
from levy.models import Order
from levy.money import minor_units

DEFAULT_URL = "sqlite:///levy.db"
"""Where the ledger lives when neither ``--db`` nor ``LEVY_DATABASE_URL`` says otherwise."""
CHUNK_SIZE = 1000
"""Orders per transaction in :meth:`Ledger.commit`."""
_RETRIES = 8


def resolve_url(url: str | None = None) -> str:
    """The database URL: ``url``, else ``LEVY_DATABASE_URL``, else ``sqlite:///levy.db``.

    A plain path means a SQLite file; ``postgresql://`` URLs use the psycopg (v3) driver.
    """
    url = url or os.environ.get("LEVY_DATABASE_URL") or DEFAULT_URL
    if "://" not in url:
        return f"sqlite:///{Path(url)}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str | None = None) -> DbEngine:
    """A SQLAlchemy engine set up for the ledger (SQLite: WAL, FULL sync, foreign keys,
    ``BEGIN IMMEDIATE`` for writes; read-only work asks for ``levy_read``)."""
    url = resolve_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    db = create_engine(url, connect_args={"timeout": 120})

    @event.listens_for(db, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # Take transaction control from the sqlite3 module: it would BEGIN DEFERRED lazily and
        # a second writer could then fail to upgrade its lock instead of waiting for it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("busy_timeout=120000", "journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(db, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("levy_read") else "BEGIN IMMEDIATE")

    return db


def _now() -> datetime:
    return datetime.now(UTC)


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: equal JSON values give equal text.

    orjson writes exactly this form ten times faster than the standard library; values it cannot
    encode (integers beyond 64 bits) fall back to the standard library's identical form.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _loads(item: bytes | str) -> Any:
    """Parse one JSON line (orjson; the standard library for what it refuses, e.g. huge ints)."""
    try:
        return orjson.loads(item)
    except orjson.JSONDecodeError:
        return json.loads(item)


def _sha256(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def _retryable(exc: DBAPIError) -> bool:
    """Lock timeouts, deadlocks and serialisation failures: the transaction may simply be rerun."""
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "database is locked" in str(exc.orig)


@dataclass(slots=True)
class Result:
    """One line of command output: ``status`` is ``recorded``, ``unchanged``, ``refused`` or
    ``invalid``; ``body`` is the JSON object printed."""

    order_id: str | None
    status: str
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status in ("recorded", "unchanged")

    @classmethod
    def refused(cls, exc: LedgerError) -> Result:
        return cls(exc.order_id, exc.status, exc.body())

    @classmethod
    def invalid(cls, exc: InvalidOrder) -> Result:
        return cls(exc.order_id, "invalid", {**exc.body(), "status": "invalid"})


@dataclass(slots=True)
class _Parsed:
    """A line read as JSON: the object, its canonical text and SHA-256, its order id."""

    obj: dict[str, Any]
    canonical: str
    digest: str
    order_id: str | None


@dataclass(slots=True)
class _Prepared:
    """An order ready to insert: every row of it, and the line to print once it is in."""

    order_id: str
    digest: str
    order_row: tuple
    decision_row: tuple
    payment_row: tuple
    line_rows: list[tuple]
    event_rows: list[tuple]
    body: dict[str, Any]


@dataclass(slots=True)
class _Staged:
    """A chunk ready to write: each item parsed (and prepared unless stored already)."""

    items: list[_Parsed | _Prepared | Result]
    known: dict[str, str]
    """Digests of the chunk's orders stored before it was quoted."""
    todo: dict[str, _Prepared]
    """The first prepared line of each order id not yet stored."""


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(slots=True)
class TotalsRow:
    """What the ledger holds for one (tax country, scheme, currency)."""

    tax_country: str | None
    scheme: str | None
    currency: str
    orders: int
    net: Decimal
    vat: Decimal
    gross: Decimal
    fees: Decimal
    paid: Decimal
    refunded: Decimal
    refunded_net: Decimal
    refunded_vat: Decimal

    @property
    def vat_collected(self) -> Decimal:
        """VAT charged minus VAT refunded."""
        return self.vat - self.refunded_vat

    @property
    def net_collected(self) -> Decimal:
        return self.net - self.refunded_net

    def as_dict(self) -> dict[str, Any]:
        return {
            "tax_country": self.tax_country, "scheme": self.scheme, "currency": self.currency,
            "orders": self.orders, "net": str(self.net), "vat": str(self.vat), "gross": str(self.gross),
            "fees": str(self.fees), "paid": str(self.paid), "refunded": str(self.refunded),
            "refunded_net": str(self.refunded_net), "refunded_vat": str(self.refunded_vat),
            "net_collected": str(self.net_collected), "vat_collected": str(self.vat_collected),
        }


@dataclass(slots=True)
class ReplayResult:
    """Stored and replayed decision side by side."""

    order_id: str
    differences: list[dict[str, Any]]
    stored_versions: dict[str, str]
    replayed_versions: dict[str, str]
    ledger_rows_agree: bool
    problems: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return not self.differences and self.ledger_rows_agree

    def body(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id, "agree": self.agree,
            "stored": self.stored_versions, "replayed": self.replayed_versions,
            "differences": self.differences, "ledger_rows_agree": self.ledger_rows_agree,
            "problems": self.problems,
        }


class PaidOrder(Order):
    """A line of ``levy commit``: an order of the contract plus its ``payment`` object (checked
    by :func:`levy.ledger.payments.parse_payment`, which names its fields)."""

    payment: Any = None


class _Bulk:
    """Driver-level INSERT statements of the commit path, and the stored form of values.

    The tuples follow the columns of :mod:`levy.ledger.schema` (the surrogate ``id`` left to the
    database). SQLite stores ``UtcDateTime`` as naive UTC text and dates as ISO text, exactly as
    SQLAlchemy writes and reads them; psycopg takes the Python objects as they are.
    """

    TABLES = (orders, decisions, payments, decision_lines, events)

    def __init__(self, dialect_name: str, paramstyle: str) -> None:
        self.columns = {
            t.name: [c.name for c in t.columns if not (c.name == "id" and c.primary_key)] for t in self.TABLES
        }
        mark = "?" if paramstyle == "qmark" else "%s"
        self.sql = {
            name: f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
            for name, cols in self.columns.items()
        }
        if dialect_name == "sqlite":
            self.ts = _sqlite_ts
            self.day = _sqlite_day
            self.flag = int
        else:
            self.ts = self.day = self.flag = _same


def _same(value):
    return value


def _sqlite_ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_day(value) -> str | None:
    return None if value is None else value.isoformat()


class Ledger:
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
        self._bulk = _Bulk(self.db.dialect.name, "qmark" if self._sqlite else "format")

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

    # ---- commit -------------------------------------------------------------------------------

    def commit(self, items: Iterable[bytes | str | Mapping], *, chunk_size: int = CHUNK_SIZE) -> Iterator[Result]:
        """Record paid orders; one :class:`Result` per item, in order, each chunk once durable.

        Each chunk is written in one transaction by a writer thread while the next chunk is
        quoted (the drivers wait for the disk and the server without holding the GIL).

        Args:
            items: orders of the contract, each with a ``payment`` object (JSON text or dicts).
            chunk_size: orders per transaction.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="levy-ledger-writer") as writer:
            pending: tuple[_Staged, Future] | None = None
            for chunk in _chunks(items, chunk_size):
                staged = self._stage(chunk)
                written = writer.submit(self._insert, staged.todo)
                if pending is not None:
                    yield from self._results(*pending)
                pending = (staged, written)
            if pending is not None:
                yield from self._results(*pending)

    def _stage(self, chunk: list) -> _Staged:
        """Parse a chunk, look up which orders are stored already (one read), and quote and check
        the others: everything before the write, with no lock held."""
        parsed = [self._parse(item) for item in chunk]
        ids = list({p.order_id for p in parsed if isinstance(p, _Parsed) and p.order_id is not None})
        with self._read() as conn:
            known = dict(conn.execute(
                select(orders.c.order_id, orders.c.payload_sha256).where(orders.c.order_id.in_(ids))
            ).all()) if ids else {}
        now = self._bulk.ts(_now())
        staged = []
        for p in parsed:
            if isinstance(p, _Parsed) and p.order_id not in known:
                p = self._prepare(p, now)
            staged.append(p)
        todo: dict[str, _Prepared] = {}
        for p in staged:
            if isinstance(p, _Prepared):
                todo.setdefault(p.order_id, p)
        return _Staged(staged, known, todo)

    def _results(self, staged: _Staged, written: Future) -> list[Result]:
        """The chunk's output lines, once its transaction has committed."""
        inserted, stored = written.result() if staged.todo else (set(), {})
        stored = {**staged.known, **stored}
        results: list[Result] = []
        for p in staged.items:
            if isinstance(p, Result):
                results.append(p)
            elif p.order_id in inserted and staged.todo[p.order_id] is p:
                results.append(Result(p.order_id, "recorded", p.body))
            elif stored[p.order_id] == p.digest:
                results.append(Result(p.order_id, "unchanged", {
                    "order_id": p.order_id, "status": "unchanged",
                    "message": f"order {p.order_id} is already committed with this payload: nothing changed",
                }))
            else:
                results.append(Result.refused(OrderConflict(
                    p.order_id, "ORDER_CONFLICT",
                    f"order {p.order_id} is already committed with a different payload "
                    f"(sha256 {stored[p.order_id][:12]}... stored, {p.digest[:12]}... sent); "
                    "a committed order is never rewritten: correct it with a refund",
                    rule="idempotent on order_id", stored_sha256=stored[p.order_id], sent_sha256=p.digest,
                )))
        return results

    def _insert(self, todo: dict[str, _Prepared]) -> tuple[set[str], dict[str, str]]:
        """Insert the orders not yet stored, in one transaction; returns (inserted ids, digest
        stored for every id). The stored ids are read again under the write lock: the read of
        :meth:`_stage` only spared the quoting."""
        ids = list(todo)
        todo = list(todo.values())
        for attempt in range(_RETRIES):
            try:
                with self.db.begin() as conn:
                    stored = dict(conn.execute(
                        select(orders.c.order_id, orders.c.payload_sha256).where(orders.c.order_id.in_(ids))
                    ).all())
                    new = sorted((p for p in todo if p.order_id not in stored), key=lambda p: p.order_id)
                    inserted: set[str] = set()
                    if new:
                        inserted = self._insert_new(conn, new)
                        lost = [p.order_id for p in new if p.order_id not in inserted]
                        if lost:  # another process recorded them between our SELECT and INSERT
                            stored.update(conn.execute(
                                select(orders.c.order_id, orders.c.payload_sha256).where(orders.c.order_id.in_(lost))
                            ).all())
                    for p in new:
                        if p.order_id in inserted:
                            stored[p.order_id] = p.digest
                return inserted, stored
            except OperationalError as exc:
                if attempt + 1 < _RETRIES and _retryable(exc):
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert_new(self, conn: Connection, new: list[_Prepared]) -> set[str]:
        """Insert orders (skipping any another process recorded meanwhile) and all their rows.

        Hot path: the rows go to the driver's ``executemany`` as tuples already in the column
        types' stored form (``_Bulk``), without SQLAlchemy's per-value processing.
        """
        if self._sqlite:
            # BEGIN IMMEDIATE holds the write lock since the SELECT of stored ids: no other
            # process can have inserted any of these orders, a plain INSERT is enough.
            conn.exec_driver_sql(self._bulk.sql["orders"], [p.order_row for p in new])
            mine = new
        else:
            from sqlalchemy.dialects.postgresql import insert

            stmt = insert(orders).on_conflict_do_nothing(index_elements=["order_id"]).returning(orders.c.order_id)
            rows = [dict(zip(self._bulk.columns["orders"], p.order_row)) for p in new]
            inserted = set(conn.execute(stmt, rows).scalars())
            mine = [p for p in new if p.order_id in inserted]
        if mine:
            sql = self._bulk.sql
            conn.exec_driver_sql(sql["decisions"], [p.decision_row for p in mine])
            conn.exec_driver_sql(sql["payments"], [p.payment_row for p in mine])
            conn.exec_driver_sql(sql["decision_lines"], [row for p in mine for row in p.line_rows])
            conn.exec_driver_sql(sql["events"], [row for p in mine for row in p.event_rows])
        return {p.order_id for p in mine}

    @staticmethod
    def _parse(item: bytes | str | Mapping) -> _Parsed | Result:
        """A line as a JSON object, its canonical text and digest."""
        if isinstance(item, Mapping):
            obj = dict(item)
        else:
            try:
                obj = _loads(item)
            except ValueError:
                return Result.invalid(InvalidOrder([FieldError("(order)", "is not valid JSON")]))
        if not isinstance(obj, dict):
            return Result.invalid(InvalidOrder([FieldError("(order)", "must be a JSON object")]))
        canonical = canonical_json(obj)
        order_id = obj.get("order_id") if isinstance(obj.get("order_id"), str) else None
        return _Parsed(obj, canonical, _sha256(canonical), order_id)

    def _prepare(self, parsed: _Parsed, now) -> _Prepared | Result:
        """Validate, quote and check one order; no database access. ``now`` is in stored form."""
        obj, canonical, digest, order_id = parsed.obj, parsed.canonical, parsed.digest, parsed.order_id
        errors: list[FieldError] = []
        try:
            # One validation pass on the hot path, from the canonical JSON text: pydantic's JSON
            # mode is about 3x faster than validating the parsed dict, with the same rules as
            # `levy quote` on JSON input.
            order = PaidOrder.model_validate_json(canonical)
        except ValidationError:
            order = None
            try:  # again without the payment, for the contract's messages
                parse_order({k: v for k, v in obj.items() if k != "payment"})
            except InvalidOrder as exc:
                errors.extend(exc.fields)
        payment, payment_errors = parse_payment(obj.get("payment"), order.currency if order else None)
        errors.extend(payment_errors)
        if errors:
            return Result.invalid(InvalidOrder(errors, order_id))
        try:
            decision = self.engine.quote(order)
            check = check_payment(order, decision, payment, self.engine.fx)
        except InvalidOrder as exc:
            return Result.invalid(exc)
        except PaymentRefused as exc:
            return Result.refused(exc)

        oid, cur = order.order_id, order.currency
        digits = minor_units(cur)
        facts, threshold = decision.facts, decision.facts.threshold
        ts, day = self._bulk.ts, self._bulk.day
        placed_at, paid_at, recorded_at = ts(order.placed_at), ts(payment.accepted_at), now
        order_row = (
            oid, digest, canonical, cur, digits, placed_at, day(order.placed_on),
            paid_at, day(payment.accepted_on), "paid", recorded_at,
        )
        scheme = decision.scheme.value if decision.scheme else None
        t = threshold
        decision_row = (
            oid, self._bulk.flag(decision.collect), scheme, decision.reason.value, decision.tax_country,
            facts.tax_area, facts.territory, facts.regime, facts.rule,
            to_minor(decision.net_total, digits), to_minor(decision.vat_total, digits),
            to_minor(decision.gross_total, digits), day(decision.rates_as_of),
            facts.engine_version, facts.rates_version,
            t and t.name, t and str(t.limit), t and t.limit_currency, t and str(t.value),
            t and str(t.converted_value), t and t.fx_rate, t and day(t.fx_date), t and t.fx_source,
            t and self._bulk.flag(t.within), t and t.source,
            decision.model_dump_json(),
        )
        review = payment.review
        payment_row = (
            oid, payment.method, payment.currency, to_minor(check.paid, digits), to_minor(check.fee, digits),
            to_minor(check.payable, digits), to_minor(check.difference, digits), paid_at,
            str(check.usd_per_unit) if check.usd_per_unit is not None else None, day(check.fx_on),
            check.fx_source, ",".join(check.flags), review.reviewer if review else None,
            ts(review.approved_at) if review else None,
        )
        line_rows = [
            (oid, r.position, r.kind, r.sku, r.category, r.quantity, r.tax_area, r.rate_percent,
             day(r.rate_valid_from), r.rate_source, r.net, r.vat, r.gross)
            for r in amount_rows(order, decision, digits)
        ]
        event_rows = [
            (oid, 1, "placed", placed_at, recorded_at, None),
            (oid, 2, "paid", paid_at, recorded_at,
             canonical_json({"method": payment.method, "amount": str(check.paid), "currency": cur})),
        ]
        body = {
            "order_id": oid, "status": "recorded", "collect": decision.collect,
            "scheme": scheme, "reason": decision.reason.value,
            "tax_country": decision.tax_country, "currency": cur,
            "net_total": str(decision.net_total), "vat_total": str(decision.vat_total),
            "gross_total": str(decision.gross_total), "fee": str(check.fee),
            "amount_payable": str(check.payable), "paid": str(check.paid),
            "difference": str(check.difference), "flags": list(check.flags),
        }
        return _Prepared(oid, digest, order_row, decision_row, payment_row, line_rows, event_rows, body)

    # ---- life cycle ---------------------------------------------------------------------------

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
    def _log(conn: Connection, order_id: str) -> list[lifecycle.Logged]:
        return [lifecycle.Logged(k, at) for k, at in conn.execute(
            select(events.c.kind, events.c.at).where(events.c.order_id == order_id).order_by(events.c.seq)
        )]

    @staticmethod
    def _append_event(conn: Connection, order_id: str, seq: int, kind: str, at: datetime,
                      status: str, details: dict[str, Any] | None = None) -> None:
        conn.execute(events.insert(), {
            "order_id": order_id, "seq": seq, "kind": kind, "at": at, "recorded_at": _now(),
            "details": canonical_json({**(details or {}), "order_status": status}),
        })
        conn.execute(update(orders).where(orders.c.order_id == order_id).values(status=status))

    def event(self, order_id: str, kind: str, at: datetime | None = None) -> Result:
        """Record a life-cycle event (``shipped``, ``completed``, ``dispute``, ``closed``).

        Raises:
            UnknownOrder, LifecycleRefused: naming the order and the rule.
        """
        at = _aware(at or _now(), "--at")
        for attempt in range(_RETRIES):
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
                    status = lifecycle.next_status(order_id, order.status, log, kind, at)
                    self._append_event(conn, order_id, len(log) + 1, logged_kind, at, status)
                return Result(order_id, "recorded", {
                    "order_id": order_id, "status": "recorded", "event": kind, "at": at.isoformat(),
                    "order_status": status,
                })
            except (IntegrityError, OperationalError) as exc:
                if attempt + 1 < _RETRIES and (isinstance(exc, IntegrityError) or _retryable(exc)):
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
        digest = _sha256(request_json)
        at = _aware(at or _now(), "--at")
        for attempt in range(_RETRIES):
            try:
                with self.db.begin() as conn:
                    done = conn.execute(select(refunds).where(refunds.c.refund_id == refund_id)).one_or_none()
                    if done is not None:
                        return self._refund_again(conn, done, order_id, refund_id, digest)
                    order = self._lock_order(conn, order_id)
                    return self._refund_new(conn, order, refund_id, mode, request, request_json, digest, at)
            except (IntegrityError, OperationalError) as exc:
                if attempt + 1 < _RETRIES and (isinstance(exc, IntegrityError) or _retryable(exc)):
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
        lifecycle.check_refund(order_id, order.status, log, at)
        components = self._components(conn, order_id)
        paid = conn.execute(select(payments.c.amount_minor).where(payments.c.order_id == order_id)).scalar_one()
        refunded_before = conn.execute(
            select(func.coalesce(func.sum(refunds.c.amount_minor), 0)).where(refunds.c.order_id == order_id)
        ).scalar_one()
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
            "net_minor": net, "vat_minor": vat, "outside_base_minor": amount - goods, "recorded_at": _now(),
        })
        if shares:
            conn.execute(refund_lines.insert(), [
                {"refund_id": refund_id, "decision_line_id": s.component.id, "quantity": s.quantity,
                 "net_minor": s.net, "vat_minor": s.vat, "gross_minor": s.gross}
                for s in shares
            ])
        left = sum(c.rem_gross for c in components) - goods
        status = lifecycle.after_refund(order.status, fully_refunded=left == 0)
        self._append_event(conn, order_id, len(log) + 1, "refunded", at, status, {
            "refund_id": refund_id, "mode": mode, "amount": str(from_minor(amount, digits)),
            "vat": str(from_minor(vat, digits)),
        })
        body = self._refund_body(conn, refund_id)
        body["status"] = "recorded"
        return Result(order_id, "recorded", body)

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
        }

    # ---- replay and totals --------------------------------------------------------------------

    def replay(self, order_id: str, *, engine: Engine | None = None) -> ReplayResult:
        """Re-run the engine on the stored order and compare with the stored decision.

        The engine quotes with the ECB rates the decision recorded (``facts.threshold.fx_legs``,
        pinned over the engine's history), so rates imported since (``levy fx import``, a
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
        return ReplayResult(
            order_id, differences,
            {k: stored["facts"][k] for k in versions}, {k: replayed["facts"][k] for k in versions},
            not problems, problems,
        )

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
                for t in (orders, decisions, payments, decision_lines, events, refunds, refund_lines)
            }

    def status(self, order_id: str) -> str:
        """The order's current life-cycle state."""
        with self._read() as conn:
            value = conn.execute(select(orders.c.status).where(orders.c.order_id == order_id)).scalar_one_or_none()
        if value is None:
            raise UnknownOrder(order_id, "UNKNOWN_ORDER", f"order {order_id} is not in the ledger",
                               rule="a committed order")
        return value


def _pinned(engine: Engine, decision: Mapping[str, Any]) -> Engine:
    """``engine`` with the FX legs ``decision`` recorded pinned over its ECB history (the rest of
    the engine, its ratebook included, shared: nothing is reloaded)."""
    legs = recorded_legs(decision)
    if not legs:
        return engine
    replaying = copy.copy(engine)
    replaying.fx = EcbRates.pinned(legs, base=engine.fx)
    return replaying


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise LedgerError(None, "INVALID_TIME", f"{name} {value.isoformat()} must carry its UTC offset",
                          rule="times carry their offset")
    return value


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


__all__ = ["CHUNK_SIZE", "DEFAULT_URL", "Ledger", "ReplayResult", "Result", "TotalsRow", "make_engine", "resolve_url"]
