"""``GET /metrics``: Prometheus text, summed over both workers, exact counts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from conftest import build_order

ROOT = Path(__file__).resolve().parents[2]


def samples(client) -> dict[tuple, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    out = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def delta(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_metrics_need_a_key(anonymous, server):
    assert anonymous.get("/metrics").status_code == 401
    with server.client("compliance") as scraper:
        assert scraper.get("/metrics").status_code == 200


def test_counts_requests_latency_and_decisions_across_workers(server, engine, anonymous):
    orders = [line for line in (ROOT / "examples" / "orders.jsonl").read_text().splitlines() if line.strip()][:60]
    expected = Counter()
    for line in orders:
        d = engine.quote(line)
        expected[(d.scheme.value if d.scheme else "none", d.reason.value)] += 1
    scraper = server.client("compliance")
    before = samples(scraper)
    # Six fresh connections: the kernel spreads them over both workers' sockets.
    for start in range(0, len(orders), 10):
        with server.client("checkout") as client:
            for line in orders[start:start + 10]:
                assert client.post("/v1/quote", content=line).status_code == 200
    with server.client("checkout") as client:
        assert client.post("/v1/quote", content=json.dumps(build_order(price="x"))).status_code == 422
    assert anonymous.post("/v1/quote", json=build_order()).status_code == 401
    assert anonymous.get("/no/such/path").status_code == 404
    after = samples(scraper)
    scraper.close()

    quote = {"method": "POST", "route": "/v1/quote"}
    assert delta(before, after, "levy_http_requests_total", status="200", **quote) == 60
    assert delta(before, after, "levy_http_requests_total", status="422", **quote) == 1
    assert delta(before, after, "levy_http_requests_total", status="401", **quote) == 1
    # Unknown paths share one label, whatever the path: no series per probe.
    assert delta(before, after, "levy_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert delta(before, after, "levy_http_request_duration_seconds_count", **quote) == 62
    assert delta(before, after, "levy_http_request_duration_seconds_bucket", le="+Inf", **quote) == 62
    buckets = sorted((float(dict(labels)["le"]), value) for (name, labels), value in after.items()
                     if name == "levy_http_request_duration_seconds_bucket" and dict(labels).get("route") == "/v1/quote")
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)  # cumulative
    for (scheme, reason), count in expected.items():
        assert delta(before, after, "levy_decisions_total", scheme=scheme, reason=reason) == count
    assert sum(v for (name, _), v in after.items() if name == "levy_decisions_total") - \
        sum(v for (name, _), v in before.items() if name == "levy_decisions_total") == 60
