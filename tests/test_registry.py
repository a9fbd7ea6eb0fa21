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


# ---- the regime as a complete unit: every declared fact present and consistent

from datetime import date as _date  # noqa: E402

from stdnum import get_cc_module  # noqa: E402

from levy import currencies  # noqa: E402
from levy.codes import declared_schemes  # noqa: E402
from levy.regimes import FilingFacts, UnknownScheme, filing, filings, regime_of  # noqa: E402
from levy.reports.schema import FILING_CURRENCIES  # noqa: E402


def test_the_scheme_enum_is_the_union_of_the_modules_filings():
    declared = [code for module in REGIMES.values() for code in module.FILINGS]
    assert sorted(declared) == sorted(s.value for s in Scheme)
    assert declared_schemes() == {code: name for name, module in REGIMES.items() for code in module.FILINGS}
    for module in REGIMES.values():
        assert module.SCHEMES == tuple(Scheme(code) for code in module.FILINGS)


@pytest.mark.parametrize("scheme", list(Scheme), ids=str)
def test_every_scheme_declares_its_return(scheme):
    facts = filing(scheme)
    assert isinstance(facts, FilingFacts)
    assert facts.period in ("month", "quarter") and facts.months in (1, 3)
    assert currencies.is_known(facts.currency)
    assert facts.fx_source and facts.law and facts.due_rule.text
    assert FILING_CURRENCIES[scheme] == facts.currency
    assert scheme in REGIMES[regime_of(scheme)].SCHEMES
    # a return falls due after its period ends, and within three months
    for end in (_date(2026, 3, 31), _date(2026, 11, 30), _date(2026, 12, 31), _date(2028, 2, 29)):
        assert end < facts.due(end) <= _date(end.year + (end.month > 9), (end.month + 2) % 12 + 1, 1)


def test_filing_currencies_are_derived_not_listed():
    assert FILING_CURRENCIES == {scheme: facts.currency for scheme, facts in filings().items()}


def test_an_unknown_scheme_is_named():
    with pytest.raises(UnknownScheme, match="'US_MARKETPLACE' is not declared"):
        filing("US_MARKETPLACE")


@pytest.mark.parametrize("scheme, period_end, due", [
    ("EU_IOSS", _date(2026, 11, 30), _date(2026, 12, 31)),   # Art. 369s
    ("EU_IOSS", _date(2027, 1, 31), _date(2027, 2, 28)),
    ("EU_OSS", _date(2026, 12, 31), _date(2027, 1, 31)),     # Art. 369f
    ("EU_OSS", _date(2027, 3, 31), _date(2027, 4, 30)),
    ("UK_MARKETPLACE", _date(2027, 3, 31), _date(2027, 5, 7)),
    ("UK_MARKETPLACE", _date(2026, 12, 31), _date(2027, 2, 7)),
    ("NO_VOEC", _date(2026, 12, 31), _date(2027, 1, 20)),
    ("NO_VOEC", _date(2027, 3, 31), _date(2027, 4, 20)),
    ("CH_PLATFORM", _date(2026, 12, 31), _date(2027, 2, 28)),
    ("CH_PLATFORM", _date(2027, 12, 31), _date(2028, 2, 29)),
    ("CH_PLATFORM", _date(2027, 3, 31), _date(2027, 5, 31)),
    ("AU_GST_LVG", _date(2026, 12, 31), _date(2027, 2, 28)),
    ("AU_GST_LVG", _date(2027, 3, 31), _date(2027, 4, 28)),
    ("NZ_GST_LVG", _date(2027, 3, 31), _date(2027, 5, 7)),
    ("NZ_GST_LVG", _date(2027, 6, 30), _date(2027, 7, 28)),
    ("SG_GST_LVG", _date(2027, 3, 31), _date(2027, 4, 30)),
], ids=lambda v: str(v))
def test_due_days(scheme, period_end, due):
    assert filing(scheme).due(period_end) == due


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_declared_thresholds_have_rows_from_the_regime_start(engine, name):
    module = REGIMES[name]
    starts = [row.valid_from for row in engine.book.coverage if row.regime == name]
    for scheme, threshold in module.THRESHOLDS:
        assert scheme in module.FILINGS
        assert engine.book.threshold(scheme, threshold, min(starts)).name == threshold


def test_every_threshold_row_is_declared_by_its_regime(engine):
    declared = {pair for module in REGIMES.values() for pair in module.THRESHOLDS}
    assert set(engine.book._thresholds) == declared


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_buyer_identifier_checks_exist_for_every_covered_country(engine, name):
    module = REGIMES[name]
    countries = {row.country for row in engine.book.coverage if row.regime == name}
    for kind in module.BUYER_ID.kinds:
        missing = [c for c in sorted(countries) if _stdnum(c, kind) is None]
        assert missing == [], f"{name}: no stdnum {kind} module for {missing}"
    assert module.BUYER_ID.label


def _stdnum(country: str, kind: str):
    try:
        return get_cc_module(country.lower(), kind)
    except Exception:  # stdnum raises ImportError variants for unknown modules
        return None
