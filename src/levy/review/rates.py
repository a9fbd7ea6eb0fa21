"""The rates review: what is in force, what changed and is scheduled, stale sources, and the
loader's verdict on the data (shown refusing deliberately broken copies).

References:
    Rates conventions: ``rates/README.md`` (half-open ``[valid_from, valid_to)``, sources).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from levy.errors import RatesDataError
from levy.money import format_rate
from levy.ratebook import Period, Ratebook, RateRow
from levy.review.areas import CATEGORIES, area_label

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

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
    colors = data["regime"].map(regime_colors(data["regime"]))
    ax.barh(data["area"], data["value"], color=colors)
    for y, (value, text) in enumerate(zip(data["value"], data["general"])):
        ax.text(value + 0.2, y, f"{text} %", va="center", fontsize=8)
    ax.set_title(f"Standard (general) VAT/GST rate by tax area, in force on {on}")
    ax.set_xlabel("Rate (% of the net price)")
    ax.set_ylabel("Tax area")
    ax.set_xlim(0, data["value"].max() * 1.12)
    ax.grid(axis="y", visible=False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in regime_colors(data["regime"]).values()]
    ax.legend(handles, list(regime_colors(data["regime"])), title="regime", loc="lower right")
    return fig


def regime_colors(regimes: Iterable[str]) -> dict[str, Any]:
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
