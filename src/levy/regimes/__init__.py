"""Regimes (one module per platform-collection regime, found by convention).

A regime is a module ``levy.regimes.<name>`` that declares, once, everything about its regime
(see ``Regime``): its scheme codes and their returns (``FILINGS``), the threshold rows it tests
(``THRESHOLDS``, data in ``rates/thresholds.csv``), the buyer identifier that makes a sale B2B
(``BUYER_ID``) and its ``decide`` rule. ``<name>`` is the ``regime`` column of
``rates/regime_countries.csv``, which says which destination countries it covers and from when.
The scheme enum (``levy.codes.Scheme``), the reports' filing currencies and ``levy regimes``
are derived from these declarations. Adding a regime is one module, its rows in ``rates/`` and
one test file: no registry to edit.

>>> filing("EU_OSS").period, filing("EU_OSS").due(date(2026, 12, 31))
('quarter', datetime.date(2027, 1, 31))
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from functools import lru_cache
from types import ModuleType
from typing import Mapping, Protocol, runtime_checkable

from levy.codes import Scheme
from levy.context import OrderContext, Outcome
from levy.errors import LevyError
from levy.regimes._unit import BuyerId, DueRule, FilingFacts

__all__ = ["BuyerId", "DueRule", "FilingFacts", "Regime", "discover", "filing", "filings", "regime_of"]

DECLARED = ("REGIME", "SCHEMES", "FILINGS", "THRESHOLDS", "BUYER_ID", "decide")
"""The names every regime module defines."""


@runtime_checkable
class Regime(Protocol):
    """The interface every regime module provides."""

    REGIME: str
    """The module's short name, as in ``rates/regime_countries.csv``."""
    FILINGS: Mapping[str, FilingFacts]
    """Scheme code -> its return (period, currency, due day, FX source, law)."""
    SCHEMES: tuple[Scheme, ...]
    """The schemes the regime can answer with when it collects (the keys of ``FILINGS``)."""
    THRESHOLDS: tuple[tuple[str, str], ...]
    """``(scheme, name)`` of each ``thresholds.csv`` series the rule tests."""
    BUYER_ID: BuyerId
    """The buyer identifier that proves a business buyer (empty ``kinds``: none does)."""

    def decide(self, ctx: OrderContext) -> Outcome:
        """Decide one order whose destination this regime covers on the order's date."""
        ...


class UnknownScheme(LevyError):
    """A scheme code no regime module declares."""


@lru_cache(maxsize=1)
def _modules() -> tuple[tuple[str, ModuleType], ...]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for attr in DECLARED:
            if not hasattr(module, attr):
                raise TypeError(f"regime module {module.__name__} lacks {attr}")
        if module.REGIME != info.name:
            raise TypeError(f"{module.__name__}.REGIME must be {info.name!r}")
        found.append((module.REGIME, module))
    return tuple(found)


def discover() -> dict[str, ModuleType]:
    """Import every public module of this package and index it by ``REGIME``."""
    return dict(_modules())


@lru_cache(maxsize=1)
def _filings() -> dict[Scheme, tuple[FilingFacts, str]]:
    return {
        Scheme(code): (facts, name) for name, module in _modules() for code, facts in module.FILINGS.items()
    }


def filings() -> dict[Scheme, FilingFacts]:
    """Every scheme's return, in ``Scheme`` order."""
    return {scheme: facts for scheme, (facts, _) in _filings().items()}


def filing(scheme: str) -> FilingFacts:
    """The return of one scheme: ``filing("EU_IOSS").due(date(2026, 11, 30))``.

    Raises:
        UnknownScheme: no regime module declares ``scheme``.
    """
    try:
        return _filings()[Scheme(scheme)][0]
    except ValueError:
        known = ", ".join(s.value for s in Scheme)
        raise UnknownScheme(f"scheme {scheme!r} is not declared by any regime (known: {known})") from None


def regime_of(scheme: str) -> str:
    """The regime module name (``eu``) that declares ``scheme``."""
    filing(scheme)
    return _filings()[Scheme(scheme)][1]
