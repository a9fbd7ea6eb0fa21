"""Names and display defaults of the review notebooks: tax areas named as the reference data
names them (``Madeira (PT-30)``, ``Germany (DE)``), chart and table styles."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING


from levy.countries import country_name, subdivision_name
from levy.models import RATED_CATEGORIES
from levy.ratebook import Ratebook

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

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
        return subdivision_name(code)
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
