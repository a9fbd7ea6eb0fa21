"""EU (VAT Directive Art. 14a, IOSS Art. 369l): scenarios with amounts to the cent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from levy import InvalidOrder, Reason

from regime_contract import RegimeContract, order

VOUCHER_DE = {"certificate_id": "EX-DE-2026-0042", "country": "DE", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}


class TestEU(RegimeContract):
    COUNTRY = "DE"
    POSTAL = "10115"
    CURRENCY = "EUR"
    START = date(2021, 7, 1)
    COLLECTING_ORDER = order()
    REASON_CASES = {
        Reason.DEEMED_SUPPLIER_IMPORT: order(),
        Reason.DEEMED_SUPPLIER_LOCAL_STOCK: order(ship_from="PL"),
        Reason.OFFLINE_PAYMENT: order(channel="offline"),
        Reason.DESTINATION_NOT_COVERED: order(to="US", postal="10001"),
        Reason.SPECIAL_TERRITORY: order(to="ES", postal="35001"),
        Reason.ABOVE_THRESHOLD: order(price="150.01"),
        Reason.B2B_VALID_VAT_NUMBER: order(vat="DE136695976"),
        Reason.EXEMPTION_CERTIFICATE: order(exemption=VOUCHER_DE),
        Reason.EXCISE_GOODS: order(category="excise_alcohol"),
        Reason.SELLER_LIABLE: order(ship_from="DE", seller_country="DE"),
    }
    EXPECTED_REASONS = frozenset(Reason)


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["tax_country"], d["vat_total"], d["warnings"]


SCENARIOS = [
    # id, order, (collect, scheme, reason, tax_country, vat_total, warnings)
    ("import-DE-100", order(), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "19.00", [])),
    ("import-at-limit-150.00", order(price="150.00"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "28.50", [])),
    ("import-above-150.01", order(price="150.01"), (False, None, "ABOVE_THRESHOLD", None, "0.00", [])),
    # Q17 Example 2: goods 140 + transport 20 -> intrinsic value 140 (IOSS), base 160 x 20 % = 32.
    ("q17-fr-shipping-in-base", order(to="FR", postal="75001", price="140.00", shipping="20.00"),
     (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "FR", "32.00", [])),
    ("shipping-not-in-intrinsic-value", order(price="149.99", shipping="30.00"),
     (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "34.20", [])),
    # USD on 2026-10-15: 1 EUR = 1.1208 USD, so EUR 150 = USD 168.12.
    ("usd-at-limit", order(currency="USD", price="168.12"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "31.94", [])),
    ("usd-one-cent-above", order(currency="USD", price="168.13"), (False, None, "ABOVE_THRESHOLD", None, "0.00", [])),
    ("import-eu-seller-still-ioss", order(seller_country="DE"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "19.00", [])),
    ("import-from-gb", order(ship_from="GB", to="IE", postal="D02 X285"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "IE", "23.00", [])),
    ("local-stock-domestic", order(ship_from="DE"), (True, "EU_OSS", "DEEMED_SUPPLIER_LOCAL_STOCK", "DE", "19.00", [])),
    ("local-stock-intra-eu", order(ship_from="PL", to="FR", postal="69001"), (True, "EU_OSS", "DEEMED_SUPPLIER_LOCAL_STOCK", "FR", "20.00", [])),
    ("local-stock-any-value", order(ship_from="DE", price="2500.00"), (True, "EU_OSS", "DEEMED_SUPPLIER_LOCAL_STOCK", "DE", "475.00", [])),
    ("local-stock-monaco-warehouse", order(ship_from="MC", to="FR", postal="06000"), (True, "EU_OSS", "DEEMED_SUPPLIER_LOCAL_STOCK", "FR", "20.00", [])),
    ("seller-liable-domestic", order(ship_from="DE", seller_country="DE"), (False, None, "SELLER_LIABLE", None, "0.00", [])),
    ("seller-liable-intra-eu", order(ship_from="PL", seller_country="PL", to="FR", postal="75001"), (False, None, "SELLER_LIABLE", None, "0.00", [])),
    ("import-from-aland-is-import", order(ship_from="AX"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "19.00", [])),
    ("offline", order(channel="offline"), (False, None, "OFFLINE_PAYMENT", None, "0.00", [])),
    ("offline-beats-everything", order(channel="offline", to="ES", postal="35001", category="excise_tobacco"), (False, None, "OFFLINE_PAYMENT", None, "0.00", [])),
    ("not-covered-us", order(to="US", postal="10001"), (False, None, "DESTINATION_NOT_COVERED", None, "0.00", [])),
    ("not-covered-before-july-2021", order(placed_at="2021-06-30T23:59:00+02:00"), (False, None, "DESTINATION_NOT_COVERED", None, "0.00", [])),
    ("covered-from-july-2021-local-time", order(placed_at="2021-07-01T00:30:00+02:00"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "19.00", [])),
    ("excise-alcohol", order(category="excise_alcohol"), (False, None, "EXCISE_GOODS", None, "0.00", [])),
    ("excise-before-threshold", order(category="excise_tobacco", price="500.00"), (False, None, "EXCISE_GOODS", None, "0.00", [])),
    ("excise-local-stock", order(ship_from="DE", category="excise_alcohol"), (False, None, "EXCISE_GOODS", None, "0.00", [])),
    ("b2b-prefixed", order(vat="DE136695976"), (False, None, "B2B_VALID_VAT_NUMBER", None, "0.00", [])),
    ("b2b-unprefixed-spaces-dots", order(vat="136 695.976"), (False, None, "B2B_VALID_VAT_NUMBER", None, "0.00", [])),
    ("b2b-greece-el", order(to="GR", postal="10431", vat="EL 094259216"), (False, None, "B2B_VALID_VAT_NUMBER", None, "0.00", [])),
    ("b2b-local-stock", order(ship_from="DE", vat="DE136695976"), (False, None, "B2B_VALID_VAT_NUMBER", None, "0.00", [])),
    ("b2b-above-threshold-is-above", order(price="500.00", vat="DE136695976"), (False, None, "ABOVE_THRESHOLD", None, "0.00", [])),
    ("vat-number-invalid", order(vat="DE136695977"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "19.00", ["VAT_NUMBER_INVALID"])),
    ("vat-number-other-state", order(vat="ATU13585627"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "19.00", ["VAT_NUMBER_OTHER_COUNTRY"])),
    ("voucher-valid", order(exemption=VOUCHER_DE), (False, None, "EXEMPTION_CERTIFICATE", None, "0.00", [])),
    ("voucher-last-day", order(exemption={**VOUCHER_DE, "valid_to": "2026-10-15"}), (False, None, "EXEMPTION_CERTIFICATE", None, "0.00", [])),
    ("voucher-expired", order(exemption={**VOUCHER_DE, "valid_to": "2026-10-14"}), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "19.00", ["EXEMPTION_NOT_IN_FORCE"])),
    ("voucher-other-country", order(exemption={**VOUCHER_DE, "country": "FR"}), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "19.00", ["EXEMPTION_OTHER_COUNTRY"])),
    ("invalid-number-and-valid-voucher", order(vat="DE1", exemption=VOUCHER_DE), (False, None, "EXEMPTION_CERTIFICATE", None, "0.00", ["VAT_NUMBER_INVALID"])),
    ("monaco-is-french-vat", order(to="MC", postal="98000"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "FR", "20.00", [])),
    ("spain-mainland", order(to="ES", postal="28001"), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "ES", "21.00", [])),
]


@pytest.mark.parametrize(("order_", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_scenario(quote, order_, expected):
    assert outcome(quote(order_)) == expected


SPECIAL_TERRITORIES = [
    ("ES", "35001", "Canary"), ("ES", "38001", "Canary"), ("ES", "51001", "Ceuta"), ("ES", "52001", "Melilla"),
    ("GR", "63086", "Athos"), ("FI", "22100", "land"), ("AX", "22100", "land"), ("DE", "27498", "Heligoland"),
    ("IT", "23041", "Livigno"), ("IT", "22061", "Campione"),
    ("FR", "97400", "Réunion"), ("FR", "97110", "Guadeloupe"), ("FR", "97200", "Martinique"),
    ("FR", "97300", "Guiana"), ("FR", "97600", "Mayotte"), ("RE", "97400", "Réunion"),
]


@pytest.mark.parametrize(("country", "postal", "name"), SPECIAL_TERRITORIES, ids=[f"{c}-{p}" for c, p, _ in SPECIAL_TERRITORIES])
def test_special_territory(quote, country, postal, name):
    d = quote(order(to=country, postal=postal))
    assert (d["collect"], d["reason"], d["tax_country"]) == (False, "SPECIAL_TERRITORY", None)
    assert name in d["explanation"] or name in (d["facts"]["territory"] or "")


@pytest.mark.parametrize(
    ("placed_at", "reason", "tax_country"),
    [("2024-12-31T12:00:00+01:00", "SPECIAL_TERRITORY", None), ("2025-01-01T12:00:00+01:00", "DEEMED_SUPPLIER_IMPORT", "CH")],
    ids=["2024-12-31-outside-EU-VAT", "2025-01-01-Swiss-platform-rule"],
)
def test_busingen_is_outside_eu_vat_and_swiss_from_2025(quote, placed_at, reason, tax_country):
    # Büsingen is excluded from EU VAT (Art. 6(2)); Swiss VAT applies there, so from the Swiss
    # platform rule's start (MWSTG Art. 20a, 2025-01-01) the platform collects Swiss VAT.
    d = quote(order(to="DE", postal="78266", placed_at=placed_at))
    assert (d["reason"], d["tax_country"]) == (reason, tax_country)
    assert "Büsingen" in (d["facts"]["territory"] or d["explanation"])


@pytest.mark.parametrize(("postal", "territory"), [("9500-150", "Azores"), ("9000-018", "Madeira"), ("9000018", "Madeira")])
def test_azores_and_madeira_stay_inside_with_their_own_rates(quote, postal, territory):
    mainland = quote(order(to="PT", postal="1100-148"))
    d = quote(order(to="PT", postal=postal))
    assert (d["collect"], d["tax_country"]) == (True, "PT")
    assert territory in d["facts"]["territory"]
    assert d["facts"]["tax_area"] in ("PT-20", "PT-30")
    assert mainland["lines"][0]["rate_percent"] == "23"
    assert d["lines"][0]["rate_percent"] != "23"


def test_explanation_of_an_import_names_value_rate_and_date(quote):
    d = quote(order(currency="USD", price="55.00"))
    assert "EUR 49.07 (USD 55.00 at the ECB rate of 2026-10-15, 1 EUR = 1.1208 USD; <= EUR 150)" in d["explanation"]
    assert "Art. 14a(1)" in d["explanation"]
    assert d["facts"]["rates"] == [{"category": "general", "tax_area": "DE", "rate_percent": "19",
                                    "valid_from": d["facts"]["rates"][0]["valid_from"],
                                    "source": d["facts"]["rates"][0]["source"]}]


def test_above_threshold_keeps_the_conversion_in_the_facts(quote):
    d = quote(order(currency="USD", price="168.13"))
    t = d["facts"]["threshold"]
    assert (t["converted_value"], t["within"], t["fx_rate"]) == ("150.01", False, "1.1208")


def test_currency_the_ecb_does_not_publish_is_an_error_when_converting(engine):
    with pytest.raises(InvalidOrder) as caught:
        engine.quote(order(currency="KWD", price="10.000"))
    (field,) = caught.value.body()["error"]["fields"]
    assert field["loc"] == "currency" and "no ECB reference rate for KWD" in field["msg"]


def test_stale_fx_rate_is_flagged(quote, engine):
    late = engine.fx.last_date + timedelta(days=10)
    d = quote(order(currency="USD", placed_at=f"{late}T10:00:00+00:00"))
    assert d["collect"] is True
    assert d["warnings"] == ["FX_RATE_STALE"]
    assert d["facts"]["threshold"]["fx_date"] == str(engine.fx.last_date)


def test_fresh_rate_is_not_stale(quote):
    assert quote(order(currency="USD"))["warnings"] == []


def test_rates_as_of_is_the_local_date(quote):
    # 23:30 on the 31st at -05:00 is already the 1st in UTC: the contract reads the offset given.
    d = quote(order(placed_at="2026-10-31T23:30:00-05:00"))
    assert d["rates_as_of"] == "2026-10-31"
