"""Ledger commands (``levy commit | event | refund | replay | totals``).

Each command prints one JSON object a line (``totals`` prints a table, or JSON with
``--json``) and exits 0 when everything was recorded or already was, 2 when the ledger refused
something (a payment rule, a life-cycle rule, a refund rule, an invalid order, a conflict),
after all input was processed, 3 when ``replay`` finds a decision that differs from the stored
one, and 1 when the database cannot be used (:mod:`levy.cli_conventions`).

The database is ``--db`` (a SQLAlchemy URL or a SQLite file path), else ``LEVY_DATABASE_URL``,
else ``levy.db`` in the current directory. SQLAlchemy is imported only when one of these
commands runs, so ``levy quote`` starts as fast as before.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from levy.cli_conventions import EXIT_FAILURE, EXIT_UNRECONCILED, LEDGER
from levy.cli_conventions import EXIT_INVALID as EXIT_REFUSED
from levy.errors import LevyError, storage_cause
from levy.ledger.errors import LedgerError
from levy.progress import bar_total, line_progress

err_console = Console(stderr=True, soft_wrap=True, highlight=False)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLAlchemy URL or SQLite file (default: $LEVY_DATABASE_URL or levy.db)"),
]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="when it happened, ISO 8601 with UTC offset (default: now)"),
]


def _emit(body: dict) -> None:
    sys.stdout.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")


def _open(db: str | None):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from levy.ledger.store import Ledger, resolve_url  # SQLAlchemy: only when a ledger command runs

    url = resolve_url(db)
    try:
        return Ledger(url)
    except (SQLAlchemyError, LevyError, OSError) as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        cause = storage_cause(exc)
        err_console.print(f"levy: cannot open the ledger at {shown}: {cause + '; nothing was changed' if cause else exc}")
        raise typer.Exit(EXIT_FAILURE) from None


def _at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        err_console.print(f"levy: --at {value!r} must be an ISO 8601 date-time with its UTC offset, "
                          "e.g. 2026-11-05T10:00:00+01:00")
        raise typer.Exit(EXIT_REFUSED)
    return parsed


def _lines(source: str) -> Iterator[bytes]:
    """The non-blank lines of a file (or standard input), read as they are committed."""
    if source == "-":
        yield from (line for line in sys.stdin.buffer if line.strip())
        return
    try:
        with Path(source).open("rb") as stream:
            yield from (line for line in stream if line.strip())
    except OSError as exc:
        err_console.print(f"levy: cannot read {source}: {exc.strerror}")
        raise typer.Exit(EXIT_FAILURE) from None


def commit(
    source: Annotated[str, typer.Argument(metavar="ORDERS.jsonl|-", help="JSON lines: orders, each with a payment object")],
    db: DbOption = None,
    chunk: Annotated[int, typer.Option("--chunk", min=1, help="orders per transaction")] = 1000,
) -> None:
    """Record paid orders: quote, check the payment rules, store. One JSON line out per order."""
    from sqlalchemy.exc import SQLAlchemyError

    ledger = _open(db)
    statuses: Counter = Counter()
    try:
        _run(lambda: ledger.engine)  # load the reference data before reading input: fail early
        with line_progress("levy commit", bar_total(source, err_console), err_console) as advance:
            for result in ledger.commit(_lines(source), chunk_size=chunk):
                statuses[result.status] += 1
                _emit(result.body)
                advance(1)
        sys.stdout.flush()
    except (SQLAlchemyError, OSError) as exc:
        sys.stdout.flush()
        _storage_failure("levy commit", exc, statuses, chunk)
    finally:
        ledger.close()
    summary = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    err_console.print(f"levy commit: {sum(statuses.values())} orders: {summary or 'none'}")
    if statuses["refused"] or statuses["invalid"] or statuses["failed"]:
        raise typer.Exit(EXIT_REFUSED)


def _storage_failure(command: str, exc: BaseException, statuses: Counter, chunk: int) -> NoReturn:
    """One line naming the cause and what was kept, then exit 1 (never a traceback)."""
    cause = storage_cause(exc) or f"the database refused the write ({type(exc).__name__})"
    done = sum(statuses.values())
    err_console.print(
        f"{command}: stopped: {cause}. Kept: the {done} orders answered above "
        f"({statuses['recorded']} recorded, durable); the rest were not confirmed (each chunk of "
        f"{chunk} is one transaction, all or nothing, so nothing partial is stored). Rerun the same "
        "input once fixed: orders already stored answer 'unchanged'."
    )
    raise typer.Exit(EXIT_FAILURE)


def _run(action):
    """Run a ledger action: a refusal is printed as its JSON line (exit 2); reference data that
    cannot be loaded is an error (exit 1)."""
    try:
        return action()
    except LedgerError as exc:
        _emit(exc.body())
        raise typer.Exit(EXIT_REFUSED) from None
    except LevyError as exc:
        err_console.print(f"levy: cannot load reference data: {exc}")
        raise typer.Exit(EXIT_FAILURE) from None


def event(
    order_id: Annotated[str, typer.Argument(metavar="ORDER_ID")],
    kind: Annotated[str, typer.Argument(metavar="shipped|completed|dispute|closed", help="the life-cycle event")],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Record a life-cycle event of a committed order (escrow rules of the platform)."""
    when = _at(at)
    ledger = _open(db)
    try:
        _emit(_run(lambda: ledger.event(order_id, kind, when)).body)
    finally:
        ledger.close()


