"""One report, three engines: in-memory pandas, pandas streaming a Parquet export, and Dask on
a local cluster. They must write the same files, byte for byte."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest
from reports.report_helpers import GOLDEN_PERIOD

from levy.reports import DaskLines, FrameLines, ParquetLines, make_report, write_lines, write_report
from levy.reports.schema import ReportError
from levy.reports.synthetic import synthetic_batches

# dask 2026.8 still calls reset_index(inplace=True), which pandas 3.1 deprecates: not ours.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None, silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def export(golden_lines, tmp_path_factory):
    """The golden lines plus 150,000 synthetic ones of the same month, exported in files of
    40,000 lines (so each scheme's month spans several files and Dask partitions)."""
    root = tmp_path_factory.mktemp("export")
    synthetic = list(synthetic_batches(150_000, GOLDEN_PERIOD, seed=11, batch=50_000))
    write_lines([golden_lines, *synthetic], root, rows_per_file=40_000)
    frame = pd.concat([golden_lines, *(t.to_pandas() for t in synthetic)], ignore_index=True)
    return root, frame


def test_the_export_is_partitioned_by_scheme_and_period(export):
    root, frame = export
    dirs = sorted(str(p.relative_to(root)) for p in root.glob("scheme=*/period=*"))
    expected = sorted({f"scheme={s}/period={p}" for s, p in zip(frame["scheme"], frame["period"])})
    assert dirs == expected
    files = list((root / f"scheme=EU_IOSS/period={GOLDEN_PERIOD}").glob("*.parquet"))
    assert len(files) > 1
    assert all(pq.ParquetFile(f).metadata.num_rows <= 40_000 for f in files)


def _written(reports, out):
    for report in reports:
        write_report(report, out)
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.glob("*/*/*.csv"))}


def test_pandas_parquet_and_dask_write_identical_files(export, client, ecb, tmp_path):
    """The month (the monthly IOSS) and its quarter (the quarterly schemes) on each engine."""
    root, frame = export
    seen = []
    sources = {
        "memory": lambda: FrameLines(frame),
        "parquet": lambda: ParquetLines(root, batch_rows=30_000),
        "dask": lambda: DaskLines(root, client=client),
    }
    reports = {
        name: [make_report(source(), period, fx=ecb,
                           progress=(lambda done, total: seen.append((done, total)))
                           if name == "parquet" and period == GOLDEN_PERIOD else None)[0]
               for period in (GOLDEN_PERIOD, "2026-Q3")]
        for name, source in sources.items()
    }
    files = {name: _written(report, tmp_path / name) for name, report in reports.items()}
    assert len(files["memory"]) == 3 * sum(len(r.schemes) for r in reports["memory"]) == 24
    assert files["parquet"] == files["memory"]
    assert files["dask"] == files["memory"]
    month = int((frame["period"] == GOLDEN_PERIOD).sum())
    assert seen[-1] == (month, month) and len(seen) > 1
    for name in ("parquet", "dask"):
        for table in ("by-country", "by-currency"):
            path = f"EU_IOSS/{GOLDEN_PERIOD}/{table}.parquet"
            assert pq.read_table(tmp_path / name / path).equals(pq.read_table(tmp_path / "memory" / path))


def test_dask_explains_an_order_like_pandas(export, client):
    root, frame = export
    group = {"scheme": "EU_IOSS", "original_period": GOLDEN_PERIOD, "tax_country": "DE",
             "rate_percent": "19", "currency": "JPY"}
    pd.testing.assert_frame_equal(
        DaskLines(root, client=client).order_totals(GOLDEN_PERIOD, group),
        ParquetLines(root).order_totals(GOLDEN_PERIOD, group),
    )


def test_a_missing_export_names_the_command(tmp_path):
    with pytest.raises(ReportError, match="levy export --period"):
        ParquetLines(tmp_path / "nowhere").aggregate(GOLDEN_PERIOD)


def test_a_dask_dataframe_aggregates_like_pandas(golden_lines, client):
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(golden_lines, npartitions=4)
    pd.testing.assert_frame_equal(
        DaskLines(frame=frame, client=client).aggregate(GOLDEN_PERIOD),
        FrameLines(golden_lines).aggregate(GOLDEN_PERIOD),
    )
