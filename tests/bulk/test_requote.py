"""`levy requote` gives, field for field, what `Engine.quote` / `levy quote` gives (issue 15)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from levy.bulk.requote import OUTPUT_COLUMNS, decision_row, error_row, requote
from levy.bulk.table import orders_to_table, read_table
from levy.cli import app
from levy.errors import InvalidOrder

ROOT = Path(__file__).resolve().parents[2]
CURRENCIES = {"EUR": 2, "USD": 2, "JPY": 0, "GBP": 2, "CLP": 0, "KWD": 3, "SEK": 2, "NOK": 2,
              "CHF": 2, "AUD": 2, "SGD": 2, "MYR": 2, "NZD": 2, "CNY": 2}
CATEGORIES = ["general", "books", "food", "staple_food", "childrens_clothing", "medical",
              "excise_alcohol", "excise_tobacco"]
# Every regime's country, special territories (outside, taxed as another area) and uncovered ones.
DESTINATIONS = [("DE", "10115"), ("DE", "78266"), ("DE", "27498"), ("FR", "75001"), ("FR", "97110"),
                ("ES", "35001"), ("ES", "28001"), ("PT", "9000-018"), ("IT", "00100"), ("FI", "22100"),
                ("AT", "6691"), ("AT", "1010"), ("NL", "1011 AB"), ("PL", "00-001"), ("GR", "63086"),
                ("GB", "SW1A 1AA"), ("NO", "0150"), ("CH", "8001"), ("CH", "7562"), ("AU", "2000"),
                ("AU", "2899"), ("NZ", "6011"), ("SG", "018989"), ("MY", "50088"), ("CL", "8320000"),
                ("JP", "100-0001"), ("US", "10001"), ("MC", "98000"), ("SE", None)]
VAT_NUMBERS = ["DE136695976", "DE136695977", "FR40303265045", "GB980780684", "NO974760673MVA",
               "CHE-116.281.710 MWST", "51824753556", "x"]


def money(digits: int, top: int = 300):
    return st.decimals(min_value=0, max_value=Decimal(top), places=digits, allow_nan=False,
                       allow_infinity=False).map(lambda d: format(d, "f"))


@st.composite
def orders(draw, order_id: str = "H-1"):
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    digits = CURRENCIES[currency]
    country, postal = draw(st.sampled_from(DESTINATIONS))
    lines = []
    for i in range(draw(st.integers(1, 4))):
        line = {"sku": f"L{i}", "quantity": draw(st.integers(1, 4)),
                "unit_price": draw(money(digits, draw(st.sampled_from([20, 300, 3000])))),
                "category": draw(st.sampled_from(CATEGORIES))}
        if draw(st.booleans()):
            line["hs_code"] = draw(st.sampled_from(["4202.92", "610910", "0401 10 10", "8517.13.00"]))
        lines.append(line)
    day = draw(st.dates(min_value=date(2021, 6, 1), max_value=date(2028, 12, 31)))
    order = {
        "order_id": order_id, "placed_at": f"{day}T{draw(st.sampled_from(['00:30:00+02:00', '23:30:00-05:00', '12:00:00+00:00']))}",
        "channel": draw(st.sampled_from(["online", "online", "online", "offline"])),
        "currency": currency, "seller": {"id": "S", "country": draw(st.sampled_from(["CN", "DE", "US", "GB", "JP"]))},
        "ship_from": draw(st.sampled_from(["CN", "US", "DE", "PL", "GB", "FR", "JP", "CH"])),
        "ship_to": {"country": country} if postal is None else {"country": country, "postal_code": postal},
        "lines": lines,
    }
    if draw(st.booleans()):
        order["shipping"] = draw(money(digits, 30))
    if draw(st.booleans()):
        order["prices_include_vat"] = draw(st.booleans())
    buyer = {}
    if draw(st.booleans()):
        buyer["vat_number"] = draw(st.sampled_from(VAT_NUMBERS))
    if draw(st.integers(0, 5)) == 0:
        buyer["exemption"] = {"certificate_id": "EX-1", "country": draw(st.sampled_from([country, "DE"])),
                              "valid_from": "2026-01-01", "valid_to": draw(st.sampled_from(["2026-12-31", "2025-12-31"]))}
    if buyer:
        order["buyer"] = buyer
    if draw(st.integers(0, 6)) == 0:  # a voucher: the table cannot express it (order_json fall-back)
        order["discounts"] = [{"code": "V1", "funded_by": draw(st.sampled_from(["seller", "platform"])),
                               "amount": draw(money(digits, 10))}]
    if draw(st.integers(0, 12)) == 0:  # invalid orders must get the same error object
        order["lines"][0]["unit_price"] = draw(st.sampled_from(["1.2345", "-1", "abc"]))
    if draw(st.integers(0, 12)) == 0:
        order["lines"][-1]["category"] = "weapons"
    return order


def expected(engine, order) -> dict:
    """What `levy quote` answers for the order, as a bulk output row."""
    try:
        row = decision_row(engine.quote(order))
    except InvalidOrder as exc:
        row = error_row(order.get("order_id"), exc.body())
    return dict(zip(OUTPUT_COLUMNS, row))


def bulk(engine, orders_list) -> list[dict]:
    result, summary = requote(engine, orders_to_table(orders_list))
    assert summary.orders == len(orders_list)
    return result.to_pylist()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(orders(), min_size=1, max_size=6))
def test_random_orders_equal_checkout(engine, batch):
    # distinct ids, and each order once more under a second id: the reused decision must match too
    batch = [dict(o, order_id=f"H-{i}") for i, o in enumerate(batch)]
    batch += [dict(o, order_id=f"R-{i}") for i, o in enumerate(batch)]
    rows = bulk(engine, batch)
    assert [r["order_id"] for r in rows] == [o["order_id"] for o in batch]
    for order, row in zip(batch, rows):
        assert row == expected(engine, order), order


def test_bundled_examples_equal_checkout(engine):
    for name in ("orders.jsonl", "paid_orders.jsonl", "platform_orders.jsonl"):
        batch = [json.loads(line) for line in (ROOT / "examples" / name).read_text().splitlines() if line.strip()]
        rows = bulk(engine, batch)
        assert rows == [expected(engine, o) for o in batch], name


def _rows(order_id, lines, **order):
    base = {"order_id": order_id, "placed_at": "2026-10-15T12:00:00+02:00", "channel": "online",
            "currency": "EUR", "seller_country": "CN", "ship_from": "CN", "ship_to_country": "DE",
            "ship_to_postal_code": "10115", "shipping": "5.00", "prices_include_vat": "",
            "buyer_vat_number": "", "exemption_certificate_id": "", "exemption_country": "",
            "exemption_valid_from": "", "exemption_valid_to": ""} | order
    return [base | {"line_no": str(no), "sku": f"S{no}", "quantity": "1", "unit_price": price,
                    "category": "general", "hs_code": "4202.92"} for no, price in lines]


def test_csv_table_lines_out_of_order_and_table_errors(engine, tmp_path):
    rows = (_rows("A-2", [(1, "30.00"), (0, "12.50")]) + _rows("A-1", [(0, "100.00")])
            + _rows("B-1", [(0, "10.00")]) + _rows("B-1", [(1, "10.00")], currency="USD")
            + _rows("C-1", [(0, "1.00"), (2, "1.00")]) + _rows("D-1", [(0, "1.234")]))
    path = tmp_path / "orders.csv"
    pa_csv.write_csv(pa.Table.from_pylist(rows), path)
    out = {r["order_id"]: r for r in requote(engine, read_table(path))[0].to_pylist()}
    assert list(out) == ["A-2", "A-1", "B-1", "C-1", "D-1"]  # the input's order of orders
    a2 = expected(engine, {"order_id": "A-2", "placed_at": "2026-10-15T12:00:00+02:00", "currency": "EUR",
                           "seller": {"id": "x", "country": "CN"}, "ship_from": "CN",
                           "ship_to": {"country": "DE", "postal_code": "10115"}, "shipping": "5.00",
                           "lines": [{"sku": "S0", "quantity": 1, "unit_price": "12.50", "category": "general", "hs_code": "4202.92"},
                                     {"sku": "S1", "quantity": 1, "unit_price": "30.00", "category": "general", "hs_code": "4202.92"}]})
    assert out["A-2"] == a2 and a2["net_total"] == "47.50" and a2["scheme"] == "EU_IOSS"
    assert json.loads(out["B-1"]["error"])["error"]["fields"] == [
        {"loc": "currency", "msg": "must be the same on every line of the order"}]
    assert json.loads(out["C-1"]["error"])["error"]["fields"][0]["loc"] == "line_no"
    assert json.loads(out["D-1"]["error"])["error"]["fields"][0]["loc"] == "lines.0.unit_price"
    assert out["D-1"]["collect"] is None and out["A-1"]["error"] is None


def test_cli_requote_from_jsonl_writes_parquet(tmp_path):
    out, table = tmp_path / "d.parquet", tmp_path / "t.parquet"
    result = CliRunner().invoke(app, ["requote", str(ROOT / "examples" / "orders.jsonl"), "--from-jsonl",
                                      "--out", str(out), "--table-out", str(table)])
    assert result.exit_code == 0, result.output
    decisions = pq.read_table(out)
    assert decisions.num_rows == 300 and decisions.column_names == list(OUTPUT_COLUMNS)
    again = CliRunner().invoke(app, ["requote", str(table), "--out", str(tmp_path / "e.parquet")])
    assert again.exit_code == 0 and pq.read_table(tmp_path / "e.parquet").equals(decisions)
    collected = [r for r in decisions.to_pylist() if r["collect"]]
    assert collected and all(Decimal(r["landed_total"]) == Decimal(r["gross_total"]) + Decimal(r["duty_total"])
                             + Decimal(r["fee_total"]) for r in collected)


def test_reused_decisions_still_check_each_id(engine):
    order = json.loads((ROOT / "examples" / "order.json").read_text())
    order.pop("payment", None)
    ids = ["OK-1", " padded", "x" * 65, "OK-2", "tab\there"]
    batch = [dict(order, order_id=i) for i in ids]
    rows = bulk(engine, batch)
    assert rows == [expected(engine, o) for o in batch]
    assert [r["error"] is None for r in rows] == [True, False, False, True, False]
    assert rows[3]["vat_total"] == "8.13" and rows[3]["order_id"] == "OK-2"
    _, summary = requote(engine, orders_to_table(batch))
    assert (summary.decided, summary.reused, summary.errors) == (1, 1, 3)


def test_a_bug_in_one_order_is_its_internal_error_and_the_table_goes_on(engine, monkeypatch):
    order = json.loads((ROOT / "examples" / "order.json").read_text())
    order.pop("payment", None)
    batch = [dict(order, order_id="OK-1"), dict(order, order_id="BUG-1", shipping="6.00")]
    real = type(engine).quote

    def failing(self, raw):  # a fault injected into one order, as levy quote's isolation test does
        if isinstance(raw, dict) and raw.get("order_id") == "BUG-1":
            raise ZeroDivisionError("injected")
        return real(self, raw)

    monkeypatch.setattr(type(engine), "quote", failing)
    rows, summary = requote(engine, orders_to_table(batch))
    ok, bug = rows.to_pylist()
    assert ok["vat_total"] == "8.13" and ok["error"] is None
    assert json.loads(bug["error"])["error"]["code"] == "INTERNAL_ERROR" and bug["order_id"] == "BUG-1"
    assert summary.errors == 1
