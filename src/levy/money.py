"""Money helpers: Decimal only, explicit half-up rounding to the currency's ISO 4217 minor unit.

>>> quantize_minor(Decimal("0.675"), "EUR")
Decimal('0.68')
>>> minor_units("JPY"), minor_units("KWD"), minor_units("USD")
(0, 3, 2)
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_UP,
    Clamped,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    Underflow,
)
from functools import lru_cache

from levy import currencies

ZERO = Decimal(0)
HUNDRED = Decimal(100)

MONEY_CONTEXT = Context(
    prec=60, rounding=ROUND_HALF_UP, Emin=-999, Emax=999,
    traps=[InvalidOperation, DivisionByZero, Overflow, Underflow, Clamped],
)
"""The arithmetic context of every quote (``decimal.localcontext(MONEY_CONTEXT)``): 60 digits hold
the largest order the contract admits (15 integer digits x 1,000,000 units x 1,000 lines, with
any minor unit) exactly, and every condition that would lose a value silently raises instead.
Rounding itself is always explicit (``quantize_minor``); ``Inexact`` divisions (VAT extraction,
FX conversion) are rounded at the end and therefore not trapped."""


def plain(amount: Decimal) -> str:
    """Decimal text without exponent notation (``str`` writes ``Decimal('1E+3')`` as ``1E+3``).

    >>> plain(Decimal("1E+3")), plain(Decimal("12.50"))
    ('1000', '12.50')
    """
    return format(amount, "f")


def minor_units(currency: str) -> int:
    """Number of decimals of the currency's minor unit, from ISO 4217's own table."""
    return currencies.minor_units(currency)


@lru_cache(maxsize=None)
def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency: ``Decimal('0.01')`` for EUR, ``Decimal('1')`` for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))


def quantize_minor(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (the contract's only rounding rule)."""
    return amount.quantize(quantum(currency), ROUND_HALF_UP)


def is_exact_in(amount: Decimal, currency: str) -> bool:
    """Whether ``amount`` is a whole number of the currency's minor unit (trailing zeros aside).

    >>> is_exact_in(Decimal("100.00"), "JPY"), is_exact_in(Decimal("100.50"), "JPY")
    (True, False)
    >>> is_exact_in(Decimal("59922.00"), "HUF"), is_exact_in(Decimal("1.005"), "EUR")
    (True, False)
    """
    if -amount.as_tuple().exponent <= minor_units(currency):
        return True
    return amount == amount.quantize(quantum(currency), ROUND_HALF_UP)


def round_cents(amount: Decimal) -> Decimal:
    """Round half-up to 0.01 (converted EUR/GBP/... values shown in explanations)."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=1024)
def format_rate(rate_percent: Decimal) -> str:
    """A rate as the contract writes it: ``"19"``, ``"25.5"``, ``"0"``.

    >>> format_rate(Decimal("25.50")), format_rate(Decimal("7")), format_rate(Decimal("0.0"))
    ('25.5', '7', '0')
    """
    text = format(rate_percent.normalize(), "f")
    return "0" if text in ("-0", "0") else text
