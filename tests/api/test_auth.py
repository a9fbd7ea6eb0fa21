"""API keys: 401 without a valid key, 403 outside the role, the role matrix, the keys store."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import build_order

from levy.api.auth import ApiKey, KeysError, KeyStore, Role, add_key, digest, parse_env, read_file, revoke_key

# method, path, body, roles allowed. Endpoints that need no key are listed with roles None.
# TEMPLATES: the route as the OpenAPI document and the 403 message name it.
PAID = json.loads((Path(__file__).resolve().parents[2] / "examples" / "paid_orders.jsonl").read_text().splitlines()[1])
MATRIX_ORDER = {**PAID, "order_id": "API-MATRIX-1"}
ENDPOINTS = [
    ("POST", "/v1/quote", build_order(), ("checkout",)),
    ("POST", "/v1/orders", MATRIX_ORDER, ("checkout",)),
    ("POST", "/v1/orders/API-MATRIX-1/refunds",
     {"refund_id": "RM-1", "amount": "1.00", "at": "2021-07-02T10:00:00+02:00"}, ("checkout",)),
    ("POST", "/v1/orders/API-MATRIX-1/events", {"kind": "shipped", "at": "2021-07-03T10:00:00+02:00"}, ("checkout",)),
    ("GET", "/v1/orders/API-MATRIX-1", None, ("finance", "compliance")),
    ("GET", "/v1/reports/EU_IOSS/2026-09", None, ("finance",)),
    ("GET", "/healthz", None, None),
    ("GET", "/metrics", None, ("checkout", "finance", "compliance")),
    ("GET", "/openapi.json", None, None),
]
TEMPLATES = {"/v1/reports/EU_IOSS/2026-09": "/v1/reports/{scheme}/{period}",
             "/v1/orders/API-MATRIX-1/refunds": "/v1/orders/{order_id}/refunds",
             "/v1/orders/API-MATRIX-1/events": "/v1/orders/{order_id}/events",
             "/v1/orders/API-MATRIX-1": "/v1/orders/{order_id}"}
SUCCESS = {"/v1/orders": 200, "/v1/orders/API-MATRIX-1/refunds": 200, "/v1/orders/API-MATRIX-1/events": 200,
           "/v1/orders/API-MATRIX-1": 200,"/v1/quote": 200, "/v1/reports/EU_IOSS/2026-09": 200, "/healthz": 200, "/metrics": 200, "/openapi.json": 200}


def call(client: httpx.Client, method: str, path: str, body, **kwargs) -> httpx.Response:
    return client.request(method, path, json=body, **kwargs) if body is not None else \
        client.request(method, path, **kwargs)


MATRIX = [(method, path, body, roles, role)
          for method, path, body, roles in ENDPOINTS for role in ("checkout", "finance", "compliance")]


@pytest.mark.parametrize(("method", "path", "body", "roles", "role"), MATRIX,
                         ids=[f"{m} {p} as {r}" for m, p, _, _, r in MATRIX])
def test_role_matrix(server, method, path, body, roles, role):
    with server.client(role) as client:
        response = call(client, method, path, body)
    if roles is None or role in roles:
        assert response.status_code == SUCCESS[path], response.text
    else:
        assert response.status_code == 403
        needs = " or ".join(f"'{r}'" for r in roles)
        route = TEMPLATES.get(path, path)
        assert response.json() == {"error": {"code": "FORBIDDEN", "message":
                                             f"key '{role}-test' has role '{role}'; {method} {route} needs role {needs}"}}


def test_the_openapi_document_states_the_same_roles(anonymous):
    doc = anonymous.get("/openapi.json").json()
    for method, path, _, roles in ENDPOINTS:
        path = TEMPLATES.get(path, path)
        operation = doc["paths"][path][method.lower()] if path in doc["paths"] else None
        if roles is None:
            assert operation is None or "security" not in operation
        else:
            assert operation["x-levy-roles"] == list(roles)
            assert operation["security"] == [{"bearer": []}, {"apiKey": []}]


WRONG = [
    ({}, "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"),
    ({"Authorization": "Bearer levy_" + "x" * 43}, "API key not recognised (mistyped, revoked, or for another deployment)"),
    ({"X-API-Key": "levy_" + "y" * 43}, "API key not recognised (mistyped, revoked, or for another deployment)"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "the Authorization header must be 'Bearer <key>'"),
    ({"Authorization": "Bearer"}, "the Authorization header must be 'Bearer <key>'"),
]


@pytest.mark.parametrize(("headers", "message"), WRONG,
                         ids=["no-key", "unknown-bearer", "unknown-x-api-key", "basic-auth", "empty-bearer"])
def test_401_names_what_is_wrong(anonymous, headers, message):
    response = anonymous.post("/v1/quote", json=build_order(), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="levy"'
    assert response.json() == {"error": {"code": "UNAUTHENTICATED", "message": message}}


def test_a_key_is_not_accepted_in_the_query_string(server, anonymous):
    response = anonymous.post(f"/v1/quote?api_key={server.keys['checkout']}", json=build_order())
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_both_headers_carry_a_key(server, anonymous, header):
    value = server.keys["checkout"]
    headers = {header: f"Bearer {value}" if header == "Authorization" else value}
    response = anonymous.post("/v1/quote", json=build_order(), headers=headers)
    assert response.status_code == 200
    assert response.json()["vat_total"] == "19.00"


def test_a_near_miss_key_is_refused(server, anonymous):
    key = server.keys["checkout"]
    near = key[:-1] + ("A" if key[-1] != "A" else "B")
    response = anonymous.post("/v1/quote", json=build_order(), headers={"Authorization": f"Bearer {near}"})
    assert response.status_code == 401


def test_a_revoked_key_stops_working_without_a_restart(server):
    with server.client("revocable") as client:
        assert client.post("/v1/quote", json=build_order()).status_code == 200
        result = subprocess.run([sys.executable, "-m", "levy", "keys", "revoke", "revocable", "--file", str(server.keys_file)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        # Each worker re-reads the file within 2 s of a change; poll up to 10 s, on fresh
        # connections so both workers are asked.
        deadline = time.monotonic() + 10
        statuses = []
        while time.monotonic() < deadline:
            with server.client("revocable") as fresh:
                statuses = [fresh.post("/v1/quote", json=build_order()).status_code for _ in range(4)]
            if set(statuses) == {401}:
                break
            time.sleep(0.5)
        assert set(statuses) == {401}
    with server.client("checkout") as client:  # the others still work
        assert client.post("/v1/quote", json=build_order()).status_code == 200


# --- the keys store, in-process -----------------------------------------------------------

HEX = "ab" * 32


@pytest.mark.parametrize(("value", "expected"), [
    (f"web:checkout:{HEX}", [("web", Role.CHECKOUT)]),
    (f"web:checkout:{HEX}, fin:finance:{'cd' * 32}\n audit:compliance:{'ef' * 32}",
     [("web", Role.CHECKOUT), ("fin", Role.FINANCE), ("audit", Role.COMPLIANCE)]),
    ("", []),
], ids=["one", "comma-and-whitespace-separated", "empty"])
def test_env_keys(value, expected):
    assert [(k.name, k.role) for k in parse_env(value)] == expected


@pytest.mark.parametrize(("value", "message"), [
    ("web:checkout", "LEVY_API_KEYS entry 1: expected name:role:sha256"),
    (f"web:admin:{HEX}", "LEVY_API_KEYS entry 1: key 'web' has role 'admin'; roles are checkout, finance, compliance"),
    ("web:checkout:ABC", "LEVY_API_KEYS entry 1: key 'web': sha256 must be 64 lower-case hex digits"),
    (f"we b:checkout:{HEX}", "LEVY_API_KEYS entry 1: expected name:role:sha256"),
    (f"a:checkout:{HEX},-b:finance:{HEX}",
     "LEVY_API_KEYS entry 2: key name '-b' must be 1 to 64 letters, digits, '.', '_' or '-'"),
], ids=["two-parts", "unknown-role", "not-hex", "space-in-name", "bad-name"])
def test_env_keys_errors_name_the_entry(value, message):
    with pytest.raises(KeysError) as caught:
        parse_env(value)
    assert str(caught.value) == message


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "cannot read keys file"),
    ('{"keys": {}}', "expected an object with a 'keys' array"),
    ('{"keys": [{"name": "a", "role": "checkout"}]}', "keys[0]: needs string fields name, role and sha256"),
    (json.dumps({"keys": [{"name": "a", "role": "root", "sha256": HEX}]}), "keys[0]: key 'a' has role 'root'"),
], ids=["bad-json", "keys-not-a-list", "missing-digest", "unknown-role"])
def test_keys_file_errors_name_the_file_and_entry(tmp_path, content, message):
    path = tmp_path / "keys.json"
    path.write_text(content)
    with pytest.raises(KeysError) as caught:
        read_file(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_duplicate_names_are_refused():
    with pytest.raises(KeysError, match="repeated: web"):
        KeyStore([ApiKey("web", Role.CHECKOUT, HEX), ApiKey("web", Role.FINANCE, "cd" * 32)])


def test_identify_matches_the_digest_only(tmp_path):
    path = tmp_path / "keys.json"
    secret, record = add_key(path, "web", "checkout")
    stored = path.read_text()
    assert secret not in stored and hashlib.sha256(secret.encode()).hexdigest() in stored
    assert record.sha256 == digest(secret)
    store = KeyStore(path=path)
    assert store.identify(secret) == ApiKey("web", Role.CHECKOUT, record.sha256, record.created)
    assert store.identify(secret + "x") is None
    assert store.identify(record.sha256) is None  # the digest itself is not a key


def test_store_reloads_a_changed_file_and_keeps_the_last_good_one(tmp_path):
    path = tmp_path / "keys.json"
    first, _ = add_key(path, "one", "checkout")
    store = KeyStore(path=path, reload_seconds=0)
    second, _ = add_key(path, "two", "finance")
    assert store.identify(second).name == "two"
    revoke_key(path, "one")
    assert store.identify(first) is None
    path.write_text("{broken")
    assert store.identify(second).name == "two"  # a half-written file locks nobody out
