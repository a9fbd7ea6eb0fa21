"""API keys of the checkout service (who may call which endpoint).

A key is a random secret handed to one caller (``levy keys add NAME --role ROLE`` prints it
once). Levy stores only its SHA-256 digest, with a name and a role:

========== =======================================================
role       may call
========== =======================================================
checkout   ``POST /v1/quote``, ``POST /v1/orders``, ``POST .../refunds``, ``POST .../events``
finance    ``GET /v1/reports/...`` and the reads (``GET /v1/orders/{id}``)
compliance the reads (``GET /v1/orders/{id}``)
========== =======================================================

Why plain SHA-256 and not a password hash (bcrypt, scrypt): keys are 256 random bits drawn by
``secrets``, not words a person chose, so there is no dictionary to guess from and a slow hash
would only cost checkout latency on every call (OWASP Password Storage Cheat Sheet, "hashing
high-entropy secrets"). The presented key's digest is compared with every stored digest by
``hmac.compare_digest``, without stopping at the first match, so the time taken says nothing
about which digest bytes matched (CWE-208).

Keys come from a JSON file (``LEVY_API_KEYS_FILE``, default ``levy-keys.json``)::

    {"version": 1, "keys": [
      {"name": "checkout-web", "role": "checkout", "sha256": "<64 hex>", "created": "2026-11-23T10:00:00Z"}
    ]}

and/or from the environment, ``LEVY_API_KEYS="checkout-web:checkout:<64 hex>,finance:finance:<64 hex>"``
(for containers whose secrets arrive as variables). The file is re-read when its modification
time changes (checked at most every ``reload_seconds``), so a revoked key stops working without
a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from levy.errors import LevyError

log = logging.getLogger("levy.api")

KEY_PREFIX = "levy_"
"""Every key starts with this, so secret scanners (and the log filter) can recognise one."""
DEFAULT_KEYS_FILE = "levy-keys.json"
ENV_KEYS = "LEVY_API_KEYS"
ENV_KEYS_FILE = "LEVY_API_KEYS_FILE"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


class Role(StrEnum):
    """What a key may do (see the module docstring for the matrix)."""

    CHECKOUT = "checkout"
    FINANCE = "finance"
    COMPLIANCE = "compliance"


class KeysError(LevyError):
    """The keys file or ``LEVY_API_KEYS`` is malformed, or a keys command cannot proceed."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One stored key: never the secret, only its digest."""

    name: str
    role: Role
    sha256: str
    created: str | None = None

    @property
    def fingerprint(self) -> str:
        """The first 8 hex digits of the digest: enough to tell keys apart in a listing."""
        return self.sha256[:8]

    def as_dict(self) -> dict[str, str]:
        row = {"name": self.name, "role": self.role.value, "sha256": self.sha256}
        if self.created:
            row["created"] = self.created
        return row


def digest(key: str) -> str:
    """The SHA-256 of a key, as 64 lower-case hex digits (what the keys file stores)."""
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def new_key() -> str:
    """A fresh key: ``levy_`` and 43 URL-safe characters (256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def check_entry(name: str, role: str, sha256: str, where: str) -> ApiKey:
    """A validated key record; ``where`` prefixes any error (file, entry)."""
    if not _NAME.fullmatch(name):
        raise KeysError(f"{where}: key name {name!r} must be 1 to 64 letters, digits, '.', '_' or '-'")
    try:
        role_ = Role(role)
    except ValueError:
        raise KeysError(
            f"{where}: key {name!r} has role {role!r}; roles are {', '.join(r.value for r in Role)}"
        ) from None
    if not _HEX64.fullmatch(sha256):
        raise KeysError(f"{where}: key {name!r}: sha256 must be 64 lower-case hex digits")
    return ApiKey(name, role_, sha256)


def parse_env(value: str) -> list[ApiKey]:
    """``name:role:sha256`` entries separated by commas or whitespace (``LEVY_API_KEYS``)."""
    keys = []
    for n, entry in enumerate(re.split(r"[\s,]+", value.strip()), start=1):
        if not entry:
            continue
        parts = entry.split(":")
        if len(parts) != 3:
            raise KeysError(f"{ENV_KEYS} entry {n}: expected name:role:sha256")
        keys.append(check_entry(*parts, where=f"{ENV_KEYS} entry {n}"))
    return keys


def read_file(path: Path) -> list[ApiKey]:
    """The keys of a keys file (JSON, see the module docstring).

    Raises:
        KeysError: naming the file and the offending entry.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeysError(f"{path}: no such keys file (create one with 'levy keys add NAME --role ROLE')") from None
    except (OSError, ValueError) as exc:
        raise KeysError(f"{path}: cannot read keys file: {exc}") from None
    rows = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise KeysError(f"{path}: expected an object with a 'keys' array")
    keys = []
    for n, row in enumerate(rows):
        where = f"{path}: keys[{n}]"
        if not isinstance(row, dict) or not all(isinstance(row.get(f), str) for f in ("name", "role", "sha256")):
            raise KeysError(f"{where}: needs string fields name, role and sha256")
        key = check_entry(row["name"], row["role"], row["sha256"], where)
        created = row.get("created")
        keys.append(ApiKey(key.name, key.role, key.sha256, created if isinstance(created, str) else None))
    return keys


