"""``GET /v1/reports/{scheme}/{period}``: a month's by-country return over HTTP (finance).

The same report ``levy report`` writes (``levy.reports``: the IOSS return and its siblings, VAT
Directive Art. 369t), for one scheme and one month: the by-country table, as JSON or, on
``Accept: text/csv``, as the very CSV text of ``S-P-by-country.csv``. Amounts are strings, in
the scheme's filing currency (``taxable_amount_eur``, ``vat_amount_eur`` for the EU schemes).

Where the collection lines come from is a ``ReportSource``:

* the service's own ledger (``--db``, ``LEVY_DATABASE_URL``, ``levy.db``), by default: the
  month is read as ``levy report --db`` reads it (``levy.reports.ledger.open_month``: the lines
  and the ledger's own totals in one read transaction);
* a ``levy export`` Parquet directory when ``LEVY_REPORT_LINES`` names one: the lines are
  checked against the ledger totals the export saved beside them
  (``levy.reports.export.SnapshotTotals``), as ``levy report --from-parquet`` does.

Either way the report is reconciled with the ledger to the cent before it is served
(``levy.reports.reconcile``): a difference is refused with 409 ``RECONCILIATION_FAILED`` naming
the groups and the orders that explain it, never served as figures to file. A month without
collections for the scheme is a nil return (no rows, zero totals). pandas loads with the first
report, in a worker thread, so quotes never wait on it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from levy.api.auth import Role
from levy.api.http import Problem, problem, require, secured, services
from levy.codes import Scheme
from levy.errors import FxStoreError, LevyError
from levy.fx import EcbRates
from levy.ledger.amounts import from_minor
from levy.ledger.store import Ledger
from levy.money import minor_units

log = logging.getLogger("levy.api")
ENV_REPORT_LINES = "LEVY_REPORT_LINES"
RECONCILIATION_FAILED = "RECONCILIATION_FAILED"
"""``error.code`` of a report that does not add up to the ledger (409)."""


class SourceUnavailable(LevyError):
    """The source cannot give this month's lines reconciled (an export without the month's
    ledger totals, a database that does not answer): 503."""


class ReportSource(Protocol):
    """Where a month's collection lines come from, and the ledger totals to check them against."""

    name: str
    """``ledger`` or ``parquet``: said in the report's body (``source``)."""

    def month(self, period: str) -> AbstractContextManager[tuple[Any, Any]]:
        """``(lines, totals)`` for one month: a lines source of ``levy.reports.aggregate``
        (``LedgerLines``, ``ParquetLines``) and ``levy.reports.reconcile.LedgerTotals``.

        Raises:
            SourceUnavailable: the month cannot be read, or not checked.
        """


class LedgerSource:
    """The service's ledger, read as ``levy report --db`` reads it.

    Args:
        ledger: the open ``levy.ledger.Ledger`` the order endpoints write to (this source never
            closes it).
    """

    name = "ledger"

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @contextmanager
    def month(self, period: str) -> Iterator[tuple[Any, Any]]:
        from levy.reports.ledger import (
            open_month,  # pandas: loaded with the first report, not at start
        )

        try:
            # One read transaction for the lines and the totals: orders committed while the
            # report runs change neither (levy.ledger.queries.reading).
            with open_month(self.ledger) as (lines, totals):
                yield lines, totals
        except SQLAlchemyError as exc:
            # The driver's message (host, SQL) goes to the log, not to the caller.
            log.error("report %s: cannot read the ledger: %s", period, exc)
            raise SourceUnavailable(
                "cannot read the ledger now (the database did not answer): the service log has "
                "the details") from exc


class ParquetSource:
    """Collection lines exported by ``levy export`` (a partitioned Parquet directory), checked
    against the ledger totals the export saved with them (``_ledger/period=P/``)."""

    name = "parquet"

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    @contextmanager
    def month(self, period: str) -> Iterator[tuple[Any, Any]]:
        # pandas and pyarrow: loaded with the first report, not at the service's start
        from levy.reports.aggregate import ParquetLines
        from levy.reports.export import SnapshotMissing, SnapshotTotals
        from levy.reports.schema import months_of

        totals = SnapshotTotals(self.path)
        try:
            for month in months_of(period):  # a quarter: each of its months
                totals.manifest(month)  # refuse an export without the month's totals before reading it
        except SnapshotMissing:
            # A month that was never exported is not a month without collections: no nil return.
            raise SourceUnavailable(
                f"{ENV_REPORT_LINES}={self.path} holds no ledger totals for {period} to check the "
                f"report against: export the month with `levy export --period {period} --out "
                f"{self.path}`, or unset {ENV_REPORT_LINES} to report from the ledger itself"
            ) from None
        yield ParquetLines(self.path), totals


