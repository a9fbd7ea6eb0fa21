"""``levy review html`` from a wheel built from a clean clone, without the repository: the
notebooks and the sample batch they review ship inside the package (wheel and sdist)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ("decision_review", "monthly_reconciliation", "rates_review")


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory) -> tuple[Path, Path]:
    """(sdist, wheel built from that sdist), from a clone of the committed tree."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no clean clone to build from")
    tmp = tmp_path_factory.mktemp("clean")
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(tmp / "clone")],
                   check=True, capture_output=True, timeout=300)
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--wheel", "--no-isolation", "--outdir", str(dist),
                    str(tmp / "clone")], check=True, capture_output=True, timeout=600)
    (sdist,), (wheel,) = dist.glob("levy-*.tar.gz"), dist.glob("levy-*.whl")
    return sdist, wheel


def test_wheel_and_sdist_ship_the_notebooks(clean_build):
    sdist, wheel = clean_build
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    in_sdist = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    for name in NOTEBOOKS:
        assert f"levy/review/notebooks/{name}.ipynb" in in_wheel
        assert f"src/levy/review/notebooks/{name}.ipynb" in in_sdist
    assert {"levy/review/data/paid_orders.jsonl", "levy/review/data/golden_month.jsonl"} <= in_wheel
    assert "examples/paid_orders.jsonl" in in_sdist


def test_the_installed_wheel_runs_levy_review_html_without_the_repository(clean_build, tmp_path):
    _, wheel = clean_build
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)  # a pure-Python wheel installed without its dependencies
    out = tmp_path / "html"
    env = {**os.environ, "PYTHONPATH": str(target), "LEVY_DATA_DIR": str(tmp_path / "data")}
    code = ("import sys, levy.review as r; assert str(r.NOTEBOOKS_DIR).startswith(sys.argv[1]), r.NOTEBOOKS_DIR; "
            "from levy.cli import main; sys.argv = ['levy', 'review', 'html', '--out', sys.argv[2]]; main()")
    result = subprocess.run([sys.executable, "-c", code, str(target), str(out)], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=1500)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in out.glob("*.html")) == [f"{n}.html" for n in NOTEBOOKS]
    assert "Ready to file: the returns for 2026-09" in (out / "monthly_reconciliation.html").read_text()
