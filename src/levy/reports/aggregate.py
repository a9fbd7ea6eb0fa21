"""Aggregation of collection lines, the same on pandas and on Dask.

The one pass over the lines is :func:`partial_aggregate`: a pandas function that sums a chunk of
lines (a whole frame, a Parquet record batch, or a Dask partition) into one row per
``KEY_COLUMNS`` group, with the integer minor-unit sums, the number of lines and the number of
lines whose sign breaks the schema. Partials add up, so :func:`combine` of the partials of any
split of the lines gives the same result: that is how the pandas engine streams a Parquet export
batch by batch and how the Dask engine runs the very same function on each partition of a
cluster, then gathers a few thousand rows. Everything after this step (currency conversion,
rounding, the return's tables) works on those few rows, so both engines write identical files.

Inside a chunk the groups are numbered from the category codes of the key columns (mixed
radix), so the group-by is over one integer column: several times faster than pandas' own
multi-column group-by on 10 million rows. For Parquet, :func:`partial_aggregate_arrow` takes
those codes straight from the files' dictionary encoding; both feed the same core.

>>> import pandas as pd
>>> lines = pd.DataFrame({
...     "scheme": ["EU_IOSS"] * 3, "period": ["2026-09"] * 3, "original_period": ["2026-09"] * 3,
...     "kind": ["sale"] * 3, "tax_country": ["DE", "DE", "FR"], "rate_percent": ["19", "19", "20"],
...     "currency": ["EUR"] * 3, "order_id": ["A", "B", "C"],
...     "net_minor": [1000, 2000, 500], "vat_minor": [190, 380, 100]})
>>> agg = aggregate_frame(lines)
>>> agg[["tax_country", "net_minor", "vat_minor", "rows"]].to_dict("records")
[{'tax_country': 'DE', 'net_minor': 3000, 'vat_minor': 570, 'rows': 2}, {'tax_country': 'FR', 'net_minor': 500, 'vat_minor': 100, 'rows': 1}]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from levy import currencies
from levy.countries import country_codes
from levy.money import format_rate
from levy.reports.schema import (
    AMOUNT_COLUMNS,
    KEY_COLUMNS,
    KINDS,
    PERIOD_PATTERN,
    LinesDataError,
    ReportError,
    filing_currency,
)

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as lines are read (the CLI draws a bar with it)."""

COUNT_COLUMNS: tuple[str, ...] = ("rows", "bad_sign")
PARTIAL_COLUMNS: tuple[str, ...] = KEY_COLUMNS + AMOUNT_COLUMNS + COUNT_COLUMNS
READ_COLUMNS: list[str] = list(KEY_COLUMNS + AMOUNT_COLUMNS)
"""The columns the aggregation reads: ``order_id`` is needed only to explain a difference."""
BATCH_ROWS = 1_000_000
"""Rows per record batch when the pandas engine streams a Parquet export."""
_MAX_KEY = 2**62


def partial_meta() -> pd.DataFrame:
    """An empty partial: the ``meta`` Dask needs to know the result's columns and types."""
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in KEY_COLUMNS})
    for column in AMOUNT_COLUMNS + COUNT_COLUMNS:
        frame[column] = pd.Series([], dtype=np.int64)
    return frame


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for a missing value) and the values they stand for."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), np.asarray(column.cat.categories, dtype=object)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _amounts(frame: pd.DataFrame, column: str) -> np.ndarray:
    series = frame[column]
    if not pd.api.types.is_integer_dtype(series.dtype):
        raise LinesDataError(
            column, f"must hold integers in the currency's minor unit, not {series.dtype}"
        )
    return series.to_numpy(dtype=np.int64)


