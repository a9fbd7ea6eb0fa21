"""The checkout contract (shared/contract.md): the example round-trips, codes are exact."""

from __future__ import annotations

import json

import pytest

from levy import InvalidOrder, Reason, Scheme, WarningCode

CONTRACT_ORDER = {
    "order_id": "AE-2026-000123",
    "placed_at": "2026-11-02T14:05:00+01:00",
    "channel": "online",
    "currency": "USD",
    "seller": {"id": "S-88", "country": "CN"},
    "ship_from": "CN",
    "ship_to": {"country": "DE", "postal_code": "10115"},
    "buyer": {"id": "B-1"},
    "lines": [
        {"sku": "BOOK-1", "quantity": 2, "unit_price": "12.50", "category": "books"},
        {"sku": "TOY-7", "quantity": 1, "unit_price": "30.00", "category": "general"},
    ],
    "shipping": "5.00",
}

CONTRACT_DECISION_KEYS = [
    "order_id", "collect", "scheme", "reason", "explanation", "tax_country", "currency", "lines",
    "shipping", "net_total", "vat_total", "gross_total", "warnings", "rates_as_of",
]


def test_contract_example_amounts_to_the_cent(quote):
    d = quote(CONTRACT_ORDER)
    assert (d["collect"], d["scheme"], d["reason"], d["tax_country"]) == (
        True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE")
    assert d["lines"] == [
        {"sku": "BOOK-1", "net": "25.00", "rate_percent": "7", "vat": "1.75", "gross": "26.75",
         "discount": "0.00"},
        {"sku": "TOY-7", "net": "30.00", "rate_percent": "19", "vat": "5.70", "gross": "35.70",
         "discount": "0.00"},
    ]
    assert d["shipping"] == {"net": "5.00", "vat": "0.68", "gross": "5.68"}
    assert (d["net_total"], d["vat_total"], d["gross_total"]) == ("60.00", "8.13", "68.13")
    # Contract v1.1: placed after 2026-07-01, the EU flat duty applies; neither line has an
    # hs_code, so each counts as its own tariff line: 2 x EUR 3 at the customs rate for November
    # (ECB rate of Wednesday 2026-10-21, 1 EUR = 1.1234 USD) = 2 x USD 3.37, plus VAT at the
    # line's rate (7 % -> 0.24, 19 % -> 0.64).
    assert d["warnings"] == ["HS_CODE_MISSING"]
    assert [(x["tariff_line"], x["net"], x["vat"], x["gross"]) for x in d["duties"]] == [
        ("line:BOOK-1", "3.37", "0.24", "3.61"), ("line:TOY-7", "3.37", "0.64", "4.01")]
    assert (d["duty_total"], d["fee_total"], d["landed_total"]) == ("7.62", "0.00", "75.75")
    assert d["rates_as_of"] == "2026-11-02"


def test_contract_example_explanation_names_the_facts(quote):
    d = quote(CONTRACT_ORDER)
    # USD 55.00 (intrinsic value, shipping excluded) at the ECB rate of Friday 2026-10-30
    # (1 EUR = 1.1172 USD), the latest published on or before Monday 2026-11-02.
    assert "EUR 49.23" in d["explanation"]
    assert "USD 55.00" in d["explanation"]
    assert "2026-10-30" in d["explanation"]
    assert "<= EUR 150" in d["explanation"]
    assert "Germany" in d["explanation"] and "IOSS" in d["explanation"]
    threshold = d["facts"]["threshold"]
    assert threshold["converted_value"] == "49.23"
    assert threshold["fx_rate"] == "1.1172"
    assert threshold["fx_date"] == "2026-10-30"


def test_decision_carries_every_contract_field_in_order(quote):
    d = quote(CONTRACT_ORDER)
    assert list(d)[: len(CONTRACT_DECISION_KEYS)] == CONTRACT_DECISION_KEYS


def test_money_is_always_a_json_string(quote):
    d = quote(CONTRACT_ORDER)
    for key in ("net_total", "vat_total", "gross_total"):
        assert isinstance(d[key], str)
    for line in d["lines"]:
        assert all(isinstance(line[k], str) for k in ("net", "vat", "gross", "rate_percent"))


def test_the_engine_accepts_dict_bytes_str_and_model(engine):
    from levy.models import Order

    text = json.dumps(CONTRACT_ORDER)
    decisions = {
        engine.quote(CONTRACT_ORDER).model_dump_json(),
        engine.quote(text).model_dump_json(),
        engine.quote(text.encode()).model_dump_json(),
        engine.quote(Order.model_validate(CONTRACT_ORDER)).model_dump_json(),
    }
    assert len(decisions) == 1


def test_error_object_shape():
    from levy.engine import parse_order

    with pytest.raises(InvalidOrder) as caught:
        parse_order({**CONTRACT_ORDER, "lines": [{**CONTRACT_ORDER["lines"][0], "unit_price": "-1"}]})
    assert caught.value.body() == {
        "order_id": "AE-2026-000123",
        "error": {"code": "INVALID_ORDER",
                  "message": "the order does not fit the contract: lines.0.unit_price: must be a decimal string >= 0",
                  "fields": [{"loc": "lines.0.unit_price", "msg": "must be a decimal string >= 0"}]},
    }


def test_codes_are_the_contracts():
    assert {s.value for s in Scheme} >= {
        "EU_IOSS", "EU_OSS", "UK_MARKETPLACE", "NO_VOEC", "CH_PLATFORM", "AU_GST_LVG",
        "NZ_GST_LVG", "SG_GST_LVG"}
    assert {r.value for r in Reason} == {
        "DEEMED_SUPPLIER_IMPORT", "DEEMED_SUPPLIER_LOCAL_STOCK", "OFFLINE_PAYMENT",
        "DESTINATION_NOT_COVERED", "SPECIAL_TERRITORY", "ABOVE_THRESHOLD", "B2B_VALID_VAT_NUMBER",
        "EXEMPTION_CERTIFICATE", "EXCISE_GOODS", "SELLER_LIABLE"}
    assert WarningCode.VAT_NUMBER_INVALID.value == "VAT_NUMBER_INVALID"
    assert {r for r in Reason if r.collects} == {
        Reason.DEEMED_SUPPLIER_IMPORT, Reason.DEEMED_SUPPLIER_LOCAL_STOCK}


def test_json_schemas_come_from_the_models():
    from levy.models import Decision, Order

    order_schema = Order.model_json_schema()
    assert {"order_id", "placed_at", "lines", "ship_to"} <= set(order_schema["properties"])
    assert set(CONTRACT_DECISION_KEYS) <= set(Decision.model_json_schema()["properties"])


def test_order_schema_says_money_and_codes_are_strings():
    from levy.models import Order

    schema = Order.model_json_schema()
    assert schema["properties"]["shipping"]["type"] == "string"
    assert schema["properties"]["shipping"]["pattern"] == r"^[0-9]{1,15}(\.[0-9]{1,15})?$"
    assert schema["properties"]["currency"]["pattern"] == "^[A-Za-z]{3}$"
    assert schema["properties"]["ship_from"]["pattern"] == "^[A-Za-z]{2}$"


def test_a_missing_rate_is_an_error_naming_the_date(engine, make_order, monkeypatch):
    from levy.errors import NoRateError

    def no_rate(area, category, on):
        raise NoRateError(area, category, on)

    monkeypatch.setattr(engine.book, "rate", no_rate)
    with pytest.raises(InvalidOrder) as caught:
        engine.quote(make_order(order_id="GAP-1"))
    (field,) = caught.value.body()["error"]["fields"]
    assert field["loc"] == "placed_at" and "no VAT rate for DE/general on 2026-10-15" in field["msg"]
