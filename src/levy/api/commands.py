"""``levy serve`` and ``levy keys``: the checkout service's commands.

Registered on the ``levy`` command by ``levy.cli``; imports only typer at module level, so that
``levy quote`` does not load FastAPI, uvicorn or prometheus-client.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from levy.api import auth
from levy.api.auth import DEFAULT_KEYS_FILE, ENV_KEYS_FILE
from levy.api.server import serve as run
from levy.cli_conventions import EXIT_FAILURE, EXIT_USAGE, SERVICE
from levy.errors import LevyError

keys_app = typer.Typer(no_args_is_help=True, help="Manage the service's API keys (stored as SHA-256 digests only).")

_KeysFile = Annotated[
    Optional[Path],
    typer.Option("--keys", help="keys file (default: $LEVY_API_KEYS_FILE or ./levy-keys.json)"),
]
_LegacyKeysFile = Annotated[
    Optional[Path],
    typer.Option("--file", "-f", hidden=True, help="deprecated spelling of --keys"),
]
"""``--file``/``-f``: the keys file's first name here; ``levy serve`` named it ``--keys``, which
every command now uses. Kept, hidden, so existing scripts go on working."""


def _keys_path(path: Path | None, legacy: Path | None = None) -> Path:
    if legacy is not None:
        if path is not None and path != legacy:
            typer.echo("levy: --file is the deprecated name of --keys: give one of them", err=True)
            raise typer.Exit(EXIT_USAGE)
        typer.echo("levy: --file is deprecated, use --keys", err=True)
        path = legacy
    return path or Path(os.environ.get(ENV_KEYS_FILE) or DEFAULT_KEYS_FILE)


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"levy: {exc}", err=True)
    return typer.Exit(EXIT_FAILURE)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on; keep the loopback unless a proxy or "
                                           "network policy guards the port")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8080,
    workers: Annotated[int, typer.Option(min=1, help="worker processes (one per core)")] = 1,
    db: Annotated[Optional[str], typer.Option("--db", help="ledger database: SQLAlchemy URL or SQLite file (default: $LEVY_DATABASE_URL or levy.db)")] = None,
    keys: Annotated[Optional[Path], typer.Option("--keys", help="keys file (default: $LEVY_API_KEYS_FILE "
                                                                "or ./levy-keys.json)")] = None,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="one log line per request")] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error")] = "info",
) -> None:
    """Run the checkout service: FastAPI on uvicorn (POST /v1/quote, /healthz, /metrics, ...)."""
    try:
        run(host=host, port=port, workers=workers, db_url=db, keys_file=str(keys) if keys else None,
            access_log=access_log, log_level=log_level)
    except (LevyError, OSError) as exc:
        raise _fail(exc) from None


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="who holds the key, e.g. checkout-web")],
    role: Annotated[str, typer.Option("--role", "-r", help="checkout, finance or compliance")],
    keys: _KeysFile = None,
    file: _LegacyKeysFile = None,
    env: Annotated[bool, typer.Option("--env", help="write no file: print the LEVY_API_KEYS entry instead")] = False,
) -> None:
    """Draw a new key, print it once on standard output, store only its SHA-256."""
    try:
        if env:
            secret = auth.new_key()
            record = auth.check_entry(name, role, auth.digest(secret), where="levy keys add")
            print(secret)
            typer.echo(f"add to LEVY_API_KEYS (comma-separated): {record.name}:{record.role.value}:{record.sha256}",
                       err=True)
            return
        path = _keys_path(keys, file)
        secret, record = auth.add_key(path, name, role)
    except LevyError as exc:
        raise _fail(exc) from None
    print(secret)
    typer.echo(f"key '{record.name}' (role {record.role.value}, fingerprint {record.fingerprint}) stored as "
               f"a SHA-256 digest in {path}. The key above is shown once: hand it to its holder now.", err=True)


@keys_app.command("list")
def keys_list(keys: _KeysFile = None, file: _LegacyKeysFile = None) -> None:
    """List the keys: name, role, fingerprint (first 8 hex digits of the digest), created."""
    try:
        held = auth.read_file(_keys_path(keys, file))
    except LevyError as exc:
        raise _fail(exc) from None
    for key in held:
        print(f"{key.name}\t{key.role.value}\t{key.fingerprint}\t{key.created or ''}")


@keys_app.command("revoke")
def keys_revoke(
    name: Annotated[str, typer.Argument(help="the key's name")],
    keys: _KeysFile = None,
    file: _LegacyKeysFile = None,
) -> None:
    """Remove a key; a running service stops accepting it within a few seconds."""
    path = _keys_path(keys, file)
    try:
        key = auth.revoke_key(path, name)
    except LevyError as exc:
        raise _fail(exc) from None
    typer.echo(f"revoked key '{key.name}' (role {key.role.value}, fingerprint {key.fingerprint}) in {path}",
               err=True)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``keys`` to the ``levy`` command."""
    app.command("serve", rich_help_panel=SERVICE)(serve)
    app.add_typer(keys_app, name="keys", rich_help_panel=SERVICE)


__all__ = ["register", "serve", "keys_app"]
