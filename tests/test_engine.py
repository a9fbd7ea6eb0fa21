"""The Engine is loaded once and shared: concurrent quotes give the same answers."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "orders.jsonl"


def _quote_all(engine, payloads):
    out = []
    for payload in payloads:
        try:
            out.append(engine.quote(payload).model_dump_json())
        except Exception as exc:  # an invalid example would show up as a difference below
            out.append(repr(exc))
    return out


def test_one_engine_shared_by_threads_answers_like_one_thread(engine):
    payloads = [line for line in EXAMPLES.read_bytes().splitlines() if line.strip()]
    expected = _quote_all(engine, payloads)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _quote_all(engine, payloads), range(8)))
    assert all(result == expected for result in results)


def test_every_bundled_example_gets_a_decision(engine):
    reasons = {json.loads(engine.quote(line).model_dump_json())["reason"]
               for line in EXAMPLES.read_bytes().splitlines() if line.strip()}
    # The demo batch exercises every EU outcome.
    assert {"DEEMED_SUPPLIER_IMPORT", "DEEMED_SUPPLIER_LOCAL_STOCK", "OFFLINE_PAYMENT", "SPECIAL_TERRITORY",
            "ABOVE_THRESHOLD", "B2B_VALID_VAT_NUMBER", "EXEMPTION_CERTIFICATE", "EXCISE_GOODS",
            "SELLER_LIABLE", "DESTINATION_NOT_COVERED"} <= reasons
