"""Regime registry: discovery by module name, guarded by consistency checks (holidays-style).

A regime is found because its module exists (``levy.regimes.<name>``), not because someone
listed it; these tests make sure the modules, ``rates/regime_countries.csv`` and the contract's
schemes agree, and that no destination is claimed by two regimes on one date.
"""

from __future__ import annotations

import pkgutil
from collections import defaultdict
from datetime import date

import pytest

import levy.regimes
from levy.codes import Scheme
from levy.regimes import Regime, discover

REGIMES = discover()
MODULE_NAMES = sorted(
    info.name for info in pkgutil.iter_modules(levy.regimes.__path__) if not info.name.startswith("_")
)


def test_every_public_module_is_discovered():
    assert sorted(REGIMES) == MODULE_NAMES


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_module_implements_the_protocol(name):
    module = REGIMES[name]
    assert isinstance(module, Regime)
    assert module.REGIME == name == module.__name__.rsplit(".", 1)[1]
    assert module.SCHEMES and all(isinstance(s, Scheme) for s in module.SCHEMES)
    assert callable(module.decide)
    assert module.__doc__ and "References:" in module.__doc__


def test_every_covered_regime_has_a_module_and_every_module_covers_something(engine):
    covered = {row.regime for row in engine.book.coverage}
    assert covered == set(REGIMES)


def test_every_scheme_is_produced_by_exactly_one_module():
    owners = defaultdict(list)
    for name, module in REGIMES.items():
        for scheme in module.SCHEMES:
            owners[scheme].append(name)
    assert set(owners) == set(Scheme)
    assert {s: names for s, names in owners.items() if len(names) > 1} == {}


def _claims(book) -> dict[str, list[tuple[str, date, date]]]:
    """Every (regime, from, to) claim on each address country: its own coverage rows, and a
    country-wide ``taxed_as`` row sending it to another country's regime (IM -> GB, LI -> CH)."""
    claims: dict[str, list] = defaultdict(list)
    for row in book.coverage:
        claims[row.country].append((row.regime, row.valid_from, row.valid_to or date.max))
    for t in book.territories:
        if t.pattern is None and t.treatment == "taxed_as":
            target = t.tax_area.split("-")[0]
            for row in book.coverage:
                if row.country != target:
                    continue
                start = max(t.valid_from, row.valid_from)
                end = min(t.valid_to or date.max, row.valid_to or date.max)
                if start < end:
                    claims[t.country].append((row.regime, start, end))
    return claims


def test_no_two_regimes_claim_one_country_on_one_date(engine):
    clashes = []
    for country, rows in _claims(engine.book).items():
        for i, (regime_a, from_a, to_a) in enumerate(rows):
            for regime_b, from_b, to_b in rows[i + 1:]:
                if regime_a != regime_b and from_a < to_b and from_b < to_a:
                    clashes.append((country, regime_a, regime_b, max(from_a, from_b)))
    assert clashes == []


def test_claims_include_the_territories_taxed_as_another_country(engine):
    claims = _claims(engine.book)
    assert {regime for regime, _, _ in claims["LI"]} == {"ch_platform"}
    assert {regime for regime, _, _ in claims["IM"]} == {"uk_marketplace"}
