"""Buyer VAT numbers (python-stdnum checksums) and exemption vouchers."""

from __future__ import annotations

from datetime import date

import pytest

from levy.codes import WarningCode
from levy.identifiers import check_exemption, check_vat_number

# One real, checksum-valid number per member state (python-stdnum's documented examples and
# public company registrations), with the destination it belongs to.
VALID_EU = [
    ("AT", "ATU13585627"), ("BE", "BE0776091951"), ("BG", "BG175074752"), ("CY", "CY10259033P"),
    ("CZ", "CZ25123891"), ("DE", "DE136695976"), ("DK", "DK13585628"), ("EE", "EE100931558"),
    ("GR", "EL094259216"), ("ES", "ESB58378431"), ("FI", "FI20774740"), ("FR", "FR40303265045"),
    ("HR", "HR33392005961"), ("HU", "HU12892312"), ("IE", "IE6388047V"), ("IT", "IT00743110157"),
    ("LT", "LT119511515"), ("LU", "LU15027442"), ("LV", "LV40003521600"), ("MT", "MT11679112"),
    ("NL", "NL004495445B01"), ("PL", "PL8567346215"), ("PT", "PT501964843"), ("RO", "RO18547290"),
    ("SE", "SE556188840401"), ("SI", "SI50223054"), ("SK", "SK2020273893"),
]


@pytest.mark.parametrize(("country", "number"), VALID_EU, ids=[c for c, _ in VALID_EU])
def test_valid_number_for_its_member_state(country, number):
    check = check_vat_number(number, country)
    assert (check.status, check.country, check.warning) == ("valid", country, None)


@pytest.mark.parametrize(("country", "number"), VALID_EU, ids=[c for c, _ in VALID_EU])
def test_valid_number_without_its_prefix(country, number):
    assert check_vat_number(number[2:], country).status == "valid"


@pytest.mark.parametrize(
    ("typed", "destination", "status", "compact"),
    [
        ("DE 136 695 976", "DE", "valid", "DE136695976"),
        ("de136.695.976", "DE", "valid", "DE136695976"),
        ("136-695-976", "DE", "valid", "DE136695976"),
        ("EL 094259216", "GR", "valid", "EL094259216"),
        ("094259216", "GR", "valid", "EL094259216"),
        ("NL 0044.95.445.B01", "NL", "valid", "NL004495445B01"),
        ("DE136695977", "DE", "invalid", "DE136695977"),
        ("123", "DE", "invalid", "123"),
        ("ATU13585627", "DE", "other_country", "ATU13585627"),
        ("EL094259216", "CY", "other_country", "EL094259216"),
    ],
)
def test_formats_and_outcomes(typed, destination, status, compact):
    check = check_vat_number(typed, destination)
    assert (check.status, check.compact) == (status, compact)


def test_warning_codes():
    assert check_vat_number("DE136695977", "DE").warning is WarningCode.VAT_NUMBER_INVALID
    assert check_vat_number("ATU13585627", "DE").warning is WarningCode.VAT_NUMBER_OTHER_COUNTRY


@pytest.mark.parametrize(
    ("country", "valid_from", "valid_to", "on", "valid", "warning"),
    [
        ("DE", date(2026, 1, 1), date(2026, 12, 31), date(2026, 11, 2), True, None),
        ("DE", date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 1), True, None),
        ("DE", date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 31), True, None),
        ("DE", date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 1), False, WarningCode.EXEMPTION_NOT_IN_FORCE),
        ("DE", date(2026, 1, 1), date(2026, 12, 31), date(2025, 12, 31), False, WarningCode.EXEMPTION_NOT_IN_FORCE),
        ("FR", date(2026, 1, 1), date(2026, 12, 31), date(2026, 11, 2), False, WarningCode.EXEMPTION_OTHER_COUNTRY),
    ],
    ids=["inside", "first-day", "last-day", "expired", "not-yet", "other-country"],
)
def test_exemption_vouchers(country, valid_from, valid_to, on, valid, warning):
    check = check_exemption("EX-1", country, valid_from, valid_to, "DE", on)
    assert (check.valid, check.warning) == (valid, warning)
