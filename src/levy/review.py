"""Review (helpers of the compliance review notebooks under ``notebooks/``, and their runner).

Compliance reviews Levy's decisions, its reference data and each month's totals in three Jupyter
notebooks (``decision_review``, ``rates_review``, ``monthly_reconciliation``). This module keeps
what they share out of the notebooks, so that each cell reads as a review step:

* names: :func:`area_label` (``Madeira (PT-30)``, ``Germany (DE)``): charts and tables name
  countries, not only codes;
* charts: :func:`chart_style` (matplotlib, rendered headless by the inline backend on Agg);
* rates: :func:`rates_in_force`, :func:`rate_changes`, :func:`stale_sources`,
  :func:`validate_rates` and :func:`break_copy` (the validator shown refusing broken data);
* the ledger: :func:`build_sample_ledger` (``make demo``'s sample plus two corrections of an
  earlier period) and readers of one month for the review: :func:`period_decisions`,
  :func:`period_payments`, :func:`period_refunds`, :func:`rates_applied`; the returns' own
  lines and totals come from ``levy.reports.ledger.open_month``;
* charts of the decisions: :func:`vat_chart`, :func:`reason_chart`, :func:`exemption_chart`
  (:func:`exemption_shares` marks the outliers), :func:`drill_down` for one decision;
* key figures: :func:`key_figures` shows a notebook's figures and attaches them to the output,
  where :func:`read_key_figures` finds them again (tests, the HTML run);
* running: :func:`execute_notebook` injects papermill-style parameters after the cell tagged
  ``parameters`` and executes with nbclient on the kernel of *this* interpreter (ipykernel's
  native spec, never a kernel from the user's Jupyter configuration); ``python -m levy.review
  html`` renders the notebooks to HTML for reviewers (``make notebooks``).

Needs the ``notebooks`` dependency group (pandas, matplotlib, nbclient, nbconvert, ipykernel),
imported where used, so ``import levy.review`` itself stays cheap.

References:
    Rates conventions: ``rates/README.md`` (half-open ``[valid_from, valid_to)``, sources).
    Papermill's parameters convention: https://papermill.readthedocs.io/en/latest/usage-parameterize.html
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from levy.context import country_name
from levy.errors import RatesDataError
from levy.models import RATED_CATEGORIES
from levy.money import format_rate
from levy.ratebook import Period, Ratebook, RateRow

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from nbformat import NotebookNode

REPO = Path(__file__).resolve().parents[2]
"""The repository root of an editable install (``notebooks/``, ``examples/``, ``build/``)."""
NOTEBOOKS_DIR = REPO / "notebooks"
FIGURES_KEY = "levy_key_figures"
"""Output metadata key under which :func:`key_figures` attaches a notebook's figures."""
CATEGORIES = tuple(c.value for c in RATED_CATEGORIES)
"""Rated categories in the contract's order: the columns of the rate tables."""


# --- names ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _territory_names() -> dict[str, str]:
    """Tax-area codes of subdivisions named by their ``taxed_as`` territory row (``PT-30`` ->
    ``Madeira``): the names the reference data itself uses."""
    names: dict[str, str] = {}
    for row in Ratebook().territories:
        if row.tax_area and "-" in row.tax_area:
            names.setdefault(row.tax_area, row.territory)
    return names


def area_name(code: str | None) -> str:
    """A reader's name for a tax area or country code.

    >>> area_name("DE"), area_name("PT-30"), area_name("GB-NIR")
    ('Germany', 'Madeira', 'Northern Ireland')
    """
    if not code:
        return "(none)"
    if "-" in code:
        if code in _territory_names():
            return _territory_names()[code]
        import pycountry

        sub = pycountry.subdivisions.get(code=code)
        return sub.name if sub is not None else code
    return country_name(code)


def area_label(code: str | None) -> str:
    """``Germany (DE)``: name and code, as every table and chart axis shows a tax area.

    >>> area_label("PT-20")
    'Azores (PT-20)'
    """
    if not code:
        return "(no tax country)"
    return f"{area_name(code)} ({code})"


# --- charts -----------------------------------------------------------------------------------


def chart_style() -> None:
    """Readable defaults for every chart: size, font, grid, no top/right spines.

    The notebooks render through matplotlib's inline backend (Agg underneath): no display needed.
    """
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (10, 5),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "savefig.bbox": "tight",
        "font.size": 10,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.labelsize": 10,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
    })


def table_style() -> None:
    """pandas display options for review tables: every row and column, no truncated cells."""
    import pandas as pd

    pd.set_option("display.max_rows", 500)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.max_colwidth", 120)
    pd.set_option("display.width", 200)


# --- rates ------------------------------------------------------------------------------------


def _status(period: Period, on: date) -> str:
    if period.valid_from > on:
        return "scheduled"
    return "in force" if period.covers(on) else "closed"


def _regime_of(book: Ratebook, area: str, on: date) -> str:
    """The regime taxing a tax area on a date (a subdivision goes with its country)."""
    row = book.regime_for(area.split("-")[0], on)
    return row.regime if row is not None else "(not covered)"


def rates_in_force(book: Ratebook, on: date) -> pd.DataFrame:
    """One row per tax area, one column per category: the rate (percent) in force on ``on``.

    Columns ``tax_area``, ``area``, ``regime``, then the categories as the contract writes rates
    (``"19"``, ``"25.5"``); an area with no row in force on that date shows ``"-"``.
    """
    import pandas as pd

    records = []
    for area in sorted(book.tax_areas(), key=area_label):
        record: dict[str, Any] = {
            "tax_area": area, "area": area_label(area), "regime": _regime_of(book, area, on),
        }
        for category in CATEGORIES:
            series = book.rate_lines.get((area, category), [])
            row = next((r for _, r in series if r.covers(on)), None)
            record[category] = format_rate(row.rate_percent) if row else "-"
        records.append(record)
    return pd.DataFrame.from_records(records)


