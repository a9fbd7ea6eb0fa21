"""Parquet export of collection lines, partitioned by scheme and period (hive layout).

``DIR/scheme=EU_IOSS/period=2026-09/part-0.parquet``: a month's report reads only its own
directories (partition pruning), pandas streams the files batch by batch, Dask reads each file
as partitions on its workers, and DuckDB or Spark read the same files as they are. Files hold up
to :data:`ROWS_PER_FILE` lines in row groups of at least :data:`MIN_ROWS_PER_GROUP` (small row
groups make every reader slow); re-exporting a month replaces that month's directories only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from levy.reports.schema import LINE_COLUMNS, LINE_SCHEMA

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
