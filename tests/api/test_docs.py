"""The service documents itself offline: /docs and every file it loads come from the service
(no external host in the page), and the OpenAPI document describes every field of the
contract's objects and of the error shape, with the contract's examples and readable
operation ids."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from levy.api.app import create_app
from levy.api.auth import ApiKey, Role
from levy.api.openapi_text import CONTRACT_DECISION, CONTRACT_ERROR, DESCRIPTIONS


@pytest.fixture(scope="module")
def service(engine, tmp_path_factory):
    key = ApiKey("web", Role.CHECKOUT, hashlib.sha256(b"levy_" + b"d" * 43).hexdigest())
    app = create_app(engine, keys=[key], db_url=str(tmp_path_factory.mktemp("docs") / "ledger.db"))
    with TestClient(app) as client:
        yield client


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.refs += [value for name, value in attrs if name in ("src", "href") and value]


def test_docs_page_and_every_asset_come_from_the_service(service):
    page = service.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert not re.search(r"https?://", html), "no external URL in the page"
    parser = _Refs()
    parser.feed(html)
    assert {urlsplit(r).path for r in parser.refs} >= {"/docs/assets/swagger-ui-bundle.js",
                                                       "/docs/assets/swagger-ui.css",
                                                       "/docs/assets/favicon.png"}
    for ref in parser.refs:
        assert not urlsplit(ref).netloc, ref
        asset = service.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 100, ref
    assert "SwaggerUIBundle" in service.get("/docs/assets/swagger-ui-bundle.js").text
    assert '"validatorUrl": null' in html  # no call to validator.swagger.io
    assert "url: '/openapi.json'" in html
    assert service.get("/openapi.json").json()["openapi"].startswith("3.")


def test_every_field_of_the_contract_and_error_objects_is_described(service):
    schemas = service.get("/openapi.json").json()["components"]["schemas"]
    missing = [f"{name}.{field}" for name in DESCRIPTIONS if name in schemas
               for field, sub in schemas[name].get("properties", {}).items() if not sub.get("description")]
    assert missing == []
    for name in ("Order", "Decision", "DecisionLine", "ErrorBody", "ErrorDetail", "Problem", "ProblemDetail"):
        assert schemas[name]["properties"], name
    assert schemas["Decision"]["examples"] == [CONTRACT_DECISION]
    assert schemas["ErrorBody"]["examples"] == [CONTRACT_ERROR]


def test_the_contract_examples_are_the_documented_ones(service):
    doc = service.get("/openapi.json").json()
    quote = doc["paths"]["/v1/quote"]["post"]
    assert quote["requestBody"]["content"]["application/json"]["example"]["order_id"] == "AE-2026-000123"


def test_operation_ids_are_readable(service):
    doc = service.get("/openapi.json").json()
    ids = {f"{method.upper()} {path}": op["operationId"] for path, ops in doc["paths"].items()
           for method, op in ops.items()}
    assert ids == {
        "POST /v1/quote": "quote",
        "POST /v1/orders": "commitOrder",
        "POST /v1/orders/{order_id}/refunds": "refundOrder",
        "POST /v1/orders/{order_id}/events": "recordEvent",
        "GET /v1/orders/{order_id}": "getOrder",
        "GET /v1/reports/{scheme}/{period}": "getReport",
        "GET /healthz": "health",
        "GET /metrics": "metrics",
    }
