"""Reconciliation: the report's order-currency totals must equal the ledger's, to the cent;
any difference stops the run before a file is written and names the orders behind it."""

from __future__ import annotations

import pandas as pd
import pytest
from reports.report_helpers import GOLDEN_LINES, GOLDEN_PERIOD, DictLedger

from levy.reports import FrameLines, ReconciliationError, make_report, run_report


@pytest.fixture(scope="module")
def ledger():
    return DictLedger(GOLDEN_LINES)


def test_the_golden_month_reconciles_with_the_ledger(golden_lines, ledger, ecb):
    report, checked = make_report(FrameLines(golden_lines), GOLDEN_PERIOD, fx=ecb, ledger=ledger)
    assert checked is not None and checked.groups > 0
    # The totals checked equal the plain sums of the month's lines, per scheme and currency.
    month = golden_lines[(golden_lines["period"] == GOLDEN_PERIOD) & golden_lines["scheme"].isin(report.schemes)]
    assert list(report.schemes) == ["EU_IOSS"]  # the monthly scheme; the others file 2026-Q3
    expected = month.groupby(["scheme", "currency"])[["net_minor", "vat_minor"]].sum()
    assert checked.totals == {k: (int(r.net_minor), int(r.vat_minor)) for k, r in expected.iterrows()}


def _tamper(lines: pd.DataFrame, how: str) -> tuple[pd.DataFrame, set[str]]:
    # EU_IOSS: the scheme the monthly report holds (the others file quarters)
    month = lines[(lines["period"] == GOLDEN_PERIOD) & (lines["kind"] == "sale") & (lines["scheme"] == "EU_IOSS")]
    first = month.index[0]
    order = lines.loc[first, "order_id"]
    if how == "dropped line":
        return lines.drop(index=first), {order}
    if how == "changed VAT":
        changed = lines.copy()
        changed.loc[first, "vat_minor"] += 1
        return changed, {order}
    if how == "duplicated sale":
        return pd.concat([lines, lines.loc[[first]]], ignore_index=True), {order}
    if how == "refund lost":
        refund = lines[(lines["period"] == GOLDEN_PERIOD) & (lines["kind"] == "refund")
                       & (lines["scheme"] == "EU_IOSS")].index[0]
        return lines.drop(index=refund), {lines.loc[refund, "order_id"]}
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["dropped line", "changed VAT", "duplicated sale", "refund lost"])
def test_a_difference_stops_the_report_and_names_the_orders(golden_lines, ledger, ecb, tmp_path, how):
    tampered, culprits = _tamper(golden_lines, how)
    with pytest.raises(ReconciliationError) as caught:
        run_report(FrameLines(tampered), GOLDEN_PERIOD, tmp_path / "out", fx=ecb, ledger=ledger)
    assert set(caught.value.order_ids) == culprits
    assert len(caught.value.differences) == 1
    assert next(iter(culprits)) in str(caught.value)
    assert not (tmp_path / "out").exists()  # nothing written


def test_the_message_gives_both_sides_in_the_order_currency(golden_lines, ledger, ecb):
    changed = golden_lines.copy()
    target = changed.index[(changed["period"] == GOLDEN_PERIOD) & (changed["currency"] == "JPY")
                           & (changed["kind"] == "sale")][0]
    changed.loc[target, "net_minor"] += 100
    with pytest.raises(ReconciliationError) as caught:
        make_report(FrameLines(changed), GOLDEN_PERIOD, fx=ecb, ledger=ledger)
    diff = caught.value.differences[0]
    assert diff.report[0] - diff.ledger[0] == 100
    row = changed.loc[target]
    assert f"taxable report {diff.report[0]} vs ledger {diff.ledger[0]}" in diff.describe()  # JPY: no decimals
    assert diff.orders[0].order_id == row["order_id"]
