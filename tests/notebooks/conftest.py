"""Notebook fixtures: a fresh sample ledger, and a runner that executes a review notebook.

Every notebook runs with nbclient on a kernel of this interpreter (``levy.review.execute_notebook``:
ipykernel's native spec, whatever the user's Jupyter configuration holds). The kernel inherits
this process's environment, so ``LEVY_DATA_DIR`` is the empty directory the top-level conftest
set (the packaged ECB history only) unless a test points it elsewhere. A failing cell (an
assertion of the notebook's own key figures included) fails the test with its traceback.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from levy import review

NOTEBOOKS = review.NOTEBOOKS_DIR
PERIOD = "2026-10"


@pytest.fixture(scope="session")
def run_notebook():
    """``run_notebook(name, **parameters) -> (executed notebook, key figures)``."""

    def _run(name: str, **parameters):
        nb = review.execute_notebook(NOTEBOOKS / f"{name}.ipynb", parameters, timeout=300)
        return nb, review.read_key_figures(nb)

    return _run


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """A fresh sample ledger (SQLite file): the paid sample batch, the golden August-September
    month (as make demo), and the life-cycle steps."""
    path = tmp_path_factory.mktemp("sample-ledger") / "ledger.db"
    summary = review.build_sample_ledger(f"sqlite:///{path}")
    assert summary == {"recorded": 286 + 35, "refused": 6, "steps": len(review.SAMPLE_STEPS)}
    return path


@pytest.fixture(scope="session")
def sql(sample_db):
    """``sql(query, *args) -> rows``: read the sample ledger with plain sqlite3, apart from the
    library code the notebooks use, to check their figures."""

    def _sql(query: str, *args):
        con = sqlite3.connect(f"{sample_db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()

    return _sql


@pytest.fixture(scope="session")
def fx_reaching_period_end(tmp_path_factory) -> Path:
    """A data directory whose FX store holds ECB rates dated Monday 2026-11-02, the day
    October 2026's returns convert at (Art. 366(2)); the packaged history ends on 2026-10-30.

    The rates are **made up for the tests**: Friday 2026-10-30's packaged rates, re-dated.
    """
    from levy.fx import default_rates
    from levy.fx.store import FxStore

    fx, friday = default_rates(), date(2026, 10, 30)
    currencies = sorted(c for c, (_, last, _) in fx.coverage().items() if c != "EUR" and last.on == friday)
    text = ("Date, " + ", ".join(currencies) + ", \n"
            + "2 November 2026, " + ", ".join(str(fx.rate(c, friday).rate) for c in currencies) + ", \n")
    directory = tmp_path_factory.mktemp("fx-2026-11-02")
    FxStore(directory).import_bytes(text.encode(), "eurofxref-test-2026-11-02.csv", "tests/notebooks")
    return directory
