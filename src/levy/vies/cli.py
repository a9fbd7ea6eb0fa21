"""``levy vies check | sweep | report``: VAT numbers against the VIES register.

Registered on the ``levy`` command as a sub-command group; imports typer and rich alone, so
``levy quote`` never loads httpx or SQLAlchemy (each command imports what it needs).

Exit codes: 0 done (``check``: the number is registered); 1 a failure (``check``: VIES gave no
answer, ``unknown``; ``sweep``/``report``: the ledger cannot be opened); 2 invalid input
(``check``: the number is not registered or fails its checksum; a bad ``--period``).
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Optional

import typer

from levy.cli_conventions import EXIT_FAILURE, EXIT_INVALID
ENV_URL = "LEVY_VIES_URL"
ENV_REQUESTER = "LEVY_VIES_REQUESTER"

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Buyers' VAT numbers against VIES, the EU's register: check, sweep the ledger, report.")

UrlOption = Annotated[Optional[str], typer.Option(
    "--vies-url", help=f"VIES REST API base URL (default: ${ENV_URL} or the Commission's)")]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=0.1, help="seconds to wait for VIES before 'unknown'")]
RequesterOption = Annotated[Optional[str], typer.Option(
    "--requester", help=f"the platform's own EU VAT number, so VIES issues a consultation number "
                        f"(default: ${ENV_REQUESTER})")]
DbOption = Annotated[Optional[str], typer.Option(
    "--db", help="SQLAlchemy URL or SQLite file (default: $LEVY_DATABASE_URL or levy.db)")]


def _emit(body: dict) -> None:
    sys.stdout.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")


def _fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    print(f"levy: {message}", file=sys.stderr)
    return typer.Exit(code)


def _url(url: str | None) -> str:
    from levy.vies.client import DEFAULT_URL  # httpx loads only when a vies command runs

    return url or os.environ.get(ENV_URL) or DEFAULT_URL


@app.command("check")
def check_command(
    number: Annotated[str, typer.Argument(metavar="NUMBER", help="VAT number with its country prefix, e.g. DE136695976")],
    vies_url: UrlOption = None,
    timeout: TimeoutOption = 5.0,
    requester: RequesterOption = None,
) -> None:
    """Ask VIES whether a VAT number is registered: one JSON line (valid, invalid or unknown)."""
    from levy.vies.client import INVALID, UNKNOWN, NotInVies, check  # httpx: loaded on use

    try:
        answer = check(number, url=_url(vies_url), timeout=timeout,
                       requester=requester or os.environ.get(ENV_REQUESTER))
    except NotInVies as exc:
        raise _fail(str(exc), EXIT_INVALID) from None
    _emit(answer.line())
    if answer.state == INVALID:
        raise typer.Exit(EXIT_INVALID)
    if answer.state == UNKNOWN:
        raise typer.Exit(EXIT_FAILURE)


def _ledger(db: str | None):
    from levy.ledger.cli import _open  # SQLAlchemy: loaded on use

    return _open(db)


@app.command("sweep")
def sweep_command(
    db: DbOption = None,
    vies_url: UrlOption = None,
    timeout: TimeoutOption = 5.0,
    requester: RequesterOption = None,
    max_age_days: Annotated[int, typer.Option("--max-age-days", min=0, help="a definite answer younger than this is kept, not re-checked")] = 30,
    per_state: Annotated[int, typer.Option("--per-state", min=1, help="calls in flight to one member state at most")] = 2,
    workers: Annotated[int, typer.Option("--workers", min=1, help="calls in flight in all at most")] = 8,
    attempts: Annotated[int, typer.Option("--attempts", min=1, help="calls per number at most (retries after 'unknown')")] = 4,
    backoff: Annotated[float, typer.Option("--backoff", min=0, help="seconds before the first retry, doubled each time")] = 1.0,
    period: Annotated[Optional[str], typer.Option("--period", help="only orders paid in YYYY-MM or YYYY-Qn")] = None,
) -> None:
    """Check every committed B2B order's number lacking fresh evidence; store the answers."""
    from levy.vies.report import PeriodError, period_bounds  # loaded on use
    from levy.vies.sweep import SweepSettings, sweep

    try:
        paid_from, paid_to = period_bounds(period) if period else (None, None)
    except PeriodError as exc:
        raise _fail(str(exc), EXIT_INVALID) from None
    settings = SweepSettings(
        url=_url(vies_url), timeout=timeout, requester=requester or os.environ.get(ENV_REQUESTER),
        max_age=timedelta(days=max_age_days), per_state=per_state, workers=workers,
        attempts=attempts, backoff=backoff, paid_from=paid_from, paid_to=paid_to)
    ledger = _ledger(db)
    try:
        result = sweep(ledger.db, settings)
    finally:
        ledger.close()
    _emit(result.as_dict())


@app.command("report")
def report_command(
    period: Annotated[str, typer.Option("--period", help="YYYY-MM or YYYY-Qn: orders paid in it")],
    db: DbOption = None,
) -> None:
    """B2B orders whose number VIES says is not registered: the tax that should have been
    collected, one JSON line per order; totals on standard error."""
    from levy.errors import InvalidOrder, LevyError  # loaded on use, with the engine
    from levy.vies.report import PeriodError, corrections, period_bounds

    try:
        period_bounds(period)
    except PeriodError as exc:
        raise _fail(str(exc), EXIT_INVALID) from None
    ledger = _ledger(db)
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    count = 0
    try:
        for correction in corrections(ledger.db, ledger.engine, period):
            line = correction.line()
            _emit(line)
            count += 1
            if line["collect"]:
                totals[(line["tax_country"], line["currency"])] += Decimal(line["vat_total"])
    except (InvalidOrder, LevyError) as exc:
        raise _fail(f"cannot re-decide an order: {exc}") from None
    finally:
        ledger.close()
    summary = ", ".join(f"{country} {currency} {amount}" for (country, currency), amount in sorted(totals.items()))
    print(f"levy vies report {period}: {count} B2B orders not registered in VIES; "
          f"VAT to correct: {summary or 'none'}", file=sys.stderr)


__all__ = ["app"]