def partial_aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum one chunk of collection lines by ``KEY_COLUMNS``.

    Args:
        frame: collection lines (module ``levy.reports.schema``); key columns as strings or
            categoricals; extra columns are ignored.

    Returns:
        One row per group: the key columns (``None`` where a line had no value),
        ``net_minor``, ``vat_minor``, ``rows`` (lines) and ``bad_sign`` (sale lines with a
        negative amount plus refund lines with a positive one).

    Raises:
        LinesDataError: a column is missing, or an amount column is not integer.
    """
    _require(frame.columns)
    if frame.empty:
        return partial_meta()
    levels = [(name, *_codes(frame[name])) for name in KEY_COLUMNS]
    return _aggregate_codes(levels, _amounts(frame, "net_minor"), _amounts(frame, "vat_minor"))


def partial_aggregate_arrow(batch) -> pd.DataFrame:
    """:func:`partial_aggregate` of an Arrow record batch, taking the key columns' codes straight
    from their dictionaries (Parquet's own dictionary encoding) instead of building pandas
    categoricals first; a column that is not dictionary-encoded goes through pandas."""
    import pyarrow as pa

    _require(batch.schema.names)
    if batch.num_rows == 0:
        return partial_meta()
    levels = []
    for name in KEY_COLUMNS:
        column = batch.column(name)
        if pa.types.is_dictionary(column.type) and column.null_count == 0:
            codes = column.indices.to_numpy(zero_copy_only=False)
            levels.append((name, codes, np.asarray(column.dictionary.to_pylist(), dtype=object)))
        else:
            levels.append((name, *_codes(column.to_pandas())))
    amounts = []
    for name in AMOUNT_COLUMNS:
        column = batch.column(name)
        if not pa.types.is_integer(column.type) or column.null_count:
            raise LinesDataError(name, f"must hold integers in the currency's minor unit, not {column.type}"
                                 + (" with missing values" if column.null_count else ""))
        amounts.append(column.to_numpy(zero_copy_only=False).astype(np.int64, copy=False))
    return _aggregate_codes(levels, *amounts)


def _require(columns) -> None:
    missing = [c for c in KEY_COLUMNS + AMOUNT_COLUMNS if c not in columns]
    if missing:
        raise LinesDataError(missing[0], "is missing (columns: " + ", ".join(KEY_COLUMNS + AMOUNT_COLUMNS) + ")")


def _aggregate_codes(levels: list[tuple[str, np.ndarray, np.ndarray]], net: np.ndarray, vat: np.ndarray) -> pd.DataFrame:
    """The shared core: number each line's group from its key codes (mixed radix; code -1, a
    missing value, becomes digit 0), then one pandas group-by over that one integer column."""
    radices = [len(values) + 1 for _, _, values in levels]
    if int(np.prod(radices, dtype=object)) >= _MAX_KEY:  # pragma: no cover - ~10^18 key combinations
        frame = pd.DataFrame({name: np.where(codes >= 0, values[np.maximum(codes, 0)], None)
                              for name, codes, values in levels})
        return _partial_by_columns(frame, net, vat)
    # The smallest integer type that holds every group number: half the memory traffic of
    # int64 for the usual few million combinations.
    dtype = np.int32 if int(np.prod(radices, dtype=object)) < 2**31 else np.int64
    key = np.zeros(len(net), dtype=dtype)
    for (_, codes, values), radix in zip(levels, radices):
        key *= radix
        key += codes.astype(dtype, copy=False)
        key += 1
    kind_codes, kinds = levels[KEY_COLUMNS.index("kind")][1:3]
    # Sales must not be negative, refunds not positive; lines of another kind fail on their
    # kind anyway. Counted per group only when some line breaks the rule (rare, and an error).
    sale = kind_codes == _code_of(kinds, "sale")
    bad = np.where(sale, np.minimum(net, vat) < 0, np.maximum(net, vat) > 0)
    columns = {"net_minor": net, "vat_minor": vat}
    if bad.any():
        columns["bad_sign"] = bad.astype(np.int64)
    grouped = pd.DataFrame(columns).groupby(key, sort=False)
    sums = grouped.sum()
    if "bad_sign" not in sums:
        sums["bad_sign"] = 0
    sums["rows"] = grouped.size()
    rest = sums.index.to_numpy().astype(np.int64)
    out: dict[str, Any] = {}
    for (name, _, values), radix in reversed(list(zip(levels, radices))):
        codes = rest % radix - 1
        rest //= radix
        decoded = np.empty(len(codes), dtype=object)
        present = codes >= 0
        decoded[present] = values[codes[present]]
        decoded[~present] = None
        out[name] = decoded
    result = pd.DataFrame({name: out[name] for name in KEY_COLUMNS})
    for column in AMOUNT_COLUMNS + COUNT_COLUMNS:
        result[column] = sums[column].to_numpy(dtype=np.int64)
    return result


def _code_of(values: np.ndarray, wanted: str) -> int:
    hits = np.flatnonzero(values == wanted)
    return int(hits[0]) if len(hits) else -2


def _partial_by_columns(frame: pd.DataFrame, net: np.ndarray, vat: np.ndarray) -> pd.DataFrame:  # pragma: no cover
    keys = frame[list(KEY_COLUMNS)].astype(object)
    kind = keys["kind"].to_numpy()
    bad = np.where(kind == "sale", (net < 0) | (vat < 0), ((net > 0) | (vat > 0)) & (kind == "refund"))
    work = keys.assign(net_minor=net, vat_minor=vat, bad_sign=bad.astype(np.int64), rows=1)
    return work.groupby(list(KEY_COLUMNS), dropna=False, sort=False).sum().reset_index()[list(PARTIAL_COLUMNS)]


def combine(partials: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Add partial aggregates up and check the result against the schema.

    Returns:
        One row per ``KEY_COLUMNS`` group (rates normalised as the contract writes them),
        sorted by the keys, with ``net_minor``, ``vat_minor`` and ``rows``.

    Raises:
        LinesDataError: a missing key, an unknown kind, scheme, country or currency, a period
            not written ``YYYY-MM``, a sale outside its own period, a refund before its sale,
            or an amount with the wrong sign.
    """
    frames = [p for p in partials if len(p)]
    if not frames:
        return _validated(partial_meta())
    stacked = pd.concat(frames, ignore_index=True)
    for name in KEY_COLUMNS:
        stacked[name] = stacked[name].astype(object)
    return _validated(_sum_groups(stacked))


