"""Decisions are values: ``decide(ctx)`` returns an immutable ``Outcome`` with everything it
found (the threshold tested, the warnings) and writes nothing into the read-only context."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from levy.codes import Reason, Scheme, WarningCode
from levy.context import NOTHING_FOUND, Destination, Findings, OrderContext, Outcome
from levy.engine import parse_order
from levy.explain import TEMPLATES, said

from conftest import build_order


def context(engine, raw: dict) -> tuple[OrderContext, object]:
    """The context the engine builds for an order to a destination country (no territory)."""
    order = parse_order(raw)
    country = order.ship_to.country
    coverage = engine.book.regime_for(country, order.placed_on)
    ctx = OrderContext(order, engine.book, engine.fx, Destination(country, country, country, None), coverage)
    return ctx, engine.regimes[coverage.regime]


def test_outcome_is_immutable():
    outcome = Outcome(Reason.OFFLINE_PAYMENT, None, "rule", said(TEMPLATES["offline"]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.warnings = (WarningCode.VAT_NUMBER_INVALID,)


def test_context_is_read_only(engine):
    ctx, _ = context(engine, build_order())
    for name in ("warnings", "threshold_fact", "order", "currency"):
        with pytest.raises(AttributeError, match="read-only"):
            setattr(ctx, name, None)
    assert ctx.intrinsic_value == ctx.intrinsic_value  # lazy facts still cache


def test_findings_keep_each_warning_once_in_order():
    found = NOTHING_FOUND.noting(WarningCode.FX_RATE_STALE).noting(
        WarningCode.VAT_NUMBER_INVALID, WarningCode.FX_RATE_STALE
    )
    assert found.warnings == (WarningCode.FX_RATE_STALE, WarningCode.VAT_NUMBER_INVALID)
    assert NOTHING_FOUND == Findings() and NOTHING_FOUND.warnings == ()


def test_outcome_carries_the_warnings_and_the_threshold(engine):
    late = engine.fx.last_date + timedelta(days=10)
    raw = build_order(currency="USD", vat="DE136695977", placed_at=f"{late}T10:00:00+00:00")
    ctx, regime = context(engine, raw)
    outcome = regime.decide(ctx)
    assert (outcome.reason, outcome.scheme) == (Reason.DEEMED_SUPPLIER_IMPORT, Scheme.EU_IOSS)
    assert outcome.warnings == (WarningCode.FX_RATE_STALE, WarningCode.VAT_NUMBER_INVALID)
    assert outcome.threshold is not None and outcome.threshold.name == "ioss_threshold_eur"
    assert outcome.threshold.converted_value < 150 and outcome.threshold.within
    # the context took none of it
    assert "warnings" not in vars(ctx) and "threshold_fact" not in vars(ctx)


def test_an_exclusion_after_the_threshold_keeps_the_threshold(engine):
    """A valid VAT number settles the order after the EUR 150 test: the fact stays in the outcome."""
    ctx, regime = context(engine, build_order(vat="DE136695976"))
    outcome = regime.decide(ctx)
    assert outcome.reason is Reason.B2B_VALID_VAT_NUMBER
    assert (outcome.threshold.converted_value, outcome.threshold.within) == (100, True)


@pytest.mark.parametrize("to, postal", [("DE", "10115"), ("GB", "SW1A 1AA"), ("NO", "0150"), ("AU", "2000")])
def test_deciding_twice_gives_equal_outcomes(engine, to, postal):
    ctx, regime = context(engine, build_order(to=to, postal=postal, vat="XX1"))
    first = regime.decide(ctx)
    assert regime.decide(ctx) == first
    assert first.warnings == (WarningCode.VAT_NUMBER_INVALID,)
