"""Monthly report at scale: pandas and Dask against DuckDB on the same Parquet files.

Generates N synthetic collection lines of one month (default 10,000,000, ``levy.reports.
synthetic``) as a ``levy export`` dataset (partitioned by scheme and period, 1,000,000 lines a
file), then, each in a fresh process so that peak memory is its own:

* ``pandas``: ``ParquetLines(...).aggregate`` (streamed record batches) then the return's tables;
* ``dask``: ``DaskLines`` on a ``LocalCluster`` of 2 workers (threads, in process, so the peak
  RSS counts the workers), the same partial function on every partition;
* ``duckdb``: one SQL GROUP BY over the same files, the same groups and sums.

Each engine runs ``--repeat`` times (best time reported); the three aggregates must be equal.
Targets (2-core machine): pandas within 2x of DuckDB's time; peak memory under 4 GB.

Run: ``python benchmarks/bench_reports.py [--lines N] [--repeat 3]``. DuckDB and psutil are in
the ``bench`` dependency group (``pip install --group bench``). Results are printed and written
to ``benchmarks/out/bench_reports.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PERIOD = "2026-09"
KEYS = ["scheme", "period", "original_period", "kind", "tax_country", "rate_percent", "currency"]


def generate(root: Path, lines: int) -> float:
    from levy.reports.export import write_lines
    from levy.reports.synthetic import synthetic_batches

    if root.exists():
        shutil.rmtree(root)
    start = time.perf_counter()
    write_lines(synthetic_batches(lines, PERIOD), root)
    return time.perf_counter() - start


def _peak_mb() -> float:
    """This process's peak resident memory. ``VmHWM`` starts afresh at exec, unlike
    ``ru_maxrss``, which a child inherits from the parent that forked it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(engine: str, root: Path, repeat: int, result: Path) -> None:
    """Run one engine ``repeat`` times; write its timings, peak memory and aggregate."""
    import pandas as pd

    times, build_times = [], []
    agg = None
    client = None
    if engine == "dask":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    # Imports outside the timed runs: each engine is timed on its work, not on loading itself.
    if engine == "duckdb":
        import duckdb
    else:
        from levy.fx import EcbRates
        from levy.reports import DaskLines, ParquetLines, build_report
    for _ in range(repeat):
        start = time.perf_counter()
        if engine == "duckdb":
            con = duckdb.connect()
            agg = con.execute(f"""
                SELECT {', '.join(KEYS)}, SUM(net_minor)::BIGINT AS net_minor,
                       SUM(vat_minor)::BIGINT AS vat_minor, COUNT(*) AS rows
                FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true)
                WHERE period = '{PERIOD}'
                GROUP BY ALL""").df()
            con.close()
            times.append(time.perf_counter() - start)
            continue
        lines = ParquetLines(root) if engine == "pandas" else DaskLines(root, client=client)
        agg = lines.aggregate(PERIOD)
        times.append(time.perf_counter() - start)
        fx = EcbRates()
        build_start = time.perf_counter()
        report = build_report(agg, PERIOD, fx)
        build_times.append(time.perf_counter() - build_start)
        assert report.schemes
    if client is not None:
        client.close()
    frame = agg[KEYS + ["net_minor", "vat_minor", "rows"]].astype({c: object for c in KEYS})
    frame = frame.astype({"net_minor": "int64", "vat_minor": "int64", "rows": "int64"})
    frame.sort_values(KEYS).reset_index(drop=True).to_parquet(result.with_suffix(".parquet"))
    result.write_text(json.dumps({
        "engine": engine, "seconds": times, "best": min(times),
        "build_seconds": min(build_times) if build_times else None,
        "peak_mb": round(_peak_mb(), 1), "groups": int(len(frame)), "lines": int(frame["rows"].sum()),
    }))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=OUT / "report-lines")
    parser.add_argument("--reuse", action="store_true", help="keep an existing dataset of the same size")
    parser.add_argument("--child", choices=["pandas", "dask", "duckdb"], help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.repeat, args.result)
        return 0
    import pandas as pd

    OUT.mkdir(exist_ok=True)
    stamp = args.data / "_lines.txt"
    if args.reuse and stamp.exists() and stamp.read_text() == str(args.lines):
        generated = None
    else:
        generated = generate(args.data, args.lines)
        stamp.write_text(str(args.lines))
    results = {}
    for engine in ("duckdb", "pandas", "dask"):
        result = OUT / f"bench_reports_{engine}.json"
        subprocess.run([sys.executable, __file__, "--child", engine, "--data", str(args.data),
                        "--repeat", str(args.repeat), "--result", str(result)], check=True)
        results[engine] = json.loads(result.read_text())
    aggs = {e: pd.read_parquet((OUT / f"bench_reports_{e}.json").with_suffix(".parquet")) for e in results}
    same = all(aggs[e].equals(aggs["duckdb"]) for e in aggs)
    duck = results["duckdb"]["best"]
    summary = {
        "lines": args.lines, "period": PERIOD, "generate_seconds": generated, "same_aggregate": same,
        "engines": results,
        "pandas_vs_duckdb": round(results["pandas"]["best"] / duck, 2),
        "dask_vs_duckdb": round(results["dask"]["best"] / duck, 2),
        "targets": {"pandas_within_2x_duckdb": results["pandas"]["best"] <= 2 * duck,
                    "peak_under_4gb": all(r["peak_mb"] < 4096 for r in results.values())},
    }
    (OUT / "bench_reports.json").write_text(json.dumps(summary, indent=2))
    print(f"{args.lines:,} collection lines of {PERIOD} from Parquet"
          + (f" (generated in {generated:.1f} s)" if generated else ""))
    print(f"{'engine':8} {'best s':>8} {'runs s':>24} {'tables s':>9} {'peak MB':>9}")
    for engine, r in results.items():
        runs = ", ".join(f"{t:.2f}" for t in r["seconds"])
        build = f"{r['build_seconds']:.3f}" if r["build_seconds"] is not None else "-"
        print(f"{engine:8} {r['best']:8.2f} {runs:>24} {build:>9} {r['peak_mb']:9.0f}")
    print(f"pandas / DuckDB = {summary['pandas_vs_duckdb']}x, Dask / DuckDB = {summary['dask_vs_duckdb']}x; "
          f"same aggregate: {same}; targets met: {summary['targets']}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