def _sum_groups(frame: pd.DataFrame) -> pd.DataFrame:
    summed = frame.groupby(list(KEY_COLUMNS), dropna=False, sort=True)[list(AMOUNT_COLUMNS + COUNT_COLUMNS)].sum()
    return summed.reset_index()


def _canonical_rate(text: str) -> str | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        return None
    if not value.is_finite() or value < 0:
        return None
    return format_rate(value)


def _validated(agg: pd.DataFrame) -> pd.DataFrame:
    """Schema checks on the aggregate: a few thousand rows stand for every line."""
    for name in KEY_COLUMNS:
        missing = agg[name].isna()
        if missing.any():
            raise LinesDataError(name, "has no value", int(agg.loc[missing, "rows"].sum()))

    def check(column: str, bad: pd.Series, msg: Callable[[Any], str], count: str = "rows") -> None:
        if bad.any():
            first = agg.loc[bad].iloc[0]
            raise LinesDataError(column, msg(first), int(agg.loc[bad, count].sum()))

    check("kind", ~agg["kind"].isin(KINDS), lambda r: f"{r['kind']!r} is not one of {', '.join(KINDS)}")
    for column in ("period", "original_period"):
        check(column, ~agg[column].map(lambda v: bool(PERIOD_PATTERN.fullmatch(str(v)))),
              lambda r, c=column: f"{r[c]!r} is not a month written YYYY-MM")
    sale = agg["kind"] == "sale"
    check("original_period", sale & (agg["original_period"] != agg["period"]),
          lambda r: f"a sale paid in {r['period']} names original period {r['original_period']}; "
                    "a sale's original period is its own")
    check("original_period", ~sale & (agg["original_period"] > agg["period"]),
          lambda r: f"a refund recorded in {r['period']} is for an order paid later, in {r['original_period']}")
    check("scheme", ~agg["scheme"].map(_known_scheme),
          lambda r: f"{r['scheme']!r} has no filing currency: no regime module declares it (FILINGS)")
    check("tax_country", ~agg["tax_country"].isin(country_codes()),
          lambda r: f"{r['tax_country']!r} is not an ISO 3166-1 alpha-2 code")
    check("currency", ~agg["currency"].map(currencies.is_known),
          lambda r: f"{r['currency']!r} is not an ISO 4217 code")
    canonical = agg["rate_percent"].map(_canonical_rate)
    check("rate_percent", canonical.isna(), lambda r: f"{r['rate_percent']!r} is not a rate in percent")
    check("net_minor", agg["bad_sign"] > 0,
          lambda r: f"{r['scheme']} {r['tax_country']} {r['rate_percent']} {r['currency']}: sale lines "
                    "must not be negative and refund lines must not be positive (net_minor or vat_minor)",
          count="bad_sign")
    if (canonical != agg["rate_percent"]).any():  # "19.0" and "19" are one rate
        agg = _sum_groups(agg.assign(rate_percent=canonical))
    return agg.drop(columns=["bad_sign"]).reset_index(drop=True)


