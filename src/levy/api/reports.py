"""``GET /v1/reports/{scheme}/{period}``: a month's by-country return over HTTP (finance).

The same report ``levy report`` writes (``levy.reports``: the IOSS return and its siblings, VAT
Directive Art. 369t), for one scheme and one month: the by-country table, as JSON or, on
``Accept: text/csv``, as the very CSV text of ``S-P-by-country.csv``. Amounts are strings, in
the scheme's filing currency (``taxable_amount_eur``, ``vat_amount_eur`` for the EU schemes).

Where the collection lines come from is a ``ReportSource``: the ledger's database when the
service has one, or a ``levy export`` Parquet directory (``LEVY_REPORT_LINES``). pandas loads
with the first report, in a worker thread, so quotes never wait on it.
"""

from __future__ import annotations

import logging
import os
from decimal import Decimal
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from levy.api.auth import Role
from levy.codes import Scheme
from levy.errors import LevyError

log = logging.getLogger("levy.api")
ENV_REPORT_LINES = "LEVY_REPORT_LINES"


class ReportSource(Protocol):
    """Where a month's collection lines come from, and the totals to check them against."""

    def lines(self, period: str) -> Any:
        """A lines source of ``levy.reports.aggregate`` (``FrameLines``, ``ParquetLines``)."""

    def ledger_totals(self) -> Any | None:
        """``levy.reports.reconcile.LedgerTotals``, or None when there is nothing to check against."""


class ParquetSource:
    """Collection lines exported by ``levy export`` (a partitioned Parquet directory)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def lines(self, period: str) -> Any:
        from levy.reports.aggregate import ParquetLines

        return ParquetLines(self.path)

    def ledger_totals(self) -> None:
        return None


def source_from_env() -> ReportSource | None:
    path = os.environ.get(ENV_REPORT_LINES)
    return ParquetSource(path) if path else None


class ReportTotals(BaseModel):
    taxable: str
    vat: str
    orders: int
    corrections_taxable: str
    corrections_vat: str
    vat_due: str


class ByCountryReport(BaseModel):
    """One scheme's by-country return for one month (the rows of ``S-P-by-country.csv``)."""

    scheme: str
    period: str
    currency: str
    """The filing currency: the amount columns are ``taxable_amount_<currency>`` and ``vat_amount_<currency>``."""
    reconciled: bool
    """Whether the report was checked against the ledger's own totals, to the cent."""
    rows: list[dict[str, str | int]]
    totals: ReportTotals


def _cell(value: Any) -> str | int:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return str(value)


def wants_csv(accept: str | None) -> bool | None:
    """``True`` for CSV, ``False`` for JSON, ``None`` when the client takes neither (406).

    Honours the order and ``q`` weights of ``Accept`` (RFC 9110 Sec. 12.5.1), so
    ``text/csv, application/json;q=0.5`` is CSV and ``application/json, text/csv`` is JSON.
    """
    if not accept or not accept.strip():
        return False
    best: tuple[float, int, bool] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        if q <= 0:
            continue
        if media in ("text/csv", "text/*"):
            choice = True
        elif media in ("application/json", "application/*", "*/*"):
            choice = False
        else:
            continue
        key = (q, -position, choice)
        if best is None or key[:2] > best[:2]:
            best = key
    return None if best is None else best[2]


def add_report_route(app: FastAPI, require, source: ReportSource | None, fx: Any) -> None:
    """Register ``GET /v1/reports/{scheme}/{period}`` (role finance)."""
    from levy.api.app import problem

    finance = require(Role.FINANCE)
    schemes = ", ".join(s.value for s in Scheme)

    async def report(request: Request, scheme: str, period: str) -> Response:
        await finance(request)
        if scheme not in Scheme.__members__:
            return problem(404, f"no scheme {scheme!r}; schemes are {schemes}")
        csv = wants_csv(request.headers.get("accept"))
        if csv is None:
            return problem(406, "this report is served as application/json or text/csv")
        if source is None:
            return problem(503, "no collection lines to report on: start levy serve with --db "
                                "(the ledger) or set LEVY_REPORT_LINES to a levy export directory")
        try:
            body, text = await run_in_threadpool(_build, source, scheme, period, fx)
        except LevyError as exc:
            from levy.reports.reconcile import ReconciliationError

            if isinstance(exc, ReconciliationError):
                log.error("report %s %s does not reconcile: %s", scheme, period, exc)
                return problem(500, f"the report does not add up to the ledger: {exc}")
            return problem(422, str(exc))
        if csv:
            return Response(text, media_type="text/csv; charset=utf-8", headers={
                "Content-Disposition": f'inline; filename="{scheme}-{period}-by-country.csv"'})
        return JSONResponse(body)

    app.router.add_api_route(
        "/v1/reports/{scheme}/{period}", report, methods=["GET"], tags=["finance"],
        summary="A month's by-country return of one scheme (JSON, or CSV on Accept: text/csv)",
        response_class=Response,
        responses={
            200: {"model": ByCountryReport, "description": "The by-country return",
                  "content": {"text/csv": {"schema": {"type": "string"}}}},
            401: {"model": _problem_model(), "description": "No API key, or one the service does not know"},
            403: {"model": _problem_model(), "description": "The key's role may not call this endpoint"},
            404: {"model": _problem_model(), "description": "No such scheme"},
            406: {"model": _problem_model(), "description": "Neither JSON nor CSV is acceptable to the client"},
            422: {"model": _problem_model(), "description": "Not a YYYY-MM period, or no ECB rate for its last day yet"},
            503: {"model": _problem_model(), "description": "The service has no collection lines to report on"},
        },
        openapi_extra=_secured(Role.FINANCE),
    )


def _problem_model():
    from levy.api.app import Problem

    return Problem


def _secured(*roles: Role) -> dict:
    from levy.api.app import secured

    return secured(*roles)


def _build(source: ReportSource, scheme: str, period: str, fx: Any) -> tuple[dict, str]:
    """Make the report (pandas, in a worker thread) and render it both ways."""
    from levy.reports.run import make_report
    from levy.reports.schema import parse_period
    from levy.reports.writers import table_csv

    parse_period(period)
    report, checked = make_report(source.lines(period), period, fx=fx, schemes=[scheme],
                                  ledger=source.ledger_totals())
    scheme_report = report.schemes[scheme]
    table = scheme_report.by_country
    rows = [{column: _cell(value) for column, value in zip(table.columns, row)}
            for row in table.itertuples(index=False, name=None)]
    totals = {k: _cell(v) for k, v in scheme_report.totals().items()}
    body = {"scheme": scheme, "period": period, "currency": scheme_report.currency,
            "reconciled": checked is not None, "rows": rows, "totals": totals}
    return body, table_csv(table)
