"""Synthetic collection lines for benchmarks and scale tests (seeded, vectorised).

The mix is meant to look like a large marketplace month: mostly IOSS, some OSS and the other
schemes, 1 or 2 rates per order, a handful of order currencies, about 3 % refund lines of which
two thirds correct an earlier month. Amounts are realistic in each currency's minor unit and
VAT is net x rate, so every line obeys the schema (signs, periods, codes).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from levy.money import minor_units
from levy.reports.schema import LINE_SCHEMA, parse_period

# scheme, share of lines, countries with their (standard, reduced) rates, order currencies
_MIX = [
    ("EU_IOSS", 0.70, [("DE", "19", "7"), ("FR", "20", "5.5"), ("IT", "22", "4"), ("ES", "21", "4"),
                       ("NL", "21", "9"), ("PL", "23", "5"), ("SE", "25", "6"), ("BE", "21", "6"),
                       ("AT", "20", "10"), ("IE", "23", "13.5"), ("FI", "25.5", "13.5"),
                       ("PT", "23", "6"), ("CZ", "21", "12"), ("RO", "21", "11"), ("HU", "27", "5"),
                       ("GR", "24", "6"), ("DK", "25", "25")],
     ["EUR", "USD", "CNY", "GBP", "JPY", "PLN", "SEK"]),
    ("EU_OSS", 0.18, [("DE", "19", "7"), ("FR", "20", "5.5"), ("IT", "22", "4"), ("ES", "21", "4"),
                      ("NL", "21", "9"), ("PL", "23", "5")], ["EUR", "USD", "CNY"]),
    ("UK_MARKETPLACE", 0.06, [("GB", "20", "0")], ["GBP", "USD", "EUR"]),
    ("NO_VOEC", 0.02, [("NO", "25", "15")], ["NOK", "EUR", "USD"]),
    ("CH_PLATFORM", 0.015, [("CH", "8.1", "2.6")], ["CHF", "EUR"]),
    ("AU_GST_LVG", 0.01, [("AU", "10", "10")], ["AUD", "USD"]),
    ("NZ_GST_LVG", 0.005, [("NZ", "15", "15")], ["NZD", "USD"]),
    ("SG_GST_LVG", 0.005, [("SG", "9", "9")], ["SGD", "USD"]),
]
_TYPICAL_MINOR = {"JPY": 3000, "CNY": 300, "SEK": 400, "NOK": 400, "PLN": 150}
"""Typical order value in major units where a currency is far from the euro (default 40)."""


def _previous(period: str, months: int) -> str:
    year, month = parse_period(period)
    index = year * 12 + month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def synthetic_batches(lines: int, period: str, seed: int = 2026, batch: int = 1_000_000) -> Iterator[pa.Table]:
    """``lines`` collection lines of one ``period``, as Arrow tables of at most ``batch`` rows."""
    rng = np.random.default_rng(seed)
    # Flatten the mix into (scheme, country, standard, reduced, currency) choices.
    schemes, countries, rates, currencies = [], [], [], []
    combos = []  # (scheme_i, country_i, std_i, red_i, cur_i, weight)
    for scheme, share, places, curs in _MIX:
        for country, std, red in places:
            for cur in curs:
                combos.append((scheme, country, std, red, cur, share / len(places) / len(curs)))
    for values, idx in ((schemes, 0), (countries, 1), (currencies, 4)):
        values.extend(dict.fromkeys(c[idx] for c in combos))
    rates = list(dict.fromkeys([c[2] for c in combos] + [c[3] for c in combos]))
    weights = np.array([c[5] for c in combos])
    weights /= weights.sum()
    c_scheme = np.array([schemes.index(c[0]) for c in combos], dtype=np.int32)
    c_country = np.array([countries.index(c[1]) for c in combos], dtype=np.int32)
    c_std = np.array([rates.index(c[2]) for c in combos], dtype=np.int32)
    c_red = np.array([rates.index(c[3]) for c in combos], dtype=np.int32)
    c_cur = np.array([currencies.index(c[4]) for c in combos], dtype=np.int32)
    # Rates in thousandths of a percent (5.5 -> 5500), exact: the VAT below is integer arithmetic.
    rate_milli_percent = np.array([int(Decimal(r) * 1000) for r in rates], dtype=np.int64)
    scale = np.array([10 ** minor_units(c) * _TYPICAL_MINOR.get(c, 40) for c in currencies], dtype=np.float64)
    periods = [period, _previous(period, 1), _previous(period, 2)]
    kinds = ["sale", "refund"]
    dictionary = {name: pa.array(values, pa.string()) for name, values in (
        ("scheme", schemes), ("tax_country", countries), ("rate_percent", rates),
        ("currency", currencies), ("original_period", periods), ("kind", kinds))}
    order_no = 0
    done = 0
    while done < lines:
        n = min(batch, lines - done)
        combo = rng.choice(len(combos), size=n, p=weights)
        # Orders of one or two rates: about 30 % of rows are the reduced-rate row of the order
        # before them (same scheme, country and currency), where the country has such a rate.
        previous = np.roll(combo, 1)
        second = (rng.random(n) < 0.3) & (c_red[previous] != c_std[previous])
        second[0] = False
        second &= ~np.roll(second, 1)  # at most two rates per order
        order_index = order_no + np.cumsum(~second) - 1
        combo = np.where(second, previous, combo)
        order_no = int(order_index[-1]) + 1
        rate_i = np.where(second, c_red[combo], c_std[combo])
        cur_i = c_cur[combo]
        net = np.maximum(1, (rng.lognormal(0.0, 0.6, n) * scale[cur_i] * 0.8)).astype(np.int64)
        vat = (net * rate_milli_percent[rate_i] + 50_000) // 100_000  # half-up (net > 0), in minor units
        refund = rng.random(n) < 0.03
        earlier = refund & (rng.random(n) < 2 / 3)
        orig_i = np.where(earlier, 1 + (rng.random(n) < 0.25), 0).astype(np.int32)
        sign = np.where(refund, -1, 1)
        orig_text = pa.DictionaryArray.from_arrays(pa.array(orig_i), dictionary["original_period"]).cast(pa.string())
        ids = pc.binary_join_element_wise(
            "SYN-", orig_text, "-", pc.utf8_lpad(pc.cast(pa.array(order_index), pa.string()), 10, "0"), ""
        )

        def dict_col(name: str, codes: np.ndarray) -> pa.Array:
            return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), dictionary[name]).cast(pa.string())

        table = pa.table({
            "scheme": dict_col("scheme", c_scheme[combo]),
            "period": pa.array(np.full(n, period), pa.string()),
            "original_period": dict_col("original_period", orig_i),
            "kind": dict_col("kind", refund.astype(np.int32)),
            "tax_country": dict_col("tax_country", c_country[combo]),
            "rate_percent": dict_col("rate_percent", rate_i),
            "currency": dict_col("currency", cur_i),
            "order_id": ids,
            "net_minor": pa.array(net * sign),
            "vat_minor": pa.array(vat * sign),
        }, schema=LINE_SCHEMA)
        done += n
        yield table


def synthetic_frame(lines: int, period: str, seed: int = 2026):
    """The same lines as one pandas frame (small sizes: tests)."""
    return pa.concat_tables(list(synthetic_batches(lines, period, seed))).to_pandas()
