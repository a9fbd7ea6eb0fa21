"""Alembic environment of the ledger (run by ``levy.ledger.db.upgrade``, not by hand).

The ledger upgrades its database itself when it is opened: ``upgrade`` hands this script an
open connection inside a transaction that holds the database's write lock (SQLite
``BEGIN IMMEDIATE``; a PostgreSQL advisory lock), so two processes opening a fresh database at
once migrate it exactly once.

To write a new revision, change ``levy/ledger/schema.py`` and run (from the repository root)::

    .venv/bin/python -m levy.ledger.migrate revision "what changed"

which autogenerates ``versions/NNNN_*.py`` against a scratch SQLite database; review it (and
add any trigger or data step by hand) before committing.
"""

from __future__ import annotations

from alembic import context

from levy.ledger.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when alembic is run by hand
    raise RuntimeError("the ledger's migrations run through levy.ledger.db.upgrade, with a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
