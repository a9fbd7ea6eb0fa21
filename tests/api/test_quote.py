"""``POST /v1/quote`` over HTTP: the contract's decision, or 422 with its error object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import build_order

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [line for line in (ROOT / "examples" / "orders.jsonl").read_text().splitlines() if line.strip()]
VOUCHER_DE = {"certificate_id": "EX-DE-2026-0042", "country": "DE", "valid_from": "2026-01-01",
              "valid_to": "2026-12-31"}


def outcome(d: dict) -> tuple:
    return d["collect"], d["scheme"], d["reason"], d["tax_country"], d["net_total"], d["vat_total"], \
        d["gross_total"], d["warnings"]


@pytest.mark.parametrize(("order", "expected"), [
    (build_order(), (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "100.00", "19.00", "119.00", [])),
    (build_order(to="FR", postal="75001", price="140.00", shipping="20.00"),
     (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "FR", "160.00", "32.00", "192.00", [])),
    (build_order(ship_from="PL", to="FR", postal="69001"),
     (True, "EU_OSS", "DEEMED_SUPPLIER_LOCAL_STOCK", "FR", "100.00", "20.00", "120.00", [])),
    (build_order(price="150.01"), (False, None, "ABOVE_THRESHOLD", None, "150.01", "0.00", "150.01", [])),
    (build_order(vat="DE136695976"), (False, None, "B2B_VALID_VAT_NUMBER", None, "100.00", "0.00", "100.00", [])),
    (build_order(vat="DE136695977"),
     (True, "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "DE", "100.00", "19.00", "119.00", ["VAT_NUMBER_INVALID"])),
    (build_order(exemption=VOUCHER_DE), (False, None, "EXEMPTION_CERTIFICATE", None, "100.00", "0.00", "100.00", [])),
    (build_order(to="ES", postal="35001"), (False, None, "SPECIAL_TERRITORY", None, "100.00", "0.00", "100.00", [])),
    (build_order(channel="offline"), (False, None, "OFFLINE_PAYMENT", None, "100.00", "0.00", "100.00", [])),
    (build_order(category="excise_alcohol"), (False, None, "EXCISE_GOODS", None, "100.00", "0.00", "100.00", [])),
], ids=["import-de", "import-fr-shipping", "local-stock-fr", "above-threshold", "b2b", "vat-number-invalid",
        "exemption", "canary-islands", "offline", "excise"])
def test_decision_to_the_cent(checkout, order, expected):
    response = checkout.post("/v1/quote", json=order)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["order_id"] == order["order_id"]
    assert outcome(body) == expected


def test_every_example_answers_exactly_what_the_library_answers(checkout, engine):
    """The 300 bundled orders: the service's bytes are the library's ``model_dump_json``."""
    for line in EXAMPLES:
        response = checkout.post("/v1/quote", content=line, headers={"content-type": "application/json"})
        assert response.status_code == 200, (line, response.text)
        assert response.text == engine.quote(line).model_dump_json()


def _error(order_id, *fields):
    message = "the order does not fit the contract: " + "; ".join(f"{loc}: {msg}" for loc, msg in fields)
    return {"order_id": order_id, "error": {"code": "INVALID_ORDER", "message": message,
                                            "fields": [{"loc": loc, "msg": msg} for loc, msg in fields]}}


@pytest.mark.parametrize(("body", "expected"), [
    (json.dumps(build_order(price=12.5)),
     _error("T-0001", ("lines.0.unit_price",
                       'must be a decimal string such as "12.50", not a JSON number (floats lose cents)'))),
    (json.dumps(build_order(price="-1")), _error("T-0001", ("lines.0.unit_price", "must be a decimal string >= 0"))),
    (json.dumps(build_order(price="1.234")),
     _error("T-0001", ("lines.0.unit_price", "has more decimals than EUR allows (2)"))),
    (json.dumps({k: v for k, v in build_order().items() if k != "currency"}),
     _error("T-0001", ("currency", "is required"))),
    (json.dumps(build_order(placed_at="2026-10-15T12:00:00")),
     _error("T-0001", ("placed_at", "must carry its UTC offset (e.g. +01:00)"))),
    (json.dumps(build_order(channel="phone")), _error("T-0001", ("channel", "must be one of 'online' or 'offline'"))),
    (json.dumps(build_order(lines=[])), _error("T-0001", ("lines", "must hold at least one line"))),
    (json.dumps({**build_order(), "coupon": "X"}), _error("T-0001", ("coupon", "is not a field of the contract"))),
    ('{"order_id": "T-9", "lines": [', _error(None, ("(order)", "is not valid JSON"))),
    ("", _error(None, ("(order)", "is not valid JSON"))),
    ("[1, 2]", _error(None, ("(order)", "must be a JSON object"))),
    (json.dumps(build_order(placed_at=1700000000)),
     _error("T-0001", ("placed_at", "must be an ISO 8601 date-time with its UTC offset"))),
], ids=["json-number-price", "negative-price", "too-many-decimals", "missing-currency", "naive-datetime",
        "unknown-channel", "no-lines", "unknown-field", "truncated-json", "empty-body", "not-an-object",
        "epoch-seconds-placed-at"])
def test_invalid_order_is_422_with_the_contracts_error_object(checkout, body, expected):
    response = checkout.post("/v1/quote", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json() == expected


def test_the_error_object_is_the_one_levy_quote_prints(checkout, engine):
    from levy import InvalidOrder

    bad = json.dumps(build_order(price="abc", to="XX"))
    with pytest.raises(InvalidOrder) as caught:
        engine.quote(bad)
    response = checkout.post("/v1/quote", content=bad)
    assert response.status_code == 422
    assert response.json() == caught.value.body()
    assert [f["loc"] for f in response.json()["error"]["fields"]] == ["ship_to.country", "lines.0.unit_price"]
