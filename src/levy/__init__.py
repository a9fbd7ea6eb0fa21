"""Levy (cross-border VAT/GST compliance engine for online marketplaces).

Decides, for one order at checkout, whether the platform is the deemed supplier that must
charge the destination's VAT/GST, how much, and why.

>>> from levy import Engine
>>> engine = Engine()
>>> decision = engine.quote({
...     "order_id": "DOC-1", "placed_at": "2026-11-02T14:05:00+01:00", "currency": "EUR",
...     "seller": {"id": "S-1", "country": "CN"}, "ship_from": "CN",
...     "ship_to": {"country": "DE", "postal_code": "10115"}, "buyer": {"id": "B-1"},
...     "lines": [{"sku": "BOOK-1", "quantity": 2, "unit_price": "12.50", "category": "books"}]})
>>> decision.scheme.value, decision.reason.value, str(decision.vat_total)
('EU_IOSS', 'DEEMED_SUPPLIER_IMPORT', '1.75')
"""

from levy.codes import Reason, Scheme, WarningCode
from levy.engine import ENGINE_VERSION, Engine
from levy.errors import InvalidOrder, LevyError, NoRateError, RatesDataError
from levy.models import Decision, Order

__version__ = ENGINE_VERSION
"""The installed distribution's version (``importlib.metadata``, read once in :mod:`levy.engine`)."""

__all__ = [
    "Decision",
    "Engine",
    "InvalidOrder",
    "LevyError",
    "NoRateError",
    "Order",
    "RatesDataError",
    "Reason",
    "Scheme",
    "WarningCode",
    "__version__",
]