def source_from_env(ledger: Ledger) -> ReportSource:
    """The Parquet export ``LEVY_REPORT_LINES`` names, else the service's ``ledger``."""
    path = os.environ.get(ENV_REPORT_LINES)
    return ParquetSource(path) if path else LedgerSource(ledger)


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
    currency: str = Field(description="The filing currency: the amount columns are "
                                      "taxable_amount_<currency> and vat_amount_<currency>")
    source: Literal["ledger", "parquet"] = Field(
        description="Where the collection lines were read: the service's ledger, or the levy export "
                    "named by LEVY_REPORT_LINES")
    reconciled: bool = Field(
        description="Checked against the ledger's own totals (for an export: the totals saved with "
                    "it), to the cent in the order currencies. Always true: a report that does not "
                    "reconcile is refused with 409 RECONCILIATION_FAILED")
    rows: list[dict[str, str | int]]
    totals: ReportTotals


# --- 409: the report does not add up to the ledger ----------------------------------------


class Amounts(BaseModel):
    """Minor units shown as the order currency writes them (``"16.12"``, JPY ``"7500"``)."""

    taxable: str
    vat: str


class GroupAmounts(Amounts):
    orders: int


class GroupDifferenceBody(BaseModel):
    """One (scheme, original period, country, rate, order currency) group that differs."""

    scheme: str
    original_period: str
    tax_country: str
    rate_percent: str
    currency: str
    report: GroupAmounts
    ledger: GroupAmounts
    orders: list[str] = Field(description="The orders whose lines explain the difference")


class ImbalanceBody(BaseModel):
    """An order (or a refund of it) whose amount rows differ from the totals the ledger recorded."""

    order_id: str
    refund_id: str | None
    currency: str
    rows: Amounts
    recorded: Amounts


class ReconciliationDetail(BaseModel):
    code: Literal["RECONCILIATION_FAILED"]
    message: str
    period: str
    orders: list[str] = Field(description="Every order named below, sorted")
    groups: list[GroupDifferenceBody]
    imbalances: list[ImbalanceBody]


class ReconciliationProblem(BaseModel):
    """The report does not add up to the ledger: nothing is served to file from."""

    error: ReconciliationDetail


def reconciliation_problem(exc) -> JSONResponse:
    """409 ``RECONCILIATION_FAILED`` naming every group and order of a
    ``levy.reports.reconcile.ReconciliationError``.

    409 and not 500: the service works and the request is right, but the ledger's current state
    (a row changed behind its back, an export that lost a line) conflicts with the report; the
    body says which orders to look at, and the same request answers 200 once they are fixed.
    """

    def amounts(pair: tuple[int, ...], currency: str) -> dict[str, Any]:
        digits = minor_units(currency)
        return {"taxable": format(from_minor(int(pair[0]), digits), "f"),
                "vat": format(from_minor(int(pair[1]), digits), "f")}

    groups = []
    for diff in exc.differences:
        currency = diff.group["currency"]
        groups.append({
            **{k: str(v) for k, v in diff.group.items()},
            "report": {**amounts(diff.report, currency), "orders": int(diff.report[2])},
            "ledger": {**amounts(diff.ledger, currency), "orders": int(diff.ledger[2])},
            "orders": [o.order_id for o in diff.orders],
        })
    imbalances = [{"order_id": i.order_id, "refund_id": i.refund_id, "currency": i.currency,
                   "rows": amounts(i.rows, i.currency), "recorded": amounts(i.recorded, i.currency)}
                  for i in exc.imbalances]
    # The library's message ends with the command line's "no file was written".
    message = str(exc).removesuffix("\nno file was written")
    return JSONResponse({"error": {
        "code": RECONCILIATION_FAILED, "message": message, "period": exc.period,
        "orders": exc.order_ids, "groups": groups, "imbalances": imbalances,
    }}, status_code=409)


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


router = APIRouter(tags=["finance"])
_finance = require(Role.FINANCE)
_SCHEMES = ", ".join(s.value for s in Scheme)


