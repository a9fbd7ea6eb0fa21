"""Regimes (one module per platform-collection regime, found by convention).

A regime is a module ``levy.regimes.<name>`` exposing the same three names (see ``Regime``);
``<name>`` is the ``regime`` column of ``rates/regime_countries.csv``, which says which
destination countries it covers and from when. Adding a regime is one module, its rows in
``rates/`` and one test file: no registry to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Protocol, runtime_checkable

from levy.codes import Scheme
from levy.context import OrderContext, Outcome


@runtime_checkable
class Regime(Protocol):
    """The interface every regime module provides."""

    REGIME: str
    """The module's short name, as in ``rates/regime_countries.csv``."""
    SCHEMES: tuple[Scheme, ...]
    """The schemes the regime can answer with when it collects."""

    def decide(self, ctx: OrderContext) -> Outcome:
        """Decide one order whose destination this regime covers on the order's date."""
        ...


def discover() -> dict[str, ModuleType]:
    """Import every public module of this package and index it by ``REGIME``."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for attr in ("REGIME", "SCHEMES", "decide"):
            if not hasattr(module, attr):
                raise TypeError(f"regime module {module.__name__} lacks {attr}")
        if module.REGIME != info.name:
            raise TypeError(f"{module.__name__}.REGIME must be {info.name!r}")
        found[module.REGIME] = module
    return found
