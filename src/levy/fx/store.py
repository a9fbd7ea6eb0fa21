"""FX store (the ECB files finance imported, kept per user in one SQLite file).

``levy fx import`` / ``levy fx update`` validate an ECB file (:func:`levy.fx.read_ecb_file`)
and keep its rates in ``<data dir>/fx.sqlite3``, where the data directory is ``LEVY_DATA_DIR``
or, by default, the per-user one ``platformdirs`` names (``~/.local/share/levy`` on Linux,
honouring ``XDG_DATA_HOME``; ``~/Library/Application Support/levy`` on macOS;
``%LOCALAPPDATA%\\levy`` on Windows). :func:`load_rates` lays the imports over the packaged
history, in import order: an imported rate wins over the packaged one and over an earlier
import for the same day; :func:`default_rates` is the one shared history quotes use.

The store is append-only: an import never changes or deletes what an earlier one stored, and
records the file's name, SHA-256, kind, span and time, so every rate can name where it came
from (``import eurofxref-hist.zip 3f2a9c1b7d4e 2026-11-23T10:54:14Z``). An import keeps only
the rates that are new or whose value differs from the imports before it, so importing the full
history every day adds one day's rates. Importing a file already imported (same SHA-256) is a
no-op. SQLite's transactions keep concurrent imports and readers consistent.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import platformdirs

from levy.errors import FxDataError, FxStoreError, storage_cause
from levy.fx.files import EcbFile, Layer, packaged_layer, read_ecb_file
from levy.fx.limits import MAX_FILE_BYTES, PLAUSIBLE_FACTOR, implausible
from levy.fx.rates import EcbRates

DB_NAME = "fx.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS fx_import (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,     -- the file's name, as given or as downloaded
    origin      TEXT NOT NULL,     -- the path or URL it was read from
    sha256      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,     -- history | daily
    imported_at TEXT NOT NULL,     -- UTC, ISO 8601, seconds, 'Z'
    first_day   TEXT NOT NULL,
    last_day    TEXT NOT NULL,
    points      INTEGER NOT NULL,  -- rates in the file
    stored      INTEGER NOT NULL   -- of which new or changed, kept in fx_rate
)""",
    # One row per import and currency, days and rates comma-joined in step: loading the full
    # history is then 40 rows, not 220,000 (an Engine reads the store when it is built).
    """CREATE TABLE IF NOT EXISTS fx_series (
    import_id INTEGER NOT NULL REFERENCES fx_import(id),
    currency  TEXT NOT NULL,
    days      TEXT NOT NULL,       -- ISO dates, ascending, comma-separated
    rates     TEXT NOT NULL,       -- the ECB file's decimal texts, same order
    PRIMARY KEY (import_id, currency)
) WITHOUT ROWID""",
)


def data_dir() -> Path:
    """Levy's data directory: ``LEVY_DATA_DIR``, else the platform's per-user data directory."""
    if env := os.environ.get("LEVY_DATA_DIR"):
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("levy", appauthor=False))


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One imported file, as the store keeps it."""

    id: int
    file: str
    origin: str
    sha256: str
    kind: str
    imported_at: str
    first: date
    last: date
    points: int
    stored: int

    @property
    def source(self) -> str:
        """How a rate from this file names its source in decisions and ``levy fx status``."""
        return f"import {self.file} {self.sha256[:12]} {self.imported_at}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    record: ImportRecord
    already: bool
    """The same file (SHA-256) was imported before (``record`` is that import): nothing stored."""
    replaced: int
    """Rates whose value differs from an earlier import's for the same day (this one wins)."""
    overrides_package: int
    """Rates whose value differs from the packaged history's for the same day (this one wins)."""


