"""``GET /v1/reports/{scheme}/{period}``: the by-country return as JSON, or CSV on request.

The golden month (``tests/golden/ledger/``: 35 paid orders of August to October 2026, eight
schemes, seven order currencies, and 25 refunds and events) is committed into a served ledger
through the API itself (``POST /v1/orders``, ``/refunds``, ``/events``). Its September return
is then asked of the server and compared with what ``levy report --db`` writes from the same
ledger, byte for byte, and with the committed golden files. A ledger changed behind its back,
and an export that lost a line's VAT, are refused with 409 naming the order.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from golden.ledger_month import ACTIONS, EXPECTED, PAID_ORDERS, read_jsonl

from levy.api.reports import wants_csv
from levy.codes import Scheme
from levy.money import minor_units
from levy.reports.periods import filing_facts

PERIOD = "2026-09"
LEVY = [sys.executable, "-m", "levy"]
QUARTER = "2026-Q3"
SCHEMES = [s.value for s in Scheme]


def period_of(scheme: str) -> str:
    """The golden return period of a scheme: September 2026 when it files monthly, else 2026-Q3."""
    return PERIOD if filing_facts(scheme).period == "month" else QUARTER


COLLECTED = sorted({p.name.split(f"-{period_of(p.name.split('-')[0])}-")[0]
                    for p in EXPECTED.glob("*-by-country.csv")})
"""The schemes with collections in the golden September (SG_GST_LVG has none: a nil return)."""
FX_FIXTURES = Path(__file__).parents[1] / "fixtures" / "fx"
TAMPERED_ORDER = "GL-2026-0902"
"""The contract's example order, paid 2026-09-03 (EU_IOSS, DE, USD 60.00 + VAT 8.13)."""


def levy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*LEVY, *args], capture_output=True, text=True, timeout=300)


def amount(text: str, currency: str = "EUR") -> Decimal:
    """A money string of the report: plain decimal, in the filing currency's minor unit (two
    places for EUR, GBP, NOK, ...; none for JPY, Japan's nil return)."""
    assert isinstance(text, str) and text.lstrip("-").replace(".", "", 1).isdigit(), text
    assert len(text.partition(".")[2]) == minor_units(currency), text
    return Decimal(text)


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def copy_ledger(source: Path, directory: Path) -> Path:
    """A consistent copy of a served SQLite ledger (SQLite's backup API), as ``directory/ledger.db``:
    where ``start_server`` looks for it."""
    target = directory / "ledger.db"
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def tamper(db: Path, statement: str) -> None:
    """Change the ledger behind its back: drop its append-only triggers, run one UPDATE."""
    conn = sqlite3.connect(db)
    with conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        assert conn.execute(statement).rowcount == 1, statement
    conn.close()


# ---- the served golden month -------------------------------------------------------------------


@pytest.fixture(scope="module")
def golden(live_server, tmp_path_factory):
    """A server (two workers, reports from its ledger) into which the golden month was committed
    over HTTP."""
    live = live_server(tmp_path_factory.mktemp("report-serve"))
    with live.client("checkout") as checkout:
        for line in PAID_ORDERS.read_text(encoding="utf-8").splitlines():
            response = checkout.post("/v1/orders", content=line, headers={"Content-Type": "application/json"})
            assert (response.status_code, response.json()["status"]) == (200, "recorded"), response.text
        for action in read_jsonl(ACTIONS):
            order_id = action.pop("order_id")
            if "event" in action:
                response = checkout.post(f"/v1/orders/{order_id}/events",
                                         json={"kind": action["event"], "at": action["at"]})
            else:
                response = checkout.post(f"/v1/orders/{order_id}/refunds", json=action)
            assert (response.status_code, response.json()["status"]) == (200, "recorded"), response.text
    yield live
    assert live.stop() == 0, live.log()[-3000:]


@pytest.fixture(scope="module")
def finance(golden):
    with golden.client("finance") as client:
        yield client


