"""The install is reproducible: uv.lock follows pyproject.toml, and .venv holds exactly the lock.

`make demo` and `make test` install with `uv sync --locked`, which already refuses a stale lock;
these tests say so again from inside the suite, so a hand-edited pyproject.toml or a package
installed by hand fails `make test` with the names of what differs.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCKED = {canonicalize_name(p["name"]): p for p in LOCK["package"]}
# A package may be locked at several versions, one per Python range (numpy for 3.11 and 3.12+).
LOCKED_VERSIONS: dict[str, set[str]] = {}
for _package in LOCK["package"]:
    LOCKED_VERSIONS.setdefault(canonicalize_name(_package["name"]), set()).add(_package["version"])


def _requirement_key(name: str, extras, specifier: str, marker: str | None) -> tuple:
    return (canonicalize_name(name), tuple(sorted(extras or ())), str(specifier or ""), marker or "")


def _from_pyproject(texts) -> set[tuple]:
    keys = set()
    for text in texts:
        if isinstance(text, dict):  # {include-group = "..."}: uv records the group's entries
            keys |= _from_pyproject(PYPROJECT["dependency-groups"][text["include-group"]])
            continue
        req = Requirement(text)
        keys.add(_requirement_key(req.name, req.extras, str(req.specifier),
                                  str(req.marker) if req.marker else None))
    return keys


def _from_lock(entries) -> set[tuple]:
    keys = set()
    for entry in entries:
        spec = str(Requirement(f"x{entry.get('specifier', '')}").specifier)
        keys.add(_requirement_key(entry["name"], entry.get("extras"), spec, entry.get("marker")))
    return keys


def test_lock_records_the_dependencies_of_pyproject():
    levy = LOCKED["levy"]["metadata"]
    assert _from_lock(levy["requires-dist"]) == _from_pyproject(PYPROJECT["project"]["dependencies"])


@pytest.mark.parametrize("group", sorted(PYPROJECT["dependency-groups"]))
def test_lock_records_each_dependency_group(group):
    locked = LOCKED["levy"]["metadata"]["requires-dev"].get(group)
    assert locked is not None, f"uv.lock has no group {group!r}: run `make lock`"
    assert _from_lock(locked) == _from_pyproject(PYPROJECT["dependency-groups"][group])


@pytest.mark.skipif(not (ROOT / ".venv").is_dir() or Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
                    reason="runs inside the project's .venv (make test)")
def test_installed_versions_equal_the_lock():
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    not_locked = sorted(set(installed) - set(LOCKED))
    assert not_locked == [], f"installed but not in uv.lock: {not_locked}"
    differ = {name: (version, sorted(LOCKED_VERSIONS[name])) for name, version in installed.items()
              if version not in LOCKED_VERSIONS[name]}
    assert differ == {}, f"installed != locked: {differ}"
    # Every direct dependency (main and test groups) is there: the lock was installed, not a subset.
    wanted = [Requirement(t).name for t in PYPROJECT["project"]["dependencies"]]
    wanted += [Requirement(t).name for t in PYPROJECT["dependency-groups"]["test"] if isinstance(t, str)]
    missing = sorted({canonicalize_name(n) for n in wanted} - set(installed))
    assert missing == []


def test_iso4217_table_is_the_locked_one():
    import iso4217

    assert metadata.version("iso4217") == LOCKED["iso4217"]["version"]
    assert iso4217.__published__.isoformat() == "2026-01-01"
