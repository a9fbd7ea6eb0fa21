"""The golden month through the ledger: paid orders committed, events and refunds applied,
September 2026 (monthly schemes) and 2026-Q3 (quarterly: EU_OSS) reported by ``levy report``
and compared byte for byte with
``tests/golden/ledger/expected/`` (regenerate on purpose: ``scripts/regenerate_golden.py``).

Also: the same files from a ``levy export`` (pandas and Dask), the reconciliation stopping the
report on a tampered ledger or export and naming the order, the 0 % rows, and October, whose
return needs an ECB rate the packaged history does not hold yet.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from golden.ledger_month import EXPECTED, PERIOD, QUARTER, build_ledger
from ledger.conftest import BACKENDS, _pg_database
from typer.testing import CliRunner

from levy.cli import app
from levy.ledger.queries import reading
from levy.ledger.store import Ledger
from levy.reports import write_lines

# dask 2026.8 still calls reset_index(inplace=True), which pandas 3.1 deprecates: not ours.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")

runner = CliRunner()
FX_FIXTURES = Path(__file__).parents[1] / "fixtures" / "fx"
EXPECTED_FILES = sorted(EXPECTED.glob("*.csv"))
MONTHLY_FILES = sorted(EXPECTED.glob(f"*-{PERIOD}-*.csv"))
SCHEMES = sorted({p.name.split(f"-{PERIOD}-")[0] for p in MONTHLY_FILES})
"""The monthly schemes of the golden month (EU_IOSS); the others file the quarter 2026-Q3."""
QUARTERLY = sorted({p.name.split(f"-{QUARTER}-")[0] for p in EXPECTED.glob(f"*-{QUARTER}-*.csv")})
TABLES = ("by-country", "corrections", "by-currency")


@pytest.fixture(scope="module", params=BACKENDS)
def golden_db(request, engine, tmp_path_factory) -> str:
    """A ledger holding the golden month, on SQLite and (when configured) PostgreSQL."""
    name = f"levy_test_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('golden-ledger') / 'ledger.db'}"
    else:
        url = _pg_database(name, create=True)
    with Ledger(url, engine=engine) as ledger:
        build_ledger(ledger)
    yield url
    if request.param != "sqlite":
        _pg_database(name, create=False)


@pytest.fixture(scope="module")
def sqlite_golden(engine, tmp_path_factory) -> Path:
    """The golden month in a SQLite file (copied by the tests that tamper with it)."""
    path = tmp_path_factory.mktemp("golden-sqlite") / "ledger.db"
    with Ledger(f"sqlite:///{path}", engine=engine) as ledger:
        build_ledger(ledger)
    return path


def copy_db(source: Path, target: Path) -> Path:
    """A consistent copy of a SQLite ledger (WAL included), through SQLite's backup API."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def report(*args: str):
    return runner.invoke(app, ["report", "--period", PERIOD, *args])


def written_csv(out: Path) -> dict[str, bytes]:
    """The CSV files of every return folder, named as the golden files are
    (``OUT/EU_OSS/2026-Q3/by-country.csv`` -> ``EU_OSS-2026-Q3-by-country.csv``)."""
    return {f"{p.parts[-3]}-{p.parts[-2]}-{p.name}": p.read_bytes() for p in sorted(out.glob("*/*/*.csv"))}


def expected_csv(files=EXPECTED_FILES) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in files}


def flat(out: Path, name: str) -> Path:
    """``flat(out, "EU_IOSS-2026-10-by-currency")`` -> ``out/EU_IOSS/2026-10/by-currency.csv``."""
    for table in TABLES:
        if name.endswith(f"-{table}"):
            scheme, _, period = name[: -len(table) - 1].partition("-")
            return out / scheme / period / f"{table}.csv"
    raise AssertionError(name)