def write_file(path: Path, keys: list[ApiKey]) -> None:
    """Write a keys file atomically, readable by its owner only (it holds digests, not keys,
    but there is no reason to show even those)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"version": 1, "keys": [k.as_dict() for k in keys]}, out, indent=2)
        out.write("\n")
    os.replace(tmp, path)


def add_key(path: Path, name: str, role: str) -> tuple[str, ApiKey]:
    """Draw a new key for ``name``, store its digest in ``path`` and return (secret, record).

    Raises:
        KeysError: the name is taken, or the name or role is invalid.
    """
    keys = read_file(path) if path.exists() else []
    if any(k.name == name for k in keys):
        raise KeysError(f"{path}: a key named {name!r} exists; revoke it first or choose another name")
    secret = new_key()
    record = check_entry(name, role, digest(secret), where=str(path))
    record = ApiKey(record.name, record.role, record.sha256,
                    datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"))
    write_file(path, [*keys, record])
    return secret, record


def revoke_key(path: Path, name: str) -> ApiKey:
    """Remove the key named ``name`` from ``path``.

    Raises:
        KeysError: no key has that name.
    """
    keys = read_file(path)
    gone = [k for k in keys if k.name == name]
    if not gone:
        raise KeysError(f"{path}: no key named {name!r}")
    write_file(path, [k for k in keys if k.name != name])
    return gone[0]


class KeyStore:
    """The digests the service accepts, from a keys file and/or ``LEVY_API_KEYS``.

    Args:
        keys: keys given directly (tests, or already parsed from the environment).
        path: a keys file to read now and re-read when it changes.
        reload_seconds: how often, at most, to look at the file's modification time.
    """

    def __init__(self, keys: list[ApiKey] = (), path: Path | str | None = None, reload_seconds: float = 2.0) -> None:
        self._fixed = list(keys)
        self.path = Path(path) if path else None
        self.reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._checked = 0.0
        self._table: list[tuple[bytes, ApiKey]] = []
        self._load()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> KeyStore:
        """Keys from ``LEVY_API_KEYS`` and the file named by ``LEVY_API_KEYS_FILE`` (if set)."""
        env = os.environ if environ is None else environ
        fixed = parse_env(env[ENV_KEYS]) if env.get(ENV_KEYS) else []
        return cls(fixed, env.get(ENV_KEYS_FILE) or None)

    def _load(self) -> None:
        keys = list(self._fixed)
        if self.path is not None:
            self._mtime = self.path.stat().st_mtime if self.path.exists() else None
            keys += read_file(self.path)
        names = [k.name for k in keys]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise KeysError(f"key names must be unique; repeated: {', '.join(dupes)}")
        self._table = [(bytes.fromhex(k.sha256), k) for k in keys]
        self._checked = time.monotonic()

    def __len__(self) -> int:
        return len(self._table)

    @property
    def keys(self) -> list[ApiKey]:
        return [k for _, k in self._table]

    def _maybe_reload(self) -> None:
        if self.path is None or time.monotonic() - self._checked < self.reload_seconds:
            return
        with self._lock:
            if time.monotonic() - self._checked < self.reload_seconds:
                return
            self._checked = time.monotonic()
            try:
                mtime = self.path.stat().st_mtime
            except OSError:
                mtime = None
            if mtime is None and self._mtime is not None:
                # The file was deleted: its keys are revoked (a deleted file must not keep working
                # as the last good copy); keys from LEVY_API_KEYS stay.
                self._mtime = None
                self._table = [(bytes.fromhex(k.sha256), k) for k in self._fixed]
                log.warning("keys file %s was removed: its keys are revoked", self.path)
            elif mtime != self._mtime:
                try:
                    self._load()
                except KeysError as exc:
                    # A half-edited file must not lock every caller out: keep the last good
                    # table and say why the change was not taken.
                    self._mtime = mtime
                    log.error("keys file changed but was not reloaded: %s", exc)

    def identify(self, presented: str) -> ApiKey | None:
        """The stored key whose digest matches ``presented``, or None.

        Every stored digest is compared, match or not, in constant time per comparison.
        """
        self._maybe_reload()
        candidate = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
        found = None
        for stored, key in self._table:
            if hmac.compare_digest(candidate, stored):
                found = key
        return found
