"""rates_review.ipynb, executed: verdict, rates in force, changes, stale sources.

Expected figures come from reading ``rates/*.csv`` here with the csv module, not from the
helpers the notebook uses, so the test checks the notebook against the data itself.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from papermill import PapermillExecutionError  # levy.review.execute_notebook runs papermill

from levy.ratebook import default_rates_dir

from .conftest import PERIOD

RATES = default_rates_dir()
FILES = ("vat_rates.csv", "thresholds.csv", "regime_countries.csv", "special_territories.csv")


def rows(name: str) -> list[dict[str, str]]:
    with open(RATES / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def expected(as_of: date) -> dict:
    """The figures the notebook must show on ``as_of``, straight from the CSV files."""
    rates = rows("vat_rates.csv")
    since = as_of - relativedelta(months=24)
    everything = [r for name in FILES for r in rows(name)]
    stale = [r for r in everything if day(r["retrieved"]) < as_of - timedelta(days=365)]
    return {
        "rows": len(everything),
        "rate_rows": len(rates),
        "changes": sum(day(r["valid_from"]) >= since for r in rates),
        "scheduled": sorted(
            f"{r['tax_area']} {r['category']} {r['rate_percent']} from {r['valid_from']}"
            for r in rates if day(r["valid_from"]) > as_of
        ),
        "stale_rows": len(stale),
        "stale_rows_in_force_or_scheduled": sum(
            not (day(r["valid_to"]) and day(r["valid_to"]) <= as_of) for r in stale
        ),
    }


# The standard rates are the law's, checked against rates/README.md's sources.
CASES = [
    pytest.param("2026-11-23", {"DE": "19", "FI": "25.5", "SK": "23", "EE": "24", "CH": "8.1", "SG": "9"},
                 id="today"),
    pytest.param("2024-06-30", {"DE": "19", "FI": "24", "SK": "20", "EE": "22", "CH": "-", "SG": "9"},
                 id="mid-2024-before-FI-SK-EE-rises"),
    pytest.param("2027-12-01", {"DE": "19", "FI": "25.5", "SK": "23", "EE": "24", "CH": "8.1", "SG": "9"},
                 id="a-year-on-every-source-stale"),
]


APPLIED = """
    SELECT count(*) FROM (SELECT DISTINCT dl.tax_area, dl.category, dl.rate_percent, dl.rate_valid_from
    FROM decision_lines dl JOIN orders o USING (order_id)
    WHERE dl.kind = 'line' AND dl.rate_valid_from IS NOT NULL AND o.paid_on >= ? AND o.paid_on < ?)"""


@pytest.mark.parametrize(("as_of", "general"), CASES)
def test_rates_review_figures(run_notebook, sample_db, sql, as_of, general):
    _, figures = run_notebook("rates_review", DB_URL=f"sqlite:///{sample_db}", PERIOD=PERIOD, AS_OF=as_of)
    want = expected(date.fromisoformat(as_of))
    assert figures["valid"] is True
    assert figures["review_date"] == as_of
    got = {k: figures[k] for k in want}
    got["scheduled"] = sorted(got["scheduled"])
    assert got == want
    assert {area: figures["general_rate"][area] for area in general} == general
    assert figures["broken_copies_refused"] == 3
    errors = figures["broken_copy_errors"]
    assert [e.split(": ", 1)[0].split(":")[::2] for e in errors] == [
        ["vat_rates.csv", "rate_percent"], ["vat_rates.csv", "valid_from"], ["vat_rates.csv", "source"]
    ]
    assert "is not canonical: write '19'" in errors[0]
    assert "overlaps line" in errors[1]
    assert errors[2].endswith("every row needs a source")
    # section 5: every rate row October's decisions applied is in the data
    assert figures["rate_rows_applied"] == sql(APPLIED, "2026-10-01", "2026-11-01")[0][0] > 0
    assert figures["rate_rows_applied_missing"] == []


def rates_with(tmp_path, old: str, new: str):
    """A copy of rates/ with one vat_rates.csv line's start replaced; returns (dir, line number)."""
    copy = tmp_path / "rates"
    shutil.copytree(RATES, copy)
    path = copy / "vat_rates.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(old))
    lines[at] = lines[at].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return copy, at + 1


def test_rates_review_names_rates_decisions_used_that_are_gone(run_notebook, sample_db, tmp_path):
    """Valid data in which Germany's general rate became 20 from 2021-07-01: the review shows it,
    and flags the row October's German decisions applied (19 %) as no longer in the data."""
    rates, _ = rates_with(tmp_path, "DE,general,19,", "DE,general,20,")
    _, figures = run_notebook("rates_review", DB_URL=f"sqlite:///{sample_db}", PERIOD=PERIOD,
                              AS_OF="2026-11-23", RATES_DIR=str(rates))
    assert figures["valid"] is True
    assert figures["general_rate"]["DE"] == "20"
    assert figures["rate_rows_applied_missing"] == ["DE general 19 from 2021-07-01"]


def test_rates_review_stops_on_refused_data(run_notebook, sample_db, tmp_path):
    broken, line = rates_with(tmp_path, "DE,general,19,", "DE,general,19.00,")
    with pytest.raises(PapermillExecutionError) as failed:
        run_notebook("rates_review", DB_URL=f"sqlite:///{sample_db}", RATES_DIR=str(broken), AS_OF="2026-11-23")
    assert f"vat_rates.csv:{line}:rate_percent: '19.00' is not canonical: write '19'" in str(failed.value)
