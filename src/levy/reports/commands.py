"""``levy report`` and ``levy export`` (typer). Imports typer and rich only: pandas, Arrow,
SQLAlchemy and Dask load when one of these commands runs, never for ``levy quote``.

Exit codes (:mod:`levy.cli_conventions`): 0 written; 2 refused input (a period written neither
``YYYY-MM`` nor ``YYYY-Qn``, an unknown scheme, a scheme that does not file for that kind of
period, an export without the ledger's totals); 3 a report that does not reconcile with the
ledger to the cent; nothing is written on 2 or 3; 1 the report cannot be made yet or at all (no
ECB rate for the period's end: its message names the day and the ``levy fx`` command that
fetches it; no ledger; unreadable input).
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from levy.cli_conventions import EXIT_FAILURE, EXIT_INVALID, EXIT_UNRECONCILED, FINANCE
from levy.errors import LevyError, storage_cause
from levy.fx import default_rates
from levy.money import minor_units


class EngineName(StrEnum):
    pandas = "pandas"
    dask = "dask"


DbOption = Annotated[
    str | None,
    typer.Option("--db", help="the ledger: SQLAlchemy URL or SQLite file (default: $LEVY_DATABASE_URL or levy.db)"),
]
PeriodOption = Annotated[str, typer.Option("--period", help="the month, YYYY-MM")]
ReturnPeriodOption = Annotated[str, typer.Option(
    "--period", help="the return's period: YYYY-MM for monthly schemes (IOSS), YYYY-Qn for quarterly ones (OSS)")]


def _fail(console: Console, message: str, code: int = EXIT_FAILURE) -> None:
    from rich.markup import escape

    console.print(f"[red]levy:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _progress(console: Console, label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # Only on a terminal: in a log (make demo, CI) a bar is noise.
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


def _totals_table(run, out: Path) -> Table:
    table = Table(title=f"Collections {run.report.period}: returns written to {out}")
    for column, justify in (("scheme", "left"), ("currency", "left"), ("orders", "right"),
                            ("taxable amount", "right"), ("VAT", "right"),
                            ("corrections VAT", "right"), ("VAT due", "right")):
        table.add_column(column, justify=justify)
    for scheme in run.report.schemes.values():
        t = scheme.totals()
        d = minor_units(scheme.currency)
        table.add_row(scheme.scheme, scheme.currency, f"{t['orders']:,}", f"{t['taxable']:,.{d}f}",
                      f"{t['vat']:,.{d}f}", f"{t['corrections_vat']:,.{d}f}", f"{t['vat_due']:,.{d}f}")
    return table


def _dask_client(scheduler: str | None, workers: int):
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None, silence_logs=40)
    return Client(cluster)


def _lines_source(from_parquet: Path, engine: EngineName, scheduler: str | None, workers: int):
    from levy.reports.aggregate import DaskLines, ParquetLines  # pandas, Dask: see report()

    if engine is EngineName.pandas:
        return ParquetLines(from_parquet), None
    client = _dask_client(scheduler, workers)
    return DaskLines(from_parquet, client=client), client


def _ledger_on_dask(ledger_lines, period: str, scheduler: str | None, workers: int):
    """The month's lines read from the ledger, handed to a Dask cluster in partitions."""
    import dask.dataframe as dd

    from levy.reports.aggregate import DaskLines  # Dask: see report()

    frame = ledger_lines.frame(period)
    client = _dask_client(scheduler, workers)
    parts = max(1, len(frame) // 1_000_000 + (1 if len(frame) % 1_000_000 else 0))
    return DaskLines(frame=dd.from_pandas(frame, npartitions=parts), client=client), client


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def report(
    period: ReturnPeriodOption,
    out: Annotated[Path, typer.Option("--out", help="directory for the report files")],
    scheme: Annotated[list[str] | None, typer.Option("--scheme", help="only this scheme (repeat for more); a scheme with no collections gets a nil return")] = None,
    db: DbOption = None,
    from_parquet: Annotated[Path | None, typer.Option("--from-parquet", help="read the collection lines of a `levy export` directory (checked against the ledger totals saved with it, or against --db if given)")] = None,
    engine: Annotated[EngineName, typer.Option("--engine", help="pandas (one machine, streamed) or dask (a cluster)")] = EngineName.pandas,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster)")] = None,
    workers: Annotated[int, typer.Option("--workers", help="workers of the local Dask cluster")] = 2,
) -> None:
    """Write a period's returns, one folder per scheme (OUT/<scheme>/<period>/: README, by
    country, corrections, by currency as CSV and Parquet, an Excel workbook, a chart), from the
    ledger, once they reconcile with it to the cent."""
    from sqlalchemy.exc import SQLAlchemyError

    # pandas, Arrow, Dask: only when `levy report` runs, never on `levy quote`
    from levy.reports.export import SnapshotMissing, SnapshotTotals
    from levy.reports.ledger import open_ledger, open_month
    from levy.reports.periods import check_scheme_period
    from levy.reports.reconcile import ReconciliationError
    from levy.reports.schema import FILING_CURRENCIES, ReportError, check_return_period, months_of

    console, err = Console(), Console(stderr=True)
    try:
        check_return_period(period)
    except ReportError as exc:
        _fail(err, str(exc), EXIT_INVALID)
    unknown = [s for s in scheme or () if s not in FILING_CURRENCIES]
    if unknown:
        _fail(err, f"unknown scheme {unknown[0]!r}; schemes: {', '.join(sorted(FILING_CURRENCIES))}", EXIT_INVALID)
    try:
        for name in scheme or ():
            check_scheme_period(name, period)
    except ReportError as exc:
        _fail(err, str(exc), EXIT_INVALID)
    if from_parquet is not None and not from_parquet.is_dir():
        _fail(err, f"no collection lines at {from_parquet}: run `levy export --period {period} --out "
                   f"{from_parquet}` first")
    from levy.reports.charges import charges_table, write_charges  # pandas, deferred like the rest
    from levy.reports.run import ReportRun, make_report  # pandas, matplotlib: see above
    from levy.reports.writers import write_report

    client = None
    checked_against = ""
    try:
        with ExitStack() as stack:
            ledger_lines = queries = None
            if from_parquet is None or db is not None:
                ledger = stack.enter_context(open_ledger(db))
                ledger_lines, queries = stack.enter_context(open_month(ledger))
                checked_against = f"the ledger {_shown(ledger.url)}"
            if from_parquet is not None:
                totals = queries
                if totals is None:
                    totals = SnapshotTotals(from_parquet)
                    # Refuse an export without totals before reading it (a quarter: each month's).
                    exported = [totals.manifest(month) for month in months_of(period)][-1]
                    checked_against = (f"the ledger totals exported with the lines ({exported['ledger']}, "
                                       f"{exported['exported_at']})")
                lines, client = _lines_source(from_parquet, engine, scheduler, workers)
                source = f"{from_parquet} ({engine.value})"
            else:
                totals = queries
                if engine is EngineName.dask:
                    lines, client = _ledger_on_dask(ledger_lines, period, scheduler, workers)
                else:
                    lines = ledger_lines
                source = f"the ledger ({engine.value})"
            with _progress(err, f"{period}: reading collection lines from {source}") as bar:
                task = bar.add_task("lines", total=None)
                report_, checked = make_report(
                    lines, period, schemes=scheme or None, ledger=totals,
                    progress=lambda done, total: bar.update(task, completed=done, total=total or None),
                )
            # Duties and fees: customs debt and fees, never part of a VAT return (own file).
            charges = charges_table(queries.conn, period) if queries is not None else None
        try:
            paths = write_report(report_, out)
            if charges is not None:
                paths.append(write_charges(charges, period, out))
        except OSError as exc:  # the returns are written all or nothing (write_report)
            _fail(err, f"cannot write the report into {out}: {storage_cause(exc) or exc.strerror or exc}; "
                       "no return of it was written (what the directory held before is unchanged)")
    except ReconciliationError as exc:
        _fail(err, str(exc), EXIT_UNRECONCILED)
    except SnapshotMissing as exc:  # nothing to reconcile with: refused input
        _fail(err, str(exc), EXIT_INVALID)
    except LevyError as exc:  # no ECB rate for the period's end yet, no ledger, bad lines
        _fail(err, str(exc))
    except SQLAlchemyError as exc:
        cause = storage_cause(exc)
        _fail(err, f"cannot read the ledger: {cause or exc}; nothing was written")
    finally:
        if client is not None:
            cluster = None if scheduler else getattr(client, "cluster", None)
            client.close()
            if cluster is not None:  # the local cluster this command started
                cluster.close()

    if report_.schemes:
        # Wide enough for the amounts of a large month even when the output is not a terminal.
        Console(width=max(console.width, 120)).print(_totals_table(ReportRun(report_, checked, paths), out))
    else:
        console.print(f"no collections in {period} for the schemes that file "
                      f"{'quarterly' if 'Q' in period else 'monthly'}: nothing to file (ask for a nil return "
                      "with --scheme)", highlight=False)
    console.print(f"reconciled with {checked_against}: {checked.groups} group(s), to the cent in the order "
                  f"currencies; {len(paths)} files in {out}", highlight=False, soft_wrap=True)


