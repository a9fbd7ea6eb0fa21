"""The served OpenAPI document: built from the contract's models; schemathesis finds no 500."""

from __future__ import annotations

import re
import subprocess
import sys
from xml.etree import ElementTree

import pytest

from levy.api.openapi_text import describe
from levy.models import Decision, ErrorBody, Order

SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
REF = "#/components/schemas/{model}"


def test_quote_operation_uses_the_contract_models(anonymous):
    doc = anonymous.get("/openapi.json").json()
    operation = doc["paths"]["/v1/quote"]["post"]
    body = operation["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Order"}
    responses = operation["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Decision"}
    assert responses["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    for status in ("401", "403", "413"):
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    schemas = doc["components"]["schemas"]
    order = Order.model_json_schema(ref_template=REF)
    expected = {**order.pop("$defs"), "Order": order}
    error = ErrorBody.model_json_schema(ref_template=REF)
    error.pop("$defs")
    expected["ErrorBody"] = error
    describe(expected)  # the document adds the contract's words to the models' schemas
    for name, sub in expected.items():
        assert schemas[name] == sub, name
    decision = Decision.model_json_schema()
    assert schemas["Decision"]["required"] == decision["required"]
    assert set(schemas["Decision"]["properties"]) == set(decision["properties"])
    assert doc["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key>"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }


def test_the_documented_example_is_the_contracts_and_quotes(checkout, anonymous):
    doc = anonymous.get("/openapi.json").json()
    example = doc["paths"]["/v1/quote"]["post"]["requestBody"]["content"]["application/json"]["example"]
    decision = checkout.post("/v1/quote", json=example).json()
    assert (decision["order_id"], decision["scheme"], decision["reason"], decision["net_total"]) == \
        ("AE-2026-000123", "EU_IOSS", "DEEMED_SUPPLIER_IMPORT", "60.00")
    # 7 % of 25.00 + 19 % of 30.00 + shipping 5.00 at the lines' blended rate (0.68): 8.13.
    assert (decision["vat_total"], decision["gross_total"]) == ("8.13", "68.13")


CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
    "missing_required_header", "unsupported_method", "ignored_auth",
])
"""``positive_data_acceptance`` is out: the contract's schema states money and codes as plain
strings, so most generated orders are rightly refused."""


@pytest.mark.parametrize("role", ["checkout", "finance", "compliance"])
def test_schemathesis_finds_no_server_error(server, tmp_path, role):
    """Every operation, as each role, a bounded number of cases (25 an operation and phase),
    loopback only, fixed seed: no 500, every status and body as documented."""
    assert server.base_url.startswith("http://127.0.0.1:")
    result = subprocess.run(
        [*SCHEMATHESIS, "run", f"{server.base_url}/openapi.json",
         "--header", f"Authorization: Bearer {server.keys[role]}",
         "--checks", CHECKS, "--max-examples", "25", "--seed", "20261123", "--workers", "1",
         "--phases", "examples,coverage,fuzzing", "--request-timeout", "10",
         "--report", "junit", "--report-junit-path", str(tmp_path / "junit.xml")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    cases = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert cases and cases[1] == cases[2] and int(cases[1]) >= 100, result.stdout[-3000:]
    suites = ElementTree.parse(tmp_path / "junit.xml").getroot()
    operations = {case.get("name") for case in suites.iter("testcase")}
    assert operations >= {"POST /v1/quote", "GET /healthz", "GET /metrics"}
    assert not [*suites.iter("failure"), *suites.iter("error")]
