"""Size limits: bodies above 1 MiB get 413 (announced or streamed), orders above 1,000 lines 422."""

from __future__ import annotations

import json

import pytest

from conftest import build_order

MIB = 1024 * 1024


def padded(order: dict, size: int) -> bytes:
    """``order`` as JSON, padded with trailing spaces (still valid JSON) to exactly ``size`` bytes."""
    raw = json.dumps(order).encode()
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


def chunks(data: bytes, size: int = 64 * 1024):
    for start in range(0, len(data), size):
        yield data[start:start + size]


@pytest.mark.parametrize(("size", "status"), [(MIB, 200), (MIB + 1, 413)], ids=["exactly-1-MiB", "1-MiB-plus-1"])
def test_content_length_limit(checkout, size, status):
    response = checkout.post("/v1/quote", content=padded(build_order(), size))
    assert response.status_code == status
    if status == 413:
        assert response.json() == {"error": {"code": "PAYLOAD_TOO_LARGE",
                                             "message": "request body exceeds 1048576 bytes (1 MiB)"}}
    else:
        assert response.json()["vat_total"] == "19.00"


@pytest.mark.parametrize(("size", "status"), [(MIB, 200), (MIB + 1, 413), (3 * MIB, 413)],
                         ids=["exactly-1-MiB", "1-MiB-plus-1", "3-MiB"])
def test_streamed_body_limit(server, size, status):
    """Chunked transfer announces no length: the body is counted as it is read."""
    body = padded(build_order(), size)
    with server.client("checkout") as client:  # a fresh connection: the server may close it
        response = client.post("/v1/quote", content=chunks(body))
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == status
    if status == 413:
        assert response.json()["error"] == {"code": "PAYLOAD_TOO_LARGE",
                                            "message": "request body exceeds 1048576 bytes (1 MiB)"}


def test_unauthenticated_oversize_body_is_refused_before_it_is_read(anonymous):
    response = anonymous.post("/v1/quote", content=b" " * (MIB + 1))
    assert response.status_code == 413


def lines(n: int) -> list[dict]:
    return [{"sku": f"SKU-{i}", "quantity": 1, "unit_price": "0.10", "category": "general"} for i in range(n)]


def test_1000_lines_is_the_most_an_order_holds(checkout):
    response = checkout.post("/v1/quote", json=build_order(lines=lines(1000)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["lines"]) == 1000
    # 1,000 x 0.10 = 100.00 net; 19 % of 0.10 rounds half-up to 0.02 per line -> 20.00.
    assert (body["net_total"], body["vat_total"], body["gross_total"]) == ("100.00", "20.00", "120.00")


def test_1001_lines_is_422_with_the_contracts_error_object(checkout):
    response = checkout.post("/v1/quote", json=build_order(lines=lines(1001)))
    assert response.status_code == 422
    assert response.json() == {"order_id": "T-0001", "error": {"code": "INVALID_ORDER", "message": (
        "the order does not fit the contract: lines: must hold at most 1000 lines"), "fields": [
        {"loc": "lines", "msg": "must hold at most 1000 lines"}]}}
