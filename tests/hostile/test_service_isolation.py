"""Issue 18: the service answers a bug with 500 in its one error shape and keeps the connection."""

from __future__ import annotations

import http.client
import json
import logging

from conftest import build_order
from hostile.inprocess import serving
from levy.engine import Engine


def test_a_bug_answers_500_and_the_next_request_on_the_connection_succeeds(monkeypatch, tmp_path, engine, caplog):
    decide = Engine._decide

    def buggy(self, order):
        if order.order_id == "BUG":
            raise ZeroDivisionError(f"buyer {order.buyer.id} broke it")
        return decide(self, order)

    monkeypatch.setattr(Engine, "_decide", buggy)
    caplog.set_level(logging.ERROR, logger="levy.api")
    with serving(engine, tmp_path) as (host, port, key):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        answers = []
        for order_id in ("BUG", "OK-1", "BUG", "OK-2"):
            body = json.dumps(build_order(order_id=order_id, buyer={"id": "B-PERSONAL-77"}))
            conn.request("POST", "/v1/quote", body=body, headers=headers)
            response = conn.getresponse()
            answers.append((response.status, json.loads(response.read())))
        conn.close()
    assert [status for status, _ in answers] == [500, 200, 500, 200]
    assert answers[0][1] == {"error": {"code": "INTERNAL_ERROR", "message": "internal error: the service log has the details"}}
    assert answers[1][1]["vat_total"] == answers[3][1]["vat_total"] == "19.00"
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "ZeroDivisionError" in logged and "buggy" in logged
    assert "PERSONAL" not in logged and "B-P" not in logged