class FxStore:
    """The FX store of a data directory (default :func:`data_dir`)."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory else data_dir()
        self.path = self.directory / DB_NAME

    # ---- reading

    def _read(self) -> sqlite3.Connection | None:
        """A read-only connection, or ``None`` when nothing was ever imported here."""
        if not self.path.is_file():
            return None
        try:
            con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'fx_import'").fetchone() is None:
                con.close()  # created by an import that was refused and rolled back: nothing here
                return None
            con.execute("SELECT 1 FROM fx_import LIMIT 1")
        except sqlite3.Error as exc:
            raise FxStoreError(self.path, f"cannot be read ({exc})") from None
        return con

    def version(self) -> tuple[int, int] | None:
        """``(last import id, imports)``: changes with every import; ``None`` for an empty store."""
        con = self._read()
        if con is None:
            return None
        try:
            last, count = con.execute("SELECT max(id), count(*) FROM fx_import").fetchone()
        finally:
            con.close()
        return (last, count) if count else None

    def imports(self) -> list[ImportRecord]:
        """Every import, oldest first."""
        con = self._read()
        if con is None:
            return []
        try:
            return [_record(row) for row in con.execute(f"SELECT {_COLUMNS} FROM fx_import ORDER BY id")]
        finally:
            con.close()

    def layers(self) -> list[Layer]:
        """One layer per import that stored rates, oldest first (for :class:`levy.fx.rates.EcbRates`)."""
        con = self._read()
        if con is None:
            return []
        try:
            records = {r.id: r for r in (_record(row) for row in con.execute(
                f"SELECT {_COLUMNS} FROM fx_import ORDER BY id"))}
            series: dict[int, dict[str, tuple[list[date], list[str]]]] = {}
            for import_id, currency, days, rates in con.execute(
                "SELECT import_id, currency, days, rates FROM fx_series ORDER BY import_id, currency"
            ):
                series.setdefault(import_id, {})[currency] = (
                    list(map(date.fromisoformat, days.split(","))), rates.split(","))
        except sqlite3.Error as exc:
            raise FxStoreError(self.path, f"cannot be read ({exc})") from None
        finally:
            con.close()
        return [Layer(records[i].source, s) for i, s in sorted(series.items())]

    # ---- importing

    def import_file(self, path: Path | str, *, force: bool = False) -> ImportResult:
        """Validate an ECB file and keep its rates (see :meth:`import_bytes`).

        Raises:
            OSError: the file cannot be read.
            FxDataError: the file is larger than an ECB file can be (refused before reading it).
        """
        path = Path(path)
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise FxDataError(path.name, 0, f"larger than {MAX_FILE_BYTES >> 20} MiB: not an ECB file")
        return self.import_bytes(data, path.name, str(path.resolve()), force=force)

    def import_bytes(self, data: bytes, name: str, origin: str, *, today: date | None = None,
                     force: bool = False) -> ImportResult:
        """Validate an ECB file's bytes and keep the rates that are new or changed.

        Args:
            data: ``eurofxref-hist.zip``/``.csv`` or the daily ``eurofxref.zip``/``.csv``.
            name: the file's name (recorded, and shown in sources and errors).
            origin: where it was read from (a path or URL), recorded.
            today: for the "no date in the future" check (default: the system date).
            force: import rates outside the plausible band too (``levy.fx.limits``); the import
                records it in its ``origin``.

        Raises:
            FxDataError: the file is not a valid ECB file (naming ``file:line``), or holds a rate
                more than 10 times above or below the rate known before it; nothing stored.
            FxStoreError: the store cannot be written.
        """
        parsed = read_ecb_file(data, name, today=today)
        sha = hashlib.sha256(data).hexdigest()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise FxStoreError(self.path, f"cannot be opened for writing ({exc})") from None
        try:
            con.execute("BEGIN IMMEDIATE")  # one writer at a time; readers keep their snapshot
            for statement in _SCHEMA:  # not executescript(): it would commit the transaction
                con.execute(statement)
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            row = con.execute(f"SELECT {_COLUMNS} FROM fx_import WHERE sha256 = ?", (sha,)).fetchone()
            if row is not None:
                con.execute("ROLLBACK")
                return ImportResult(_record(row), already=True, replaced=0, overrides_package=0)
            held: dict[str, dict[str, str]] = {}
            for currency, days, rates in con.execute(
                "SELECT currency, days, rates FROM fx_series ORDER BY import_id"
            ):
                held.setdefault(currency, {}).update(zip(days.split(","), rates.split(",")))
            jumps = implausible(parsed.series, _known(held))
            if jumps and not force:
                shown = "; ".join(map(str, jumps[:3])) + (f"; {len(jumps) - 3} more" if len(jumps) > 3 else "")
                raise FxDataError(name, 0, f"{len(jumps)} rates are more than {PLAUSIBLE_FACTOR} times above "
                                           f"or below the rate before them: {shown}. Check the file; "
                                           "`levy fx import --force` imports it anyway (recorded)")
            if jumps:
                origin = f"{origin} (--force: {len(jumps)} implausible rates accepted, first {jumps[0]})"
            new: dict[str, tuple[list[str], list[str]]] = {}
            stored = replaced = 0
            for currency, (days, texts) in parsed.series.items():
                before = held.get(currency, {})
                for day, text in zip(days, texts):
                    old = before.get(day.isoformat())
                    if old is None or Decimal(old) != Decimal(text):
                        kept = new.setdefault(currency, ([], []))
                        kept[0].append(day.isoformat())
                        kept[1].append(text)
                        stored += 1
                        replaced += old is not None
            imported_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            cursor = con.execute(
                "INSERT INTO fx_import (file, origin, sha256, kind, imported_at, first_day, last_day,"
                " points, stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, origin, sha, parsed.kind, imported_at, parsed.first.isoformat(),
                 parsed.last.isoformat(), parsed.points, stored),
            )
            import_id = cursor.lastrowid
            con.executemany(
                "INSERT INTO fx_series (import_id, currency, days, rates) VALUES (?, ?, ?, ?)",
                [(import_id, c, ",".join(days), ",".join(rates)) for c, (days, rates) in new.items()],
            )
            con.execute("COMMIT")
        except FxDataError:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        except sqlite3.Error as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            cause = storage_cause(exc)
            raise FxStoreError(self.path, f"cannot be written ({cause or exc}): nothing of {name} was "
                                          "imported, the store holds what it held before") from None
        finally:
            con.close()
        record = ImportRecord(import_id, name, origin, sha, parsed.kind, imported_at, parsed.first,
                              parsed.last, parsed.points, stored)
        return ImportResult(record, False, replaced, _differences_from_package(parsed))


_COLUMNS = "id, file, origin, sha256, kind, imported_at, first_day, last_day, points, stored"


def _known(held: dict[str, dict[str, str]]) -> dict[str, tuple[list[date], list[str]]]:
    """The rates known before an import, per currency: the packaged history under the store's."""
    known: dict[str, dict[date, str]] = {}
    for currency, (days, texts) in packaged_layer().series.items():
        known[currency] = dict(zip(days, texts))
    for currency, rates in held.items():
        known.setdefault(currency, {}).update((date.fromisoformat(d), t) for d, t in rates.items())
    return {c: (sorted(r), [r[d] for d in sorted(r)]) for c, r in known.items()}