def rate_changes(book: Ratebook, since: date, on: date) -> pd.DataFrame:
    """Every rate row taking effect on or after ``since``: past changes and scheduled ones.

    Args:
        book: the ratebook.
        since: first ``valid_from`` to list (the notebook: 24 months before the review date).
        on: the review date; rows starting after it are ``scheduled``.

    Returns:
        One row per change, by date then area: ``valid_from``, ``tax_area``, ``area``,
        ``category``, ``previous`` (rate of the row it follows, ``None`` for a new series: a
        regime's start), ``rate``, ``change_pp`` (percentage points), ``kind`` (``increase``,
        ``decrease``, ``unchanged``, ``new series``), ``status`` (``in force``, ``closed``,
        ``scheduled``), ``where`` (``vat_rates.csv:line``) and ``source``.
    """
    import pandas as pd

    records = []
    for (area, category), lines in book.rate_lines.items():
        rows = [r for _, r in lines]
        for i, row in enumerate(rows):
            if row.valid_from < since:
                continue
            previous = rows[i - 1] if i and rows[i - 1].valid_to == row.valid_from else None
            change = row.rate_percent - previous.rate_percent if previous else None
            if previous is None:
                kind = "new series"
            else:
                kind = "increase" if change > 0 else "decrease" if change < 0 else "unchanged"
            records.append({
                "valid_from": row.valid_from, "tax_area": area, "area": area_label(area),
                "category": category,
                "previous": format_rate(previous.rate_percent) if previous else None,
                "rate": format_rate(row.rate_percent),
                "change_pp": _signed(change) if change is not None else None,
                "kind": kind, "status": _status(row, on), "where": row.where, "source": row.source,
            })
    columns = ["valid_from", "tax_area", "area", "category", "previous", "rate", "change_pp",
               "kind", "status", "where", "source"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.sort_values(["valid_from", "area", "category"], ignore_index=True)


def _signed(value: Decimal) -> str:
    text = format_rate(abs(value))
    return "0" if text == "0" else ("+" if value > 0 else "-") + text


def months_back(on: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    return on - relativedelta(months=months)


def _describe(row: Period) -> str:
    """One line saying what a reference-data row sets, whatever its file."""
    if isinstance(row, RateRow):
        return f"{row.tax_area} {row.category} {format_rate(row.rate_percent)} %"
    if hasattr(row, "amount"):
        return f"{row.scheme} {row.name} {row.currency} {row.amount}"
    if hasattr(row, "regime"):
        return f"{row.regime} covers {row.country}"
    kind = f"taxed as {row.tax_area}" if row.treatment == "taxed_as" else "outside"
    return f"{row.territory} ({row.country}) {kind}"


def all_rows(book: Ratebook) -> list[Period]:
    """Every row of the four reference files: rates, thresholds, coverage, territories."""
    thresholds = [r for series in book._thresholds.values() for r in series.rows]
    return [*book.rate_history(), *thresholds, *book.coverage, *book.territories]


def stale_sources(book: Ratebook, on: date, max_age_days: int = 365) -> pd.DataFrame:
    """Rows whose source was last read (``retrieved``) more than ``max_age_days`` before ``on``.

    Every file counts (a threshold or a territory can go stale like a rate). Rows still in force
    or scheduled come first: a closed row's old source matters only for replaying old decisions.
    """
    import pandas as pd

    cutoff = on - timedelta(days=max_age_days)
    order = {"in force": 0, "scheduled": 1, "closed": 2}
    records = [
        {"where": row.where, "row": _describe(row), "status": _status(row, on),
         "retrieved": row.retrieved, "age_days": (on - row.retrieved).days, "source": row.source}
        for row in all_rows(book) if row.retrieved < cutoff
    ]
    columns = ["where", "row", "status", "retrieved", "age_days", "source"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    if frame.empty:
        return frame
    frame["_order"] = frame["status"].map(order)
    return frame.sort_values(["_order", "retrieved", "where"]).drop(columns="_order").reset_index(drop=True)


def ending_series(book: Ratebook) -> pd.DataFrame:
    """Rate series whose last row is closed: from its ``valid_to`` the area has no rate at all.

    The loader accepts this (a series may end), but a quote for that area and category would
    then fail with ``NoRateError``: a reviewer wants to see it before the day comes.
    """
    import pandas as pd

    records = [
        {"tax_area": area, "area": area_label(area), "category": category,
         "last_rate": format_rate(rows[-1][1].rate_percent), "ends_on": rows[-1][1].valid_to,
         "where": rows[-1][1].where}
        for (area, category), rows in sorted(book.rate_lines.items())
        if rows[-1][1].valid_to is not None
    ]
    return pd.DataFrame.from_records(
        records, columns=["tax_area", "area", "category", "last_rate", "ends_on", "where"]
    )


def standard_rate_chart(in_force: pd.DataFrame, on: date):
    """Horizontal bars: the ``general`` rate of every tax area on ``on``, highest first."""
    import matplotlib.pyplot as plt

    data = in_force[in_force["general"] != "-"].copy()
    # float only to draw the bar; the label prints the exact rate text
    data["value"] = data["general"].map(lambda t: float(Decimal(t)))
    data = data.sort_values(["value", "area"], ascending=[True, False])
    fig, ax = plt.subplots(figsize=(10, 0.28 * len(data) + 1.2))
    colors = data["regime"].map(_regime_colors(data["regime"]))
    ax.barh(data["area"], data["value"], color=colors)
    for y, (value, text) in enumerate(zip(data["value"], data["general"])):
        ax.text(value + 0.2, y, f"{text} %", va="center", fontsize=8)
    ax.set_title(f"Standard (general) VAT/GST rate by tax area, in force on {on}")
    ax.set_xlabel("Rate (% of the net price)")
    ax.set_ylabel("Tax area")
    ax.set_xlim(0, data["value"].max() * 1.12)
    ax.grid(axis="y", visible=False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in _regime_colors(data["regime"]).values()]
    ax.legend(handles, list(_regime_colors(data["regime"])), title="regime", loc="lower right")
    return fig


def _regime_colors(regimes: Iterable[str]) -> dict[str, Any]:
    import matplotlib as mpl

    palette = mpl.colormaps["tab10"].colors
    return {name: palette[i % len(palette)] for i, name in enumerate(sorted(set(regimes)))}


def change_timeline_chart(changes: pd.DataFrame, on: date):
    """Timeline of rate changes: one marker per (tax area, date), the categories written beside.

    Filled markers are changes already in force or closed, hollow ones are scheduled; colour
    says increase, decrease or a new series (a regime starting). A dashed line marks ``on``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.dates import date2num

    colors = {"increase": "#c0392b", "decrease": "#2471a3", "new series": "#7f8c8d",
              "unchanged": "#f39c12", "mixed": "#8e44ad"}
    areas = sorted(changes["area"].unique(), reverse=True)
    drawn: set[str] = set()
    fig, ax = plt.subplots(figsize=(12, 0.75 * max(len(areas), 2) + 1.6))
    for (area, day), group in changes.groupby(["area", "valid_from"]):
        kinds = set(group["kind"])
        kind = kinds.pop() if len(kinds) == 1 else "mixed"
        drawn.add(kind)
        scheduled = (group["status"] == "scheduled").all()
        y = areas.index(area)
        ax.scatter(date2num(day), y, s=90, zorder=3, color=colors[kind],
                   facecolors="none" if scheduled else colors[kind], linewidths=2)
        # one line per distinct step, naming its categories: "20→23 %: general, childrens clothing"
        steps: dict[str, list[str]] = {}
        for r in group.itertuples():
            step = f"{r.previous}→{r.rate} %" if isinstance(r.previous, str) else f"new: {r.rate} %"
            steps.setdefault(step, []).append(r.category.replace("_", " "))
        label = "\n".join(f"{step}: {', '.join(cats)}" for step, cats in steps.items())
        ax.annotate(label, (date2num(day), y), xytext=(8, 0), textcoords="offset points",
                    fontsize=7.5, va="center", linespacing=1.1)
    ax.axvline(date2num(on), color="black", linestyle="--", linewidth=1)
    ax.annotate(f"review date {on}", (date2num(on), len(areas) - 0.5), xytext=(4, 0),
                textcoords="offset points", fontsize=8)
    ax.set_yticks(range(len(areas)), areas)
    ax.set_ylim(-0.7, len(areas) - 0.3)
    ax.xaxis_date()
    ax.set_title("VAT/GST rate changes: the last 24 months and those already scheduled")
    ax.set_xlabel("Date the new rate takes effect (valid_from)")
    ax.set_ylabel("Tax area")
    handles = [
        plt.Line2D([], [], marker="o", linestyle="", color=colors[k], label=k)
        for k in colors if k in drawn
    ]
    handles.append(plt.Line2D([], [], marker="o", linestyle="", color="black", markerfacecolor="none",
                              label="scheduled (hollow)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


@dataclass(frozen=True, slots=True)
class Verdict:
    """The loader's verdict on a rates directory: ``ok`` and the book, or the exact error."""

    rates_dir: Path
    ok: bool
    message: str
    book: Ratebook | None = None
    error: RatesDataError | None = None


def validate_rates(rates_dir: Path | str | None = None) -> Verdict:
    """Run the loader's validation (it is the validator: it refuses to build a bad book).

    Returns:
        ``ok`` with a one-line summary, or not ``ok`` with the ``RatesDataError`` text, which
        names ``file:line:column``.
    """
    try:
        book = Ratebook(rates_dir)
    except RatesDataError as exc:
        return Verdict(Path(rates_dir or ""), False, str(exc), None, exc)
    rows = all_rows(book)
    message = (
        f"valid: {len(rows)} rows ({len(list(book.rate_history()))} rates in "
        f"{len(book.tax_areas())} tax areas), content version {book.version}"
    )
    return Verdict(book.rates_dir, True, message, book)


@dataclass(frozen=True, slots=True)
class Breakage:
    """One deliberate defect written into a copy of ``rates/``."""

    what: str
    file: str
    line: int
    column: str
    value: str


def break_copy(rates_dir: Path | str, dest: Path | str, breakage: Breakage) -> Path:
    """Copy ``rates_dir`` to ``dest`` and write ``breakage.value`` into one cell.

    Only the edited line is rewritten (by the csv module); every other byte stays as it was.
    """
    dest = Path(dest)
    shutil.copytree(rates_dir, dest)
    path = dest / breakage.file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    cells = next(csv.reader([lines[breakage.line - 1]]))
    cells[header.index(breakage.column)] = breakage.value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    lines[breakage.line - 1] = out.getvalue()
    path.write_text("".join(lines), encoding="utf-8")
    return dest


def typical_breakages(book: Ratebook, on: date) -> list[Breakage]:
    """Three defects a hand edit of ``vat_rates.csv`` can bring, on real rows of the book:
    a float-looking rate, a row starting before its predecessor ends, a row without source."""
    in_force = book.rate("DE", "general", on)
    changed = max(
        (rows[-1][1] for rows in book.rate_lines.values() if len(rows) > 1 and rows[-1][1].valid_from <= on),
        key=lambda r: r.valid_from,
    )
    line = int(changed.where.rsplit(":", 1)[1])
    return [
        Breakage("rate written as a float", "vat_rates.csv", int(in_force.where.rsplit(":", 1)[1]),
                 "rate_percent", f"{format_rate(in_force.rate_percent)}.0"),
        Breakage("change starting a day before the old rate ends", "vat_rates.csv", line,
                 "valid_from", (changed.valid_from - timedelta(days=1)).isoformat()),
        Breakage("row without a source", "vat_rates.csv", line, "source", ""),
    ]


# --- the ledger -------------------------------------------------------------------------------
#
# The review reads the ledger's own tables (``levy.ledger.schema``) through its SQLAlchemy
# engine: every amount is an integer in the currency's minor unit, summed by SQL or as Python
# ints, and becomes a Decimal only to be shown.

SAMPLE_ORDERS = REPO / "examples" / "paid_orders.jsonl"
"""The paid sample batch ``make demo`` commits (6 payments in it are refused on purpose)."""
SAMPLE_STEPS: tuple[tuple[str, ...], ...] = (
    # make demo's escrow life cycle: shipped, completed, closed; disputes settled by refunds;
    # a cancellation (the Makefile's `demo` target runs the same steps with the CLI)
    ("event", "AE-2026-036602", "shipped", "2026-10-08T09:00:00+00:00"),
    ("event", "AE-2026-036602", "completed", "2026-10-20T09:00:00+00:00"),
    ("event", "AE-2026-036602", "closed", "2026-10-21T09:00:00+00:00"),
    ("event", "AE-2026-050324", "shipped", "2026-10-08T09:00:00+00:00"),
    ("event", "AE-2026-050324", "dispute", "2026-10-14T09:00:00+00:00"),
    ("refund", "AE-2026-050324", "R-DEMO-1", "amount=20.00", "2026-10-16T09:00:00+00:00"),
    ("event", "AE-2026-050324", "completed", "2026-10-25T09:00:00+00:00"),
    ("event", "AE-2026-070951", "shipped", "2026-10-12T09:00:00+00:00"),
    ("event", "AE-2026-070951", "dispute", "2026-10-18T09:00:00+00:00"),
    ("refund", "AE-2026-070951", "R-DEMO-2", "lines=TEA-9677-LONGJ-250:2", "2026-10-19T09:00:00+00:00"),
    ("refund", "AE-2026-123926", "R-DEMO-3", "full", "2026-10-25T09:00:00+00:00"),
    ("event", "AE-2026-123926", "closed", "2026-10-26T09:00:00+00:00"),
    ("event", "AE-2026-183655", "shipped", "2026-11-02T09:00:00+00:00"),
    # Beyond make demo: two July orders cancelled in October, so October's return carries
    # corrections of an earlier period (Art. 369t(2)) in two schemes and currencies.
    ("refund", "AE-2026-018542", "R-SAMPLE-4", "full", "2026-10-05T09:00:00+00:00"),
    ("refund", "AE-2026-016781", "R-SAMPLE-5", "amount=10.00", "2026-10-09T09:00:00+00:00"),
)
"""Life-cycle steps applied after the commit: ``(event, order, kind, at)`` or
``(refund, order, refund_id, full | amount=X | lines=SKU:N, at)``."""


def build_sample_ledger(url: str, orders: Path | str = SAMPLE_ORDERS) -> dict[str, int]:
    """Commit the paid sample batch into the ledger at ``url`` and apply :data:`SAMPLE_STEPS`.

    Returns:
        How many orders were ``recorded`` and ``refused``, and the steps applied.

    Raises:
        levy.ledger.LedgerError: a step the ledger refuses (the sample must stay valid).
    """
    from datetime import datetime

    from levy.ledger import Ledger

    with Ledger(url) as ledger:
        statuses: dict[str, int] = {}
        with open(orders, "rb") as f:
            for result in ledger.commit(f):
                statuses[result.status] = statuses.get(result.status, 0) + 1
        for step in SAMPLE_STEPS:
            at = datetime.fromisoformat(step[-1])
            if step[0] == "event":
                ledger.event(step[1], step[2], at=at)
                continue
            how = step[3]
            if how == "full":
                ledger.refund(step[1], step[2], full=True, at=at)
            elif how.startswith("amount="):
                ledger.refund(step[1], step[2], amount=how.removeprefix("amount="), at=at)
            else:
                sku, qty = how.removeprefix("lines=").rsplit(":", 1)
                ledger.refund(step[1], step[2], lines={sku: int(qty)}, at=at)
    return {**statuses, "steps": len(SAMPLE_STEPS)}


_SAMPLE_DIRS: list[tempfile.TemporaryDirectory] = []


def sample_ledger() -> str:
    """The URL of a fresh sample ledger in a temporary directory (removed when Python exits):
    what a notebook reviews when ``DB_URL`` is ``None``."""
    tmp = tempfile.TemporaryDirectory(prefix="levy-sample-ledger-")
    _SAMPLE_DIRS.append(tmp)
    url = f"sqlite:///{Path(tmp.name) / 'sample-ledger.db'}"
    build_sample_ledger(url)
    return url


def period_bounds(period: str) -> tuple[date, date]:
    """``[first day, first day of the next month)`` of a ``YYYY-MM`` period."""
    from levy.reports.schema import parse_period

    year, month = parse_period(period)
    start = date(year, month, 1)
    return start, start + relativedelta(months=1)


def money(minor: int, digits: int) -> Decimal:
    """An amount from minor units, with exactly the currency's decimals (2500, 2 -> 25.00)."""
    return Decimal(int(minor)).scaleb(-int(digits))


def period_decisions(ledger, period: str) -> pd.DataFrame:
    """Every order paid in ``period`` (the chargeable event, Art. 66a) with its decision.

    Columns: ``order_id``, ``placed_on``, ``paid_on``, ``currency``, ``destination`` (the address
    country, also when nothing was collected), ``scheme``, ``reason``, ``collect``,
    ``tax_country``, ``tax_area``, ``net_total``, ``vat_total``, ``gross_total`` (Decimal, order
    currency), ``warnings``, ``decision`` (the stored decision as a dict, facts included) and
    ``order`` (the order as committed, payment included).
    """
    import pandas as pd
    from sqlalchemy import select

    from levy.ledger.schema import decisions, orders

    start, end = period_bounds(period)
    query = (
        select(orders.c.order_id, orders.c.placed_on, orders.c.paid_on, orders.c.currency,
               orders.c.minor_units, orders.c.payload, decisions.c.decision_json)
        .join(decisions, decisions.c.order_id == orders.c.order_id)
        .where(orders.c.paid_on >= start, orders.c.paid_on < end)
        .order_by(orders.c.order_id)
    )
    records = []
    with ledger.db.connect() as conn:
        for r in conn.execute(query):
            d = json.loads(r.decision_json)
            records.append({
                "order_id": r.order_id, "placed_on": r.placed_on, "paid_on": r.paid_on,
                "currency": r.currency, "destination": json.loads(r.payload)["ship_to"]["country"],
                "scheme": d["scheme"], "reason": d["reason"], "collect": d["collect"],
                "tax_country": d["tax_country"], "tax_area": d["facts"]["tax_area"],
                "net_total": Decimal(d["net_total"]), "vat_total": Decimal(d["vat_total"]),
                "gross_total": Decimal(d["gross_total"]), "warnings": d["warnings"], "decision": d,
                "order": json.loads(r.payload),
            })
    columns = ["order_id", "placed_on", "paid_on", "currency", "destination", "scheme", "reason",
               "collect", "tax_country", "tax_area", "net_total", "vat_total", "gross_total",
               "warnings", "decision", "order"]
    return pd.DataFrame.from_records(records, columns=columns)


def vat_in_eur(decided: pd.DataFrame, fx) -> pd.DataFrame:
    """VAT of the collected orders by scheme and tax country, with a euro equivalent.

    Each order's VAT is converted at the ECB rate of its own date (the latest on or before
    ``placed_on``, as its threshold test was) and rounded half-up to the cent, then added: a
    comparable figure across currencies for the review. The return itself converts at the
    period-end rate (``monthly_reconciliation``).
    """
    import pandas as pd

    from levy.money import round_cents

    rows = decided[decided["collect"]]
    records = []
    for (scheme, country), group in rows.groupby(["scheme", "tax_country"], sort=True):
        eur = Decimal(0)
        native: dict[str, Decimal] = {}
        for r in group.itertuples():
            native[r.currency] = native.get(r.currency, Decimal(0)) + r.vat_total
            rate = Decimal(1) if r.currency == "EUR" else fx.rate(r.currency, r.placed_on).rate
            eur += round_cents(r.vat_total / rate)
        records.append({
            "scheme": scheme, "tax_country": country, "country": area_label(country),
            "orders": len(group), "vat_eur": eur,
            "vat_by_currency": ", ".join(f"{c} {v}" for c, v in sorted(native.items())),
        })
    return pd.DataFrame.from_records(
        records, columns=["scheme", "tax_country", "country", "orders", "vat_eur", "vat_by_currency"]
    )


def exemption_shares(decided: pd.DataFrame) -> pd.DataFrame:
    """Per destination: orders, B2B (valid VAT number) and voucher exemptions, their share.

    ``outlier`` marks a country whose share lies more than two standard errors above the share
    over all destinations (binomial, ``p + 2 * sqrt(p(1-p)/n)``) with at least two exempt
    orders: one exempt order in a small country is not a pattern; several in one country, well
    above the platform's usual share, deserve a look (invalid numbers accepted, a voucher shared).
    """
    import pandas as pd

    total = len(decided)
    exempt_all = decided["reason"].isin(["B2B_VALID_VAT_NUMBER", "EXEMPTION_CERTIFICATE"]).sum()
    p = exempt_all / total if total else 0.0
    records = []
    for dest, group in decided.groupby("destination", sort=True):
        n = len(group)
        b2b = int((group["reason"] == "B2B_VALID_VAT_NUMBER").sum())
        voucher = int((group["reason"] == "EXEMPTION_CERTIFICATE").sum())
        share = (b2b + voucher) / n
        limit = p + 2 * (p * (1 - p) / n) ** 0.5
        records.append({
            "destination": dest, "country": area_label(dest), "orders": n, "b2b": b2b,
            "voucher": voucher, "share_percent": round(100 * share, 1),
            "outlier": bool(b2b + voucher >= 2 and share > limit),
        })
    frame = pd.DataFrame.from_records(
        records, columns=["destination", "country", "orders", "b2b", "voucher", "share_percent", "outlier"]
    )
    frame.attrs["overall_percent"] = round(100 * p, 1)
    return frame


def sample_decisions(decided: pd.DataFrame, n: int = 5, seed: int = 2026) -> pd.DataFrame:
    """``n`` decisions to drill into, each with another reason: collecting reasons first, then
    the most frequent; within a reason, a seeded random pick (the same ledger gives the same
    sample, a new seed another)."""
    import random

    rng = random.Random(seed)
    counts = decided["reason"].value_counts()
    collects = decided.groupby("reason")["collect"].first()
    reasons = sorted(counts.index, key=lambda r: (not collects[r], -counts[r], r))[:n]
    picked = [rng.choice(sorted(decided.loc[decided["reason"] == r, "order_id"])) for r in reasons]
    return decided.set_index("order_id").loc[picked].reset_index()


def drill_down(row, book: Ratebook) -> tuple[str, pd.DataFrame]:
    """One decision explained: a Markdown summary and its lines with the rate row each used.

    Each line's rate row is found in ``book`` by tax area, category and the ``valid_from`` the
    decision recorded; ``where`` names it (``vat_rates.csv:45``), or says it is no longer in the
    data (a row corrected since: replaying the decision would then disagree).
    """
    import pandas as pd

    d, order = row.decision, row.order
    facts = d["facts"]
    text = [
        f"#### {row.order_id}: {d['reason']}" + (f" under {d['scheme']}" if d["scheme"] else " (nothing collected)"),
        f"Paid {row.paid_on}, placed {row.placed_on}; {order['currency']} order from "
        f"{area_label(order['ship_from'])} (seller in {area_label(order['seller']['country'])}) to "
        f"{area_label(order['ship_to']['country'])}, postal code {order['ship_to'].get('postal_code') or '-'}.",
        f"> {d['explanation']}",
        f"Rule: **{facts['rule']}**; regime `{facts['regime']}`; rates as of {d['rates_as_of']}; "
        f"rates version `{facts['rates_version']}`.",
    ]
    th = facts.get("threshold")
    if th:
        fx = (f" ({d['currency']} {th['value']} at the ECB rate of {th['fx_date']}, "
              f"1 {th['limit_currency']} = {th['fx_rate']} {d['currency']}, {th['fx_source']})"
              if th.get("fx_rate") else "")
        text.append(
            f"Threshold `{th['name']}`: {th['limit_currency']} {th['converted_value']}{fx} "
            f"against {th['limit_currency']} {th['limit']} "
            f"({'inclusive' if th['inclusive'] else 'exclusive'}, per {th['basis']}): "
            f"{'within' if th['within'] else 'above'}; source {th['source']}."
        )
    if d["warnings"]:
        text.append("Warnings: " + ", ".join(f"`{w}`" for w in d["warnings"]))
    rate_rows = {(r["tax_area"], r["category"]): r for r in facts.get("rates", [])}
    records = []
    for line, out in zip(order["lines"], d["lines"]):
        fact = rate_rows.get((facts["tax_area"], line["category"])) if facts.get("tax_area") else None
        where = ""
        if fact:
            series = book.rate_lines.get((fact["tax_area"], fact["category"]), [])
            match = [r for _, r in series if r.valid_from.isoformat() == fact["valid_from"]
                     and format_rate(r.rate_percent) == fact["rate_percent"]]
            where = match[0].where if match else "not in the current rates/"
        records.append({
            "sku": line["sku"], "category": line["category"], "quantity": line["quantity"],
            "net": out["net"], "rate %": out["rate_percent"], "VAT": out["vat"],
            "rate row": where, "valid from": fact["valid_from"] if fact else "",
            "source": fact["source"] if fact else "",
        })
    return "\n\n".join(text), pd.DataFrame.from_records(records)


def vat_chart(vat: pd.DataFrame, period: str):
    """Horizontal bars of the VAT collected per country (euro equivalent), stacked by scheme."""
    import matplotlib.pyplot as plt

    # float only to draw; the table beside the chart holds the exact amounts
    pivot = vat.pivot_table(index="country", columns="scheme", values="vat_eur", aggfunc="sum",
                            fill_value=Decimal(0)).map(float)
    pivot = pivot.loc[pivot.sum(axis=1).sort_values().index]
    colors = _regime_colors(pivot.columns)
    fig, ax = plt.subplots(figsize=(10, 0.3 * len(pivot) + 1.5))
    left = [0.0] * len(pivot)
    for scheme in pivot.columns:
        ax.barh(pivot.index, pivot[scheme], left=left, color=colors[scheme], label=scheme)
        left = [a + b for a, b in zip(left, pivot[scheme])]
    for y, total in enumerate(left):
        ax.text(total + max(left) * 0.01, y, f"{total:,.2f}", va="center", fontsize=8)
    ax.set_title(f"VAT/GST collected on the orders paid in {period}, by country and scheme")
    ax.set_xlabel("VAT (EUR equivalent, ECB rate of each order's date)")
    ax.set_ylabel("Country of consumption")
    ax.set_xlim(0, max(left) * 1.12)
    ax.grid(axis="y", visible=False)
    ax.legend(title="scheme", loc="lower right")
    return fig


def reason_chart(decided: pd.DataFrame, period: str):
    """Stacked horizontal bars: decisions per destination country, coloured by reason code."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    counts = decided.assign(country=decided["destination"].map(area_label)).pivot_table(
        index="country", columns="reason", values="order_id", aggfunc="count", fill_value=0)
    counts = counts.loc[counts.sum(axis=1).sort_values().index]
    palette = mpl.colormaps["tab20"].colors
    fig, ax = plt.subplots(figsize=(11, 0.3 * len(counts) + 1.5))
    left = [0] * len(counts)
    for i, reason in enumerate(counts.columns):
        ax.barh(counts.index, counts[reason], left=left, color=palette[i % len(palette)], label=reason)
        left = [a + b for a, b in zip(left, counts[reason])]
    ax.set_title(f"Decisions on the orders paid in {period}, by destination and reason code")
    ax.set_xlabel("Orders (count)")
    ax.set_ylabel("Destination country")
    ax.grid(axis="y", visible=False)
    ax.legend(title="reason", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig


def exemption_chart(shares: pd.DataFrame, period: str):
    """Share of B2B and voucher exemptions per destination; outliers red, overall share dashed."""
    import matplotlib.pyplot as plt

    data = shares.sort_values(["share_percent", "country"], ascending=[True, False])
    colors = ["#c0392b" if o else "#5d6d7e" for o in data["outlier"]]
    fig, ax = plt.subplots(figsize=(10, 0.28 * len(data) + 1.5))
    ax.barh(data["country"], data["share_percent"], color=colors)
    for y, r in enumerate(data.itertuples()):
        ax.text(r.share_percent + 0.5, y, f"{r.b2b + r.voucher} of {r.orders}", va="center", fontsize=8)
    overall = shares.attrs.get("overall_percent", 0)
    ax.axvline(overall, color="black", linestyle="--", linewidth=1)
    ax.annotate(f"all destinations: {overall} %", (overall, len(data) - 0.5), xytext=(4, 0),
                textcoords="offset points", fontsize=8)
    ax.set_title(f"Orders paid in {period} exempted as B2B or by voucher, by destination (outliers in red)")
    ax.set_xlabel("Share of the destination's orders (%)")
    ax.set_ylabel("Destination country")
    ax.set_xlim(0, 105)
    ax.grid(axis="y", visible=False)
    return fig


def rates_applied(ledger, period: str, book: Ratebook) -> pd.DataFrame:
    """The rate rows the decisions of the orders paid in ``period`` applied, checked against ``book``.

    One row per (tax area, category, rate, ``valid_from``) the ledger's amount rows recorded,
    with how many order lines used it and their net; ``where`` names the row of ``book`` with that
    start and rate, or says it is not there (the data was corrected after the decision).
    """
    import pandas as pd
    from sqlalchemy import func, select

    from levy.ledger.schema import decision_lines, orders

    start, end = period_bounds(period)
    keys = (decision_lines.c.tax_area, decision_lines.c.category, decision_lines.c.rate_percent,
            decision_lines.c.rate_valid_from, decision_lines.c.rate_source, orders.c.currency,
            orders.c.minor_units)
    query = (
        select(*keys, func.count(), func.sum(decision_lines.c.net_minor))
        .select_from(decision_lines.join(orders, orders.c.order_id == decision_lines.c.order_id))
        .where(decision_lines.c.kind == "line", decision_lines.c.rate_valid_from.is_not(None),
               orders.c.paid_on >= start, orders.c.paid_on < end)
        .group_by(*keys)
    )
    grouped: dict[tuple, dict[str, Any]] = {}
    with ledger.db.connect() as conn:
        for area, category, rate, since, source, currency, digits, n, net in conn.execute(query):
            record = grouped.setdefault((area, category, rate, since), {
                "tax_area": area, "area": area_label(area), "category": category, "rate": rate,
                "valid_from": since, "lines": 0, "net": {}, "source": source,
            })
            record["lines"] += int(n)
            record["net"][currency] = record["net"].get(currency, Decimal(0)) + money(net, digits)
    records = []
    for record in grouped.values():
        series = book.rate_lines.get((record["tax_area"], record["category"]), [])
        match = [r for _, r in series if r.valid_from == record["valid_from"]
                 and format_rate(r.rate_percent) == record["rate"]]
        record["where"] = match[0].where if match else "not in rates/"
        record["net"] = ", ".join(f"{c} {v}" for c, v in sorted(record["net"].items()))
        records.append(record)
    columns = ["tax_area", "area", "category", "rate", "valid_from", "lines", "net", "where", "source"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.sort_values(["area", "category", "valid_from"], ignore_index=True)


def period_payments(ledger, period: str) -> pd.DataFrame:
    """The payments accepted in ``period`` (every order, collected or not), as Decimals.

    Columns: ``order_id``, ``method``, ``currency``, ``gross_total``, ``fee``, ``payable``,
    ``paid``, ``difference`` (paid - payable), ``usd_per_unit`` (the ECB cross rate the payment
    check used, when it needed one) and ``difference_usd``.
    """
    import pandas as pd
    from sqlalchemy import select

    from levy.ledger.schema import decisions, orders, payments

    start, end = period_bounds(period)
    query = (
        select(orders.c.order_id, orders.c.minor_units, payments.c.method, payments.c.currency,
               decisions.c.gross_total_minor, payments.c.fee_minor, payments.c.payable_minor,
               payments.c.amount_minor, payments.c.difference_minor, payments.c.usd_rate)
        .select_from(orders.join(payments, payments.c.order_id == orders.c.order_id)
                     .join(decisions, decisions.c.order_id == orders.c.order_id))
        .where(orders.c.paid_on >= start, orders.c.paid_on < end)
        .order_by(orders.c.order_id)
    )
    records = []
    with ledger.db.connect() as conn:
        for r in conn.execute(query):
            d = r.minor_units
            difference = money(r.difference_minor, d)
            usd = Decimal(r.usd_rate) if r.usd_rate else (Decimal(1) if r.currency == "USD" else None)
            records.append({
                "order_id": r.order_id, "method": r.method, "currency": r.currency,
                "gross_total": money(r.gross_total_minor, d), "fee": money(r.fee_minor, d),
                "payable": money(r.payable_minor, d), "paid": money(r.amount_minor, d),
                "difference": difference, "usd_per_unit": usd,
                "difference_usd": (difference * usd).quantize(Decimal("0.0001")) if usd is not None else None,
            })
    return pd.DataFrame.from_records(records, columns=[
        "order_id", "method", "currency", "gross_total", "fee", "payable", "paid", "difference",
        "usd_per_unit", "difference_usd",
    ])


def period_refunds(ledger, period: str) -> pd.DataFrame:
    """Refunds recorded in ``period``, with the period of the order they correct."""
    import pandas as pd
    from sqlalchemy import select

    from levy.ledger.schema import decisions, orders, refunds
    from levy.reports.schema import period_of

    start, end = period_bounds(period)
    query = (
        select(refunds.c.refund_id, refunds.c.order_id, refunds.c.refunded_on, refunds.c.mode,
               orders.c.currency, orders.c.minor_units, orders.c.paid_on, decisions.c.scheme,
               decisions.c.tax_country, refunds.c.amount_minor, refunds.c.net_minor, refunds.c.vat_minor,
               refunds.c.outside_base_minor)
        .join(orders, orders.c.order_id == refunds.c.order_id)
        .join(decisions, decisions.c.order_id == orders.c.order_id)
        .where(refunds.c.refunded_on >= start, refunds.c.refunded_on < end)
        .order_by(refunds.c.refunded_on, refunds.c.refund_id)
    )
    records = []
    with ledger.db.connect() as conn:
        for r in conn.execute(query):
            d = r.minor_units
            records.append({
                "refund_id": r.refund_id, "order_id": r.order_id, "refunded_on": r.refunded_on,
                "mode": r.mode, "scheme": r.scheme, "tax_country": r.tax_country,
                "original_period": period_of(r.paid_on), "currency": r.currency,
                "amount": money(r.amount_minor, d), "net": money(r.net_minor, d),
                "vat": money(r.vat_minor, d), "outside_vat_base": money(r.outside_base_minor, d),
            })
    frame = pd.DataFrame.from_records(records, columns=[
        "refund_id", "order_id", "refunded_on", "mode", "scheme", "tax_country", "original_period",
        "currency", "amount", "net", "vat", "outside_vat_base",
    ])
    frame["correction"] = frame["original_period"] != period
    return frame


# --- key figures ------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (Decimal, date)):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars from pandas
        return value.item()
    return value


def key_figures(title: str, figures: Mapping[str, Any]) -> None:
    """Show a notebook's key figures as a table and attach them to the output's metadata.

    Decimals and dates are kept as their exact text, so a test (or a second reviewer) reads
    back the very figures the reviewer saw: :func:`read_key_figures`.
    """
    from IPython.display import Markdown, display

    data = _jsonable(figures)
    rows = "\n".join(
        f"| {name} | {json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value} |"
        for name, value in data.items()
    )
    display(Markdown(f"**{title}**\n\n| figure | value |\n|---|---|\n{rows}"),
            metadata={FIGURES_KEY: data})


def read_key_figures(nb: NotebookNode) -> dict[str, Any]:
    """The figures every :func:`key_figures` call of an executed notebook attached, merged."""
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            figures = output.get("metadata", {}).get(FIGURES_KEY)
            if figures:
                found.update(figures)
    return found


# --- running ----------------------------------------------------------------------------------


def parameter_cell_index(nb: NotebookNode) -> int:
    """Index of the one cell tagged ``parameters`` (papermill's convention)."""
    found = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(found) != 1:
        raise ValueError(f"a review notebook needs exactly one cell tagged 'parameters', found {len(found)}")
    return found[0]


def parameter_names(nb: NotebookNode) -> list[str]:
    """Names the parameters cell assigns, in order."""
    tree = ast.parse(nb.cells[parameter_cell_index(nb)].source)
    return [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
            if isinstance(t, ast.Name)]


def inject_parameters(nb: NotebookNode, parameters: Mapping[str, Any]) -> None:
    """Insert a cell tagged ``injected-parameters`` after the ``parameters`` cell (papermill's way).

    Raises:
        ValueError: a name the parameters cell does not define (a typo would silently run
            the defaults), or a value that is not a plain literal.
    """
    import nbformat

    known = parameter_names(nb)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(f"unknown notebook parameter(s) {unknown}; the notebook defines {known}")
    lines = ["# Parameters injected by levy.review.execute_notebook"]
    for name, value in parameters.items():
        text = repr(str(value) if isinstance(value, Path) else value)
        try:  # only literals: the injected cell must mean what it says in the HTML
            ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ValueError(f"parameter {name}: {text} is not a Python literal") from None
        lines.append(f"{name} = {text}")
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(parameter_cell_index(nb) + 1, cell)


def execute_notebook(
    path: Path | str, parameters: Mapping[str, Any] | None = None, *, timeout: int = 600,
) -> NotebookNode:
    """Execute a notebook with nbclient on this interpreter's ipykernel and return it.

    The kernel is ipykernel's native ``python3`` spec, i.e. ``sys.executable -m
    ipykernel_launcher``: no kernel directory is searched, so neither the user's Jupyter
    configuration nor another environment's kernel can run the review. The working directory is
    the notebook's folder, as in Jupyter.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell failed (an assertion of the notebook's
            own key figures included); the message holds the cell and the traceback.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if parameters:
        inject_parameters(nb, parameters)
    with tempfile.TemporaryDirectory(prefix="levy-kernel-") as sockets:
        # Unix: the kernel listens on sockets in a private directory, not on TCP ports.
        transport = {"transport": "ipc", "ip": str(Path(sockets) / "k")} if os.name == "posix" else {}
        km = KernelManager(
            kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]), **transport
        )
        client = NotebookClient(
            nb, km=km, timeout=timeout, kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            client.execute(cleanup_kc=True)  # a kernel manager passed in is not shut down otherwise
        finally:
            if km.has_kernel and km.is_alive():
                km.shutdown_kernel(now=True)
    return nb


def render_html(nb: NotebookNode, dest: Path | str, *, title: str) -> Path:
    """Write an executed notebook as one self-contained HTML page (charts embedded as PNG).

    Code cells are left out: reviewers read the tables, charts and findings; the notebook
    itself is the code.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(body, encoding="utf-8")
    return dest


def notebook_paths(directory: Path | str = NOTEBOOKS_DIR) -> list[Path]:
    return sorted(Path(directory).glob("*.ipynb"))


def _absolute_db(url: str) -> str:
    """A SQLite path or URL relative to where the command runs, made absolute: the notebooks
    run in ``notebooks/``, where a relative path would name another file."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    prefix = "sqlite:///"
    if url.startswith(prefix) and len(url) > len(prefix) and not url[len(prefix):].startswith("/"):
        return prefix + str(Path(url[len(prefix):]).resolve())
    return url


def _failure(exc: Exception) -> str:
    """``AssertionError: period 2026-09 does not reconcile``: the error a cell raised, plain."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m levy.review html [--out DIR] [--db URL] [--period YYYY-MM] [NOTEBOOK...]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m levy.review", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    html = sub.add_parser("html", help="execute the review notebooks and write them as HTML")
    html.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    html.add_argument("--out", type=Path, default=REPO / "build" / "notebooks")
    html.add_argument("--db", help="ledger database URL (default: a fresh sample ledger, OUT/sample-ledger.db)")
    html.add_argument("--period", help="month under review, YYYY-MM (default: the notebooks' own)")
    args = parser.parse_args(list(argv) if argv is not None else None)

    db = _absolute_db(args.db) if args.db else None
    if db is None:
        # one fresh sample ledger for all the notebooks, kept beside the pages it produced
        sample = (args.out / "sample-ledger.db").resolve()
        args.out.mkdir(parents=True, exist_ok=True)
        for stale in (sample, sample.with_name(sample.name + "-wal"), sample.with_name(sample.name + "-shm")):
            stale.unlink(missing_ok=True)
        db = f"sqlite:///{sample}"
        build_sample_ledger(db)
        print(f"sample ledger {sample}")
    failed = 0
    for path in args.notebooks or notebook_paths():
        params = {k: v for k, v in (("DB_URL", db), ("PERIOD", args.period)) if v}
        try:
            nb = execute_notebook(path, params)
        except Exception as exc:  # report every notebook, then fail
            print(f"FAILED {path.name}: {_failure(exc)}", file=sys.stderr)
            failed += 1
            continue
        dest = render_html(nb, args.out / f"{path.stem}.html", title=path.stem.replace("_", " "))
        print(f"wrote {dest}")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
