"""Money helpers: Decimal only, explicit half-up rounding to the currency's ISO 4217 minor unit.

>>> quantize_minor(Decimal("0.675"), "EUR")
Decimal('0.68')
>>> minor_units("JPY"), minor_units("KWD"), minor_units("USD")
(0, 3, 2)
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from levy import currencies

ZERO = Decimal(0)
HUNDRED = Decimal(100)


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