def export(
    period: PeriodOption,
    out: Annotated[Path, typer.Option("--out", help="the export's directory (partitioned by scheme and period)")],
    db: DbOption = None,
) -> None:
    """Export a month of the ledger as partitioned Parquet collection lines, with a snapshot of
    the ledger's totals so that `levy report --from-parquet` is reconciled too."""
    from sqlalchemy.exc import SQLAlchemyError

    # pandas, Arrow: only when `levy export` runs, never on `levy quote`
    from levy.reports.export import export_period, snapshot_dir
    from levy.reports.ledger import open_ledger
    from levy.reports.reconcile import ReconciliationError
    from levy.reports.schema import ReportError, parse_period

    console, err = Console(), Console(stderr=True)
    try:
        parse_period(period)
    except ReportError as exc:
        _fail(err, str(exc), EXIT_INVALID)
    try:
        with open_ledger(db) as ledger, _progress(err, f"{period}: exporting collection lines") as bar:
            task = bar.add_task("lines", total=None)
            result = export_period(
                ledger, period, out,
                progress=lambda done, total: bar.update(task, completed=done, total=total or None),
            )
    except ReconciliationError as exc:
        _fail(err, str(exc), EXIT_UNRECONCILED)
    except LevyError as exc:
        _fail(err, str(exc))
    except SQLAlchemyError as exc:
        _fail(err, f"cannot read the ledger: {exc}")
    except OSError as exc:
        _fail(err, f"cannot write the export to {out}: {exc}")
    console.print(
        f"{result.lines:,} collection lines of {period} ({result.orders:,} orders paid, {result.groups} groups) "
        f"in {out}; the ledger's totals in {snapshot_dir(out, period)}", highlight=False, soft_wrap=True)