async def report(request: Request, scheme: str, period: str) -> Response:
    """A month's by-country return, read from the application's report source."""
    await _finance(request)
    if scheme not in Scheme.__members__:
        return problem(404, f"no scheme {scheme!r}; schemes are {_SCHEMES}")
    csv = wants_csv(request.headers.get("accept"))
    if csv is None:
        return problem(406, "this report is served as application/json or text/csv")
    found = services(request)
    try:
        check_period(period)
        body, text = await run_in_threadpool(_build, found.report_source, scheme, period, found.report_rates)
    except (SourceUnavailable, FxStoreError) as exc:  # the service's data, not the request
        log.warning("report %s %s: %s", scheme, period, exc)
        return problem(503, str(exc))
    except LevyError as exc:
        # pandas (levy.reports): loaded with the first report, not at the service's start
        from levy.reports.reconcile import ReconciliationError

        if isinstance(exc, ReconciliationError):
            log.error("report %s %s does not reconcile with the ledger: orders %s",
                      scheme, period, ", ".join(exc.order_ids) or "none found")
            return reconciliation_problem(exc)
        # Not a YYYY-MM month, or no ECB rate for its last day yet (the message names the
        # day and the `levy fx` command that fetches it).
        return problem(422, str(exc))
    if csv:
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'inline; filename="{scheme}-{period}-by-country.csv"'})
    return JSONResponse(body)


router.add_api_route(
    "/v1/reports/{scheme}/{period}", report, methods=["GET"],
    summary="A month's by-country return of one scheme (JSON, or CSV on Accept: text/csv)",
    response_class=Response,
    responses={
        200: {"model": ByCountryReport, "description": "The by-country return, reconciled with the "
                                                       "ledger (a nil return when nothing was collected)",
              "content": {"text/csv": {"schema": {"type": "string"}}}},
        401: {"model": Problem, "description": "No API key, or one the service does not know"},
        403: {"model": Problem, "description": "The key's role may not call this endpoint"},
        404: {"model": Problem, "description": "No such scheme"},
        406: {"model": Problem, "description": "Neither JSON nor CSV is acceptable to the client"},
        409: {"model": ReconciliationProblem,
              "description": "RECONCILIATION_FAILED: the report does not add up to the ledger; "
                             "names the groups and the orders that explain it"},
        422: {"model": Problem,
              "description": "Not a YYYY-MM period, or no ECB rate for its last day yet"},
        503: {"model": Problem,
              "description": "The ledger or the FX store cannot be read, or the export "
                             "(LEVY_REPORT_LINES) holds no ledger totals for the month"},
    },
    openapi_extra=secured(Role.FINANCE),
)


def check_period(period: str) -> None:
    """Refuse anything but a ``YYYY-MM`` month that has a last day (years 1 to 9999).

    Raises:
        ReportError: ``period '2026-13' is not a month written YYYY-MM``.
    """
    from levy.reports.schema import (  # pyarrow: loaded with the first report
        ReportError,
        check_return_period,
        last_day,
    )

    check_return_period(period)  # a month (YYYY-MM) or a quarter (YYYY-Qn)
    try:
        last_day(period)
    except ValueError as exc:  # "0000-01" fits the pattern, but no calendar has year 0
        raise ReportError(f"period {period!r} is not a month written YYYY-MM ({exc})") from None


def _build(source: ReportSource, scheme: str, period: str,
           rates: Callable[[], EcbRates]) -> tuple[dict, str]:
    """Make the report as ``levy report`` does (pandas, in a worker thread): aggregate, convert,
    reconcile with the ledger's totals (raises ``ReconciliationError``), then render it both ways."""
    # pandas: loaded with the first report, not at the service's start
    from levy.reports.run import make_report
    from levy.reports.writers import table_csv

    with source.month(period) as (lines, totals):
        report, checked = make_report(lines, period, fx=rates(), schemes=[scheme], ledger=totals)
    scheme_report = report.schemes[scheme]
    table = scheme_report.by_country
    rows = [{column: _cell(value) for column, value in zip(table.columns, row)}
            for row in table.itertuples(index=False, name=None)]
    sums = {k: _cell(v) for k, v in scheme_report.totals().items()}
    body = {"scheme": scheme, "period": period, "currency": scheme_report.currency,
            "source": source.name, "reconciled": checked is not None, "rows": rows, "totals": sums}
    return body, table_csv(table)
