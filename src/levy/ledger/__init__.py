"""Ledger (what the platform actually collected: paid orders, escrow life cycle, refunds).

A quote says what to charge; the ledger records what was paid. Under IOSS the VAT becomes due
when the platform accepts the payment (VAT Directive Art. 66a), and refunds correct it later
(Art. 90). ``levy.ledger`` records every paid order with its decision and the facts behind it,
follows the platform's escrow life cycle and applies refunds, on a SQL database (SQLite by
default, PostgreSQL by URL) that survives crashes and never counts an order twice.

Modules: ``payments`` (the platform's payment rules, as data), ``lifecycle`` (events and their
order), ``amounts`` (amount rows and refund splits, in minor units), ``schema`` (SQLAlchemy 2
tables), ``db`` (URL, engine, Alembic migrations run on open), ``records`` (result values),
``commit``, ``refunds`` (events and refunds), ``replay``, ``store`` (``Ledger``, built from those
three), ``queries`` (the monthly returns' SQL), ``migrate`` (writes a new revision), ``cli``.

The names below are imported lazily, so that ``levy quote`` never loads SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from levy.ledger.errors import LedgerError
    from levy.ledger.store import Ledger, Result, TotalsRow

_LAZY = {
    "Ledger": "levy.ledger.store",
    "Result": "levy.ledger.store",
    "TotalsRow": "levy.ledger.store",
    "LedgerError": "levy.ledger.errors",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'levy.ledger' has no attribute {name!r}")


__all__ = ["Ledger", "LedgerError", "Result", "TotalsRow"]
