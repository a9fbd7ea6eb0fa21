"""The filing calendar: every return due in a window, per scheme and period (``levy calendar``).

For each return it says when it is due (:func:`levy.reports.periods.due_date`), whether the
ledger holds collections or refunds for it (else it is a nil return, still due: VAT Directive
Art. 369f and 369s), whether the ECB has published the rate it converts at (the period's last
day or the next publication, Art. 366(2), 369h(2)), and whether its folder was already written
(``OUT/<scheme>/<period>/``, :func:`levy.reports.writers.return_dir`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from levy.errors import LevyError
from levy.ratebook import Ratebook
from levy.regimes import regime_of
from levy.reports.periods import due_date, filing_facts, known_schemes, periods_between
from levy.reports.schema import last_day, months_of
from levy.reports.writers import BY_COUNTRY, return_dir

PROBE_CURRENCY = "USD"
"""The ECB publishes every currency of a day at once: USD stands for all of them."""


@dataclass(frozen=True, slots=True)
class DueReturn:
    """One return in the calendar."""

    scheme: str
    period: str
    due: date
    law: str
    currency: str
    orders: int | None
    """Orders paid in the period (``None``: the ledger was not read)."""
    activity: bool | None
    """Whether the ledger holds sales or refunds for the return (``None``: not read); without
    any, the return is a nil return, still due."""
    rate_day: date | None
    """The day of the ECB rate the return converts at, once published (else ``None``)."""
    rate_needed: date
    """The period's last day: the rate of that day or of the next publication is needed."""
    written: bool
    folder: str

    def as_json(self) -> dict:
        out = asdict(self)
        for key in ("due", "rate_day", "rate_needed"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept inside the target month (``01-31 + 1`` -> ``02-28``)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def in_force(scheme: str, period: str, book: Ratebook) -> bool:
    """Whether the scheme's regime covers any day of the period (``rates/regime_countries.csv``,
    half-open ``[valid_from, valid_to)``): a return is due only for periods it was in force."""
    start, end = date.fromisoformat(f"{months_of(period)[0]}-01"), last_day(period)
    regime = regime_of(scheme)
    return any(r.regime == regime and r.valid_from <= end and (r.valid_to is None or r.valid_to > start)
               for r in book.coverage)


def due_between(first: date, last: date, schemes: list[str] | None = None,
                book: Ratebook | None = None) -> list[tuple[str, str, date]]:
    """``(scheme, period, due)`` of every return due from ``first`` to ``last`` (both inside),
    by due date, then scheme; only for periods the scheme's regime was in force."""
    book = book or Ratebook()
    out = []
    for scheme in schemes or known_schemes():
        # A return falls due a few months after its period ends: look back far enough.
        for period in periods_between(scheme, add_months(first, -6), last):
            due = due_date(scheme, period)
            if first <= due <= last and in_force(scheme, period, book):
                out.append((scheme, period, due))
    return sorted(out, key=lambda r: (r[2], r[0], r[1]))


def _rate_day(fx, period: str) -> date | None:
    try:
        return fx.period_end_rate(PROBE_CURRENCY, last_day(period)).on
    except LevyError:  # not published yet (or not in the history held)
        return None


def _activity(queries, scheme: str, period: str) -> tuple[int, bool]:
    """Orders paid in the period, and whether any sale or refund is recorded in it."""
    orders, rows = 0, 0
    for month in months_of(period):
        totals = queries.totals(month)
        mine = totals[totals["scheme"] == scheme]
        orders += int(mine["orders"].sum())
        rows += len(mine)
    return orders, rows > 0


def calendar(first: date, last: date, *, fx, out: Path, queries=None,
             schemes: list[str] | None = None) -> list[DueReturn]:
    """Every return due from ``first`` to ``last``.

    Args:
        fx: the ECB history (``period_end_rate``), e.g. ``levy.fx.default_rates()``.
        out: the reports directory ``levy report --out`` writes into.
        queries: ``levy.ledger.queries.LedgerQueries`` of a read transaction, or ``None``.
    """
    rows = []
    for scheme, period, due in due_between(first, last, schemes):
        facts = filing_facts(scheme)
        orders = activity = None
        if queries is not None:
            orders, activity = _activity(queries, scheme, period)
        folder = return_dir(out, scheme, period)
        rows.append(DueReturn(
            scheme, period, due, facts.law, facts.currency,
            orders, activity, _rate_day(fx, period), last_day(period),
            (folder / f"{BY_COUNTRY}.csv").exists(), str(folder),
        ))
    return rows