def _known_scheme(scheme: str) -> bool:
    try:
        filing_currency(scheme)
    except ReportError:
        return False
    return True


def aggregate_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Aggregate collection lines held in one pandas frame (every period in it)."""
    return combine([partial_aggregate(frame)])


# --- sources: where the lines are and which engine reads them -------------------------------


class FrameLines:
    """Collection lines in a pandas frame (small months, tests, the ledger's own extraction)."""

    engine = "pandas"

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def aggregate(self, period: str, progress: Progress | None = None) -> pd.DataFrame:
        agg = aggregate_frame(self.frame)
        if progress:
            progress(len(self.frame), len(self.frame))
        return agg[agg["period"] == period].reset_index(drop=True)

    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame:
        frame = self.frame
        mask = frame["period"].astype(object) == period
        for column, value in group.items():
            mask &= frame[column].astype(object) == value
        return _order_sums(frame.loc[mask])


def _order_sums(lines: pd.DataFrame) -> pd.DataFrame:
    """Per order: ``net_minor``, ``vat_minor`` and ``sale_rows`` (a sale should have one row
    per rate: more means the lines were not at the schema's grain, and ``orders`` overcounts)."""
    work = pd.DataFrame({
        "order_id": lines["order_id"].astype(object).to_numpy(),
        "net_minor": lines["net_minor"].to_numpy(dtype=np.int64),
        "vat_minor": lines["vat_minor"].to_numpy(dtype=np.int64),
        "sale_rows": (lines["kind"].astype(object) == "sale").to_numpy(dtype=np.int64),
    })
    return work.groupby("order_id", sort=True).sum().reset_index()


def _dataset(path: Path):
    import pyarrow.dataset as ds

    if not Path(path).exists():
        raise ReportError(f"no collection lines at {path}: run `levy export --period ... --out {path}` first")
    fmt = ds.ParquetFileFormat(
        read_options=ds.ParquetReadOptions(dictionary_columns=[c for c in KEY_COLUMNS]),
    )
    return ds.dataset(
        str(path), format=fmt, partitioning=ds.HivePartitioning.discover(infer_dictionary=True),
        exclude_invalid_files=True,
    )


def _period_filter(dataset, period: str, group: Mapping[str, str] | None = None):
    import pyarrow.dataset as ds

    names = set(dataset.schema.names)
    missing = [c for c in KEY_COLUMNS + AMOUNT_COLUMNS if c not in names]
    if missing:
        raise LinesDataError(missing[0], f"is missing from the Parquet files (columns: {', '.join(sorted(names))})")
    expression = ds.field("period") == period
    for column, value in (group or {}).items():
        expression &= ds.field(column) == value
    return expression


class ParquetLines:
    """Collection lines in a Parquet dataset (``levy export``), read by the pandas engine.

    The month's files are streamed in record batches of :data:`BATCH_ROWS` lines (Arrow reads
    ahead on its own threads), so memory stays flat whatever the size of the month.
    """

    engine = "pandas"

    def __init__(self, path: str | os.PathLike, batch_rows: int = BATCH_ROWS) -> None:
        self.path = Path(path)
        self.batch_rows = batch_rows

    def aggregate(self, period: str, progress: Progress | None = None) -> pd.DataFrame:
        dataset = _dataset(self.path)
        where = _period_filter(dataset, period)
        total = dataset.count_rows(filter=where)
        partials, done = [], 0
        scanner = dataset.scanner(columns=READ_COLUMNS, filter=where, batch_size=self.batch_rows)
        for batch in scanner.to_batches():
            if batch.num_rows:
                partials.append(partial_aggregate_arrow(batch))
                done += batch.num_rows
                if progress:
                    progress(done, total)
        agg = combine(partials)
        return agg[agg["period"] == period].reset_index(drop=True)

    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame:
        dataset = _dataset(self.path)
        table = dataset.to_table(columns=["order_id", "kind", *AMOUNT_COLUMNS], filter=_period_filter(dataset, period, group))
        return _order_sums(table.to_pandas())


def _partial_of_file(root: str, path: str, period: str) -> pd.DataFrame:
    """The partial aggregate of one file of an export (a Dask task): the partition columns come
    from the file's place under ``root`` (``scheme=.../period=...``)."""
    import pyarrow.dataset as ds

    fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=list(KEY_COLUMNS)))
    dataset = ds.dataset([path], format=fmt, partition_base_dir=root,
                         partitioning=ds.HivePartitioning.discover(infer_dictionary=True))
    scanner = dataset.scanner(columns=READ_COLUMNS, filter=ds.field("period") == period, batch_size=BATCH_ROWS)
    return combine_partials([partial_aggregate_arrow(batch) for batch in scanner.to_batches()])


