"""``levy report`` and ``levy export`` (typer). Imports typer and rich only: pandas, Arrow and
Dask load when one of these commands runs, never for ``levy quote``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

EXIT_FAILURE = 1
EXIT_INVALID = 2


class EngineName(StrEnum):
    pandas = "pandas"
    dask = "dask"


def _fail(console: Console, message: str, code: int = EXIT_FAILURE) -> None:
    console.print(f"[red]levy:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _progress(console: Console, label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)


def _totals_table(run, out: Path) -> Table:
    from levy.money import minor_units

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


def _lines_source(from_parquet: Path | None, engine: EngineName, scheduler: str | None, workers: int):
    from levy.reports.aggregate import DaskLines, ParquetLines

    if engine is EngineName.pandas:
        return ParquetLines(from_parquet), None
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        return DaskLines(from_parquet, client=client), client
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None, silence_logs=40)
    client = Client(cluster)
    return DaskLines(from_parquet, client=client), client


def report(
    period: Annotated[str, typer.Option("--period", help="the month, YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", help="directory for the report files")],
    scheme: Annotated[Optional[list[str]], typer.Option("--scheme", help="only this scheme (repeat for more); a scheme with no collections gets a nil return")] = None,
    from_parquet: Annotated[Optional[Path], typer.Option("--from-parquet", help="read the collection lines of a `levy export` directory")] = None,
    engine: Annotated[EngineName, typer.Option("--engine", help="pandas (one machine, streamed) or dask (a cluster)")] = EngineName.pandas,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster)")] = None,
    workers: Annotated[int, typer.Option("--workers", help="workers of the local Dask cluster")] = 2,
) -> None:
    """Write a month's returns per scheme: by country, corrections, by currency (CSV, Parquet,
    Excel, chart), after checking them against the ledger to the cent."""
    from levy.errors import LevyError
    from levy.reports.reconcile import ReconciliationError
    from levy.reports.schema import ReportError, parse_period

    console, err = Console(), Console(stderr=True)
    try:
        parse_period(period)
    except ReportError as exc:
        _fail(err, str(exc), EXIT_INVALID)
    if from_parquet is None:
        _fail(err, "say where the collection lines are: --from-parquet DIR (a `levy export` directory)", EXIT_INVALID)
    from levy.reports.run import make_report
    from levy.reports.writers import write_report

    client = None
    try:
        lines, client = _lines_source(from_parquet, engine, scheduler, workers)
        with _progress(err, f"{period}: reading collection lines ({engine.value})") as bar:
            task = bar.add_task("lines", total=None)
            report_, checked = make_report(
                lines, period, schemes=scheme or None,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        paths = write_report(report_, out)
    except ReconciliationError as exc:
        _fail(err, str(exc))
    except LevyError as exc:
        _fail(err, str(exc))
    finally:
        if client is not None:
            client.close()
    from levy.reports.run import ReportRun

    # Wide enough for the amounts of a large month even when the output is not a terminal.
    Console(width=max(console.width, 120)).print(_totals_table(ReportRun(report_, checked, paths), out))
    if checked is None:
        err.print("[yellow]not reconciled:[/yellow] no ledger totals to check against", highlight=False)
    console.print(f"{len(paths)} files in {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``levy report`` to the command line."""
    app.command("report")(report)