def _parse_lines(value: str) -> dict[str, int]:
    wanted: dict[str, int] = {}
    for part in value.split(","):
        sku, sep, qty = part.strip().rpartition("=")
        if not sep or not sku or not qty.strip().isdigit() or int(qty) < 1:
            err_console.print(f"levy: --lines takes SKU=QTY,... with whole quantities >= 1; got {part!r}")
            raise typer.Exit(EXIT_REFUSED)
        wanted[sku] = wanted.get(sku, 0) + int(qty)
    return wanted


def refund(
    order_id: Annotated[str, typer.Argument(metavar="ORDER_ID")],
    refund_id: Annotated[str, typer.Option("--refund-id", help="the platform's refund id (idempotency key)")],
    full: Annotated[bool, typer.Option("--full", help="refund everything still refundable, fee included")] = False,
    amount: Annotated[str | None, typer.Option("--amount", help="gross amount, in the order's currency")] = None,
    lines: Annotated[str | None, typer.Option("--lines", help="units of lines: SKU=QTY,SKU=QTY")] = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Refund an order; split between net and VAT at the original rates, pro rata, to the cent."""
    if sum((full, amount is not None, lines is not None)) != 1:
        err_console.print("levy: give exactly one of --full, --amount X or --lines SKU=QTY,...")
        raise typer.Exit(EXIT_REFUSED)
    when = _at(at)
    wanted = _parse_lines(lines) if lines is not None else None
    ledger = _open(db)
    try:
        _emit(_run(lambda: ledger.refund(order_id, refund_id, full=full, amount=amount, lines=wanted, at=when)).body)
    finally:
        ledger.close()


def replay(
    order_id: Annotated[str, typer.Argument(metavar="ORDER_ID")],
    db: DbOption = None,
) -> None:
    """Re-run the engine on a committed order's stored facts; exit 3 if the decisions differ."""
    ledger = _open(db)
    try:
        result = _run(lambda: ledger.replay(order_id))
    finally:
        ledger.close()
    _emit(result.body())
    if not result.agree:
        raise typer.Exit(EXIT_UNRECONCILED)


def totals(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line per group instead of a table")] = False,
) -> None:
    """What the ledger holds: VAT charged, refunded and collected by tax country and currency."""
    ledger = _open(db)
    try:
        rows = ledger.totals()
    finally:
        ledger.close()
    if as_json:
        for row in rows:
            _emit(row.as_dict())
        return
    table = Table(title="VAT collected through the platform (charged - refunded), by tax country")
    for col in ("country", "scheme", "cur.", "orders", "charged", "refunded", "collected"):
        table.add_column(col, justify="left" if col in ("country", "scheme", "cur.") else "right", no_wrap=True)
    other: Counter = Counter()
    for row in rows:
        if row.tax_country is None:
            other[row.currency] += row.orders
            continue
        table.add_row(row.tax_country, row.scheme, row.currency, str(row.orders), str(row.vat),
                      str(row.refunded_vat), str(row.vat_collected))
    console = Console()
    console.print(table)
    if other:
        console.print("paid orders on which nothing is collected: "
                      + ", ".join(f"{n} in {c}" for c, n in sorted(other.items())))


def register(app: typer.Typer) -> None:
    """Add the ledger commands to the ``levy`` application."""
    app.command("commit", rich_help_panel=LEDGER)(commit)
    app.command("event", rich_help_panel=LEDGER)(event)
    app.command("refund", rich_help_panel=LEDGER)(refund)
    app.command("replay", rich_help_panel=LEDGER)(replay)
    app.command("totals", rich_help_panel=LEDGER)(totals)


__all__ = ["register"]
