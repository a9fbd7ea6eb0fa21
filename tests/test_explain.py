"""Explanations are written in one place (``levy.explain``) from the outcome's codes and facts.

A regime's ``Outcome`` carries no sentence: only a declared template (``levy.explain.TEMPLATES``
or a regime module's ``TEMPLATES``) and the facts it names. Every bundled example is decided
with each regime's outcome recorded, and the decision's explanation must be the renderer's
text of that outcome (followed only by the discounts, duties and fees notes).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

from levy.codes import Reason
from levy.context import Outcome
from levy.errors import InvalidOrder
from levy.explain import TEMPLATES, Country, Said, explain_outcome, render, said, templates
from levy.regimes import discover

from conftest import build_order

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example_orders() -> list[dict]:
    orders = [json.loads((EXAMPLES / "order.json").read_text())]
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        orders += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return orders


def declared_templates() -> set[str]:
    declared = set(TEMPLATES.values())
    for module in discover().values():
        declared |= set(getattr(module, "TEMPLATES", {}).values())
    return declared


def test_an_outcome_holds_no_free_text():
    fields = {f.name: f.type for f in dataclasses.fields(Outcome)}
    assert "explanation" not in fields
    assert fields["said"] in ("Said", Said)


def test_every_example_is_explained_by_the_renderer_alone(engine, monkeypatch):
    recorded: list[Outcome] = []

    def recording(module):
        def decide(ctx):
            outcome = module.decide(ctx)
            recorded.append(outcome)
            return outcome
        return SimpleNamespace(decide=decide)

    for name, module in list(engine.regimes.items()):
        monkeypatch.setitem(engine.regimes, name, recording(module))
    declared = declared_templates()
    decided = reasons = 0
    seen_reasons = set()
    for raw in example_orders():
        recorded.clear()
        try:
            decision = engine.quote(raw)
        except InvalidOrder:
            continue  # the examples hold refused orders on purpose
        decided += 1
        seen_reasons.add(decision.reason)
        if not recorded:
            continue  # settled by the engine before any regime (offline, territory, not covered)
        (outcome,) = recorded
        reasons += 1
        assert set(templates(outcome.said)) <= declared, raw["order_id"]
        text = explain_outcome(outcome)
        assert decision.explanation == text or decision.explanation.startswith(text + " "), raw["order_id"]
    assert decided > 300 and reasons > 250
    assert {Reason.DEEMED_SUPPLIER_IMPORT, Reason.ABOVE_THRESHOLD, Reason.B2B_VALID_VAT_NUMBER} <= seen_reasons


def test_the_renderer_names_countries_and_joins_lists():
    phrase = said(TEMPLATES["excise_goods"], skus=("WINE-1", "CIG-2"), scheme_label="the EU scheme")
    assert render(phrase) == (
        "The consignment holds excise goods (WINE-1, CIG-2), which the EU scheme excludes: tax and duty "
        "are charged at import or by the seller, not by the platform."
    )
    place = said(TEMPLATES["place_territory"], country=Country("PT"), territory="Madeira")
    assert render(place) == "Portugal (Madeira)"


def test_the_engine_states_an_uncovered_destination_from_its_facts(quote):
    decision = quote(build_order(to="US", postal="10001"))
    assert decision["reason"] == "DESTINATION_NOT_COVERED"
    assert decision["explanation"].startswith(
        "No platform-collection regime covers United States (US) on 2026-"
    )
