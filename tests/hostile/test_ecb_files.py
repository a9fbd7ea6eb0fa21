"""Issue 18: hostile ECB files: size limits before decompression, ECB currencies only, plausible
rates (``--force`` recorded), dates from 1999-01-04 to today."""

from __future__ import annotations

import io
import sqlite3
import tracemalloc
import zipfile
from datetime import date

import pytest

from levy.fx.limits import MAX_CSV_BYTES, MAX_FILE_BYTES
from levy.errors import FxDataError, FxStoreError
from levy.fx.files import read_ecb_file
from levy.fx.store import FxStore

TODAY = date(2026, 11, 20)


def history(*rows: str, header: str = "Date,USD,JPY,") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.fixture
def store(tmp_path) -> FxStore:
    return FxStore(tmp_path / "data")


def test_a_zip_bomb_is_refused_after_reading_at_most_the_limit():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("eurofxref-hist.csv", "w") as member:
            member.write(b"Date,USD,\n")
            chunk = b"0" * (1 << 20)
            for _ in range((MAX_CSV_BYTES >> 20) * 4):  # 4 times the limit
                member.write(chunk)
    bomb = buffer.getvalue()
    assert len(bomb) < 1 << 20
    tracemalloc.start()
    with pytest.raises(FxDataError, match="decompresses to more than 32 MiB"):
        read_ecb_file(bomb, "eurofxref-hist.zip", today=TODAY)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < MAX_CSV_BYTES + 8 * (1 << 20)


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path, store):
    big = tmp_path / "eurofxref-hist.csv"
    with big.open("wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(FxDataError, match="larger than 16 MiB"):
        store.import_file(big)


@pytest.mark.parametrize("code", ["ABC", "XAU", "BTC"])
def test_only_currencies_the_ecb_publishes(code):
    with pytest.raises(FxDataError, match=f"{code} is not a currency the ECB publishes") as caught:
        read_ecb_file(history("2026-11-19,1.1566,176.09,", header=f"Date,USD,{code},"), "h.csv", today=TODAY)
    assert caught.value.column == code


@pytest.mark.parametrize(("day", "ok"), [("1999-01-04", True), ("1999-01-01", False), ("2026-11-20", True),
                                         ("2026-11-23", False)])
def test_dates_from_the_first_reference_rates_to_today(day, ok):
    data = history(f"{day},1.1789,133.73,")
    if ok:
        assert read_ecb_file(data, "h.csv", today=TODAY).first == date.fromisoformat(day)
    else:
        with pytest.raises(FxDataError, match="before the ECB's first reference rates|in the future"):
            read_ecb_file(data, "h.csv", today=TODAY)


def test_a_rate_with_too_many_digits_is_refused():
    with pytest.raises(FxDataError, match="longer than 24 characters"):
        read_ecb_file(history("2026-11-19,0.0000000000000000000000000001,176.09,"), "h.csv", today=TODAY)


@pytest.mark.parametrize("rate", ["0.00000001", "1000000000000000000", "11.6"])
def test_an_implausible_rate_is_refused_and_force_records_it(tmp_path, store, rate):
    path = tmp_path / "eurofxref.csv"
    path.write_bytes(history(f"2026-11-19,{rate},176.09,"))
    with pytest.raises(FxDataError, match="more than 10 times above or below") as caught:
        store.import_file(path)
    assert "USD" in str(caught.value) and "--force" in str(caught.value)
    assert store.imports() == []
    result = store.import_file(path, force=True)
    assert "--force: 1 implausible rates accepted, first USD" in result.record.origin
    assert store.imports()[0].origin == result.record.origin


def test_a_plausible_file_imports_without_force(tmp_path, store):
    path = tmp_path / "eurofxref.csv"
    path.write_bytes(history("2026-11-19,1.1566,176.09,", "2026-11-18,1.1571,176.61,"))
    assert store.import_file(path).record.stored == 4


def test_disk_full_while_importing_is_one_line_and_keeps_the_store(tmp_path, store, monkeypatch):
    path = tmp_path / "eurofxref.csv"
    path.write_bytes(history("2026-11-19,1.1566,176.09,"))
    real_connect = sqlite3.connect

    def full(*args, **kwargs):
        con = real_connect(*args, **kwargs)
        con.execute("PRAGMA max_page_count = 2")
        return con

    monkeypatch.setattr(sqlite3, "connect", full)
    with pytest.raises(FxStoreError, match="the disk is full.*nothing of eurofxref.csv was imported"):
        store.import_file(path)
