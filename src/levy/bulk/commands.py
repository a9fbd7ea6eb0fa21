"""``levy requote`` (and ``levy audit``): the bulk engine's command line.

This module imports typer, rich and the engine (which ``levy.cli`` loads anyway); Arrow loads
only when a bulk command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from levy.cli_conventions import CHECKOUT, EXIT_FAILURE, EXIT_INVALID, LEDGER
from levy.engine import Engine
from levy.errors import LevyError

err_console = Console(stderr=True)


def requote(
    table: Annotated[Path, typer.Argument(metavar="TABLE", help="bulk order table (.parquet or .csv), or JSON lines of orders with --from-jsonl")],
    out: Annotated[Path, typer.Option("--out", help="decisions, one row per order (.parquet or .csv)")],
    from_jsonl: Annotated[bool, typer.Option("--from-jsonl", help="TABLE is JSON lines of contract orders: convert them to the bulk table first")] = False,
    table_out: Annotated[Optional[Path], typer.Option("--table-out", help="with --from-jsonl: also write the converted bulk table (.parquet)")] = None,
) -> None:
    """Decide every order of a bulk order table (contract v1.1) with the engine of `levy quote`."""
    import pyarrow as pa  # Arrow loads only when a bulk command runs
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    from levy.bulk.requote import requote as run  # these import Arrow: deferred like it
    from levy.bulk.table import TableError, orders_to_table, read_table

    try:
        if from_jsonl:
            orders = [json.loads(line) for line in table.read_text(encoding="utf-8").splitlines() if line.strip()]
            data = orders_to_table(orders)
            if table_out:
                pq.write_table(data, table_out)
        else:
            data = read_table(table)
        engine = Engine()
    except (TableError, OSError, ValueError, LevyError) as exc:
        err_console.print(f"levy requote: {exc}")
        raise typer.Exit(EXIT_FAILURE) from None
    result, summary = run(engine, data)
    try:
        if out.suffix.lower() == ".csv":
            pa_csv.write_csv(result, out)
        else:
            pq.write_table(result, out)
    except (OSError, pa.ArrowException) as exc:
        err_console.print(f"levy requote: cannot write {out}: {exc}")
        raise typer.Exit(EXIT_FAILURE) from None
    facts = summary.as_dict()
    err_console.print(
        f"levy requote: {facts['orders']} orders ({facts['lines']} lines) in {facts['seconds']} s, "
        f"{facts['orders_per_second']} orders/s; decided by the engine {facts['decided']}, "
        f"same fields as an earlier order {facts['reused']}, fall-backs (order_json) "
        f"{facts['fallbacks']}, invalid {facts['errors']}")
    if summary.errors:
        raise typer.Exit(EXIT_INVALID)


def audit(
    period: Annotated[str, typer.Option("--period", help="YYYY-MM or YYYY-Qn (orders by the day they were paid)")],
    scheme: Annotated[Optional[str], typer.Option("--scheme", help="only orders recorded under this scheme, e.g. EU_IOSS")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy URL or SQLite file (default: $LEVY_DATABASE_URL or levy.db)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON instead of tables")] = False,
) -> None:
    """Re-decide every order of a ledger period with today's rates data; list what differs."""
    from sqlalchemy.exc import SQLAlchemyError  # SQLAlchemy loads only when the audit runs

    from levy.bulk.audit import audit_ledger  # imports SQLAlchemy: deferred like it

    try:
        report = audit_ledger(Engine(), db, period, scheme)
    except (LevyError, SQLAlchemyError, OSError) as exc:
        err_console.print(f"levy audit: {exc}")
        raise typer.Exit(EXIT_FAILURE) from None
    body = report.as_dict()
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    console = Console()
    table = Table(title=f"{body['orders']} orders of {period}: {body['orders_differing']} differ from today's decision")
    for col in ("order", "field", "recorded", "re-decided", "rates (recorded -> today)"):
        table.add_column(col, overflow="fold")
    for d in body["differences"]:
        rates = " -> ".join(", ".join(f"{r['tax_area']} {r['category']} {r['rate_percent']}% from {r['valid_from']}"
                                      for r in d["rates"][side]) or "-" for side in ("recorded", "re_decided"))
        table.add_row(d["order_id"], d["field"], str(d["recorded"]), str(d["re_decided"]), rates)
    console.print(table)
    totals = Table(title="tax collected vs today's answer, by tax country and currency")
    for col in ("tax country", "currency", "under-collected", "over-collected", "net"):
        totals.add_column(col, justify="left" if col in ("tax country", "currency") else "right")
    for t in body["totals"]:
        totals.add_row(t["tax_country"], t["currency"], t.get("under_collected", "0"),
                       t.get("over_collected", "0"), t.get("net_difference", "0"))
    console.print(totals)


def register(app: typer.Typer) -> None:
    """Add ``levy requote`` and ``levy audit`` to the command line."""
    app.command("requote", rich_help_panel=CHECKOUT)(requote)
    app.command("audit", rich_help_panel=LEDGER)(audit)