@pytest.fixture(scope="module")
def written(golden, tmp_path_factory) -> Path:
    """``levy report --db`` on the served ledger (while it serves), every scheme asked for."""
    out = tmp_path_factory.mktemp("levy-report")
    for period in (PERIOD, QUARTER):
        result = levy("report", "--db", str(golden.ledger), "--period", period, "--out", str(out),
                      *[arg for s in SCHEMES if period_of(s) == period for arg in ("--scheme", s)])
        assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.mark.parametrize("scheme", SCHEMES, ids=SCHEMES)
def test_json_is_the_by_country_file_levy_report_writes(finance, written, scheme):
    response = finance.get(f"/v1/reports/{scheme}/{period_of(scheme)}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    file_rows = read_csv(written / scheme / period_of(scheme) / "by-country.csv")
    corrections = read_csv(written / scheme / period_of(scheme) / "corrections.csv")
    taxable, vat = (f"{name}_amount_{body['currency'].lower()}" for name in ("taxable", "vat"))
    assert (body["scheme"], body["period"], body["source"], body["reconciled"]) == \
        (scheme, period_of(scheme), "ledger", True)
    header = (written / scheme / period_of(scheme) / "by-country.csv").read_text().splitlines()[0]
    assert header == ",".join(["scheme", "period", "tax_country", "rate_percent", taxable, vat, "orders"])
    # Row for row the file's text, the order count as a number.
    assert body["rows"] == [{**row, "orders": int(row["orders"])} for row in file_rows]
    assert (len(body["rows"]) > 0) == (scheme in COLLECTED)
    totals = body["totals"]
    zero = Decimal(0)

    def money(text: str) -> Decimal:
        return amount(text, body["currency"])

    assert money(totals["taxable"]) == sum((money(r[taxable]) for r in body["rows"]), zero)
    assert money(totals["vat"]) == sum((money(r[vat]) for r in body["rows"]), zero)
    assert totals["orders"] == sum(r["orders"] for r in body["rows"])
    assert money(totals["corrections_vat"]) == sum((money(r[vat]) for r in corrections), zero)
    assert money(totals["vat_due"]) == money(totals["vat"]) + money(totals["corrections_vat"])


def test_the_ioss_return_to_the_cent(finance):
    """September's IOSS return as the golden file states it: ten rows, refunds of August
    orders as corrections (-11.36 EUR VAT). Each row includes the EUR 3 duty of its orders and
    its VAT (Art. 78(a)): the NL order is 72.00 of goods and 3.00 of duty at 21 %."""
    body = finance.get(f"/v1/reports/EU_IOSS/{PERIOD}").json()
    assert body["currency"] == "EUR"
    assert {(r["tax_country"], r["rate_percent"]): (r["taxable_amount_eur"], r["vat_amount_eur"], r["orders"])
            for r in body["rows"]}[("NL", "21")] == ("75.00", "15.75", 1)
    assert body["totals"] == {"taxable": "573.36", "vat": "111.16", "orders": 16,
                              "corrections_taxable": "-78.72", "corrections_vat": "-11.36",
                              "vat_due": "99.80"}


@pytest.mark.parametrize("scheme", SCHEMES, ids=SCHEMES)
def test_csv_is_byte_for_byte_the_file_levy_report_writes(finance, written, scheme):
    response = finance.get(f"/v1/reports/{scheme}/{period_of(scheme)}", headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'inline; filename="{scheme}-{period_of(scheme)}-by-country.csv"'
    name = f"{scheme}-{period_of(scheme)}-by-country.csv"
    assert response.content == (written / scheme / period_of(scheme) / "by-country.csv").read_bytes()
    if scheme in COLLECTED:  # and the committed golden month
        assert response.content == (EXPECTED / name).read_bytes()


@pytest.mark.parametrize(("scheme", "period", "currency"), [
    ("SG_GST_LVG", QUARTER, "SGD"),
    ("EU_IOSS", "2026-07", "EUR"),
    ("UK_MARKETPLACE", "1999-Q1", "GBP"),
], ids=["scheme-without-collections", "month-without-collections", "years-before-the-ledger"])
def test_a_month_without_collections_is_a_nil_return(finance, scheme, period, currency):
    """Like `levy report --scheme`: no rows, zero totals, the CSV's header alone."""
    body = finance.get(f"/v1/reports/{scheme}/{period}").json()
    assert (body["source"], body["reconciled"], body["currency"], body["rows"]) == ("ledger", True, currency, [])
    assert body["totals"] == {"taxable": "0.00", "vat": "0.00", "orders": 0, "corrections_taxable": "0.00",
                              "corrections_vat": "0.00", "vat_due": "0.00"}
    text = finance.get(f"/v1/reports/{scheme}/{period}", headers={"Accept": "text/csv"}).text
    code = currency.lower()
    assert text == f"scheme,period,tax_country,rate_percent,taxable_amount_{code},vat_amount_{code},orders\n"


@pytest.mark.parametrize(("path", "headers", "status", "message"), [
    (f"/v1/reports/XX_VAT/{PERIOD}", {}, 404, "no scheme 'XX_VAT'; schemes are AU_GST_LVG, CH_PLATFORM, CL_LVG, EU_IOSS, EU_OSS"),
    ("/v1/reports/eu_ioss/2026-09", {}, 404, "no scheme 'eu_ioss'"),
    ("/v1/reports/EU_IOSS/2026-13", {}, 422, "period '2026-13' is not a month written YYYY-MM"),
    ("/v1/reports/EU_IOSS/September", {}, 422, "period 'September' is not a month written YYYY-MM"),
    ("/v1/reports/EU_IOSS/0000-01", {}, 422, "period '0000-01' is not a month written YYYY-MM"),
    ("/v1/reports/EU_IOSS/2026-9", {"Accept": "text/csv"}, 422, "period '2026-9' is not a month written YYYY-MM"),
    ("/v1/reports/EU_IOSS/2026-10", {}, 422,
     "no ECB rate for USD for the period ending 2026-10-31: it needs the rate of 2026-11-02"),
    (f"/v1/reports/EU_IOSS/{PERIOD}", {"Accept": "application/xml"}, 406,
     "this report is served as application/json or text/csv"),
    ("/v1/reports/EU_IOSS", {}, 404, "no such resource: GET /v1/reports/EU_IOSS"),
], ids=["unknown-scheme", "scheme-lower-case", "month-13", "not-a-period", "year-0", "one-digit-month",
        "no-ecb-rate-yet", "xml-only", "no-period"])
def test_refusals_name_the_problem(finance, path, headers, status, message):
    response = finance.get(path, headers=headers)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert message in error["message"]
    assert error["code"] == {404: "NOT_FOUND", 406: "NOT_ACCEPTABLE", 422: "INVALID_REQUEST"}[status]


def test_a_missing_period_end_rate_names_the_fix(finance):
    """October's USD orders convert at the ECB rate of Monday 2 November 2026, past the packaged
    history: the message says which day and which command brings it."""
    message = finance.get("/v1/reports/EU_IOSS/2026-10").json()["error"]["message"]
    assert "`levy fx update`" in message and "`levy fx import FILE`" in message


FORBIDDEN = "key '{role}-test' has role '{role}'; GET /v1/reports/{{scheme}}/{{period}} needs role 'finance'"


@pytest.mark.parametrize(("role", "status", "message"), [
    ("finance", 200, None),
    ("checkout", 403, FORBIDDEN.format(role="checkout")),
    ("compliance", 403, FORBIDDEN.format(role="compliance")),
    (None, 401, "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"),
], ids=["finance", "checkout", "compliance", "no-key"])
def test_only_finance_reads_reports(golden, role, status, message):
    with golden.client(role) as client:
        for accept in ("application/json", "text/csv"):
            response = client.get(f"/v1/reports/EU_IOSS/{PERIOD}", headers={"Accept": accept})
            assert response.status_code == status, response.text
            if message:
                code = "FORBIDDEN" if status == 403 else "UNAUTHENTICATED"
                assert response.json() == {"error": {"code": code, "message": message}}


def test_a_rate_imported_while_serving_is_used_by_the_next_report(golden, live_server, tmp_path):
    """October's return waits for the ECB rate of 2 November; `levy fx import` (the fix the 422
    names) makes the running service answer, with the file `levy report` then writes."""
    env = {"LEVY_DATA_DIR": str(tmp_path / "levy-data")}
    serve = tmp_path / "serve"
    serve.mkdir()
    ledger = copy_ledger(golden.ledger, serve)
    live = live_server(serve, workers=1, env=env)
    try:
        with live.client("finance") as client:
            before = client.get("/v1/reports/EU_IOSS/2026-10", headers={"Accept": "text/csv"})
            assert before.status_code == 422, before.text
            assert "it needs the rate of 2026-11-02" in before.json()["error"]["message"]
            # The fixture's November rates are made up, for tests only.
            for args in (["fx", "import", str(FX_FIXTURES / "eurofxref-hist.csv")],
                         ["report", "--db", str(ledger), "--period", "2026-10", "--scheme", "EU_IOSS",
                          "--out", str(tmp_path / "out")]):
                result = subprocess.run([*LEVY, *args], capture_output=True, text=True, timeout=300,
                                        env={**os.environ, **env})
                assert result.returncode == 0, result.stdout + result.stderr
            after = client.get("/v1/reports/EU_IOSS/2026-10", headers={"Accept": "text/csv"})
            assert after.status_code == 200, after.text
            assert after.content == (tmp_path / "out" / "EU_IOSS" / "2026-10" / "by-country.csv").read_bytes()
            assert client.get("/v1/reports/EU_IOSS/2026-10").json()["reconciled"] is True
    finally:
        assert live.stop() == 0, live.log()[-3000:]


# ---- reconciliation, enforced ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tampered(golden, live_server, tmp_path_factory):
    """A server on a copy of the golden ledger in which one decision line's VAT was raised by a
    cent behind the ledger's back."""
    tmp = tmp_path_factory.mktemp("tampered-serve")
    tamper(copy_ledger(golden.ledger, tmp), "UPDATE decision_lines SET vat_minor = vat_minor + 1 "
                                            f"WHERE order_id = '{TAMPERED_ORDER}' AND position = 1")
    live = live_server(tmp, workers=1)
    yield live
    assert live.stop() == 0, live.log()[-3000:]


@pytest.mark.parametrize("accept", ["application/json", "text/csv"], ids=["json", "csv"])
def test_a_tampered_ledger_is_refused_naming_the_order(tampered, accept):
    with tampered.client("finance") as client:
        response = client.get(f"/v1/reports/EU_IOSS/{PERIOD}", headers={"Accept": accept})
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert (error["code"], error["period"], error["orders"], error["groups"]) == \
        ("RECONCILIATION_FAILED", PERIOD, [TAMPERED_ORDER], [])
    # The amount rows say 8.14 USD of VAT; the decision recorded 8.13.
    assert error["imbalances"] == [{"order_id": TAMPERED_ORDER, "refund_id": None, "currency": "USD",
                                    "rows": {"taxable": "60.00", "vat": "8.14"},
                                    "recorded": {"taxable": "60.00", "vat": "8.13"}}]
    assert (f"order {TAMPERED_ORDER}: its amount rows do not add up to the decision's totals "
            "(VAT: rows 8.14 USD, decision 8.13 USD)") in error["message"]
    assert "no file was written" not in error["message"]
    assert f"report EU_IOSS {PERIOD} does not reconcile with the ledger: orders {TAMPERED_ORDER}" in tampered.log()


def test_the_other_schemes_of_a_tampered_ledger_still_report(tampered, golden):
    """The check covers the scheme asked for: the UK return holds no line of the changed order."""
    with tampered.client("finance") as client, golden.client("finance") as reference:
        response = client.get(f"/v1/reports/UK_MARKETPLACE/{QUARTER}", headers={"Accept": "text/csv"})
        assert response.status_code == 200, response.text
        assert response.content == reference.get(f"/v1/reports/UK_MARKETPLACE/{QUARTER}",
                                                 headers={"Accept": "text/csv"}).content


# ---- the Parquet source (LEVY_REPORT_LINES) ----------------------------------------------------


CHANGED_ORDER = "GL-2026-0801"
"""Paid 2026-08-18: EU_IOSS, DE 19 %, USD. Its line in the August export gains 1.00 USD of VAT."""


@pytest.fixture(scope="module")
def exported(golden, live_server, tmp_path_factory):
    """A server reporting from ``levy export`` of the golden ledger: September as exported, August
    with one line's VAT changed in the Parquet file, July never exported."""
    export = tmp_path_factory.mktemp("export")
    for period in (PERIOD, "2026-08"):
        result = levy("export", "--db", str(golden.ledger), "--period", period, "--out", str(export))
        assert result.returncode == 0, result.stdout + result.stderr
    path = export / "scheme=EU_IOSS" / "period=2026-08" / "part-0.parquet"
    table = pq.read_table(path, partitioning=None)
    lines = table.to_pandas()
    changed = lines["order_id"] == CHANGED_ORDER
    assert changed.sum() == 1
    lines.loc[changed, "vat_minor"] += 100
    pq.write_table(pa.Table.from_pandas(lines, schema=table.schema, preserve_index=False), path)
    live = live_server(tmp_path_factory.mktemp("export-serve"), workers=1,
                       env={"LEVY_REPORT_LINES": str(export)})
    yield live, export
    assert live.stop() == 0, live.log()[-3000:]


MONTHLY_COLLECTED = [s for s in COLLECTED if period_of(s) == PERIOD]
"""The export holds September and August only: the quarterly schemes' 2026-Q3 needs July too."""


@pytest.mark.parametrize("scheme", MONTHLY_COLLECTED, ids=MONTHLY_COLLECTED)
def test_an_export_reports_the_same_month_reconciled_with_its_totals(exported, finance, written, scheme):
    live, _ = exported
    with live.client("finance") as client:
        body = client.get(f"/v1/reports/{scheme}/{PERIOD}").json()
        text = client.get(f"/v1/reports/{scheme}/{PERIOD}", headers={"Accept": "text/csv"}).content
    assert (body["source"], body["reconciled"]) == ("parquet", True)
    from_ledger = finance.get(f"/v1/reports/{scheme}/{PERIOD}").json()
    assert (body["rows"], body["totals"]) == (from_ledger["rows"], from_ledger["totals"])
    assert text == (written / scheme / PERIOD / "by-country.csv").read_bytes()


def test_a_changed_export_is_refused_naming_the_group_and_the_order(exported):
    live, _ = exported
    with live.client("finance") as client:
        response = client.get("/v1/reports/EU_IOSS/2026-08")
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert (error["code"], error["period"], error["orders"], error["imbalances"]) == \
        ("RECONCILIATION_FAILED", "2026-08", [CHANGED_ORDER], [])
    [group] = error["groups"]
    assert {k: group[k] for k in ("scheme", "original_period", "tax_country", "rate_percent", "currency")} == \
        {"scheme": "EU_IOSS", "original_period": "2026-08", "tax_country": "DE", "rate_percent": "19",
         "currency": "USD"}
    assert group["orders"] == [CHANGED_ORDER]
    assert group["report"]["taxable"] == group["ledger"]["taxable"]
    assert group["report"]["orders"] == group["ledger"]["orders"]
    assert amount(group["report"]["vat"]) - amount(group["ledger"]["vat"]) == Decimal("1.00")
    assert (f"EU_IOSS 2026-08 DE 19% USD: VAT report {group['report']['vat']} vs ledger "
            f"{group['ledger']['vat']}; orders explaining it: {CHANGED_ORDER}") in error["message"]


def test_a_month_the_export_does_not_hold_is_unavailable_not_nil(exported):
    live, export = exported
    with live.client("finance") as client:
        response = client.get("/v1/reports/EU_IOSS/2026-07")
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "UNAVAILABLE"
    assert f"LEVY_REPORT_LINES={export} holds no ledger totals for 2026-07" in error["message"]
    assert f"`levy export --period 2026-07 --out {export}`" in error["message"]


# ---- content negotiation -----------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "csv"), [
    (None, False), ("", False), ("*/*", False), ("application/json", False), ("text/csv", True),
    ("text/csv, application/json", True), ("application/json, text/csv", False),
    ("application/json;q=0.5, text/csv", True), ("text/*", True), ("text/csv;q=0, application/json", False),
    ("application/xml", None), ("text/html, image/png", None),
], ids=["none", "empty", "any", "json", "csv", "csv-first", "json-first", "csv-by-weight", "text-any",
        "csv-refused", "xml", "html-png"])
def test_accept_negotiation(accept, csv):
    assert wants_csv(accept) is csv
