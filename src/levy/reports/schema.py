"""Collection lines (the report's input) and the filing currency of each scheme.

A *collection line* is what the platform collected, or gave back, at one rate of one order:

=================  ========  ==========================================================
column             type      meaning
=================  ========  ==========================================================
``scheme``         string    the decision's scheme (``EU_IOSS``, ``UK_MARKETPLACE``...)
``tax_country``    string    ISO 3166-1 alpha-2 country of consumption
``rate_percent``   string    the rate applied, as the contract writes it (``"19"``)
``currency``       string    ISO 4217 code of the order's amounts
``period``         string    ``YYYY-MM`` of the payment (sale) or of the refund (refund)
``original_period`` string   ``YYYY-MM`` of the order's payment (= ``period`` for a sale)
``kind``           string    ``sale`` or ``refund``
``order_id``       string    the platform's order number
``net_minor``      int64     taxable amount in the currency's minor unit; refunds negative
``vat_minor``      int64     VAT in the currency's minor unit; refunds negative
=================  ========  ==========================================================

Grain: **one row per order and rate** for a sale (the order's lines at that rate plus the
shipping share taxed at it) and one row per refund and rate for a refund. The ``orders``
column of the return therefore counts sale rows, with no distinct count over order numbers:
at hundreds of millions of lines that count is the expensive part of the job, and the
reconciliation checks it against the ledger's own distinct count.

Money is integers in the minor unit (ISO 4217: 2 decimals for EUR, 0 for JPY, 3 for KWD), not
decimal text: the sums of pandas, Dask, DuckDB and SQL are then exact and fast, and only the
few per-(country, rate, currency) totals become ``Decimal`` for the currency conversion.

Filing currency: the IOSS and OSS returns are made out in euro (VAT Directive Art. 369u and
Art. 365, amounts converted at the ECB rate of the period's last day, Art. 366(2));
other schemes file in their own currency (UK VAT returns in sterling, VOEC in NOK, and so on),
converted here at the same ECB reference rates, crossed through the euro.

References:
    https://eur-lex.europa.eu/eli/dir/2006/112/oj (Art. 365, 366, 369t, 369u)
    https://eur-lex.europa.eu/eli/reg_impl/2011/282/oj (Art. 60: exact amounts, no rounding
    to whole units; Art. 61c)
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date

import pyarrow as pa

from levy.errors import LevyError
from levy.regimes import filings

KEY_COLUMNS: tuple[str, ...] = (
    "scheme", "period", "original_period", "kind", "tax_country", "rate_percent", "currency",
)
"""The grouping columns of the aggregation (every text column of a line but ``order_id``)."""
AMOUNT_COLUMNS: tuple[str, ...] = ("net_minor", "vat_minor")
LINE_COLUMNS: tuple[str, ...] = KEY_COLUMNS + ("order_id",) + AMOUNT_COLUMNS
"""Every column of a collection line, in the order the export writes them."""

KINDS = ("sale", "refund")

LINE_SCHEMA = pa.schema(
    [(name, pa.string()) for name in KEY_COLUMNS]
    + [("order_id", pa.string()), ("net_minor", pa.int64()), ("vat_minor", pa.int64())]
)
"""Arrow schema of collection lines (the Parquet export's columns)."""

FILING_CURRENCIES: dict[str, str] = {scheme: facts.currency for scheme, facts in filings().items()}
"""The currency each scheme's return is made out in, as its regime module declares it
(``FILINGS``; EU: Art. 369h and 369u; the others: their own law)."""

PERIOD_PATTERN = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
"""A monthly period: ``YYYY-MM``."""
QUARTER_PATTERN = re.compile(r"(\d{4})-Q([1-4])")
"""A quarterly period: ``YYYY-Qn`` (contract v1.1 "Periods")."""


class ReportError(LevyError):
    """The report cannot be made: bad input lines, a missing rate, a failed check."""

    message = "the report cannot be made"


class LinesDataError(ReportError):
    """Collection lines break the schema above; names the column, the value and how many rows."""

    def __init__(self, column: str, msg: str, rows: int | None = None) -> None:
        self.column, self.msg, self.rows = column, msg, rows
        where = f" ({rows} row{'s' if rows != 1 else ''})" if rows is not None else ""
        super().__init__(f"collection lines, column {column!r}: {msg}{where}")


def parse_period(text: str) -> tuple[int, int]:
    """``"2026-09"`` -> ``(2026, 9)``.

    Raises:
        ReportError: not a ``YYYY-MM`` month.
    """
    match = PERIOD_PATTERN.fullmatch(text or "")
    if not match:
        raise ReportError(f"period {text!r} is not a month written YYYY-MM")
    year, month = int(match.group(1)), int(match.group(2))
    if year < 1:  # there is no year 0: refuse it here rather than crash in date arithmetic
        raise ReportError(f"period {text!r} is not a month written YYYY-MM")
    return year, month


def period_end(period: str) -> date:
    """The last day of a monthly period: the day whose ECB rate converts its return.

    >>> period_end("2026-02"), period_end("2028-02")
    (datetime.date(2026, 2, 28), datetime.date(2028, 2, 29))
    """
    year, month = parse_period(period)
    return date(year, month, monthrange(year, month)[1])


def parse_quarter(text: str) -> tuple[int, int]:
    """``"2026-Q3"`` -> ``(2026, 3)``.

    Raises:
        ReportError: not a ``YYYY-Qn`` quarter.
    """
    match = QUARTER_PATTERN.fullmatch(text or "")
    if not match or int(match.group(1)) < 1:
        raise ReportError(f"period {text!r} is not a quarter written YYYY-Qn")
    return int(match.group(1)), int(match.group(2))


def is_quarter(text: str) -> bool:
    """Whether a period is written ``YYYY-Qn`` (else it should be a month, ``YYYY-MM``)."""
    return bool(QUARTER_PATTERN.fullmatch(text or ""))


def check_return_period(text: str) -> str:
    """A return's period, a month or a quarter, checked; returns it unchanged.

    Raises:
        ReportError: neither ``YYYY-MM`` nor ``YYYY-Qn``.
    """
    if is_quarter(text):
        parse_quarter(text)
        return text
    if PERIOD_PATTERN.fullmatch(text or ""):
        parse_period(text)
        return text
    raise ReportError(f"period {text!r} is not a month written YYYY-MM or a quarter written YYYY-Qn")


def months_of(period: str) -> tuple[str, ...]:
    """The months a return's period covers.

    >>> months_of("2026-Q3"), months_of("2026-09")
    (('2026-07', '2026-08', '2026-09'), ('2026-09',))
    """
    if is_quarter(period):
        year, quarter = parse_quarter(period)
        return tuple(f"{year:04d}-{m:02d}" for m in range(3 * quarter - 2, 3 * quarter + 1))
    parse_period(period)
    return (period,)


def quarter_of(month: str) -> str:
    """The quarter a month falls in (``"2026-08"`` -> ``"2026-Q3"``)."""
    year, month_no = parse_period(month)
    return f"{year:04d}-Q{(month_no - 1) // 3 + 1}"


def last_day(period: str) -> date:
    """The last day of a return's period, month or quarter: the day whose ECB rate converts
    it (VAT Directive Art. 366(2) and 369u for months, Art. 369h(2) for the Union OSS quarter).

    >>> last_day("2026-Q3"), last_day("2026-Q4"), last_day("2026-02")
    (datetime.date(2026, 9, 30), datetime.date(2026, 12, 31), datetime.date(2026, 2, 28))
    """
    return period_end(months_of(period)[-1])


def period_of(day: date) -> str:
    """The monthly period a calendar date falls in (``2026-09-30`` -> ``"2026-09"``)."""
    return f"{day.year:04d}-{day.month:02d}"


def filing_currency(scheme: str) -> str:
    """The currency a scheme's return is made out in.

    Raises:
        ReportError: a scheme no regime module declares (``FILINGS``).
    """
    try:
        return FILING_CURRENCIES[scheme]
    except KeyError:
        known = ", ".join(sorted(FILING_CURRENCIES))
        raise ReportError(
            f"scheme {scheme!r} has no filing currency: no regime module declares it in FILINGS "
            f"(known: {known})"
        ) from None


def amount_columns(currency: str) -> tuple[str, str]:
    """The return's amount columns for a filing currency: ``taxable_amount_eur, vat_amount_eur``."""
    code = currency.lower()
    return f"taxable_amount_{code}", f"vat_amount_{code}"
