"""``levy fx``: import, download and inspect the ECB reference rates Levy converts with.

Registered on the main ``levy`` command as a sub-command group (the top layer of :mod:`levy.fx`:
files <- rates <- store <- download <- this CLI).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

# The same exit codes as every command: 2 for bad input (here: a bad file), 1 for a failure.
from levy.cli_conventions import EXIT_FAILURE, EXIT_INVALID
from levy.errors import FxDataError, LevyError
from levy.fx.download import update as download_and_import
from levy.fx.files import packaged_layer
from levy.fx.store import FxStore, ImportResult, default_rates, load_rates

app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="ECB exchange rates: import the ECB's files, download them, see what is held.",
)



def _fail(exc: BaseException | str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print ``levy: <why>`` on stderr (plain text: no wrapping, no markup) and exit."""
    print(f"levy: {exc}", file=sys.stderr)
    return typer.Exit(code)


def _report(result: ImportResult, store_path: Path) -> None:
    """What an import read and kept, and where."""
    r = result.record
    if result.already:
        print(f"{r.file}: already imported on {r.imported_at} (sha256 {r.sha256[:12]}); nothing new")
        return
    print(f"imported {r.file} (ECB {r.kind} file, sha256 {r.sha256[:12]}): {r.first} to {r.last}, "
          f"{r.points} rates, {r.stored} new or changed, into {store_path}")
    if result.replaced:
        print(f"  {result.replaced} rates replace a different value imported earlier (this import wins)")
    if result.overrides_package:
        print(f"  {result.overrides_package} rates differ from the packaged history on the same day "
              "(the imported ones win; `levy fx status` lists them)")


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(
        metavar="FILE...", help="ECB files: eurofxref-hist.zip/.csv or the daily eurofxref.zip/.csv")],
    force: Annotated[bool, typer.Option(
        "--force", help="import rates more than 10 times above or below the rate before them (recorded)")] = False,
) -> None:
    """Validate ECB reference-rate files and add them to the local FX store."""
    store = FxStore()
    for path in paths:
        try:
            result = store.import_file(path, force=force)
        except OSError as exc:
            raise _fail(f"cannot read {path}: {exc.strerror}") from None
        except FxDataError as exc:
            raise _fail(f"{exc} (nothing imported from {path.name})", EXIT_INVALID) from None
        except LevyError as exc:
            raise _fail(exc) from None
        _report(result, store.path)


@app.command()
def update(
    url: Annotated[Optional[str], typer.Option(
        "--url", envvar="LEVY_ECB_URL", help="where to download from (default: the ECB's eurofxref-hist.zip)")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="seconds to wait for the server")] = 10.0,
) -> None:
    """Download the ECB's history of reference rates and import it."""
    store = FxStore()
    try:
        result = download_and_import(store, url=url, timeout=timeout)
    except FxDataError as exc:
        raise _fail(f"the downloaded file is not a valid ECB file: {exc}", EXIT_INVALID) from None
    except LevyError as exc:
        raise _fail(exc) from None
    _report(result, store.path)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Per currency, the first and last day held and where each came from; imports; conflicts."""
    store = FxStore()
    try:
        rates = load_rates(store.directory)
        imports = store.imports()
    except LevyError as exc:
        raise _fail(exc) from None
    coverage = rates.coverage()
    conflicts = rates.conflicts()
    if as_json:
        print(json.dumps({
            "store": str(store.path),
            "package": packaged_layer().source,
            "last_date": str(rates.last_date),
            "currencies": {
                c: {"first": str(first.on), "first_source": first.source, "last": str(last.on),
                    "last_source": last.source, "rates": n}
                for c, (first, last, n) in coverage.items()
            },
            "imports": [
                {"id": r.id, "file": r.file, "origin": r.origin, "sha256": r.sha256, "kind": r.kind,
                 "imported_at": r.imported_at, "first": str(r.first), "last": str(r.last),
                 "points": r.points, "stored": r.stored, "source": r.source}
                for r in imports
            ],
            "conflicts": [
                {"currency": c.currency, "on": str(c.on),
                 "used": {"rate": format(c.winner.rate, "f"), "source": c.winner.source},
                 "overridden": {"rate": format(c.loser.rate, "f"), "source": c.loser.source}}
                for c in conflicts
            ],
        }, indent=2))
        return
    from rich.console import Console  # rich: only for the human-readable table
    from rich.table import Table

    console = Console()
    console.print(f"ECB reference rates: {packaged_layer().source}, overlaid by {len(imports)} "
                  f"import(s) from {store.path}; newest day held: {rates.last_date}", markup=False)
    table = Table(title="held per currency")
    for col in ("currency", "first", "from", "last", "from", "rates"):
        table.add_column(col, overflow="fold", justify="right" if col == "rates" else "left")
    for c, (first, last, n) in coverage.items():
        table.add_row(c, str(first.on), first.source, str(last.on), last.source, str(n))
    console.print(table)
    if imports:
        table = Table(title="imports, oldest first (a later one wins for the same day)")
        for col in ("#", "file", "kind", "days", "rates kept / in file", "imported at", "sha256"):
            table.add_column(col, overflow="fold")
        for r in imports:
            table.add_row(str(r.id), r.file, r.kind, f"{r.first} to {r.last}", f"{r.stored} / {r.points}",
                          r.imported_at, r.sha256[:12])
        console.print(table)
    if conflicts:
        table = Table(title=f"{len(conflicts)} same-day conflicts (the rate used is the later source's)")
        for col in ("day", "currency", "used", "from", "instead of", "from"):
            table.add_column(col, overflow="fold")
        for c in conflicts:
            table.add_row(str(c.on), c.currency, format(c.winner.rate, "f"), c.winner.source,
                          format(c.loser.rate, "f"), c.loser.source)
        console.print(table)


@app.command()
def rate(
    currency: Annotated[str, typer.Argument(help="ISO currency code, e.g. USD")],
    on: Annotated[Optional[str], typer.Option("--on", help="a quote's date YYYY-MM-DD: the latest rate on or before it (default: today)")] = None,
    period_end: Annotated[Optional[str], typer.Option("--period-end", help="a return period's last day YYYY-MM-DD: that day's rate, or the next published (Art. 366(2))")] = None,
) -> None:
    """Show the ECB rate Levy would use for a quote's date or a return's period end."""
    try:
        day = date.fromisoformat(period_end or on) if (period_end or on) else date.today()
    except ValueError as exc:
        raise _fail(exc, EXIT_INVALID) from None
    try:
        rates = default_rates()
        found = rates.period_end_rate(currency.upper(), day) if period_end else rates.rate(currency.upper(), day)
    except LevyError as exc:
        raise _fail(exc) from None
    stale = not period_end and rates.is_stale(found, day)
    print(f"1 EUR = {format(found.rate, 'f')} {found.currency}, ECB rate of {found.on} ({found.source})"
          + (f"; STALE for {day}: more than 3 ECB business days old. Run `levy fx update`." if stale else ""))
