"""The wheel ships the ledger's migrations, and an installed wheel migrates a new database."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from levy.ledger.schema import metadata

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_carries_the_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("env.py", "script.py.mako", "versions/0001_initial.py"):
        assert f"levy/ledger/migrations/{name}" in names


def test_installed_wheel_opens_and_migrates_a_ledger(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    code = (
        "import levy.ledger.db as m, levy.ledger.store as s; "
        "assert 'site' in str(m.MIGRATIONS), m.MIGRATIONS; "
        "l = s.Ledger('sqlite:///ledger.db'); print(sorted(l.counts()))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                            env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    # Every table the migrations build, as the schema declares them (new tables come with migrations).
    assert result.stdout.strip() == str(sorted(t.name for t in metadata.sorted_tables))
