"""Parquet export of collection lines, partitioned by scheme and period (hive layout).

``DIR/scheme=EU_IOSS/period=2026-09/part-0.parquet``: a month's report reads only its own
directories (partition pruning), pandas streams the files batch by batch, Dask reads each file
as partitions on its workers, and DuckDB or Spark read the same files as they are. Files hold up
to :data:`ROWS_PER_FILE` lines in row groups of at least :data:`MIN_ROWS_PER_GROUP` (small row
groups make every reader slow); re-exporting a month replaces that month's directories only.

``levy export`` (:func:`export_period`) writes a month of the ledger this way and, beside it, a
snapshot of the ledger's own totals taken in the same read transaction, so that a report made
from the files alone is still checked against the ledger to the cent
(:class:`SnapshotTotals`)::

    DIR/_ledger/period=2026-09/totals.parquet     the ledger's sums per (scheme, original
                                                  period, country, rate, currency) + orders
    DIR/_ledger/period=2026-09/orders.parquet     per order and group (explains a difference)
    DIR/_ledger/period=2026-09/export.json        when, from which ledger, how many lines

Readers of the lines never see the snapshot: Arrow, Spark and Hadoop skip paths starting with
``_`` (as they skip ``_SUCCESS`` and ``_metadata``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from levy.ledger.queries import reading
from levy.reports.reconcile import ReconciliationError, imbalances_of
from levy.reports.schema import LINE_COLUMNS, LINE_SCHEMA, ReportError, parse_period

if TYPE_CHECKING:  # pragma: no cover
    from levy.ledger.store import Ledger

ROWS_PER_FILE = 1_000_000
MIN_ROWS_PER_GROUP = 500_000
PARTITIONING = ds.partitioning(pa.schema([("scheme", pa.string()), ("period", pa.string())]), flavor="hive")


def _as_table(chunk: pd.DataFrame | pa.Table | pa.RecordBatch) -> pa.Table:
    if isinstance(chunk, pd.DataFrame):
        frame = chunk[list(LINE_COLUMNS)]
        return pa.Table.from_pandas(frame, schema=LINE_SCHEMA, preserve_index=False)
    table = pa.Table.from_batches([chunk]) if isinstance(chunk, pa.RecordBatch) else chunk
    return table.select(list(LINE_COLUMNS)).cast(LINE_SCHEMA)


def write_lines(
    chunks: pd.DataFrame | pa.Table | Iterable[pd.DataFrame | pa.Table | pa.RecordBatch],
    out: str | os.PathLike,
    rows_per_file: int = ROWS_PER_FILE,
) -> Path:
    """Write collection lines as a partitioned Parquet dataset; returns ``out``.

    Args:
        chunks: the lines, whole or as an iterable of chunks (a database cursor's pages).
        out: the dataset's root directory (created if needed).
        rows_per_file: the most lines one file holds.
    """
    if isinstance(chunks, (pd.DataFrame, pa.Table)):
        chunks = [chunks]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    def batches():
        for chunk in chunks:
            yield from _as_table(chunk).to_batches()

    reader = pa.RecordBatchReader.from_batches(LINE_SCHEMA, batches())
    ds.write_dataset(
        reader, str(out), format="parquet", partitioning=PARTITIONING,
        basename_template="part-{i}.parquet", existing_data_behavior="delete_matching",
        max_rows_per_file=rows_per_file, max_rows_per_group=min(rows_per_file, ROWS_PER_FILE),
        min_rows_per_group=min(rows_per_file, MIN_ROWS_PER_GROUP),
    )
    return out


# ---- a month of the ledger, with the snapshot of its totals -----------------------------------

SNAPSHOT_DIR = "_ledger"
"""The export's directory of ledger snapshots (ignored by every reader of the lines)."""
TOTAL_COLUMNS = ("scheme", "original_period", "tax_country", "rate_percent", "currency")
TOTALS_SCHEMA = pa.schema([(c, pa.string()) for c in TOTAL_COLUMNS]
                          + [("net_minor", pa.int64()), ("vat_minor", pa.int64()), ("orders", pa.int64())])
ORDERS_SCHEMA = pa.schema([(c, pa.string()) for c in TOTAL_COLUMNS]
                          + [("order_id", pa.string()), ("net_minor", pa.int64()), ("vat_minor", pa.int64())])


class SnapshotMissing(ReportError):
    """An export directory holds no ledger totals for the month (not written by ``levy export``)."""


def snapshot_dir(root: str | os.PathLike, period: str) -> Path:
    """``DIR/_ledger/period=YYYY-MM``."""
    parse_period(period)
    return Path(root) / SNAPSHOT_DIR / f"period={period}"


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What :func:`export_period` wrote."""

    period: str
    root: Path
    lines: int
    groups: int
    orders: int
    """Collected orders paid in the period, each counted once."""


def export_period(
    ledger: Ledger, period: str, out: str | os.PathLike, *,
    progress: Callable[[int, int], None] | None = None, rows_per_file: int = ROWS_PER_FILE,
) -> ExportResult:
    """Export a month of the ledger: its collection lines and a snapshot of its totals.

    The lines and the totals are read in one read transaction (``levy.ledger.queries``), so
    they describe the same state of the ledger even while orders are being committed. The
    month's old directories are removed first and the snapshot is written last: an export
    that was interrupted has no snapshot, and a report refuses it.

    Args:
        ledger: the open ledger.
        period: ``YYYY-MM``.
        out: the export's root directory (other months in it are kept).
        progress: called with (lines written, lines in the month).
        rows_per_file: the most lines one Parquet file holds.

    Raises:
        ReconciliationError: the ledger's amount rows do not add up to the totals it recorded
            for some order of the month; nothing is written.
    """
    parse_period(period)
    root = Path(out)
    with reading(ledger) as queries:
        imbalances = imbalances_of(queries.unbalanced(period))
        if imbalances:
            raise ReconciliationError(period, [], imbalances)
        total = queries.count_lines(period)
        snapshot = snapshot_dir(root, period)
        shutil.rmtree(snapshot, ignore_errors=True)
        for old in root.glob(f"scheme=*/period={period}"):
            shutil.rmtree(old)
        snapshot.mkdir(parents=True)
        written = 0
        orders_path = snapshot / "orders.parquet.tmp"
        with pq.ParquetWriter(orders_path, ORDERS_SCHEMA) as per_order:

            def chunks():
                nonlocal written
                for chunk in queries.collection_lines(period):
                    # The same rows, at the grain the reconciliation explains a difference with.
                    per_order.write_table(pa.Table.from_pandas(
                        chunk[[*TOTAL_COLUMNS, "order_id", "net_minor", "vat_minor"]],
                        schema=ORDERS_SCHEMA, preserve_index=False))
                    written += len(chunk)
                    if progress:
                        progress(written, total)
                    yield chunk

            write_lines(chunks(), root, rows_per_file=rows_per_file)
        totals = queries.totals(period)
        pq.write_table(pa.Table.from_pandas(totals[list(TOTALS_SCHEMA.names)], schema=TOTALS_SCHEMA,
                                            preserve_index=False), snapshot / "totals.parquet.tmp")
        result = ExportResult(period, root, written, len(totals), queries.count_orders(period))
    _finish(snapshot, {"period": period, "exported_at": _now(), "ledger": _shown_url(ledger.url),
                       "lines": written, "groups": result.groups, "orders_paid": result.orders})
    if progress and not total:
        progress(0, 0)
    return result


def write_snapshot(
    root: str | os.PathLike, period: str, totals: pd.DataFrame, orders: pd.DataFrame, source: str,
) -> Path:
    """Save a ledger's totals beside collection lines that were exported some other way (a
    warehouse job, a test): the files :func:`export_period` writes, from frames.

    Args:
        root: the export's root directory.
        period: ``YYYY-MM``.
        totals: ``LedgerTotals.totals(period)``: ``GROUP`` + ``net_minor, vat_minor, orders``.
        orders: per order and group: ``GROUP`` + ``order_id, net_minor, vat_minor``.
        source: where the totals come from (recorded in ``export.json``).

    Returns:
        The snapshot's directory.
    """
    snapshot = snapshot_dir(root, period)
    shutil.rmtree(snapshot, ignore_errors=True)
    snapshot.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(orders[list(ORDERS_SCHEMA.names)], schema=ORDERS_SCHEMA,
                                        preserve_index=False), snapshot / "orders.parquet.tmp")
    pq.write_table(pa.Table.from_pandas(totals[list(TOTALS_SCHEMA.names)], schema=TOTALS_SCHEMA,
                                        preserve_index=False), snapshot / "totals.parquet.tmp")
    _finish(snapshot, {"period": period, "exported_at": _now(), "ledger": source,
                       "lines": None, "groups": len(totals), "orders_paid": None})
    return snapshot


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _finish(snapshot: Path, manifest: dict[str, Any]) -> None:
    """Write ``export.json``, then rename the snapshot's files into place: only once everything
    is written, so a snapshot is there whole or not at all."""
    (snapshot / "export.json.tmp").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for name in ("orders.parquet", "totals.parquet", "export.json"):
        (snapshot / f"{name}.tmp").replace(snapshot / name)


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class SnapshotTotals:
    """The ledger's totals as ``levy export`` saved them beside the lines (``LedgerTotals``)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _dir(self, period: str) -> Path:
        snapshot = snapshot_dir(self.root, period)
        if not (snapshot / "totals.parquet").exists():
            raise SnapshotMissing(
                f"{self.root} holds no ledger totals for {period} to check the report against "
                f"(written by `levy export --period {period} --out {self.root}`): export the month "
                "again, or give --db to check against the ledger itself"
            )
        return snapshot

    def manifest(self, period: str) -> dict[str, Any]:
        """What the export recorded about itself (``export.json``)."""
        return json.loads((self._dir(period) / "export.json").read_text(encoding="utf-8"))

    def totals(self, period: str) -> pd.DataFrame:
        frame = pq.read_table(self._dir(period) / "totals.parquet", schema=TOTALS_SCHEMA).to_pandas()
        return frame.astype({"net_minor": "int64", "vat_minor": "int64", "orders": "int64"})

    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame:
        where = None
        for column, value in group.items():
            term = ds.field(column) == value
            where = term if where is None else where & term
        table = ds.dataset(self._dir(period) / "orders.parquet", schema=ORDERS_SCHEMA).to_table(
            columns=["order_id", "net_minor", "vat_minor"], filter=where)
        frame = table.to_pandas().astype({"net_minor": "int64", "vat_minor": "int64"})
        return frame.groupby("order_id", sort=True)[["net_minor", "vat_minor"]].sum().reset_index()
