"""No VAT number, exemption id or API key in a log line in full: the filter, then the real server."""

from __future__ import annotations

import contextvars
import io
import logging
import time

import pytest

from conftest import build_order

from levy.api.logs import RedactFilter, mask, redact, sensitive

KEY = "levy_Zx8Qm4Lr2Tn7Wv1Yb6Kd3Hs9Pf5Gc0JuEaXoNiMtRyS"
VAT = "DE136695976"
VOUCHER = "EX-DE-2026-0042"


@pytest.mark.parametrize(("text", "expected"), [
    (f"key {KEY} refused", "key levy_[REDACTED] refused"),
    (f"Authorization: Bearer {KEY}", "Authorization: Bearer [REDACTED]"),
    ("authorization: Bearer sk-not-a-levy-key", "authorization: Bearer [REDACTED]"),
    ("{'x-api-key': 'whatever-secret'}", "{'x-api-key': '[REDACTED]'}"),
    (f'"POST /v1/quote?api_key={KEY}&x=1 HTTP/1.1" 401', '"POST /v1/quote?api_key=[REDACTED]&x=1 HTTP/1.1" 401'),
    (f'{{"vat_number": "{VAT}"}}', '{"vat_number": "DE*******76"}'),
    (f"Buyer(id='B-1', vat_number='{VAT}', exemption=None)", "Buyer(id='B-1', vat_number='DE*******76', exemption=None)"),
    (f"certificate_id={VOUCHER}", "certificate_id=EX***********42"),
    ("vat_number: 'DE1'", "vat_number: '***'"),
    ("order AE-2026-000123 quoted: EU_IOSS", "order AE-2026-000123 quoted: EU_IOSS"),
], ids=["levy-key", "bearer-header", "other-bearer", "x-api-key-dict", "query-parameter", "json-vat-number",
        "pydantic-repr", "voucher-kv", "short-value", "nothing-sensitive"])
def test_redact(text, expected):
    assert redact(text) == expected


def test_values_registered_for_the_request_are_masked_anywhere():
    def in_request() -> str:
        sensitive([VAT, VOUCHER, None])
        return redact(f"buyer {VAT} voucher {VOUCHER} ({VAT.lower()} is another string)")

    assert contextvars.copy_context().run(in_request) == \
        "buyer DE*******76 voucher EX***********42 (de136695976 is another string)"
    assert redact(f"buyer {VAT}") == f"buyer {VAT}"  # outside that request's context: not registered


def test_mask():
    assert (mask("DE136695976"), mask("ATU1234"), mask("")) == ("DE*******76", "*******", "")


def test_filter_rewrites_message_arguments_and_traceback():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    logger = logging.getLogger("levy.test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("refused key %s for vat_number=%s (%d tries)", KEY, VAT, 3)
        try:
            raise ValueError(f"bad order: vat_number='{VAT}', certificate_id='{VOUCHER}', key {KEY}")
        except ValueError:
            logger.exception("order failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    for secret in (KEY, VAT, VOUCHER):
        assert secret not in text
    assert "refused key levy_[REDACTED] for vat_number=DE*******76 (3 tries)" in text
    assert "ValueError: bad order: vat_number='DE*******76', certificate_id='EX***********42', key levy_[REDACTED]" in text


def test_the_server_log_holds_no_secret_in_full(server, checkout, anonymous):
    """Requests carrying every kind of secret, valid and not; then the server's own log file."""
    unknown = "levy_" + "Q" * 43
    voucher = {"certificate_id": VOUCHER, "country": "DE", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
    assert checkout.post("/v1/quote", json=build_order(vat=VAT)).json()["reason"] == "B2B_VALID_VAT_NUMBER"
    assert checkout.post("/v1/quote", json=build_order(exemption=voucher)).json()["reason"] == "EXEMPTION_CERTIFICATE"
    assert checkout.post("/v1/quote", json=build_order(vat=VAT, price="abc")).status_code == 422
    assert anonymous.post("/v1/quote", json=build_order(), headers={"Authorization": f"Bearer {unknown}"}).status_code == 401
    assert anonymous.post(f"/v1/quote?api_key={unknown}", json=build_order()).status_code == 401
    assert checkout.post(f"/v1/quote?vat_number={VAT}&certificate_id={VOUCHER}", json=build_order()).status_code == 200
    with server.client("finance") as finance:
        assert finance.post("/v1/quote", json=build_order(vat=VAT)).status_code == 403
    time.sleep(0.5)  # the access line is written as the answer leaves
    log = server.log()
    for secret in (VAT, VOUCHER, unknown, *server.keys.values()):
        assert secret not in log
    # The lines are there, redacted: the filter ran in the server, not just in this test.
    assert '"POST /v1/quote?api_key=[REDACTED] HTTP/1.1" 401' in log
    assert '"POST /v1/quote?vat_number=DE*******76&certificate_id=EX***********42 HTTP/1.1" 200' in log
    assert "refused POST /v1/quote: key 'finance-test' has role finance" in log