def _parse_day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date written YYYY-MM-DD", param_hint="--from") from None


def calendar(
    from_: Annotated[str | None, typer.Option("--from", help="first due date of the window, YYYY-MM-DD (default: today)")] = None,
    months: Annotated[int, typer.Option("--months", min=1, max=120, help="length of the window in months")] = 3,
    db: Annotated[str | None, typer.Option("--db", help="the ledger, to say which returns have activity (SQLAlchemy URL or SQLite file)")] = None,
    out: Annotated[Path, typer.Option("--out", help="the reports directory `levy report --out` writes into")] = Path("reports"),
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array instead of the table")] = False,
) -> None:
    """Every return due in the window, per scheme and period: due date, activity in the
    ledger, whether the ECB rate it converts at is published, whether it was written."""
    import json

    from sqlalchemy.exc import SQLAlchemyError

    # Deferred like the other commands here: these load pandas and SQLAlchemy, which
    # `levy --help` and `levy quote` must not.
    from levy.reports.calendar import add_months
    from levy.reports.calendar import calendar as due_returns

    console, err = Console(), Console(stderr=True)
    first = _parse_day(from_)
    last = add_months(first, months) - timedelta(days=1)
    try:
        with ExitStack() as stack:
            queries = None
            if db is not None:
                from levy.ledger.queries import reading  # deferred: SQLAlchemy + pandas
                from levy.reports.ledger import open_ledger  # SQLAlchemy + pandas

                ledger = stack.enter_context(open_ledger(db))
                queries = stack.enter_context(reading(ledger))
            rows = due_returns(first, last, fx=default_rates(), out=out, queries=queries)
    except LevyError as exc:
        _fail(err, str(exc))
    except SQLAlchemyError as exc:
        _fail(err, f"cannot read the ledger: {exc}")
    if as_json:
        console.print_json(json.dumps([r.as_json() for r in rows]))
        return
    table = Table(title=f"Returns due {first.isoformat()} to {last.isoformat()}")
    for column in ("due", "scheme", "period", "currency", "ledger", "ECB rate", "written"):
        table.add_column(column)
    for r in rows:
        activity = ("not read (--db)" if r.activity is None
                    else f"{r.orders:,} orders" if r.activity else "nil return")
        rate = (f"published ({r.rate_day.isoformat()})" if r.rate_day
                else f"[yellow]not yet[/yellow] (needs {r.rate_needed.isoformat()} or the next publication)")
        written = f"[green]yes[/green] {r.folder}" if r.written else "no"
        table.add_row(r.due.isoformat(), r.scheme, r.period, r.currency, activity, rate, written)
    Console(width=max(console.width, 140)).print(table)


def register(app: typer.Typer) -> None:
    """Add ``levy report``, ``levy export`` and ``levy calendar`` to the command line."""
    app.command("report", rich_help_panel=FINANCE)(report)
    app.command("export", rich_help_panel=FINANCE)(export)
    app.command("calendar", rich_help_panel=FINANCE)(calendar)
