"""Buyer identifiers: VAT/GST registration numbers and exemption vouchers.

Checksums come from python-stdnum; Levy never hand-writes one. Following stdnum's
"computer says no" policy, a doubtful number never blocks checkout: it yields a warning and the
tax is collected.

>>> check_vat_number("DE 136.695.976", "DE").status
'valid'
>>> check_vat_number("136695976", "DE").status
'valid'
>>> check_vat_number("DE136695977", "DE").status
'invalid'
>>> check_vat_number("ATU13585627", "DE").status, check_vat_number("ATU13585627", "DE").country
('other_country', 'AT')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.util import clean

from levy.codes import WarningCode

# VAT prefixes that differ from the ISO country code (Greece uses EL; Northern Ireland XI).
_PREFIX_TO_ISO = {"EL": "GR", "XI": "GB"}
_ISO_TO_PREFIX = {"GR": "EL"}


@dataclass(frozen=True, slots=True)
class NumberCheck:
    """Outcome of checking a buyer's number against the destination country."""

    status: Literal["valid", "invalid", "other_country"]
    country: str | None
    """The ISO country the number belongs to, when it could be told."""
    compact: str
    """The normalised number (prefix, no separators): what goes into the ledger."""

    @property
    def warning(self) -> WarningCode | None:
        return {
            "invalid": WarningCode.VAT_NUMBER_INVALID,
            "other_country": WarningCode.VAT_NUMBER_OTHER_COUNTRY,
        }.get(self.status)


@lru_cache(maxsize=1)
def _eu_prefixes() -> frozenset[str]:
    return frozenset(code.upper() for code in eu_vat.MEMBER_STATES) | {"EL", "XI"}


@lru_cache(maxsize=65536)
def check_vat_number(number: str, destination: str, id_kind: str = "vat") -> NumberCheck:
    """Check a buyer's registration number for the destination country.

    Accepts the number with or without its country prefix, with spaces, dots or dashes.
    A prefixed EU number is checked with ``stdnum.eu.vat`` (so ``EL`` means Greece); an
    unprefixed one with the destination's own module (``stdnum.<cc>.<id_kind>``).

    Args:
        number: as the buyer typed it.
        destination: ISO 3166-1 alpha-2 of the destination tax country.
        id_kind: the stdnum module of the destination's number (``vat``, ``abn``, ``ird``...).
    """
    text = clean(number, " -./,:").upper().strip()
    prefix = text[:2]
    if prefix in _eu_prefixes() and text[2:3].isalnum():
        country = _PREFIX_TO_ISO.get(prefix, prefix)
        try:
            compact = eu_vat.validate(text)
        except ValidationError:
            return NumberCheck("invalid", country, text)
        if compact.startswith("GR"):
            compact = "EL" + compact[2:]  # the VIES prefix of Greece
        status = "valid" if country == destination else "other_country"
        return NumberCheck(status, country, compact)
    module = _module(destination, id_kind)
    own_prefix = _ISO_TO_PREFIX.get(destination, destination)
    if destination == "JP" and id_kind == "cn" and text[:1] == "T" and text[1:2].isdigit():
        # NTA: a qualified-invoice issuer's registration number is "T" + its 13-digit corporate
        # number (stdnum.jp.cn checks the check digit); the compact form keeps the "T".
        try:
            return NumberCheck("valid", destination, "T" + module.validate(text[1:]))
        except ValidationError:
            return NumberCheck("invalid", destination, text)
    if text.startswith(own_prefix) and not text[len(own_prefix):len(own_prefix) + 1].isalpha():
        text = text[len(own_prefix):]  # e.g. "GB980780684" or "CHE..." handled by the module
    if module is None:
        return NumberCheck("invalid", None, text)
    try:
        compact = module.validate(text)
    except ValidationError:
        return NumberCheck("invalid", destination, text)
    return NumberCheck("valid", destination, f"{own_prefix}{compact}" if id_kind == "vat" else compact)


@lru_cache(maxsize=256)
def _module(country: str, id_kind: str):
    try:
        return get_cc_module(country.lower(), id_kind)
    except Exception:  # stdnum raises ImportError variants for unknown modules
        return None


@dataclass(frozen=True, slots=True)
class ExemptionCheck:
    valid: bool
    warning: WarningCode | None
    detail: str


def check_exemption(
    certificate_id: str, country: str, valid_from: date, valid_to: date, destination: str, on: date
) -> ExemptionCheck:
    """A voucher counts when it is for the destination country and its dates cover ``on``.

    Both ``valid_from`` and ``valid_to`` count as inside (contract).
    """
    if country != destination:
        return ExemptionCheck(
            False, WarningCode.EXEMPTION_OTHER_COUNTRY,
            f"voucher {certificate_id} is for {country}, not {destination}",
        )
    if not valid_from <= on <= valid_to:
        return ExemptionCheck(
            False, WarningCode.EXEMPTION_NOT_IN_FORCE,
            f"voucher {certificate_id} is valid {valid_from} to {valid_to}, not on {on}",
        )
    return ExemptionCheck(True, None, f"voucher {certificate_id} valid {valid_from} to {valid_to}")
