"""Command line (``levy``): quote orders, look up rates, run the demo.

``levy quote`` follows the checkout contract's command-line table exactly: one JSON order in,
one decision out; JSON lines in, one decision (or error object) a line out, in order; exit 2
when any order got an error, after all were processed.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer._click.exceptions import UsageError  # typer vendors click: its usage errors are these
from typer.core import TyperGroup
from rich.console import Console
from rich.table import Table

from pydantic_core import from_json

from levy.chargebook import Chargebook, data_version
from levy.cli_conventions import (
    CHECKOUT,
    EXIT_FAILURE,
    EXIT_INVALID,
    EXIT_USAGE,
    FINANCE,
    PANELS,
    REFERENCE_DATA,
)
from levy.countries import country_name
from levy.currencies import ISO_4217_PUBLISHED
from levy.engine import Engine
from levy.errors import InvalidOrder, LevyError, internal_error_body
from levy.fx import default_rates
from levy.models import RATED_CATEGORIES, Decision, ErrorBody, Order
from levy.progress import MIN_LINES, line_progress
from levy.ratebook import Ratebook



class LevyGroup(TyperGroup):
    """The ``levy`` command group: a usage error (unknown command or option, missing argument,
    malformed value) exits :data:`EXIT_USAGE` (64) instead of click's 2, which Levy keeps for
    invalid input and refused orders. Sub-groups' parsing runs inside :meth:`invoke`."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise

    def list_commands(self, ctx) -> list[str]:
        """Commands in panel order (:data:`PANELS`), then in registration order: the help shows
        the panels in that order whatever order the modules register in."""
        names = super().list_commands(ctx)
        rank = {panel: i for i, panel in enumerate(PANELS)}
        return sorted(names, key=lambda n: rank.get(self.commands[n].rich_help_panel, len(PANELS)))


app = typer.Typer(cls=LevyGroup, add_completion=False, no_args_is_help=True,
                  help="Levy: cross-border VAT/GST engine for marketplaces.")
err_console = Console(stderr=True)


def version_text() -> str:
    """What ``levy --version`` prints: the package, the rates data and the ECB data's last day."""
    book = Ratebook()
    version = data_version(book.version, Chargebook(book.rates_dir).version)
    fx = default_rates()
    return (f"levy {metadata.version('levy')}\n"
            f"rates {version} ({book.rates_dir})\n"
            f"ECB reference rates to {fx.last_date.isoformat()}\n"
            f"ISO 4217 table published {ISO_4217_PUBLISHED.isoformat()}")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the package version, the rates version and the ECB data's last day.")] = None,
) -> None:
    """Levy: cross-border VAT/GST engine for marketplaces."""


def _engine():
    try:
        return Engine()
    except LevyError as exc:
        err_console.print(f"[red]levy: cannot load reference data:[/red] {exc}")
        raise typer.Exit(EXIT_FAILURE) from None


