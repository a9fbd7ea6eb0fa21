"""Aggregation of collection lines: partials add up, and the schema is enforced on the totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reports.report_helpers import make_lines

from levy.reports import aggregate_frame, partial_aggregate
from levy.reports.aggregate import combine
from levy.reports.schema import LinesDataError
from levy.reports.synthetic import synthetic_frame

P = "2026-09"
GOOD = ("EU_IOSS", P, P, "sale", "DE", "19", "EUR", "A-1", 1000, 190)


def lines_with(**changes) -> pd.DataFrame:
    frame = make_lines(GOOD, GOOD[:7] + ("A-2", 500, 95))
    for column, value in changes.items():
        frame.loc[1, column] = value
    return frame


def test_partials_of_any_split_add_up_to_the_whole():
    lines = synthetic_frame(40_000, P, seed=7)
    whole = aggregate_frame(lines)
    rng = np.random.default_rng(1)
    cuts = np.sort(rng.choice(len(lines), size=6, replace=False))
    shuffled = lines.sample(frac=1, random_state=3)
    chunks = [shuffled.iloc[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)])]
    split = combine(partial_aggregate(chunk) for chunk in chunks)
    pd.testing.assert_frame_equal(whole, split)
    assert whole["rows"].sum() == len(lines)
    assert whole["net_minor"].sum() == lines["net_minor"].sum()
    assert whole["vat_minor"].sum() == lines["vat_minor"].sum()


def test_categorical_and_text_columns_aggregate_alike():
    lines = synthetic_frame(5_000, P, seed=3)
    as_categories = lines.astype({c: "category" for c in ("scheme", "tax_country", "rate_percent", "currency", "kind")})
    pd.testing.assert_frame_equal(aggregate_frame(lines), aggregate_frame(as_categories))


def test_one_rate_written_two_ways_is_one_group():
    agg = aggregate_frame(make_lines(GOOD, GOOD[:5] + ("19.0", "EUR", "A-2", 500, 95)))
    assert agg[["rate_percent", "net_minor", "vat_minor", "rows"]].to_dict("records") == [
        {"rate_percent": "19", "net_minor": 1500, "vat_minor": 285, "rows": 2}]


@pytest.mark.parametrize(
    "changes, column, message",
    [
        ({"kind": "chargeback"}, "kind", "'chargeback' is not one of sale, refund"),
        ({"period": "2026/09", "original_period": "2026/09"}, "period", "not a month written YYYY-MM"),
        ({"original_period": "2026-08"}, "original_period", "a sale's original period is its own"),
        ({"kind": "refund", "original_period": "2026-10", "net_minor": -500, "vat_minor": -95},
         "original_period", "for an order paid later, in 2026-10"),
        ({"scheme": "US_MARKETPLACE"}, "scheme", "'US_MARKETPLACE' has no filing currency"),
        ({"tax_country": "XX"}, "tax_country", "'XX' is not an ISO 3166-1 alpha-2 code"),
        ({"currency": "EURO"}, "currency", "'EURO' is not an ISO 4217 code"),
        ({"rate_percent": "nineteen"}, "rate_percent", "'nineteen' is not a rate in percent"),
        ({"net_minor": -500}, "net_minor", "sale lines must not be negative"),
        ({"kind": "refund"}, "net_minor", "refund lines must not be positive"),
        ({"tax_country": None}, "tax_country", "has no value"),
    ],
    ids=["kind", "period-format", "sale-other-period", "refund-before-sale", "scheme", "country",
         "currency", "rate", "negative-sale", "positive-refund", "missing-country"],
)
def test_lines_breaking_the_schema_are_refused_naming_column_and_rows(changes, column, message):
    with pytest.raises(LinesDataError, match=message) as caught:
        aggregate_frame(lines_with(**changes))
    assert caught.value.column == column
    assert caught.value.rows == 1


def test_amounts_must_be_integers_in_minor_units():
    frame = lines_with().astype({"net_minor": "float64"})
    with pytest.raises(LinesDataError, match="integers in the currency's minor unit, not float64"):
        aggregate_frame(frame)


def test_a_missing_column_is_named():
    with pytest.raises(LinesDataError, match="column 'currency': is missing"):
        aggregate_frame(lines_with().drop(columns=["currency"]))
