"""One error shape for every error status the service returns: ``{"error": {"code", "message",
...}}`` (422 adds ``fields``; the contract's ``order_id`` and the ledger's ``status`` stay where
they are), an ``X-Request-ID`` on every response (the caller's when it sent a safe one), in the
access log, and both documented in OpenAPI. In-process (``create_app``), except the access log,
read from the live server's log."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from levy.api.app import create_app
from levy.api.auth import ApiKey, Role
from levy.api.logs import log_config
from levy.api.requestid import RequestIdFilter, current

ROOT = Path(__file__).resolve().parents[2]
PAID = json.loads([x for x in (ROOT / "examples" / "paid_orders.jsonl").read_text().splitlines() if x.strip()][1])
KEYS = {"checkout": "levy_" + "c" * 43, "finance": "levy_" + "f" * 43}
HEX32 = re.compile(r"[0-9a-f]{32}")


def _key(role: str) -> ApiKey:
    return ApiKey(role, Role(role), hashlib.sha256(KEYS[role].encode()).hexdigest())


@pytest.fixture(scope="module")
def service(engine, tmp_path_factory):
    app = create_app(engine, keys=[_key("checkout"), _key("finance")],
                     db_url=str(tmp_path_factory.mktemp("errors") / "ledger.db"), max_body=4096)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _as(role: str) -> dict:
    return {"Authorization": f"Bearer {KEYS[role]}"}


def _problem(response, status: int, code: str) -> dict:
    """Assert the one shape; return the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert HEX32.fullmatch(response.headers["x-request-id"]) or response.headers["x-request-id"]
    body = response.json()
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return body


def test_401_no_key(service):
    body = _problem(service.post("/v1/quote", json={}), 401, "UNAUTHENTICATED")
    assert "missing API key" in body["error"]["message"]


def test_403_wrong_role(service):
    body = _problem(service.post("/v1/quote", json={}, headers=_as("finance")), 403, "FORBIDDEN")
    assert "needs role 'checkout'" in body["error"]["message"]


def test_404_unknown_path_and_unknown_order(service):
    _problem(service.get("/v2/nothing"), 404, "NOT_FOUND")
    _problem(service.get("/docs/assets/no-such-file.js"), 404, "NOT_FOUND")
    body = _problem(service.get("/v1/orders/NOPE-1", headers=_as("finance")), 404, "UNKNOWN_ORDER")
    assert (body["order_id"], body["status"]) == ("NOPE-1", "refused")


def test_405_wrong_method(service):
    body = _problem(service.get("/v1/quote", headers=_as("checkout")), 405, "METHOD_NOT_ALLOWED")
    assert body["error"]["message"] == "GET is not allowed on /v1/quote"


def test_406_report_neither_json_nor_csv(service):
    response = service.get("/v1/reports/EU_IOSS/2026-09", headers={**_as("finance"), "Accept": "image/png"})
    _problem(response, 406, "NOT_ACCEPTABLE")


def test_409_another_payload_under_a_committed_order_id(service):
    order = {**PAID, "order_id": "ERR-409"}
    assert service.post("/v1/orders", json=order, headers=_as("checkout")).status_code == 200
    body = _problem(service.post("/v1/orders", json={**order, "shipping": "5.00"}, headers=_as("checkout")),
                    409, "ORDER_CONFLICT")
    assert body["order_id"] == "ERR-409"


def test_413_body_too_large(service):
    _problem(service.post("/v1/quote", content=b" " * 5000, headers={**_as("checkout"), "Content-Type": "application/json"}),
             413, "PAYLOAD_TOO_LARGE")


def test_422_invalid_order_keeps_the_contracts_order_id_and_adds_a_message(service):
    order = {**PAID, "order_id": "ERR-422"}
    order.pop("payment")
    order["lines"] = [{**order["lines"][0], "unit_price": "-1"}]
    body = _problem(service.post("/v1/quote", json=order, headers=_as("checkout")), 422, "INVALID_ORDER")
    assert body["order_id"] == "ERR-422"
    assert body["error"]["fields"] == [{"loc": "lines.0.unit_price", "msg": "must be a decimal string >= 0"}]
    assert body["error"]["message"] == ("the order does not fit the contract: "
                                        "lines.0.unit_price: must be a decimal string >= 0")


def test_422_a_request_that_does_not_fit_names_its_fields(service):
    order = {**PAID, "order_id": "ERR-422-R"}
    assert service.post("/v1/orders", json=order, headers=_as("checkout")).status_code == 200
    response = service.post("/v1/orders/ERR-422-R/events", json={"kind": "teleported"}, headers=_as("checkout"))
    body = _problem(response, 422, response.json()["error"]["code"])
    assert body["error"].get("fields") or body.get("status") == "refused"


def test_500_an_unexpected_failure(service, monkeypatch, engine):
    def boom(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(type(engine), "quote", boom)
    order = {**PAID}
    order.pop("payment")
    response = service.post("/v1/quote", json=order, headers={**_as("checkout"), "X-Request-ID": "trace-500"})
    body = _problem(response, 500, "INTERNAL_ERROR")
    assert "disk on fire" not in response.text
    assert response.headers["x-request-id"] == "trace-500"
    assert body == {"error": {"code": "INTERNAL_ERROR", "message": "internal error: the service log has the details"}}


@pytest.mark.parametrize("sent, echoed", [
    ("checkout-7f3a/order:AE-1", True),
    ("x" * 128, True),
    ("x" * 129, False),
    ("bad id with spaces", False),
    ("", False),
], ids=["safe", "128-chars", "too-long", "spaces", "empty"])
def test_the_request_id_is_the_callers_when_safe(service, sent, echoed):
    response = service.get("/healthz", headers={"X-Request-ID": sent})
    assert response.status_code == 200
    rid = response.headers["x-request-id"]
    assert (rid == sent) if echoed else HEX32.fullmatch(rid)


def test_every_response_has_a_fresh_request_id(service):
    ids = {service.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3 and all(HEX32.fullmatch(i) for i in ids)


def test_openapi_documents_the_error_shape_and_the_request_id(service):
    doc = service.get("/openapi.json").json()
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["properties"]["error"]["$ref"] == "#/components/schemas/ProblemDetail"
    detail = doc["components"]["schemas"]["ProblemDetail"]
    assert detail["required"] == ["code", "message"] and "fields" in detail["properties"]
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert "500" in statuses, (method, path)
            for status, response in operation["responses"].items():
                assert "X-Request-ID" in response.get("headers", {}), (method, path, status)
                if status.startswith(("4", "5")):
                    schema = json.dumps(response["content"]["application/json"]["schema"])
                    assert "Problem" in schema or "ErrorBody" in schema or "LedgerRefusal" in schema, (path, status)
            assert any(p["name"] == "X-Request-ID" and p["in"] == "header" for p in operation.get("parameters", []))


def test_the_access_log_format_carries_the_request_id():
    config = log_config()
    assert "%(request_id)s" in config["formatters"]["access"]["fmt"]
    assert "request_id" in config["handlers"]["access"]["filters"]
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s", ("x",), None)
    token = current.set("rid-123")
    try:
        RequestIdFilter().filter(record)
    finally:
        current.reset(token)
    assert record.request_id == "rid-123"


def test_the_live_access_log_names_the_request_id(server, checkout):
    checkout.get("/healthz", headers={"X-Request-ID": "live-log-rid-42"})
    import time

    for _ in range(50):
        if "live-log-rid-42" in server.log():
            break
        time.sleep(0.1)
    line = next(x for x in server.log().splitlines() if "live-log-rid-42" in x)
    assert '"GET /healthz HTTP/1.1" 200' in line