def combine_partials(partials: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Add partials up without the schema checks (inside a task; :func:`combine` checks)."""
    frames = [p for p in partials if len(p)]
    if not frames:
        return partial_meta()
    stacked = pd.concat(frames, ignore_index=True)
    for name in KEY_COLUMNS:
        stacked[name] = stacked[name].astype(object)
    return _sum_groups(stacked)[list(PARTIAL_COLUMNS)]


class DaskLines:
    """Collection lines in a Parquet dataset, aggregated on a Dask cluster.

    Each partition runs :func:`partial_aggregate` where it lives; only the partials (a few
    thousand rows each) travel back. With no ``client`` the current Dask scheduler is used.
    """

    engine = "dask"

    def __init__(self, path: str | os.PathLike | None = None, client: Any = None, frame: Any = None) -> None:
        if (path is None) == (frame is None):
            raise ReportError("DaskLines needs a Parquet path or a Dask dataframe, not both")
        self.path = Path(path) if path is not None else None
        self.client = client
        self.frame = frame

    def _frame(self, period: str, columns: list[str], group: Mapping[str, str] | None = None):
        import dask.dataframe as dd

        if self.frame is not None:
            frame = self.frame[self.frame["period"] == period]
            for column, value in (group or {}).items():
                frame = frame[frame[column] == value]
            return frame[columns]
        _period_filter(_dataset(self.path), period)  # the schema check, with a clear error
        filters = [("period", "==", period)] + [(c, "==", v) for c, v in (group or {}).items()]
        return dd.read_parquet(str(self.path), columns=columns, filters=filters)

    def _tasks(self, period: str) -> list:
        """One task per Parquet file of the month (each reads and sums its own file on a
        worker, through the same Arrow fast path as the pandas engine), or one per partition
        of a Dask dataframe."""
        import dask

        if self.frame is not None:
            frame = self._frame(period, READ_COLUMNS)
            return [dask.delayed(partial_aggregate)(part) for part in frame.to_delayed()]
        dataset = _dataset(self.path)
        where = _period_filter(dataset, period)
        files = [fragment.path for fragment in dataset.get_fragments(filter=where)]
        return [dask.delayed(_partial_of_file)(str(self.path), path, period) for path in files]

    def aggregate(self, period: str, progress: Progress | None = None) -> pd.DataFrame:
        import dask

        parts = self._tasks(period)
        if self.client is not None:
            from distributed import as_completed

            futures = self.client.compute(parts)
            for done, _ in enumerate(as_completed(futures), start=1):
                if progress:
                    progress(done, len(futures))
            partials = self.client.gather(futures)
        else:
            partials = list(dask.compute(*parts))
            if progress:
                progress(len(parts), len(parts))
        agg = combine(partials)
        return agg[agg["period"] == period].reset_index(drop=True)

    def order_totals(self, period: str, group: Mapping[str, str]) -> pd.DataFrame:
        frame = self._frame(period, ["order_id", "kind", *AMOUNT_COLUMNS], group)
        lines = self.client.compute(frame).result() if self.client is not None else frame.compute()
        return _order_sums(lines)
