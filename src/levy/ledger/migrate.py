"""Ledger migrations (Alembic, run programmatically when a ledger is opened).

The migration scripts live inside the package (``levy/ledger/migrations``) so that they ship
in the wheel; no ``alembic.ini`` is needed. :func:`upgrade` brings a database to the newest
revision under a write lock, so concurrent openers of a fresh database migrate it once.

Developers write a new revision with ``python -m levy.ledger.migrate revision "message"``.
"""

from __future__ import annotations

import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

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


def upgrade(engine: Engine) -> str:
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


def revision(message: str) -> None:  # pragma: no cover - a developer tool
    """Autogenerate a new revision against a scratch SQLite database at head."""
    from levy.ledger.store import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/scratch.db")
        upgrade(engine)
        with engine.begin() as conn:
            command.revision(config(conn), message=message, autogenerate=True)


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m levy.ledger.migrate revision "message"')
    revision(sys.argv[2])
