"""Collection lines read straight from the ledger (``levy report --db``).

:class:`LedgerLines` is a lines source like ``FrameLines`` and ``ParquetLines``
(:mod:`levy.reports.aggregate`): it streams the month's lines out of the database in chunks
(``levy.ledger.queries``), sums each chunk with the same :func:`partial_aggregate` as the other
engines, and so keeps memory flat whatever the size of the month. :func:`open_month` opens the
ledger and one read transaction for both sides of the reconciliation: the lines the report sums
and the totals it is checked against see the same orders.

>>> with open_month("build/demo-ledger.db") as (lines, totals):  # doctest: +SKIP
...     report, checked = make_report(lines, "2026-09", ledger=totals)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from levy.ledger.queries import CHUNK_ROWS, reading
from levy.ledger.store import Ledger, resolve_url
from levy.reports.aggregate import Progress, _order_sums, combine, partial_aggregate
from levy.reports.schema import LINE_COLUMNS, ReportError


class LedgerMissing(ReportError):
    """``--db`` names a SQLite file that does not exist (a report never creates a ledger)."""


class LedgerLines:
    """The month's collection lines, read from the ledger by the pandas engine.

    Args:
        queries: ``levy.ledger.queries.LedgerQueries`` of an open read transaction.
        chunk_rows: lines per chunk streamed out of the database.
    """

    engine = "pandas"

    def __init__(self, queries, chunk_rows: int | None = None) -> None:
        self.queries = queries
        self.chunk_rows = chunk_rows or CHUNK_ROWS

    def chunks(self, period: str, progress: Progress | None = None) -> Iterator[pd.DataFrame]:
        """The lines in chunks, reporting (lines read, lines in the month) as they come."""
        total = self.queries.count_lines(period) if progress else 0
        done = 0
        for chunk in self.queries.collection_lines(period, chunk_rows=self.chunk_rows):
            done += len(chunk)
            if progress:
                progress(done, total)
            yield chunk

    def frame(self, period: str) -> pd.DataFrame:
        """Every line of the month in one frame (to hand the month to a Dask cluster)."""
        frames = list(self.chunks(period))
        if not frames:
            return pd.DataFrame(
                {
                    c: pd.Series([], dtype="int64" if c.endswith("_minor") else object)
                    for c in LINE_COLUMNS
                }
            )
        return pd.concat(frames, ignore_index=True)

    def aggregate(self, period: str, progress: Progress | None = None) -> pd.DataFrame:
        agg = combine(partial_aggregate(chunk) for chunk in self.chunks(period, progress))
        return agg[agg["period"] == period].reset_index(drop=True)

    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame:
        frames = list(
            self.queries.collection_lines(period, group=group, chunk_rows=self.chunk_rows)
        )
        lines = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(
                {
                    c: pd.Series([], dtype="int64" if c.endswith("_minor") else object)
                    for c in LINE_COLUMNS
                }
            )
        )
        return _order_sums(lines)


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_ledger(db: str | None = None):
    """Open an existing ledger for reading (``--db``, else ``LEVY_DATABASE_URL``, else
    ``levy.db``).

    Raises:
        LedgerMissing: a SQLite file that does not exist (opening it would create an empty one).
    """
    url = resolve_url(db)
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        raise LedgerMissing(
            f"no ledger at {path}: give --db (a SQLAlchemy URL or a SQLite file), set "
            "LEVY_DATABASE_URL, or commit orders first with `levy commit`"
        )
    return Ledger(url)


@contextmanager
def open_month(db_or_ledger=None, chunk_rows: int | None = None):
    """``(LedgerLines, LedgerQueries)`` over one read transaction of a ledger.

    Args:
        db_or_ledger: an open ``levy.ledger.Ledger``, or a URL / SQLite path for
            :func:`open_ledger` (closed again on exit).
    """
    ledger = db_or_ledger if isinstance(db_or_ledger, Ledger) else open_ledger(db_or_ledger)
    try:
        with reading(ledger) as queries:
            yield LedgerLines(queries, chunk_rows), queries
    finally:
        if ledger is not db_or_ledger:
            ledger.close()


__all__ = ["LedgerLines", "LedgerMissing", "open_ledger", "open_month"]