# ---- the golden month ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def golden_report(golden_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("golden-report")
    for period in (PERIOD, QUARTER):
        result = runner.invoke(app, ["report", "--period", period, "--db", golden_db, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "reconciled with the ledger" in result.output
    return out


def test_the_report_writes_exactly_the_files_of_the_issue(golden_report):
    names = sorted(str(p.relative_to(golden_report)) for p in golden_report.glob("*/*/*"))
    taxes = {"NO_VOEC": "mva", "AU_GST_LVG": "gst", "NZ_GST_LVG": "gst", "SG_GST_LVG": "gst",
             "MY_LVG": "sales-tax"}
    expected = sorted(
        f"{s}/{period}/{name}"
        for s, period in [*((s, PERIOD) for s in SCHEMES), *((s, QUARTER) for s in QUARTERLY)]
        for name in (
            *(f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")),
            f"{s}-{period}.xlsx", "README.md", f"{taxes.get(s, 'vat')}-by-country.png",
        )
    )
    assert names == expected
    assert len(SCHEMES) == 1 and len(QUARTERLY) == 7 and len(EXPECTED_FILES) == 24


@pytest.mark.parametrize("expected", EXPECTED_FILES, ids=[p.stem for p in EXPECTED_FILES])
def test_golden_file_matches_exactly(golden_report, expected):
    assert flat(golden_report, expected.stem).read_bytes() == expected.read_bytes()


def _row(out: Path, name: str, **match) -> dict:
    table = pd.read_csv(flat(out, name), dtype=str, keep_default_na=False)
    for column, value in match.items():
        table = table[table[column] == value]
    assert len(table) == 1, (name, match, table)
    return table.iloc[0].to_dict()


@pytest.mark.parametrize(
    "name, match, expected",
    [
        # GL-2026-0806 (MYR, paid 2026-08-24) refunded in full on 2026-09-05, inside the same
        # quarter: its goods' 165.00 / 16.50 net to nothing (the 15.00 of transport was never in
        # the LVG base, P.U.(A) 403/2023), and it still counts as paid. GL-2026-0917: 2 x 89.00 at
        # 10 % = 178.00 / 17.80, transport 12.00 outside the base; a 50.00 refund in the quarter
        # takes 42.83 / 4.28 from the goods (the rest was transport).
        (
            "MY_LVG-2026-Q3-by-country",
            {"rate_percent": "10"},
            {"taxable_amount_myr": "135.17", "vat_amount_myr": "13.52", "orders": "2"},
        ),
        # Irish books are zero-rated supplies and reported at 0 %: GL-2026-0906 (USD 26.00 book +
        # 4.00 shipping following it) and GL-2026-0905's shipping share of its refunded book.
        (
            "EU_IOSS-2026-09-by-country",
            {"tax_country": "IE", "rate_percent": "0"},
            {"taxable_amount_eur": "27.74", "vat_amount_eur": "0.00", "orders": "2"},
        ),
        # Norway's books at 0 % with their share of shipping (79.00 x 199/748 = 21.02).
        (
            "NO_VOEC-2026-Q3-by-country",
            {"rate_percent": "0"},
            {"taxable_amount_nok": "220.02", "vat_amount_nok": "0.00", "orders": "1"},
        ),
        # A zero-rated book of August refunded in September nets inside the quarter: no
        # correction, and its order still counts as paid at 0 %.
        (
            "UK_MARKETPLACE-2026-Q3-by-country",
            {"rate_percent": "0"},
            {"vat_amount_gbp": "0.00", "orders": "2"},
        ),
        # Two partial refunds (20.00 + 5.00 USD gross at 19 %) of an August order, converted at
        # 2026-08-31's 1.1596: 21.01 / 1.1596 = 18.12, 3.99 / 1.1596 = 3.44.
        (
            "EU_IOSS-2026-09-corrections",
            {"tax_country": "DE"},
            {"rate_percent": "19", "taxable_amount_eur": "-18.12", "vat_amount_eur": "-3.44"},
        ),
        # Paid 2026-09-30 22:30 at -04:00 (already October in UTC): September's; cancelled on
        # 2026-09-30 23:30 at -03:00 (GL-2026-0925): netted in September, still one order paid.
        # 59.99 / 12.00 of goods plus the EUR 3 duty (USD 3.48) and its 20 % VAT (0.70), which
        # the IOSS return declares (Art. 78(a), levy.ledger.charge_vat).
        (
            "EU_IOSS-2026-09-by-currency",
            {"original_period": "2026-09", "tax_country": "FR", "currency": "USD"},
            {
                "taxable_amount": "63.47",
                "vat_amount": "12.70",
                "orders": "1",
                "fx_date": "2026-09-30",
            },
        ),
        (
            "EU_IOSS-2026-09-by-currency",
            {"original_period": "2026-09", "tax_country": "FR", "currency": "EUR"},
            {"taxable_amount": "0.00", "vat_amount": "0.00", "orders": "1"},
        ),
    ],
    ids=[
        "MY-refund-in-the-quarter-transport-out-of-base",
        "IE-zero-rated",
        "NO-zero-rated-shipping-share",
        "GB-zero-rated-refund-in-the-quarter",
        "two-partial-refunds",
        "paid-on-local-date",
        "cancelled-in-the-month",
    ],
)
def test_what_the_golden_month_says(golden_report, name, match, expected):
    row = _row(golden_report, name, **match)
    assert {k: row[k] for k in expected} == expected


def test_the_ledger_lines_follow_the_schema_grain(golden_db):
    """One sale row per order and rate, refunds negative with the order's payment month, and
    no 0 % shipping row of an order whose goods are taxed (Malaysia's transport)."""
    with Ledger(golden_db) as ledger, reading(ledger) as queries:
        lines = pd.concat(list(queries.collection_lines(PERIOD)), ignore_index=True)
        totals = queries.totals(PERIOD)
        assert queries.count_lines(PERIOD) == len(lines)
        assert queries.unbalanced(PERIOD).empty
    sales, refunds = lines[lines["kind"] == "sale"], lines[lines["kind"] == "refund"]
    assert not sales.duplicated(["order_id", "rate_percent"]).any()
    assert (sales["original_period"] == PERIOD).all() and (
        sales[["net_minor", "vat_minor"]] >= 0
    ).all().all()
    assert (refunds[["net_minor", "vat_minor"]] <= 0).all().all()
    assert dict(refunds.groupby("order_id")["original_period"].first()) == {
        "GL-2026-0801": "2026-08",
        "GL-2026-0802": "2026-08",
        "GL-2026-0803": "2026-08",
        "GL-2026-0805": "2026-08",
        "GL-2026-0806": "2026-08",
        "GL-2026-0903": "2026-09",
        "GL-2026-0905": "2026-09",
        "GL-2026-0917": "2026-09",
        "GL-2026-0925": "2026-09",
    }
    my = lines[lines["scheme"] == "MY_LVG"]
    assert set(my["rate_percent"]) == {"10"}  # the 0 % transport rows stay out
    assert "GL-2026-0923" not in set(lines["order_id"])  # paid 2026-10-01 01:00 +02:00
    # the ledger's SQL totals are the lines' sums, group by group
    by_group = lines.groupby(
        ["scheme", "original_period", "tax_country", "rate_percent", "currency"]
    )
    sums = by_group[["net_minor", "vat_minor"]].sum().reset_index()
    merged = totals.merge(
        sums,
        on=["scheme", "original_period", "tax_country", "rate_percent", "currency"],
        suffixes=("", "_lines"),
        how="outer",
        validate="one_to_one",
    )
    assert (merged["net_minor"] == merged["net_minor_lines"]).all()
    assert (merged["vat_minor"] == merged["vat_minor_lines"]).all()


# ---- export, Parquet, Dask --------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=40
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def golden_export(golden_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("golden-export")
    result = runner.invoke(
        app, ["export", "--period", PERIOD, "--db", golden_db, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "38 collection lines of 2026-09 (23 orders paid, 33 groups)" in " ".join(
        result.output.split()
    )
    return out


def test_the_export_holds_the_lines_and_the_ledger_totals(golden_export):
    assert sorted(p.name for p in golden_export.glob("scheme=*")) == [
        f"scheme={s}" for s in sorted([*SCHEMES, *QUARTERLY])
    ]
    snapshot = golden_export / "_ledger" / f"period={PERIOD}"
    assert sorted(p.name for p in snapshot.iterdir()) == [
        "export.json",
        "orders.parquet",
        "totals.parquet",
    ]
    assert pq.read_table(snapshot / "totals.parquet").num_rows == 33


@pytest.mark.parametrize(
    "source, engine_name",
    [("parquet", "pandas"), ("parquet", "dask"), ("db", "dask")],
    ids=["export-pandas", "export-dask", "ledger-dask"],
)
def test_every_engine_writes_the_golden_files(
    golden_db, golden_export, client, tmp_path, source, engine_name
):
    args = ["--from-parquet", str(golden_export)] if source == "parquet" else ["--db", golden_db]
    if engine_name == "dask":
        args += ["--engine", "dask", "--scheduler", client.scheduler.address]
    result = report(*args, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert written_csv(tmp_path) == expected_csv(MONTHLY_FILES)
    assert ("ledger totals exported with the lines" in result.output) == (source == "parquet")


# ---- reconciliation, enforced ------------------------------------------------------------------


def _tamper(db: Path, *statements: str) -> None:
    """Change the ledger behind its back: drop the append-only triggers, run the SQL."""
    conn = sqlite3.connect(db)
    with conn:
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            assert conn.execute(statement).rowcount == 1, statement
    conn.close()


@pytest.mark.parametrize(
    "statement, order, shown",
    [
        (
            "UPDATE decision_lines SET vat_minor = vat_minor + 1 WHERE order_id = 'GL-2026-0902' AND position = 1",
            "GL-2026-0902",
            "VAT: rows 8.14 USD, decision 8.13 USD",
        ),
        (
            "UPDATE decision_lines SET net_minor = net_minor - 100 WHERE order_id = 'GL-2026-0926' AND position = 0",
            "GL-2026-0926",
            "taxable: rows 7500 JPY, decision 7600 JPY",
        ),
        (
            "UPDATE refund_lines SET net_minor = net_minor + 7 WHERE refund_id = 'R-GL-04'",
            "GL-2026-0803",
            (
                "refund R-GL-04: its amount rows do not add up to the refund's totals "
                "(taxable: rows 15.07 GBP, refund 15.00 GBP)"
            ),
        ),
        (
            "UPDATE decisions SET vat_total_minor = vat_total_minor - 5 WHERE order_id = 'GL-2026-0915'",
            "GL-2026-0915",
            "VAT: rows 5.43 CHF, decision 5.38 CHF",
        ),
    ],
    ids=["decision-line-vat", "decision-line-net-jpy", "refund-line-net", "decision-total"],
)
@pytest.mark.parametrize("command", ["report", "export"])
def test_a_tampered_ledger_stops_the_command_naming_the_order(
    sqlite_golden, tmp_path, statement, order, shown, command
):
    db = copy_db(sqlite_golden, tmp_path / "tampered.db")
    _tamper(db, statement)
    out = tmp_path / "out"
    # GL-2026-0803 (UK) and GL-2026-0915 (CH) are in quarterly schemes: their return is 2026-Q3;
    # an export is always of one month.
    quarterly = order in ("GL-2026-0803", "GL-2026-0915")
    period = QUARTER if command == "report" and quarterly else PERIOD
    result = runner.invoke(app, [command, "--period", period, "--db", str(db), "--out", str(out)])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert f"order {order}" in text and shown in text and "no file was written" in text
    assert not out.exists()


def test_a_changed_export_stops_the_report_naming_the_order(golden_export, tmp_path):
    export = tmp_path / "export"
    shutil.copytree(golden_export, export)
    path = export / "scheme=EU_IOSS" / f"period={PERIOD}" / "part-0.parquet"
    table = pq.read_table(path, partitioning=None)
    lines = table.to_pandas()
    lines.loc[lines["order_id"] == "GL-2026-0921", "vat_minor"] += 100
    pq.write_table(pa.Table.from_pandas(lines, schema=table.schema, preserve_index=False), path)
    result = report("--from-parquet", str(export), "--out", str(tmp_path / "out"))
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert (
        "EU_IOSS 2026-09 NL 21% EUR: VAT report 16.75 vs ledger 15.75; orders explaining it: GL-2026-0921"
        in text
    )
    assert not (tmp_path / "out").exists()


def test_a_stale_export_stops_a_report_checked_against_the_ledger(sqlite_golden, engine, tmp_path):
    """An export reconciles with the totals saved with it; against the ledger itself (--db), a
    refund recorded since shows, naming its order."""
    from datetime import datetime

    db = copy_db(sqlite_golden, tmp_path / "ledger.db")
    export = tmp_path / "export"
    assert (
        runner.invoke(
            app, ["export", "--period", PERIOD, "--db", str(db), "--out", str(export)]
        ).exit_code
        == 0
    )
    with Ledger(f"sqlite:///{db}", engine=engine) as ledger:
        refunded = ledger.refund(
            "GL-2026-0908",
            "R-LATE-1",
            amount="10.00",
            at=datetime.fromisoformat("2026-09-29T10:00:00+01:00"),
        )
        assert refunded.status == "recorded"
    alone = report("--from-parquet", str(export), "--out", str(tmp_path / "alone"))
    assert alone.exit_code == 0, alone.output
    checked = report(
        "--from-parquet", str(export), "--db", str(db), "--out", str(tmp_path / "checked")
    )
    assert checked.exit_code == 3, checked.output
    assert "EU_IOSS 2026-09 PT 23% EUR" in checked.output and "GL-2026-0908" in checked.output
    assert not (tmp_path / "checked").exists()


def test_an_export_without_ledger_totals_is_refused(tmp_path):
    lines = pd.read_csv(
        Path(__file__).parents[1] / "golden" / "lines" / "collection-lines.csv",
        dtype=str,
        keep_default_na=False,
    ).astype({"net_minor": "int64", "vat_minor": "int64"})
    write_lines(lines, tmp_path / "bare")
    result = report("--from-parquet", str(tmp_path / "bare"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "holds no ledger totals for 2026-09" in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


# ---- other months, other input -----------------------------------------------------------------


def test_october_stops_until_the_ecb_rate_of_november_2_is_imported(
    sqlite_golden, tmp_path, monkeypatch
):
    """October 2026 holds a USD order; its return converts at the rate of Saturday 31 October or
    the next day of publication, Monday 2 November, past the packaged history (2026-10-30)."""
    monkeypatch.setenv("LEVY_DATA_DIR", str(tmp_path / "levy-data"))
    out = tmp_path / "october"
    args = ["report", "--period", "2026-10", "--db", str(sqlite_golden), "--out", str(out)]
    stopped = runner.invoke(app, args)
    assert stopped.exit_code == 1
    text = " ".join(stopped.output.split())
    assert (
        "no ECB rate for USD for the period ending 2026-10-31: it needs the rate of 2026-11-02"
        in text
    )
    assert "`levy fx update`" in text and "`levy fx import FILE`" in text
    assert not out.exists()
    # The fix the message names (the fixture's November rates are made up for tests only).
    imported = runner.invoke(app, ["fx", "import", str(FX_FIXTURES / "eurofxref-hist.csv")])
    assert imported.exit_code == 0, imported.output
    written = runner.invoke(app, args)
    assert written.exit_code == 0, written.output
    usd = _row(out, "EU_IOSS-2026-10-by-currency", currency="USD")
    assert (usd["fx_date"], usd["ecb_rate"], usd["taxable_amount"], usd["taxable_amount_eur"]) == (
        "2026-11-02",
        "1.1625",
        "39.42",
        "33.91",
    )  # goods 36.00 + the EUR 3 duty's USD 3.42 (Art. 78(a)); 39.42 / 1.1625 = 33.909...
    # September's orders refunded in October correct September, at September's rates.
    corrections = pd.read_csv(flat(out, "EU_IOSS-2026-10-corrections"), dtype=str)
    assert list(corrections["original_period"]) == ["2026-09", "2026-09"]
    assert sorted(corrections["tax_country"]) == ["DE", "IT"]


def test_a_nil_return_for_a_scheme_without_collections(sqlite_golden, tmp_path):
    result = runner.invoke(app, ["report", "--period", QUARTER, "--db", str(sqlite_golden), "--scheme", "SG_GST_LVG",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    by_country = flat(tmp_path, f"SG_GST_LVG-{QUARTER}-by-country").read_text()
    assert (
        by_country
        == "scheme,period,tax_country,rate_percent,taxable_amount_sgd,vat_amount_sgd,orders\n"
    )


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--scheme", "EU_IOS"], 2, "unknown scheme 'EU_IOS'"),
        (["--db", "{tmp}/nowhere.db"], 1, "no ledger at"),
    ],
    ids=["unknown-scheme", "no-ledger"],
)
def test_refusals_write_nothing(args, code, message, tmp_path, sqlite_golden):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--db" not in args:
        args += ["--db", str(sqlite_golden)]
    result = report(*args, "--out", str(tmp_path / "out"))
    assert result.exit_code == code, result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out").exists() and not (tmp_path / "nowhere.db").exists()
