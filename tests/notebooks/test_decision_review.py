"""decision_review.ipynb, executed on the sample ledger; its figures checked against plain SQL."""

from __future__ import annotations

import shutil
from collections import Counter
from decimal import Decimal

import pandas as pd
import pytest
from papermill import PapermillExecutionError  # levy.review.execute_notebook runs papermill

from levy import Engine, review
from levy.ledger import Ledger
from levy.ratebook import default_rates_dir

from .conftest import PERIOD

OCTOBER = ("2026-10-01", "2026-11-01")
PAID_IN_OCTOBER = "FROM orders o JOIN decisions d USING (order_id) WHERE o.paid_on >= ? AND o.paid_on < ?"


def test_decision_review_figures(run_notebook, sample_db, sql):
    _, figures = run_notebook("decision_review", DB_URL=f"sqlite:///{sample_db}", PERIOD=PERIOD)
    reasons = dict(sql(f"SELECT d.reason, count(*) {PAID_IN_OCTOBER} GROUP BY d.reason", *OCTOBER))
    vat = {
        cur: str(Decimal(total).scaleb(-digits))
        for cur, digits, total in sql(
            f"SELECT o.currency, o.minor_units, sum(d.vat_total_minor) {PAID_IN_OCTOBER} AND d.collect "
            "GROUP BY o.currency, o.minor_units", *OCTOBER)
    }
    orders = sum(reasons.values())
    assert figures["period"] == PERIOD
    # 124 of the paid sample batch and 3 of the golden month paid in October (GL-2026-0923, -1001, -1002)
    assert figures["orders"] == orders == 124 + 3
    assert figures["reasons"] == reasons
    assert figures["collected_orders"] == reasons["DEEMED_SUPPLIER_IMPORT"] + reasons["DEEMED_SUPPLIER_LOCAL_STOCK"]
    assert figures["vat_by_currency"] == vat
    assert figures["exempt_orders"] == reasons["B2B_VALID_VAT_NUMBER"] + reasons["EXEMPTION_CERTIFICATE"]
    # five samples, five different reasons, the two collecting reasons first
    assert len(set(figures["sample_reasons"])) == 5
    assert figures["sample_reasons"][:2] == ["DEEMED_SUPPLIER_IMPORT", "DEEMED_SUPPLIER_LOCAL_STOCK"]
    stored = dict(sql("SELECT order_id, reason FROM decisions"))
    assert [stored[o] for o in figures["samples"]] == figures["sample_reasons"]
    # every decision of the month replays identically
    assert figures["replayed"] == figures["replay_agree"] == orders


def test_decision_review_fails_when_decisions_do_not_replay(run_notebook, tmp_path, sample_db, sql):
    """A ledger whose German decisions were made with another general rate (20 instead of 19):
    the replay with today's rates disagrees, and the notebook stops naming those orders."""
    rates = tmp_path / "rates"
    shutil.copytree(default_rates_dir(), rates)
    path = rates / "vat_rates.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count("\nDE,general,19,") == 1
    path.write_text(text.replace("\nDE,general,19,", "\nDE,general,20,"), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    german = [
        line for line in (review.SAMPLE_ORDERS.read_text(encoding="utf-8").splitlines())
        if '"ship_to":{"country":"DE"' in line and '"accepted_at":"2026-10' in line
    ]
    with Ledger(url, engine=Engine(rates_dir=rates)) as ledger:
        results = list(ledger.commit(german))
    recorded = [r.order_id for r in results if r.status == "recorded"]
    taxed = {o for o, in sql("SELECT DISTINCT order_id FROM decision_lines WHERE tax_area = 'DE' AND "
                             "category = 'general' AND rate_percent = '19'")}
    expected = sorted(set(recorded) & taxed)
    assert expected, "the sample must hold German orders taxed at the general rate"
    with pytest.raises(PapermillExecutionError) as failed:
        run_notebook("decision_review", DB_URL=url, PERIOD=PERIOD)
    message = str(failed.value)
    assert f"{len(expected)} decisions do not replay: {expected}" in message


SHARES = [
    # destination: reasons of its orders        -> outlier?
    ({"AA": ["B2B_VALID_VAT_NUMBER"] * 3 + ["DEEMED_SUPPLIER_IMPORT"] * 2,
      "BB": ["DEEMED_SUPPLIER_IMPORT"] * 40}, {"AA": True, "BB": False}),
    ({"AA": ["EXEMPTION_CERTIFICATE"] + ["DEEMED_SUPPLIER_IMPORT"],
      "BB": ["DEEMED_SUPPLIER_IMPORT"] * 40}, {"AA": False, "BB": False}),  # one is no pattern
    ({"AA": ["B2B_VALID_VAT_NUMBER", "EXEMPTION_CERTIFICATE"] + ["DEEMED_SUPPLIER_IMPORT"] * 18,
      "BB": ["B2B_VALID_VAT_NUMBER"] * 2 + ["DEEMED_SUPPLIER_IMPORT"] * 18}, {"AA": False, "BB": False}),
]


@pytest.mark.parametrize(("orders", "outlier"), SHARES, ids=["3-of-5", "single-voucher", "even-spread"])
def test_exemption_outliers(orders, outlier):
    decided = pd.DataFrame(
        [{"order_id": f"{dest}-{i}", "destination": dest, "reason": reason}
         for dest, reasons in orders.items() for i, reason in enumerate(reasons)]
    )
    shares = review.exemption_shares(decided)
    assert dict(zip(shares["destination"], shares["outlier"])) == outlier
    exempt = Counter(r for rs in orders.values() for r in rs if r != "DEEMED_SUPPLIER_IMPORT")
    assert shares.attrs["overall_percent"] == round(100 * sum(exempt.values()) / len(decided), 1)