def _record(row: tuple) -> ImportRecord:
    id_, file, origin, sha, kind, imported_at, first, last, points, stored = row
    return ImportRecord(id_, file, origin, sha, kind, imported_at, date.fromisoformat(first),
                        date.fromisoformat(last), points, stored)


def _differences_from_package(parsed: EcbFile) -> int:
    """How many of the file's rates differ in value from the packaged history's same day."""
    package = packaged_layer().series
    count = 0
    for currency, (days, texts) in parsed.series.items():
        if currency not in package:
            continue
        held = dict(zip(*package[currency]))
        count += sum(
            1 for day, text in zip(days, texts)
            if day in held and Decimal(held[day]) != Decimal(text)
        )
    return count


def load_rates(data_dir: Path | str | None = None) -> EcbRates:
    """The packaged history overlaid by the files imported into ``data_dir``'s FX store.

    Args:
        data_dir: default ``LEVY_DATA_DIR``, else the per-user data directory.

    Raises:
        FxStoreError: the store exists but cannot be read.
    """
    return EcbRates([packaged_layer(), *FxStore(data_dir).layers()])


def default_rates() -> EcbRates:
    """The packaged history overlaid by the FX store of ``LEVY_DATA_DIR``: one shared, read-only
    history per store state (a new import is seen by the next ``Engine``, not by running ones)."""
    store = FxStore()
    return _rates_for(store.directory, store.version())


@lru_cache(maxsize=4)
def _rates_for(directory: Path, version: tuple[int, int] | None) -> EcbRates:
    return load_rates(directory) if version else EcbRates()


__all__ = ["DB_NAME", "FxStore", "ImportRecord", "ImportResult", "data_dir", "default_rates", "load_rates"]