def _read_input(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    try:
        return path.read_bytes()
    except OSError as exc:
        err_console.print(f"levy: cannot read {source}: {exc.strerror}")
        raise typer.Exit(EXIT_FAILURE) from None


def _split_orders(data: bytes) -> tuple[bool, list[bytes]]:
    """One JSON object (pretty or not), or JSON lines. Returns (single, payloads).

    JSON lines when the first non-blank line is a complete JSON object by itself and more lines
    follow; otherwise the whole input is one order (a pretty-printed object spans lines). Only
    the first line is parsed here: a 100,000-line batch is not parsed twice.
    """
    lines = [line for line in data.splitlines() if line.strip()]
    if not lines:
        return False, []
    if len(lines) > 1:
        try:  # pydantic-core's parser: bounded recursion, a ValueError on 1,000-deep nesting
            first = from_json(lines[0])
        except ValueError:
            first = None
        if not isinstance(first, dict):
            try:  # a pretty-printed object, or JSON lines opening with a bad line?
                whole = from_json(data)
            except ValueError:
                whole = None
            if isinstance(whole, dict):
                return True, [data.strip()]
    return len(lines) == 1, lines


_WORKER_ENGINE = None
"""The Engine a forked batch worker inherits from the parent (loaded once, before the fork)."""
PARALLEL_FROM_LINES = 8192
"""Batches at least this long are split over worker processes (one per core)."""
CHUNK_LINES = 2048


def _quote_chunk(payloads: list[bytes], indent: int | None = None, engine=None) -> tuple[str, list[int]]:
    """Decisions (or error objects) for a chunk of orders, one JSON text per order, in order,
    and the positions (in the chunk) of the invalid ones."""
    engine = engine or _WORKER_ENGINE
    chunks: list[str] = []
    failed: list[int] = []
    separators = None if indent else (",", ":")
    for position, payload in enumerate(payloads):
        try:
            decision = engine.quote(payload)
            chunks.append(decision.model_dump_json(indent=indent))
        except InvalidOrder as exc:
            failed.append(position)
            chunks.append(json.dumps(exc.body(), indent=indent, ensure_ascii=False, separators=separators))
        except Exception as exc:  # noqa: BLE001 - one order's bug must not stop the batch (issue 18)
            failed.append(position)
            body = internal_error_body(engine.order_id_of(payload), exc)
            chunks.append(json.dumps(body, indent=indent, ensure_ascii=False, separators=separators))
    return "\n".join(chunks) + "\n", failed


def _quote_batches(engine, payloads: list[bytes], indent: int | None, jobs: int):
    """Yield (text, failed positions) per chunk, in input order; forked workers share the Engine."""
    chunks = [payloads[i:i + CHUNK_LINES] for i in range(0, len(payloads), CHUNK_LINES)]
    if jobs <= 1 or len(payloads) < PARALLEL_FROM_LINES or indent is not None:
        for chunk in chunks:
            yield _quote_chunk(chunk, indent, engine)
        return
    import multiprocessing

    global _WORKER_ENGINE
    _WORKER_ENGINE = engine  # inherited by the forked workers: no reload per process
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap(_quote_chunk, chunks)


SHOWN_INVALID = 10
"""How many invalid orders the summary names by position."""


def invalid_summary(total: int, invalid: list[int]) -> str:
    """The one line ``levy quote`` prints on standard error when orders were invalid; positions
    count the input's orders from 1 (blank lines skipped).

    >>> invalid_summary(300, [3, 16])
    'levy quote: 2 of 300 orders invalid (orders 4, 17 of the input); 298 decided'
    """
    shown = ", ".join(str(i + 1) for i in invalid[:SHOWN_INVALID])
    more = f" and {len(invalid) - SHOWN_INVALID} more" if len(invalid) > SHOWN_INVALID else ""
    noun = "order" if len(invalid) == 1 else "orders"
    return (f"levy quote: {len(invalid)} of {total} orders invalid ({noun} {shown}{more} of the input); "
            f"{total - len(invalid)} decided")


@app.command(rich_help_panel=CHECKOUT)
def quote(
    source: Annotated[str, typer.Argument(metavar="ORDER.json|ORDERS.jsonl|-", help="an order, JSON lines of orders, or - for standard input")],
    pretty: Annotated[bool, typer.Option("--pretty", help="indent the JSON output")] = False,
    jobs: Annotated[int, typer.Option("--jobs", min=0, help="worker processes for large batches (0: one per core)")] = 0,
) -> None:
    """Decide orders: one decision (or error object) per order, in order."""
    import os

    engine = _engine()
    _, payloads = _split_orders(_read_input(source))
    out = sys.stdout
    invalid: list[int] = []
    total = len(payloads) if source != "-" and len(payloads) > MIN_LINES and err_console.is_terminal else None
    batches = _quote_batches(engine, payloads, 2 if pretty else None, jobs or os.cpu_count() or 1)
    with line_progress("levy quote", total, err_console) as advance:
        for done, (text, chunk_invalid) in enumerate(batches):
            out.write(text)
            invalid.extend(done * CHUNK_LINES + position for position in chunk_invalid)
            advance(min(CHUNK_LINES, len(payloads) - done * CHUNK_LINES))
    out.flush()
    if invalid:
        print(invalid_summary(len(payloads), invalid), file=sys.stderr)
        raise typer.Exit(EXIT_INVALID)


@app.command(rich_help_panel=REFERENCE_DATA)
def rates(
    country: Annotated[str, typer.Argument(help="tax area: ISO country code (DE) or region (PT-30)")],
    on: Annotated[Optional[str], typer.Option("--on", help="date YYYY-MM-DD (default: today)")] = None,
    history: Annotated[bool, typer.Option("--history", help="every row, past and scheduled")] = False,
) -> None:
    """Print the VAT/GST rates of a country by category, with their effective dates and sources."""
    try:
        book = Ratebook()
        day = date.fromisoformat(on) if on else date.today()
    except ValueError as exc:
        err_console.print(f"levy: {exc}")
        raise typer.Exit(EXIT_INVALID) from None
    area = country.upper()
    if area not in book.tax_areas():
        err_console.print(f"levy: no rates for {area!r}; known: {', '.join(book.tax_areas())}")
        raise typer.Exit(EXIT_INVALID)
    table = Table(title=f"{area} rates" + ("" if history else f" on {day}"))
    for col in ("category", "rate %", "valid from", "valid to", "source"):
        table.add_column(col, overflow="fold")
    for category in RATED_CATEGORIES:
        rows = book.rate_lines.get((area, category.value), [])
        for _, row in rows:
            if history or row.covers(day):
                table.add_row(category.value, str(row.rate_percent), str(row.valid_from),
                              str(row.valid_to or ""), row.source)
    Console().print(table)


@app.command(rich_help_panel=CHECKOUT)
def schema(which: Annotated[str, typer.Argument(help="order | decision | error")] = "order") -> None:
    """Print the JSON schema of the contract's order, decision or error object."""
    models = {"order": Order, "decision": Decision, "error": ErrorBody}
    if which not in models:
        err_console.print(f"levy: choose one of {', '.join(models)}")
        raise typer.Exit(EXIT_INVALID)
    print(json.dumps(models[which].model_json_schema(), indent=2))


@app.command(rich_help_panel=CHECKOUT)
def demo(
    source: Annotated[Path, typer.Argument(help="JSON lines of orders")] = Path("examples/orders.jsonl"),
) -> None:
    """Quote a batch and print what would be collected, by destination and reason."""
    engine = _engine()
    _, payloads = _split_orders(_read_input(str(source)))
    reasons_by_country: dict[str, Counter] = defaultdict(Counter)
    vat_by_country: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    schemes: Counter = Counter()
    reasons: Counter = Counter()
    errors = []
    for payload in payloads:
        try:
            d = engine.quote(payload)
        except InvalidOrder as exc:
            errors.append(exc)
            continue
        country = json.loads(payload)["ship_to"]["country"]
        reasons_by_country[country][d.reason.value] += 1
        reasons[d.reason.value] += 1
        if d.collect:
            schemes[d.scheme.value] += 1
            vat_by_country[(d.tax_country, d.currency)] += d.vat_total
    console = Console()
    table = Table(title=f"{len(payloads)} orders from {source}: decisions by destination")
    for col, justify in (("destination", "left"), ("orders", "right"), ("collected", "right"), ("reasons", "left")):
        table.add_column(col, justify=justify)
    for country, counts in sorted(reasons_by_country.items()):
        collected = sum(n for r, n in counts.items() if r.startswith("DEEMED_SUPPLIER"))
        table.add_row(f"{country} {country_name(country)}", str(sum(counts.values())), str(collected),
                      ", ".join(f"{r} {n}" for r, n in counts.most_common()))
    console.print(table)
    summary = Table(title="by reason")
    summary.add_column("reason")
    summary.add_column("orders", justify="right")
    for reason, n in reasons.most_common():
        summary.add_row(reason, str(n))
    console.print(summary)
    totals = Table(title="tax the platform collects, by tax country and order currency")
    for col in ("tax country", "currency", "tax"):
        totals.add_column(col, justify="right" if col == "tax" else "left")
    for (country, currency), amount in sorted(vat_by_country.items()):
        totals.add_row(f"{country} {country_name(country)}", currency, str(amount))
    console.print(totals)
    console.print("collected by scheme: " + ", ".join(f"{k} {v}" for k, v in sorted(schemes.items())))
    for exc in errors:
        console.print(f"[red]invalid[/red] {exc.order_id}: {exc}")
    if errors:
        raise typer.Exit(EXIT_INVALID)


# The checkout service (issue 6): `levy serve`, `levy keys`. FastAPI and uvicorn load only when
# one of them runs (levy.api.commands imports typer alone).
from levy.api.commands import register as _register_service  # noqa: E402

_register_service(app)

# `levy fx import|update|status|rate`: the ECB rates store (levy.fx.cli).
from levy.fx.cli import app as _fx_app  # noqa: E402

app.add_typer(_fx_app, name="fx", rich_help_panel=REFERENCE_DATA)

# The ledger (issue 4): `levy commit|event|refund|replay|totals`. SQLAlchemy loads only when one
# of them runs (levy.ledger.cli imports typer and rich alone).
from levy.ledger.cli import register as _register_ledger  # noqa: E402

_register_ledger(app)

# Monthly returns (issue 5): `levy report`, `levy export`. pandas, Arrow and Dask load only when
# one of them runs (levy.reports.commands imports typer and rich alone).
from levy.reports.commands import register as _register_reports  # noqa: E402

_register_reports(app)

from levy.regimes._cli import register as _register_regimes  # noqa: E402  (`levy regimes`)

_register_regimes(app)


# VIES (issue 16): `levy vies check|sweep|report`. httpx and SQLAlchemy load only when one of
# them runs (levy.vies.cli imports typer alone).
from levy.vies.cli import app as _vies_app  # noqa: E402

app.add_typer(_vies_app, name="vies", rich_help_panel=FINANCE)

# `levy review html`: the compliance review notebooks (levy.review); nbclient, papermill and
# pandas load only when it runs.
from levy.review.commands import register as _register_review  # noqa: E402

_register_review(app)


# The bulk engine (issue 15): `levy requote`, `levy audit`. Arrow loads only when one of them runs
# (levy.bulk.commands imports typer, rich and the engine alone).
from levy.bulk.commands import register as _register_bulk  # noqa: E402

_register_bulk(app)


def main() -> None:  # console script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
