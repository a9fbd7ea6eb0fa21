"""A contract every regime's test class inherits (python-holidays' CommonCountryTests).

A subclass sets the class attributes and ``REASON_CASES`` (one order per reason the regime can
give); the checks below then hold for every regime alike.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal

from levy import Reason

from conftest import build_order


class RegimeContract:
    COUNTRY: str
    POSTAL: str
    CURRENCY: str
    START: date
    """First day the regime applies (its row in rates/regime_countries.csv)."""
    COLLECTING_ORDER: dict
    """An order the regime collects on, placed after START."""
    REASON_CASES: dict[Reason, dict]
    EXPECTED_REASONS: frozenset[Reason]

    def _at(self, order: dict, day: date) -> dict:
        order = copy.deepcopy(order)
        order["placed_at"] = f"{day.isoformat()}T12:00:00+00:00"
        return order

    def test_collects_after_start(self, quote):
        d = quote(self.COLLECTING_ORDER)
        assert d["collect"] is True
        assert d["tax_country"] == self.COUNTRY

    def test_nothing_collected_before_start(self, quote):
        d = quote(self._at(self.COLLECTING_ORDER, self.START - timedelta(days=1)))
        assert (d["collect"], d["reason"], d["scheme"]) == (False, "DESTINATION_NOT_COVERED", None)

    def test_collects_on_start_date(self, quote):
        assert quote(self._at(self.COLLECTING_ORDER, self.START))["collect"] is True

    def test_every_reason_is_reachable(self, quote):
        reached = {Reason(quote(order)["reason"]) for order in self.REASON_CASES.values()}
        assert reached == set(self.REASON_CASES) == set(self.EXPECTED_REASONS)
        for reason, order in self.REASON_CASES.items():
            assert quote(order)["reason"] == reason.value, reason

    def test_gross_is_net_plus_vat_in_every_case(self, quote):
        for order in [self.COLLECTING_ORDER, *self.REASON_CASES.values()]:
            d = quote(order)
            for line in [*d["lines"], d["shipping"]]:
                assert Decimal(line["gross"]) == Decimal(line["net"]) + Decimal(line["vat"])
            assert Decimal(d["gross_total"]) == Decimal(d["net_total"]) + Decimal(d["vat_total"])
            if not d["collect"]:
                assert d["scheme"] is None and d["tax_country"] is None
                assert Decimal(d["vat_total"]) == 0
                assert all(line["rate_percent"] == "0" for line in d["lines"])

    def test_explanations_are_sentences(self, quote):
        for order in self.REASON_CASES.values():
            d = quote(order)
            assert d["explanation"].endswith(".") and len(d["explanation"]) > 40
            assert d["facts"]["rule"]

    def test_decisions_are_deterministic(self, engine):
        text = json.dumps(self.COLLECTING_ORDER)
        assert engine.quote(text).model_dump_json() == engine.quote(text).model_dump_json()


def order(**changes) -> dict:
    return build_order(**changes)
