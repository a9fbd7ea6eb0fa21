"""Fuzz the checkout service from its own OpenAPI document (schemathesis, in-process over ASGI):
no request, however malformed, gets a 5xx, and every refusal has an error object."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import Phase, given, settings

from fuzz.strategies import FUZZ
from levy.api import auth
from levy.api.app import create_app

KEYS = {role: auth.new_key() for role in ("checkout", "finance", "compliance")}

@pytest.fixture(scope="module")
def service_schema(engine, tmp_path_factory):
    keys = [auth.check_entry(role, role, auth.digest(key), where="fuzz") for role, key in KEYS.items()]
    app = create_app(engine, keys=keys, db_url=f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/ledger.db")
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_request_gets_a_server_error(service_schema):
    operations = [result.ok() for result in service_schema.get_all_operations()]
    assert {(o.method.upper(), o.path) for o in operations} >= {("POST", "/v1/quote"), ("POST", "/v1/orders")}
    for operation in operations:

        @settings(FUZZ, max_examples=5, phases=[Phase.explicit, Phase.generate])
        @given(case=operation.as_strategy())
        def check(case):
            _check(case)

        check()


def _check(case) -> None:
    reader = case.path.startswith("/v1/reports") or (case.method == "GET" and case.path.startswith("/v1/orders"))
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {KEYS['finance' if reader else 'checkout']}"}
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert "error" in response.json()
