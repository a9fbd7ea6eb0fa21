"""The ledger over HTTP: commit, repeat, conflict, refunds, events, read back."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAID = [line for line in (ROOT / "examples" / "paid_orders.jsonl").read_text().splitlines() if line.strip()]
# AE-2021-004780: three general lines to Italy, EUR 35.23 paid by QIWI on 2021-07-01 (IOSS, 22 %).
BASE = json.loads(PAID[1])


def paid_order(order_id: str, **changes) -> dict:
    order = json.loads(json.dumps(BASE))
    order["order_id"] = order_id
    order.update(changes)
    return order


@pytest.fixture(scope="module")
def finance(server):
    with server.client("finance") as client:
        yield client


def test_commit_answers_what_levy_commit_prints(server, checkout, tmp_path):
    """All 292 paid example orders, one request each, against ``levy commit`` of the same file
    into another database: the same object for every order, 200 or 422 as the ledger decided."""
    cli = subprocess.run([sys.executable, "-m", "levy", "commit", str(ROOT / "examples" / "paid_orders.jsonl"),
                          "--db", str(tmp_path / "cli.db")], capture_output=True, text=True, timeout=300)
    expected = [json.loads(line) for line in cli.stdout.splitlines()]
    assert len(expected) == len(PAID) == 292
    statuses = []
    for line, want in zip(PAID, expected):
        response = checkout.post("/v1/orders", content=line)
        assert response.json() == want
        statuses.append((response.status_code, want["status"], want.get("error", {}).get("code")))
    assert {(code, status) for code, status, _ in statuses} == {(200, "recorded"), (422, "refused")}
    assert sorted(c for code, _, c in statuses if code == 422) == [
        "PAYMENT_AMOUNT_MISMATCH", "PAYMENT_AMOUNT_MISMATCH", "PAYMENT_WINDOW_CLOSED", "PAYMENT_WINDOW_CLOSED",
        "PAYPAL_CURRENCY_NOT_SUPPORTED", "PAYPAL_CURRENCY_NOT_SUPPORTED"]


def test_a_repeat_is_200_with_the_same_record_and_another_payload_409(checkout):
    order = paid_order("API-COMMIT-1")
    first = checkout.post("/v1/orders", json=order)
    assert first.status_code == 200
    assert first.headers["location"] == "/v1/orders/API-COMMIT-1"
    body = first.json()
    assert (body["status"], body["scheme"], body["reason"], body["tax_country"]) == \
        ("recorded", "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "IT")
    assert (body["net_total"], body["vat_total"], body["gross_total"], body["paid"], body["fee"]) == \
        ("28.87", "6.36", "35.23", "35.23", "0.00")
    again = checkout.post("/v1/orders", json=order)
    assert again.status_code == 200
    repeat = again.json()
    assert repeat.pop("message") == "order API-COMMIT-1 is already committed with this payload: nothing changed"
    assert repeat == {**body, "status": "unchanged"}
    # The same JSON with its keys in another order is the same payload.
    reordered = json.dumps(dict(reversed(list(order.items()))))
    assert checkout.post("/v1/orders", content=reordered).json()["status"] == "unchanged"
    other = checkout.post("/v1/orders", json={**order, "shipping": "5.00"})
    assert other.status_code == 409
    error = other.json()["error"]
    assert error["code"] == "ORDER_CONFLICT"
    assert error["message"].startswith("order API-COMMIT-1 is already committed with a different payload")


@pytest.mark.parametrize(("change", "status", "fields"), [
    ({"payment": None}, 422, None),
    ({"lines": [{"sku": "X", "quantity": 1, "unit_price": 5.99, "category": "general"}]}, 422,
     [{"loc": "lines.0.unit_price",
       "msg": 'must be a decimal string such as "12.50", not a JSON number (floats lose cents)'}]),
], ids=["no-payment", "json-number-price"])
def test_invalid_order_is_422_naming_the_fields(checkout, change, status, fields):
    response = checkout.post("/v1/orders", json=paid_order("API-INVALID-1", **change))
    assert response.status_code == status
    body = response.json()
    assert (body["order_id"], body["status"], body["error"]["code"]) == ("API-INVALID-1", "invalid", "INVALID_ORDER")
    if fields:
        assert body["error"]["fields"] == fields
    else:
        assert [f["loc"] for f in body["error"]["fields"]] == ["payment"]


def test_payment_rule_refusal_is_422_naming_the_rule(checkout):
    late = paid_order("API-LATE-1")
    late["payment"] = {**late["payment"], "accepted_at": "2021-08-01T08:25:33+02:00"}
    response = checkout.post("/v1/orders", json=late)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "PAYMENT_WINDOW_CLOSED"
    assert "API-LATE-1" in response.json()["error"]["message"]


def test_refunds(checkout):
    assert checkout.post("/v1/orders", json=paid_order("API-REFUND-1")).status_code == 200
    url = "/v1/orders/API-REFUND-1/refunds"
    first = checkout.post(url, json={"refund_id": "RF-1", "amount": "5.00", "at": "2021-07-02T10:00:00+02:00"})
    assert first.status_code == 200
    body = first.json()
    # 5.00 gross at 22 %: VAT 5.00 x 22 / 122 = 0.90, net 4.10, shared over the lines and shipping.
    assert (body["status"], body["amount"], body["net"], body["vat"], body["refunded_total"], body["order_status"]) == \
        ("recorded", "5.00", "4.10", "0.90", "5.00", "paid")
    assert sum(Decimal(x["vat"]) for x in body["lines"]) == Decimal("0.90")
    again = checkout.post(url, json={"refund_id": "RF-1", "amount": "5.00", "at": "2021-07-02T10:00:00+02:00"})
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    conflict = checkout.post(url, json={"refund_id": "RF-1", "amount": "6.00"})
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "REFUND_CONFLICT"
    too_much = checkout.post(url, json={"refund_id": "RF-2", "amount": "31.00", "at": "2021-07-02T11:00:00+02:00"})
    assert too_much.status_code == 422
    assert too_much.json()["error"]["code"] == "REFUND_EXCEEDS_REMAINING"
    assert too_much.json()["error"]["message"].startswith(
        "order API-REFUND-1: refund of 31.00 EUR is more than the 30.23 EUR of goods and shipping not yet refunded")
    rest = checkout.post(url, json={"refund_id": "RF-3", "full": True, "at": "2021-07-02T12:00:00+02:00"})
    assert rest.status_code == 200
    assert (rest.json()["amount"], rest.json()["refunded_total"], rest.json()["order_status"]) == \
        ("30.23", "35.23", "refunded")


@pytest.mark.parametrize(("body", "loc", "msg"), [
    ({"amount": "5.00"}, "refund_id", "Field required"),
    ({"refund_id": "R", "amount": "5.00", "full": True}, "(body)", "give exactly one of full: true, amount or lines"),
    ({"refund_id": "R", "amount": 5.0}, "amount", "Input should be a valid string"),
    ({"refund_id": "R", "full": True, "at": 1625000000}, "at", "must be an ISO 8601 date-time with its UTC offset"),
    ({"refund_id": "R", "full": True, "reason": "x"}, "reason", "Extra inputs are not permitted"),
], ids=["no-refund-id", "two-modes", "amount-number", "epoch-at", "unknown-field"])
def test_refund_request_errors_are_422_naming_the_field(checkout, body, loc, msg):
    response = checkout.post("/v1/orders/API-COMMIT-1/refunds", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "INVALID_REQUEST"
    assert {"loc": loc, "msg": msg} in error["fields"]


def test_events(checkout):
    assert checkout.post("/v1/orders", json=paid_order("API-EVENT-1")).status_code == 200
    url = "/v1/orders/API-EVENT-1/events"
    shipped = checkout.post(url, json={"kind": "shipped", "at": "2021-07-03T10:00:00+02:00"})
    assert shipped.status_code == 200
    assert shipped.json() == {"order_id": "API-EVENT-1", "status": "recorded", "event": "shipped",
                              "at": "2021-07-03T10:00:00+02:00", "order_status": "shipped"}
    again = checkout.post(url, json={"kind": "shipped", "at": "2021-07-03T10:00:00+02:00"})
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    completed = checkout.post(url, json={"kind": "completed", "at": "2021-07-20T10:00:00+02:00"})
    assert completed.json()["order_status"] == "completed"
    refund = checkout.post("/v1/orders/API-EVENT-1/refunds",
                           json={"refund_id": "RF-E1", "full": True, "at": "2021-07-21T10:00:00+02:00"})
    assert refund.status_code == 422 and refund.json()["error"]["code"] == "ORDER_COMPLETED"
    bad = checkout.post(url, json={"kind": "delivered"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["loc"] == "kind"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v1/orders/NO-SUCH-ORDER/refunds", {"refund_id": "R", "full": True}),
    ("POST", "/v1/orders/NO-SUCH-ORDER/events", {"kind": "shipped"}),
], ids=["refund", "event"])
def test_unknown_order_is_404(checkout, method, path, body):
    response = checkout.request(method, path, json=body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "UNKNOWN_ORDER"
    assert response.json()["order_id"] == "NO-SUCH-ORDER"


def test_read_an_order_back(checkout, finance, server):
    assert checkout.post("/v1/orders", json=paid_order("API-READ-1")).status_code == 200
    refund = checkout.post("/v1/orders/API-READ-1/refunds",
                           json={"refund_id": "RF-R1", "amount": "5.00", "at": "2021-07-02T10:00:00+02:00"}).json()
    checkout.post("/v1/orders/API-READ-1/events", json={"kind": "shipped", "at": "2021-07-03T10:00:00+02:00"})
    for role in ("finance", "compliance"):
        with server.client(role) as reader:
            response = reader.get("/v1/orders/API-READ-1")
        assert response.status_code == 200
        record = response.json()
        assert (record["order_id"], record["order_status"], record["currency"], record["refunded_total"]) == \
            ("API-READ-1", "shipped", "EUR", "5.00")
        assert record["order"] == {k: v for k, v in paid_order("API-READ-1").items() if k != "payment"}
        assert record["payment"]["amount"] == "35.23" and record["payment"]["method"] == "qiwi"
        assert (record["decision"]["scheme"], record["decision"]["vat_total"]) == ("EU_IOSS", "6.36")
        assert [e["kind"] for e in record["events"]] == ["placed", "paid", "refunded", "shipped"]
        assert record["refunds"] == [{k: v for k, v in refund.items() if k != "status"} | {"order_status": "shipped"}]
    missing = finance.get("/v1/orders/NO-SUCH-ORDER")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "UNKNOWN_ORDER"


def test_an_order_id_with_a_slash(checkout, finance):
    order_id = "SHOP/7/2021-000001"
    response = checkout.post("/v1/orders", json=paid_order(order_id))
    assert response.status_code == 200
    assert response.headers["location"] == "/v1/orders/" + quote(order_id, safe="")
    assert finance.get(response.headers["location"]).json()["order_id"] == order_id
    assert finance.get(f"/v1/orders/{order_id}").json()["order_id"] == order_id
    event = checkout.post(f"/v1/orders/{quote(order_id, safe='')}/events",
                          json={"kind": "shipped", "at": "2021-07-03T10:00:00+02:00"})
    assert event.json()["order_id"] == order_id


def test_an_oversize_order_is_413(checkout):
    response = checkout.post("/v1/orders", content=b" " * (1024 * 1024 + 1))
    assert response.status_code == 413

