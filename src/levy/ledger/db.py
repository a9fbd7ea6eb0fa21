"""The ledger's database: its URL, its SQLAlchemy engine and its schema migrations.

Everything that opens a connection or changes the schema lives here, below the store
(:mod:`levy.ledger.store`) and the developer tool (:mod:`levy.ledger.migrate`), which both
import it. The migration scripts live inside the package (``levy/ledger/migrations``) so that
they ship in the wheel; no ``alembic.ini`` is needed. :func:`upgrade` brings a database to the
newest revision under a write lock, so concurrent openers of a fresh database migrate it once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy import Engine as DbEngine
from sqlalchemy.exc import DBAPIError

DEFAULT_URL = "sqlite:///levy.db"
"""Where the ledger lives when neither ``--db`` nor ``LEVY_DATABASE_URL`` says otherwise."""
CHUNK_SIZE = 1000
"""Orders per transaction in :meth:`Ledger.commit`."""
RETRIES = 8


def resolve_url(url: str | None = None) -> str:
    """The database URL: ``url``, else ``LEVY_DATABASE_URL``, else ``sqlite:///levy.db``.

    A plain path means a SQLite file; ``postgresql://`` URLs use the psycopg (v3) driver.
    """
    url = url or os.environ.get("LEVY_DATABASE_URL") or DEFAULT_URL
    if "://" not in url:
        return f"sqlite:///{Path(url)}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str | None = None) -> DbEngine:
    """A SQLAlchemy engine set up for the ledger (SQLite: WAL, FULL sync, foreign keys,
    ``BEGIN IMMEDIATE`` for writes; read-only work asks for ``levy_read``)."""
    url = resolve_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    db = create_engine(url, connect_args={"timeout": 120})

    @event.listens_for(db, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # Take transaction control from the sqlite3 module: it would BEGIN DEFERRED lazily and
        # a second writer could then fail to upgrade its lock instead of waiting for it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("busy_timeout=120000", "journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(db, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("levy_read") else "BEGIN IMMEDIATE")

    return db


def now() -> datetime:
    """The current time, aware, in UTC (what ``recorded_at`` columns hold)."""
    return datetime.now(UTC)


def retryable(exc: DBAPIError) -> bool:
    """Lock timeouts, deadlocks and serialisation failures: the transaction may simply be rerun."""
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "database is locked" in str(exc.orig)


MIGRATIONS = Path(__file__).parent / "migrations"
ADVISORY_LOCK_KEY = 0x4C455659  # "LEVY": serialises migrations on one PostgreSQL database


def config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged scripts (and a connection, if given)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision of the packaged scripts."""
    return ScriptDirectory.from_config(config()).get_current_head()


def current(connection: Connection) -> str | None:
    """The revision a database is at (``None`` for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: DbEngine) -> str:
    """Upgrade the database to :func:`head`, once, under a write lock; returns the revision."""
    target = head()
    # fast path: nothing to do, no lock taken (levy_read: SQLite's plain BEGIN, see make_engine)
    with engine.connect().execution_options(levy_read=True) as conn:
        if current(conn) == target:
            return target
    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, the write lock (see make_engine)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        if current(conn) != target:
            command.upgrade(config(conn), "head")
    return target


__all__ = [
    "ADVISORY_LOCK_KEY", "DEFAULT_URL", "MIGRATIONS", "RETRIES", "config", "current", "head", "make_engine",
    "now", "resolve_url", "retryable", "upgrade",
]
