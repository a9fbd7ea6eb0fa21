"""The wheel carries the rates/ data, and the installed package finds it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_every_rates_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("vat_rates.csv", "thresholds.csv", "regime_countries.csv", "special_territories.csv", "README.md",
                 "duties.csv", "fees.csv", "charge_vat.csv", "customs_territory.csv", "rules.csv"):
        assert f"levy/_rates/{data}" in names
    assert "levy/py.typed" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_wheel_quotes_from_its_packaged_rates(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    code = (
        "import levy.ratebook as r, levy; "
        "d = r.default_rates_dir(); "
        "assert d.name == '_rates' and 'site' in str(d), d; "
        "print(levy.Engine().quote(open(0).read()).vat_total)"
    )
    order = (ROOT / "examples" / "order.json").read_text()
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], input=order, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "8.13"
