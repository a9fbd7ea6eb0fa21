"""Write a new ledger migration (a developer tool; databases migrate on open, :mod:`levy.ledger.db`).

    python -m levy.ledger.migrate revision "message"

autogenerates a revision in ``levy/ledger/migrations/versions`` against a scratch SQLite
database brought to the newest revision first.
"""

from __future__ import annotations

import sys
import tempfile

from alembic import command

from levy.ledger.db import config, make_engine, upgrade


def revision(message: str) -> None:  # pragma: no cover - a developer tool
    """Autogenerate a new revision against a scratch SQLite database at head."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/scratch.db")
        upgrade(engine)
        with engine.begin() as conn:
            command.revision(config(conn), message=message, autogenerate=True)


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m levy.ledger.migrate revision "message"')
    revision(sys.argv[2])
